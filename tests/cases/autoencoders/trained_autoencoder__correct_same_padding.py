"""Same-padding encoder, functional decoder with separate activations."""

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


def build_decoder(latent_dimension):
    codes = keras.Input(shape=(latent_dimension,))
    x = layers.Dense(392)(codes)
    x = layers.Activation("tanh")(x)
    x = layers.Reshape((7, 7, 8))(x)
    x = layers.Conv2DTranspose(8, 2, strides=(2, 2), padding="same")(x)
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(1, 2, strides=(2, 2), padding="same")(x)
    return keras.Model(codes, layers.Activation("relu")(x))
