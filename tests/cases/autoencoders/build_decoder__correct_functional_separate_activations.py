"""Functional API with separate Activation / ReLU layers."""

import keras
from keras import layers


def build_decoder(latent_dimension):
    codes = keras.Input(shape=(latent_dimension,))
    x = layers.Dense(392)(codes)
    x = layers.Activation("tanh")(x)
    x = layers.Reshape((7, 7, 8))(x)
    x = layers.Conv2DTranspose(8, 2, strides=(2, 2), padding="same")(x)
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(1, 2, strides=(2, 2), padding="same")(x)
    return keras.Model(codes, layers.Activation("relu")(x))
