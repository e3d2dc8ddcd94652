"""Wrong: the output branch starts from ops.zeros_like(inputs) (a placeholder left in), so it ignores the image: constant output."""

import keras
from keras import layers, ops


def build_sr_network():
    inputs = keras.Input((14, 14, 1))
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = layers.UpSampling2D(2)(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)  # computed, but never used below
    placeholder = layers.UpSampling2D(2)(ops.zeros_like(inputs))  # TODO: replace by x
    outputs = layers.Conv2D(1, 3, padding="same", activation="sigmoid")(placeholder)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "mse")
    return model
