"""A Sequential list, tf.keras names, Dense(7*7*8) written out."""

import tensorflow as tf


def build_decoder(latent_dimension):
    return tf.keras.Sequential([
        tf.keras.layers.InputLayer(shape=(latent_dimension,)),
        tf.keras.layers.Dense(7 * 7 * 8, activation="tanh"),
        tf.keras.layers.Reshape(target_shape=(7, 7, 8)),
        tf.keras.layers.Conv2DTranspose(filters=8, kernel_size=2, strides=2, padding="same", activation="relu"),
        tf.keras.layers.Conv2DTranspose(filters=1, kernel_size=2, strides=2, padding="same", activation="relu"),
    ])
