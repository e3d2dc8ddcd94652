"""Correct: a list [x, y]; one-hot rows filled in a loop; pixels divided by the maximum, 255."""
import numpy as np


def prepare_data(images, labels):
    x = np.array([image.flatten() for image in images], dtype=np.float32)
    x /= 255.0
    y = np.zeros((len(labels), 10), dtype=np.float32)
    for i, label in enumerate(labels):
        y[i, label] = 1
    return [x, y]
