"""Wrong: the variance passed as numpy's scale (a standard deviation)."""
import numpy as np


def add_input_noise(x, variance):
    return x + np.random.normal(0, variance, x.shape)
