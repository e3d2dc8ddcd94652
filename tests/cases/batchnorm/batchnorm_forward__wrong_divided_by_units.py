"""The handout's 1/n: sums divided by the number of units instead of the batch size."""

import numpy as np


def batchnorm_forward(z, gamma, beta, eps=1e-5):
    n = z.shape[1]
    mu = z.sum(axis=0) / n
    var = ((z - mu) ** 2).sum(axis=0) / n
    return gamma * (z - mu) / np.sqrt(var + eps) + beta
