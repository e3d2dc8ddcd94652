"""The answers of examples/lab3/inline/complete.ipynb, written in the stub form.

The same layers, formulas and counts as the original fill-in notebook, each
inside the lab's stub function: grading both must give the same verdicts, and
bench/bench_inline.py compares how long each takes.
"""

import numpy as np
import keras
from keras.layers import Activation, BatchNormalization, Conv2D, Dense, Flatten, Input, MaxPooling2D, UpSampling2D
from keras.models import Model


def extract_W(model):
    return model.layers[-1].get_weights()[0] if isinstance(model.layers[-1], Dense) else model.layers[-2].get_weights()[0]


def bottleneck_2d(x):
    return Conv2D(2, (3, 3), activation="tanh")(x)


def add_noise(x, noise_factor=0.5):
    noisy = x + noise_factor * np.random.normal(loc=0.0, scale=1.0, size=x.shape)
    return np.clip(noisy, 0.0, 1.0)


def build_sr_network():
    sr_input = Input(shape=(14, 14, 1))
    x = Conv2D(32, (3, 3), activation="relu", padding="same")(sr_input)
    x = UpSampling2D((2, 2))(x)
    x = Conv2D(32, (3, 3), activation="relu", padding="same")(x)
    sr_output = Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    return Model(sr_input, sr_output)


def build_angle_cnn():
    angle_input = Input(shape=(28, 28, 1))
    x = Conv2D(16, (3, 3), activation="relu")(angle_input)
    x = MaxPooling2D((2, 2))(x)
    x = Conv2D(32, (3, 3), activation="relu")(x)
    x = MaxPooling2D((2, 2))(x)
    x = Flatten()(x)
    x = Dense(64, activation="relu")(x)
    return Model(angle_input, Dense(1)(x))


def detector_channels():
    return 1, 4, 10


def conv_block(x, filters):
    x = Conv2D(filters, (3, 3), padding="same")(x)
    x = BatchNormalization()(x)
    return Activation("relu")(x)


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    seg_input = Input(shape=input_shape)
    c1 = conv_block(seg_input, 8)
    c2 = conv_block(MaxPooling2D((2, 2))(c1), 16)
    c3 = conv_block(MaxPooling2D((2, 2))(c2), 32)
    b = conv_block(MaxPooling2D((2, 2))(c3), 64)
    d3 = conv_block(UpSampling2D((2, 2))(b), 32)
    d2 = conv_block(UpSampling2D((2, 2))(d3), 16)
    d1 = conv_block(UpSampling2D((2, 2))(d2), 8)
    return Model(seg_input, Conv2D(num_classes, (1, 1), activation="softmax")(d1))


class BatchNormalizedLayer(keras.layers.Layer):
    def __init__(self, layer, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.batch_norm = BatchNormalization()
        self.activation = keras.activations.get(activation)

    def call(self, inputs, training=None):
        x = self.layer(inputs)
        x = self.batch_norm(x, training=training)
        return self.activation(x)
