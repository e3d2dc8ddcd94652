"""Broken: linear Dense(1) head, but everything before it is frozen at random weights."""
import keras
from keras import layers


def build_angle_cnn():
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(4, 3, activation="relu", trainable=False),
        layers.MaxPooling2D(4),
        layers.Flatten(),
        layers.Dense(1),
    ])
