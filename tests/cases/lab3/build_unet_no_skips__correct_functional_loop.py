"""Correct: functional API with loops over the encoder (8, 16, 32) and decoder (32, 16, 8) filter counts."""

import keras
from keras import layers


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    def block(x, f):
        x = layers.Conv2D(f, kernel_size=3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x)

    inputs = keras.Input(input_shape)
    x = inputs
    for f in (8, 16, 32):
        x = block(x, f)
        x = layers.MaxPooling2D(pool_size=2)(x)
    x = block(x, 64)
    for f in (32, 16, 8):
        x = layers.UpSampling2D(size=2)(x)
        x = block(x, f)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)
