"""Correct: np.where(...)[0], the model called on the images directly."""
import numpy as np


def misclassified_indices(model, x, y):
    probabilities = np.asarray(model(x, training=False))
    return np.where(np.argmax(probabilities, axis=-1) != np.argmax(y, axis=-1))[0].tolist()
