"""Wrong: adds the noise into the array it was given."""
import numpy as np


def add_input_noise(x, variance):
    x += np.random.normal(0, np.sqrt(variance), x.shape)
    return x
