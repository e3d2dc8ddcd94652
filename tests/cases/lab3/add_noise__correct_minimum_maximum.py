"""Correct: Gaussian noise via np.random.randn, clipped with np.minimum/np.maximum, keeps a float dtype."""

import numpy as np


def add_noise(x, noise_factor=0.5):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    noisy = x + noise_factor * np.random.randn(*x.shape)
    return np.minimum(np.maximum(noisy, 0.0), 1.0).astype(x.dtype)
