"""Correct: bilinear UpSampling2D to 28x28 followed by a few 'same' convolutions that sharpen the result."""

import keras
from keras import layers


def build_sr_network():
    model = keras.Sequential(
        [
            keras.Input(shape=(14, 14, 1)),
            layers.UpSampling2D(size=2, interpolation="bilinear"),
            layers.Conv2D(32, 5, padding="same", activation="relu"),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model
