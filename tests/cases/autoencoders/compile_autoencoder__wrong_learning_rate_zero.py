"""A learning rate so small that nothing is learned."""

import keras
from keras import layers


def compile_autoencoder(autoencoder):
    autoencoder.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-9), loss="mse")
