"""Correct: the lab's convolutional autoencoder, fed the 14x14 image (2 poolings, 3 upsamplings, 5x5 valid conv -> 28x28).

Sizes: 14 -> pool -> 7 -> pool ('same') -> 4 -> up -> 8 -> up -> 16 -> up -> 32
-> Conv2D(1, 5, 'valid') -> 28.
"""

import keras
from keras import layers


def build_sr_network():
    inputs = keras.Input(shape=(14, 14, 1))
    # encoder
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D(2, padding="same")(x)  # 7x7
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(2, padding="same")(x)  # 4x4
    # decoder
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = layers.UpSampling2D(2)(x)  # 8x8
    x = layers.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = layers.UpSampling2D(2)(x)  # 16x16
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    x = layers.UpSampling2D(2)(x)  # 32x32
    outputs = layers.Conv2D(1, 5, activation="sigmoid", padding="valid")(x)  # 28x28
    model = keras.Model(inputs, outputs, name="sr_autoencoder")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model
