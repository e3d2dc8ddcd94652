"""Correct: a complete lab-3 submission written differently from the reference solution.

Combines several of the single-exercise correct variants in this folder:
kernel attribute for extract_W, a linear 3x3 conv bottleneck, Generator-based
noise, bilinear upsampling + convs for super-resolution, a functional angle
regressor, a Sequential no-skip U-Net and a BatchNormalizedLayer that applies
its activation through an Activation sublayer.
"""

import numpy as np

import keras
from keras import layers

_rng = np.random.default_rng()

_CONFIDENCE = 1
_BOX = 4
_NUM_CLASSES = 10


def extract_W(model):
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            return keras.ops.convert_to_numpy(layer.kernel)
    raise ValueError("the model has no layer with a kernel")


def bottleneck_2d(x):
    # (None, 3, 3, 32) -> (None, 1, 1, 2)
    return layers.Conv2D(2, (3, 3), padding="valid")(x)


def add_noise(x, noise_factor=0.5):
    x = np.asarray(x, dtype=np.float32)
    noisy = x + noise_factor * _rng.standard_normal(x.shape).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0)


def build_sr_network():
    model = keras.Sequential(
        [
            keras.Input(shape=(14, 14, 1)),
            layers.UpSampling2D(size=2, interpolation="bilinear"),
            layers.Conv2D(32, 5, padding="same", activation="relu"),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    return model


def build_angle_cnn():
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    angle = layers.Dense(1)(x)
    model = keras.Model(inputs, angle)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def detector_channels():
    return (_CONFIDENCE, _BOX, _NUM_CLASSES)


def _block(filters):
    return [layers.Conv2D(filters, 3, padding="same"), layers.BatchNormalization(), layers.Activation("relu")]


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    stack = [keras.Input(shape=input_shape)]
    for f in (8, 16, 32):
        stack += _block(f) + [layers.MaxPooling2D(2)]
    stack += _block(64)
    for f in (32, 16, 8):
        stack += [layers.UpSampling2D(2)] + _block(f)
    stack.append(layers.Conv2D(num_classes, 1, activation="softmax"))
    return keras.Sequential(stack)


class BatchNormalizedLayer(layers.Layer):
    """activation(BatchNormalization(layer(x)))."""

    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.axis = axis
        self.activation_name = activation
        self.norm = layers.BatchNormalization(axis=axis)
        self.act = layers.Activation(activation if activation is not None else "linear")

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
        self.norm.build(self.layer.compute_output_shape(input_shape))

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def call(self, inputs, training=None):
        return self.act(self.norm(self.layer(inputs), training=training))

    def get_config(self):
        config = super().get_config()
        config.update(layer=keras.layers.serialize(self.layer), axis=self.axis, activation=self.activation_name)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.layers.deserialize(config["layer"])
        return cls(**config)
