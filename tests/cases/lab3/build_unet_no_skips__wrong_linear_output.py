"""Wrong: the final 1x1 convolution has no softmax (linear logits), unlike the lab's U-Net."""

import keras
from keras import layers


def _block(x, f):
    x = layers.Conv2D(f, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    inputs = keras.Input(input_shape)
    x = inputs
    for f in (8, 16, 32):
        x = layers.MaxPooling2D(2)(_block(x, f))
    x = _block(x, 64)
    for f in (32, 16, 8):
        x = _block(layers.UpSampling2D(2)(x), f)
    outputs = layers.Conv2D(num_classes, 1)(x)
    return keras.Model(inputs, outputs)
