"""Correct: np.random.normal with scale np.sqrt(variance)."""
import numpy as np


def add_input_noise(x, variance):
    return x + np.random.normal(loc=0, scale=np.sqrt(variance), size=x.shape)
