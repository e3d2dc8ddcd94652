"""Wrong: never upsamples: convolutions with padding='same' keep the 14x14 size."""

import keras
from keras import layers


def build_sr_network():
    model = keras.Sequential(
        [
            keras.Input((14, 14, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
        ]
    )
    model.compile("adam", "mse")
    return model
