"""Convert to float32, divide by 255, then reshape to add the channel."""

import numpy as np


def prepare_images(images):
    x = images.astype("float32") / 255.
    return x.reshape(-1, 28, 28, 1)
