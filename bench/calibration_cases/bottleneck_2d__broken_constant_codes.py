"""Broken: the 2 codes are frozen at zero, so the classifier sees nothing (chance accuracy)."""
from keras import layers


def bottleneck_2d(x):
    return layers.Conv2D(2, 3, kernel_initializer="zeros", bias_initializer="zeros", trainable=False)(x)
