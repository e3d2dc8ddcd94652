"""Wrong: casts the noisy images to uint8 ("images are uint8"), which truncates [0, 1] floats to 0 or 1."""

import numpy as np


def add_noise(x, noise_factor=0.5):
    noisy = np.clip(x + noise_factor * np.random.normal(size=x.shape), 0.0, 1.0)
    return noisy.astype(np.uint8)
