"""Strided transposed convolutions (no UpSampling2D) and a separate Activation('sigmoid') layer."""

import keras
from keras import layers


def segmentation_decoder(features):
    x = features
    for filters in (128, 64, 32, 16):
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2D(1, 1)(x)
    return layers.Activation("sigmoid")(x)
