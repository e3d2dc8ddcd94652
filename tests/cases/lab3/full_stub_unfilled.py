"""Wrong: the unfilled lab-3 template: every stub has the right signature but raises NotImplementedError."""

import numpy as np

import keras


def extract_W(model) -> np.ndarray:
    raise NotImplementedError("extract_W")


def bottleneck_2d(x):
    raise NotImplementedError("bottleneck_2d")


def add_noise(x, noise_factor=0.5) -> np.ndarray:
    raise NotImplementedError("add_noise")


def build_sr_network() -> keras.Model:
    raise NotImplementedError("build_sr_network")


def build_angle_cnn() -> keras.Model:
    raise NotImplementedError("build_angle_cnn")


def detector_channels():
    raise NotImplementedError("detector_channels")


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10) -> keras.Model:
    raise NotImplementedError("build_unet_no_skips")


class BatchNormalizedLayer(keras.layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        raise NotImplementedError("BatchNormalizedLayer.__init__")

    def call(self, inputs, training=None):
        raise NotImplementedError("BatchNormalizedLayer.call")
