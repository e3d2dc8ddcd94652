"""Correct: the lab's own U-Net cell (my_conv blocks, each decoder block then UpSampling2D, a softmax over axis 3) with its three concatenate lines deleted."""

import keras
from keras.activations import softmax
from keras.layers import Activation, BatchNormalization, Conv2D, Input, MaxPooling2D, UpSampling2D
from keras.models import Model


def _softmax_axis3(x):
    return softmax(x, axis=3)


def _my_conv(x, filters, kernel_size=3, padding="same", kernel_initializer="he_normal"):
    x = Conv2D(filters, kernel_size, padding=padding, kernel_initializer=kernel_initializer)(x)
    x = BatchNormalization()(x)
    x = Activation("relu")(x)
    return x


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    inputs = Input(shape=input_shape)
    c1 = _my_conv(inputs, filters=8)
    p1 = MaxPooling2D(pool_size=(2, 2))(c1)
    c2 = _my_conv(p1, filters=16)
    p2 = MaxPooling2D(pool_size=(2, 2))(c2)
    c3 = _my_conv(p2, filters=32)
    p3 = MaxPooling2D(pool_size=(2, 2))(c3)
    c4 = _my_conv(p3, filters=64)

    d3 = _my_conv(c4, filters=32)
    d3 = UpSampling2D(size=(2, 2))(d3)
    d2 = _my_conv(d3, filters=16)
    d2 = UpSampling2D(size=(2, 2))(d2)
    d1 = _my_conv(d2, filters=8)
    d1 = UpSampling2D(size=(2, 2))(d1)

    out = Conv2D(num_classes, 1, activation=_softmax_axis3)(d1)
    return Model(inputs, out)
