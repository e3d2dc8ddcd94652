"""Correct: pick the model variable of shape (784, 10) and return it as a numpy array."""

import numpy as np


def extract_W(model):
    (kernel,) = [w for w in model.weights if tuple(w.shape) == (784, 10)]
    return np.array(kernel.numpy())
