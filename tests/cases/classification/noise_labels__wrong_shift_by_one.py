"""Wrong: each corrupted label becomes the next class, not a random one."""
import numpy as np


def noise_labels(y, p):
    noisy = y.copy()
    rows = np.random.choice(len(y), int(p * len(y)), replace=False)
    noisy[rows] = np.roll(y[rows], 1, axis=1)
    return noisy
