"""Wrong: a 3x3 convolution with 3 filters -> (1, 1, 3), i.e. 3 values per image instead of 2."""

from keras import layers


def bottleneck_2d(x):
    return layers.Conv2D(3, 3, activation="tanh")(x)
