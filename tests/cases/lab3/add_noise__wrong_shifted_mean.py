"""Wrong: draws the noise with mean 0.5 (np.random.normal(0.5, noise_factor)), brightening every image."""

import numpy as np


def add_noise(x, noise_factor=0.5):
    noisy = x + np.random.normal(0.5, noise_factor, size=x.shape)
    return np.clip(noisy, 0.0, 1.0)
