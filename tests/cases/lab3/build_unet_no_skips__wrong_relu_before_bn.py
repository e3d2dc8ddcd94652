"""Wrong: blocks in the order Conv2D(relu) -> BatchNormalization, not Conv2D -> BN -> ReLU (same 49,426 params, different architecture)."""

import keras
from keras import layers


def _block(x, f):
    x = layers.Conv2D(f, 3, padding="same", activation="relu")(x)
    return layers.BatchNormalization()(x)


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    inputs = keras.Input(input_shape)
    x = inputs
    for f in (8, 16, 32):
        x = layers.MaxPooling2D(2)(_block(x, f))
    x = _block(x, 64)
    for f in (32, 16, 8):
        x = _block(layers.UpSampling2D(2)(x), f)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs)
