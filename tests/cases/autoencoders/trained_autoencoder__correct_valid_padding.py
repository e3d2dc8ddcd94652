"""The lab's encoder (valid padding) and decoder."""

import keras
from keras import layers


def build_encoder(latent_dimension):
    model = keras.Sequential()
    model.add(layers.Conv2D(8, (2, 2), activation="relu", input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(16, (2, 2), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(32, (2, 2), activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(latent_dimension, activation="tanh"))
    return model


def build_decoder(latent_dimension):
    model = keras.Sequential()
    model.add(layers.Dense(7 * 7 * 8, activation="tanh", input_shape=(latent_dimension,)))
    model.add(layers.Reshape((7, 7, 8)))
    model.add(layers.Conv2DTranspose(8, (2, 2), strides=2, padding="same", activation="relu"))
    model.add(layers.Conv2DTranspose(1, (2, 2), strides=2, padding="same", activation="relu"))
    return model
