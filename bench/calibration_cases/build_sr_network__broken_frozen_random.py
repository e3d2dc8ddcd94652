"""Broken: right shapes and weights, but the weights are frozen, so training changes nothing."""
import keras
from keras import layers


def build_sr_network():
    return keras.Sequential([
        keras.Input((14, 14, 1)),
        layers.UpSampling2D(2),
        layers.Conv2D(8, 3, padding="same", activation="relu", trainable=False),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
    ])
