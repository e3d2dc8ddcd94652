"""Copies the image into a larger array of zeros."""

import numpy as np


def same_conv2d(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    kh, kw = kernel.shape
    canvas = np.zeros((image.shape[0] + kh - 1, image.shape[1] + kw - 1))
    canvas[kh // 2:kh // 2 + image.shape[0], kw // 2:kw // 2 + image.shape[1]] = image
    result = np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            result[i, j] = (canvas[i:i + kh, j:j + kw] * kernel).sum()
    return result
