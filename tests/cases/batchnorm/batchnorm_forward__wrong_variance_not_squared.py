"""The handout's own formula: the variance as the mean of (z - mu), without the square."""

import numpy as np


def batchnorm_forward(z, gamma, beta, eps=1e-5):
    mu = z.mean(axis=0)
    var = (z - mu).mean(axis=0)
    return gamma * (z - mu) / np.sqrt(var + eps) + beta
