"""Forgets the padding: a valid convolution, smaller than the image."""

import numpy as np


def _valid(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def same_conv2d(image, kernel):
    return _valid(np.asarray(image, float), np.asarray(kernel, float))
