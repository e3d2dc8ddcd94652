"""Textbook convolution: the kernel is flipped first."""

import numpy as np


def conv2d(image, kernel, bias=0.0):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)[::-1, ::-1]
    if image.ndim == 2:
        image, kernel = image[..., None], kernel[..., None]
    kh, kw = kernel.shape[:2]
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out + bias
