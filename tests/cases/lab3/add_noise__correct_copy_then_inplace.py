"""Correct: work on an explicit float copy, add N(0, noise_factor^2) and clip it in place."""

import numpy as np


def add_noise(x, noise_factor=0.5):
    noisy = np.array(x, dtype=np.float64, copy=True)  # never touch the caller's array
    noisy += np.random.normal(0.0, noise_factor, size=noisy.shape)
    np.clip(noisy, 0.0, 1.0, out=noisy)
    return noisy
