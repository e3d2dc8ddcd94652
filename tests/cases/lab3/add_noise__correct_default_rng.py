"""Correct: NumPy Generator API, standard normal scaled by noise_factor, clipped to [0, 1]."""

import numpy as np

_rng = np.random.default_rng()


def add_noise(x, noise_factor=0.5):
    x = np.asarray(x, dtype=np.float32)
    noisy = x + noise_factor * _rng.standard_normal(x.shape).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0)
