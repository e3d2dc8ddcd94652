"""Statistics per example (axis=1), as layer normalization would take them."""

import numpy as np


def batchnorm_forward(z, gamma, beta, eps=1e-5):
    mu = z.mean(axis=1, keepdims=True)
    var = z.var(axis=1, keepdims=True)
    return gamma * (z - mu) / np.sqrt(var + eps) + beta
