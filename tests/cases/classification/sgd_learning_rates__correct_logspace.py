"""Correct: np.logspace(0, -3, 4), a numpy array."""
import numpy as np


def sgd_learning_rates():
    return np.logspace(0, -3, 4)
