"""Loss and optimizer objects; returns the model."""

import keras
from keras import layers


def compile_autoencoder(autoencoder):
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=keras.losses.MeanSquaredError(), metrics=["mae"])
    return autoencoder
