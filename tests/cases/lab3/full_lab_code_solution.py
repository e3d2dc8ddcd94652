"""A complete lab 3 in the stub form, each blank filled the way the lab's own text intends.

Written with the lab's idioms (keras.layers imports, Model(inputs, outputs),
a tanh Conv2D before Flatten, np.random.normal plus np.clip, the lab's
autoencoder adapted to 14x14 inputs, Dense(1) as the angle head, the U-Net's
my_conv blocks with the concatenations deleted, the detector's 1/4/10 heads),
so that a student who follows the lab gets full marks.
"""

import numpy as np
import keras
from keras.activations import softmax
from keras.layers import Activation, BatchNormalization, Conv2D, Dense, Flatten, Input, MaxPooling2D, UpSampling2D
from keras.models import Model


def extract_W(model):
    W = model.layers[1].get_weights()[0]
    return W


def bottleneck_2d(x):
    x = Conv2D(2, (3, 3), activation="tanh")(x)
    return x


def add_noise(x, noise_factor=0.5):
    x_noisy = x + noise_factor * np.random.normal(loc=0.0, scale=1.0, size=x.shape)
    return np.clip(x_noisy, 0.0, 1.0)


def build_sr_network():
    inputs = Input(shape=(14, 14, 1))
    x = Conv2D(16, (3, 3), activation="relu", padding="same")(inputs)
    x = MaxPooling2D((2, 2), padding="same")(x)
    x = Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = MaxPooling2D((2, 2), padding="same")(x)
    x = Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2D(16, (3, 3), activation="relu", padding="same")(x)
    x = UpSampling2D((2, 2))(x)
    decoded = Conv2D(1, (5, 5), padding="valid", activation="sigmoid")(x)
    model = Model(inputs, decoded)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def build_angle_cnn():
    inputs = Input(shape=(28, 28, 1))
    x = Conv2D(16, (3, 3), activation="relu")(inputs)
    x = MaxPooling2D((2, 2))(x)
    x = Conv2D(32, (3, 3), activation="relu")(x)
    x = MaxPooling2D((2, 2))(x)
    x = Flatten()(x)
    x = Dense(64, activation="relu")(x)
    angle = Dense(1)(x)
    model = Model(inputs=inputs, outputs=angle)
    model.compile(optimizer="rmsprop", loss="mse")
    return model


def detector_channels():
    return (1, 4, 10)


def _softMaxAxis3(x):
    return softmax(x, axis=3)


def _my_conv(x, filters, kernel_size=3, padding="same", kernel_initializer="he_normal"):
    x = Conv2D(filters, kernel_size, padding=padding, kernel_initializer=kernel_initializer)(x)
    x = BatchNormalization()(x)
    x = Activation("relu")(x)
    return x


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    inputs = Input(shape=input_shape)
    conv1 = _my_conv(inputs, filters=8)
    pool1 = MaxPooling2D(pool_size=(2, 2))(conv1)
    conv2 = _my_conv(pool1, filters=16)
    pool2 = MaxPooling2D(pool_size=(2, 2))(conv2)
    conv3 = _my_conv(pool2, filters=32)
    pool3 = MaxPooling2D(pool_size=(2, 2))(conv3)
    conv4 = _my_conv(pool3, filters=64)
    up7 = _my_conv(conv4, filters=32)
    up7 = UpSampling2D(size=(2, 2))(up7)
    up8 = _my_conv(up7, filters=16)
    up8 = UpSampling2D(size=(2, 2))(up8)
    up9 = _my_conv(up8, filters=8)
    up9 = UpSampling2D(size=(2, 2))(up9)
    conv11 = Conv2D(num_classes, 1, activation=_softMaxAxis3)(up9)
    return Model(inputs, conv11)


class BatchNormalizedLayer(keras.layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.bn = BatchNormalization(axis=axis)
        self.activation = keras.activations.get(activation)

    def call(self, inputs, training=None):
        return self.activation(self.bn(self.layer(inputs), training=training))
