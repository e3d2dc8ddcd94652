"""Wrong: removes two skips but keeps the last Concatenate with the first encoder block (49,506 params)."""

import keras
from keras import layers


def _block(x, f):
    x = layers.Conv2D(f, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    inputs = keras.Input(input_shape)
    s1 = _block(inputs, 8)
    x = layers.MaxPooling2D(2)(s1)
    x = _block(x, 16)
    x = layers.MaxPooling2D(2)(x)
    x = _block(x, 32)
    x = layers.MaxPooling2D(2)(x)
    x = _block(x, 64)
    x = layers.UpSampling2D(2)(x)
    x = _block(x, 32)
    x = layers.UpSampling2D(2)(x)
    x = _block(x, 16)
    x = layers.UpSampling2D(2)(x)
    x = _block(x, 8)
    x = layers.Concatenate()([x, s1])  # forgot to remove this one
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs)
