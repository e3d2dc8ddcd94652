"""Wrong: hard-codes the lab's 0.5 instead of using the noise_factor argument."""

import numpy as np


def add_noise(x, noise_factor=0.5):
    noisy = x + 0.5 * np.random.normal(loc=0.0, scale=1.0, size=x.shape)
    return np.clip(noisy, 0.0, 1.0)
