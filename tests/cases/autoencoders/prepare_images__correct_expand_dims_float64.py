"""np.expand_dims of images / 255. (float64 kept)."""

import numpy as np


def prepare_images(images):
    return np.expand_dims(images / 255., axis=-1)
