"""Correct: the first array of model.get_weights() is the Dense kernel (Flatten has no weights)."""

import numpy as np


def extract_W(model):
    # Flatten contributes no weights, so the list is [kernel (784, 10), bias (10,)].
    return np.asarray(model.get_weights()[0])
