"""Wrong: takes p as a percentage (p / 100 of the rows)."""
import numpy as np


def noise_labels(y, p):
    noisy = y.copy()
    rows = np.random.choice(len(y), int(p / 100 * len(y)), replace=False)
    noisy[rows] = np.eye(10)[np.random.randint(0, 10, len(rows))]
    return noisy
