"""One 2-D convolution per channel, summed; nested loops as in the formula."""

import numpy as np


def conv2d_single(x, w):
    H, B = x.shape
    h, b = w.shape
    result = np.zeros((H - h + 1, B - b + 1))
    for i in range(H - h + 1):
        for j in range(B - b + 1):
            for u in range(h):
                for v in range(b):
                    result[i, j] += x[i + u, j + v] * w[u, v]
    return result


def conv2d(image, kernel, bias=0.0):
    image = np.array(image, dtype=float)
    kernel = np.array(kernel, dtype=float)
    if image.ndim == 2:
        return conv2d_single(image, kernel) + bias
    return sum(conv2d_single(image[:, :, c], kernel[:, :, c]) for c in range(image.shape[2])) + bias
