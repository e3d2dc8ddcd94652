"""Wrong: the blocks are Conv2D(relu) only, BatchNormalization forgotten (48,722 params instead of 49,426)."""

import keras
from keras import layers


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    inputs = keras.Input(input_shape)
    x = inputs
    for f in (8, 16, 32):
        x = layers.Conv2D(f, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    for f in (32, 16, 8):
        x = layers.UpSampling2D(2)(x)
        x = layers.Conv2D(f, 3, padding="same", activation="relu")(x)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs)
