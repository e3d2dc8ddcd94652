"""Functional API, padding="same" everywhere, MaxPool2D alias."""

import keras
from keras import layers


def build_encoder(latent_dimension):
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(8, 2, padding="same", activation="relu")(inputs)
    x = layers.MaxPool2D(2)(x)
    x = layers.Conv2D(16, 2, padding="same", activation="relu")(x)
    x = layers.MaxPool2D(2)(x)
    x = layers.Conv2D(32, 2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(latent_dimension, activation="tanh")(x))
