"""Wrong: the text's own version: int(n * p) rows drawn WITH replacement, so fewer distinct rows than p."""
import numpy as np
from numpy.random import choice
import keras


def noise_labels(y_hot, p):
    length = y_hot.shape[0]
    number_of_classes = y_hot.shape[1]
    noisy_indices = choice(np.arange(length), int(length * p))
    y_1hot_noisy = y_hot.copy()
    for index in noisy_indices:
        class_index = np.floor(np.random.uniform(0, number_of_classes - 0.01))
        y_1hot_noisy[index] = keras.utils.to_categorical(class_index, num_classes=number_of_classes)
    return y_1hot_noisy
