"""The encoder's last layer is zeroed and frozen: every digit gets the same code, so the decoder can only learn the mean digit."""

import keras
from keras import layers


def build_encoder(latent_dimension):
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(8, 2, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(16, 2, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(32, 2, activation="relu"), layers.Flatten(),
        layers.Dense(latent_dimension, activation="tanh", kernel_initializer="zeros", trainable=False),
    ])


def build_decoder(latent_dimension):
    return keras.Sequential([
        keras.Input((latent_dimension,)),
        layers.Dense(7 * 7 * 8, activation="tanh"), layers.Reshape((7, 7, 8)),
        layers.Conv2DTranspose(8, 2, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 2, strides=2, padding="same", activation="relu"),
    ])
