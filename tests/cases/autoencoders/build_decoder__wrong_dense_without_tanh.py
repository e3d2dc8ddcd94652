"""The Dense layer has no activation."""

import keras
from keras import layers


def build_decoder(latent_dimension):
    model = keras.Sequential()
    model.add(layers.Dense(7 * 7 * 8, input_shape=(latent_dimension,)))
    model.add(layers.Reshape((7, 7, 8)))
    model.add(layers.Conv2DTranspose(8, (2, 2), strides=2, padding="same", activation="relu"))
    model.add(layers.Conv2DTranspose(1, (2, 2), strides=2, padding="same", activation="relu"))
    return model
