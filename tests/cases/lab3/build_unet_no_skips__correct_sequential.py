"""Correct: the no-skip U-Net is a plain chain, so it is written as one keras.Sequential."""

import keras
from keras import layers


def _block(filters):
    return [
        layers.Conv2D(filters, 3, padding="same"),
        layers.BatchNormalization(),
        layers.Activation("relu"),
    ]


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    return keras.Sequential(
        [keras.Input(shape=input_shape)]
        + _block(8) + [layers.MaxPooling2D(2)]
        + _block(16) + [layers.MaxPooling2D(2)]
        + _block(32) + [layers.MaxPooling2D(2)]
        + _block(64)
        + [layers.UpSampling2D(2)] + _block(32)
        + [layers.UpSampling2D(2)] + _block(16)
        + [layers.UpSampling2D(2)] + _block(8)
        + [layers.Conv2D(num_classes, 1, activation="softmax")],
        name="unet_no_skips",
    )
