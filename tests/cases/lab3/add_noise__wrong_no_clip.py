"""Wrong: adds the Gaussian noise but forgets to clip, so values fall outside [0, 1]."""

import numpy as np


def add_noise(x, noise_factor=0.5):
    return x + noise_factor * np.random.normal(size=x.shape)
