"""Wrong: adds the noise in place (x += ...), so the caller's clean images are overwritten."""

import numpy as np


def add_noise(x, noise_factor=0.5):
    x += noise_factor * np.random.normal(size=x.shape).astype(x.dtype)
    np.clip(x, 0.0, 1.0, out=x)
    return x
