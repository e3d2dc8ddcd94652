"""Keeps one output channel per input channel instead of summing them."""

import numpy as np


def conv2d(image, kernel, bias=0.0):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    squeeze = image.ndim == 2
    if squeeze:
        image, kernel = image[..., None], kernel[..., None]
    kh, kw = kernel.shape[:2]
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1, image.shape[2]))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel, axis=(0, 1))
    out = out + bias
    return out[..., 0] if squeeze else out
