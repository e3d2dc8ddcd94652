"""Wrong: uses uniform noise in [-noise_factor, noise_factor] (np.random.uniform) instead of Gaussian noise."""

import numpy as np


def add_noise(x, noise_factor=0.5):
    noisy = x + np.random.uniform(-noise_factor, noise_factor, size=x.shape)
    return np.clip(noisy, 0.0, 1.0)
