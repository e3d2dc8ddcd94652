"""Wrong: the text's own noise, scale 0.05 (variance 0.0025) whatever the variance asked."""
from numpy.random import normal


def add_input_noise(x, variance):
    return x + normal(loc=0, scale=0.05, size=x.shape)
