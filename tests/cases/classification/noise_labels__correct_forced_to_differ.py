"""Correct: distinct rows, each given a label forced to differ from the old one."""
import numpy as np


def noise_labels(y, p):
    noisy = y.copy()
    n = len(y)
    rows = np.random.permutation(n)[: int(p * n)]
    old = y[rows].argmax(axis=1)
    new = (old + np.random.randint(1, 10, len(rows))) % 10
    noisy[rows] = 0
    noisy[rows, new] = 1
    return noisy
