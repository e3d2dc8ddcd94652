"""Wrong: returns the kernel transposed, shape (10, 784) ("one row per class")."""

import numpy as np


def extract_W(model):
    return np.transpose(model.get_weights()[0])
