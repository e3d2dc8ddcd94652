"""Wrong: a bare UpSampling2D model; right shapes but nothing to learn (no trainable weights)."""

import keras
from keras import layers


def build_sr_network():
    model = keras.Sequential([keras.Input((14, 14, 1)), layers.UpSampling2D(2)])
    model.compile("adam", "mse")
    return model
