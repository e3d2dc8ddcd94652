"""Activations as separate layers, tf.keras imports."""

from tensorflow import keras
from tensorflow.keras import layers


def build_encoder(latent_dimension):
    return keras.Sequential([
        layers.Input((28, 28, 1)),
        layers.Conv2D(8, 2), layers.Activation("relu"), layers.MaxPooling2D(),
        layers.Conv2D(16, 2), layers.ReLU(), layers.MaxPooling2D(),
        layers.Conv2D(32, 2), layers.Activation("relu"),
        layers.Flatten(),
        layers.Dense(latent_dimension), layers.Activation("tanh"),
    ])
