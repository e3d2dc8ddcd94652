"""Wrong: replaces each Concatenate by an Add of the encoder features, still a skip connection (param count stays 49,426).

The encoder and decoder blocks at each resolution have the same number of
channels (8, 16, 32), so Add needs no extra convolutions and adds no weights:
only the graph, not the parameter count, shows the skips.
"""

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
    s2 = _block(x, 16)
    x = layers.MaxPooling2D(2)(s2)
    s3 = _block(x, 32)
    x = layers.MaxPooling2D(2)(s3)
    x = _block(x, 64)
    x = layers.UpSampling2D(2)(x)
    x = layers.Add()([_block(x, 32), s3])  # "no concatenation" ...
    x = layers.UpSampling2D(2)(x)
    x = layers.Add()([_block(x, 16), s2])
    x = layers.UpSampling2D(2)(x)
    x = layers.Add()([_block(x, 8), s1])
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs)
