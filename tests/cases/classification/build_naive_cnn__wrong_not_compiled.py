"""Wrong: the model is returned uncompiled."""
import keras
from keras import layers


def build_naive_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
                             layers.Flatten(), layers.Dense(10, activation="softmax")])
