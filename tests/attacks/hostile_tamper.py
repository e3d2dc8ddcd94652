"""Tampering and crashes, each in its own exercise; detector_channels is honest.

Every other exercise returns a wrong answer and tries to make it look right
(or to take the sandbox down), and must get no points for it.
"""
import ctypes
import os
import sys

import keras
import numpy as np
from keras import layers

import harness.observe  # the harness is importable in the sandbox; patching it must not pay


class Endless:
    while True:  # runs when the class body is executed: loading must skip it, not hang
        pass


def extract_W(model):
    # Wrong answer (the bias), then make numpy report it as the kernel's shape.
    np.asarray = lambda value, *a, **k: np.zeros((784, 10), np.float32)
    return model.layers[1].get_weights()[1]


def bottleneck_2d(x):
    sys.setrecursionlimit(10**6)

    def deeper(n):
        return deeper(n + 1) + 1

    return deeper(0)  # overflows the C stack: a segmentation fault, not a pass


def add_noise(x, noise_factor=0.5):
    for _ in range(10**7):
        print("spam " * 100)  # ~5 GB of output, capped in the logs
    return x


def build_sr_network():
    ctypes.string_at(0)  # reads address 0: a segmentation fault


def build_angle_cnn():
    pids = []
    while True:  # fork bomb: stopped by the process cap or the timeout
        pid = os.fork()
        if pid == 0:
            while True:
                pass
        pids.append(pid)


def detector_channels():
    return (1, 4, 10)


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    # A tiny wrong model dressed up as the right one.
    keras.Model.count_params = lambda self: 49426
    harness.observe.describe_model = lambda model: {
        "is_keras_model": True, "input_shapes": [[None, 64, 64, 1]], "output_shapes": [[None, 64, 64, 10]],
        "params": 49426, "layers": [], "graph_kind": "functional",
    }
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, layers.Conv2D(num_classes, 1, activation="softmax")(inputs))


class BatchNormalizedLayer(keras.layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        sys.modules["numpy"] = None  # break numpy for whoever imports it next

    def call(self, inputs, training=None):
        return self.layer(inputs)
