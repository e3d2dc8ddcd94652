"""Only two convolutions."""

import keras
from keras import layers


def build_encoder(latent_dimension):
    model = keras.Sequential()
    model.add(layers.Conv2D(8, (2, 2), activation="relu", input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(16, (2, 2), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(latent_dimension, activation="tanh"))
    return model
