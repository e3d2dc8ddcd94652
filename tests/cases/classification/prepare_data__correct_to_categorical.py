"""Correct: reshape(-1, 784), float32 / 255, keras.utils.to_categorical."""
import numpy as np
import keras


def prepare_data(images, labels):
    x = images.reshape(-1, 784).astype("float32") / 255
    return x, keras.utils.to_categorical(labels, num_classes=10)
