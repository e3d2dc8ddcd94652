"""Correct: the text's recipe (np.floor of np.random.uniform over all classes) on distinct rows, in a loop."""
import numpy as np
from numpy.random import choice
import keras


def noise_labels(y_hot, p):
    length, classes = y_hot.shape
    noisy = y_hot.copy()
    for index in choice(np.arange(length), int(length * p), replace=False):
        new_class = int(np.floor(np.random.uniform(0, classes)))
        noisy[index] = keras.utils.to_categorical(new_class, num_classes=classes)
    return noisy
