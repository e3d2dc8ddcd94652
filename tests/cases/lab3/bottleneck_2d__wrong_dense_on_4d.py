"""Wrong: applies Dense(2) to the 4-D tensor; Dense acts on the last axis only -> (3, 3, 2) = 18 values."""

from keras import layers


def bottleneck_2d(x):
    return layers.Dense(2, activation="tanh")(x)
