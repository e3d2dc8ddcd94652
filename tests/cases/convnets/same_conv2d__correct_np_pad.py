"""np.pad with (k - 1) // 2 on each side, then a valid convolution."""

import numpy as np


def _valid(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def same_conv2d(image, kernel):
    kernel = np.asarray(kernel, float)
    ph, pw = (kernel.shape[0] - 1) // 2, (kernel.shape[1] - 1) // 2
    return _valid(np.pad(np.asarray(image, float), [(ph, ph), (pw, pw)], mode="constant"), kernel)
