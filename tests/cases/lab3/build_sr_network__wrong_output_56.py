"""Wrong: upsamples twice (14 -> 28 -> 56), so the output is 56x56 instead of 28x28."""

import keras
from keras import layers


def build_sr_network():
    model = keras.Sequential(
        [
            keras.Input((14, 14, 1)),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.UpSampling2D(2),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.UpSampling2D(2),
            layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
        ]
    )
    model.compile("adam", "mse")
    return model
