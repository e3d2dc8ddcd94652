"""Wrong: 2 filters but padding='same', so the 3x3 map is kept: (3, 3, 2) = 18 values per image."""

from keras import layers


def bottleneck_2d(x):
    return layers.Conv2D(2, 3, padding="same", activation="tanh")(x)
