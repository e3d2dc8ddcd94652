"""A third MaxPooling2D after the last convolution, as the course's published solution (and the notebooks built on it) has."""

from tensorflow.keras import Sequential
from tensorflow.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D


def build_encoder(latent_dimension):
    encoder = Sequential()
    encoder.add(Conv2D(8, (2, 2), input_shape=(28, 28, 1), activation="relu"))
    encoder.add(MaxPooling2D(2))
    encoder.add(Conv2D(16, (2, 2), activation="relu"))
    encoder.add(MaxPooling2D(2))
    encoder.add(Conv2D(32, (2, 2), activation="relu"))
    encoder.add(MaxPooling2D(2))
    encoder.add(Flatten())
    encoder.add(Dense(latent_dimension, activation="tanh"))
    return encoder
