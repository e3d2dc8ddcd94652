"""Correct: a fully-connected mapping, Flatten(196) -> Dense(784, sigmoid) -> Reshape to (28, 28, 1)."""

import keras
from keras import layers


def build_sr_network():
    inputs = keras.Input((14, 14, 1))
    x = layers.Flatten()(inputs)
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dense(28 * 28, activation="sigmoid")(x)
    outputs = layers.Reshape((28, 28, 1))(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "mse")
    return model
