"""Keras-2-era code: each mistake must come back with what changed in Keras 3."""
import numpy as np
import keras
from keras.layers.normalization import BatchNormalization  # gone in Keras 3
from keras.models import Model
from keras.layers import Input, Conv2D, Flatten, Dense
from keras.optimizers import Adam


def build_angle_cnn():
    inputs = Input((28, 28, 1))
    x = Flatten()(Conv2D(8, 3, activation="relu")(inputs))
    return Model(input=inputs, output=Dense(1)(x))  # Keras 2 keyword names


def build_sr_network():
    model = keras.Sequential([keras.Input((14, 14, 1)), keras.layers.UpSampling2D(), Conv2D(1, 3, padding="same")])
    model.compile(optimizer=Adam(lr=0.001), loss="mse")  # `lr` was renamed
    return model


class BatchNormalizedLayer(keras.layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.bn = BatchNormalization(axis=axis)  # NameError: the import above failed
        self.activation = keras.activations.get(activation)

    def call(self, inputs, training=None):
        return self.activation(self.bn(self.layer(inputs), training=training))
