"""Conv2DTranspose without strides: the image stays 7x7."""

import keras
from keras import layers


def build_decoder(latent_dimension):
    model = keras.Sequential()
    model.add(layers.Dense(7 * 7 * 8, activation="tanh", input_shape=(latent_dimension,)))
    model.add(layers.Reshape((7, 7, 8)))
    model.add(layers.Conv2DTranspose(8, (2, 2), padding="same", activation="relu"))
    model.add(layers.Conv2DTranspose(1, (2, 2), padding="same", activation="relu"))
    return model
