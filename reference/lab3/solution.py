"""Lab 3 (CNNs on MNIST): instructor reference solution.

Inputs are MNIST digits of shape (28, 28, 1), scaled to [0, 1], 10 classes.
This module defines every name the grader looks up:

``extract_W``             the (784, 10) kernel of a softmax-regression model
``bottleneck_2d``         squeeze the CNN's (3, 3, 32) features to 2 values
``add_noise``             Gaussian noise, clipped to [0, 1], for denoising
``build_sr_network``      14x14 -> 28x28 super-resolution network
``build_angle_cnn``       regress the rotation angle (degrees) of a digit
``detector_channels``     channel counts of the detector's three 1x1 heads
``build_unet_no_skips``   the lab's U-Net with the skip connections removed
``BatchNormalizedLayer``  wrapper: activation(batchnorm(layer(x)))

``build_unet`` (the U-Net with skips, handed out in the lab) is included for
comparison. The module imports only numpy, keras and the standard library.
"""

from __future__ import annotations

import numpy as np

import keras
from keras import layers

__all__ = [
    "extract_W",
    "bottleneck_2d",
    "add_noise",
    "build_sr_network",
    "build_angle_cnn",
    "detector_channels",
    "build_unet",
    "build_unet_no_skips",
    "BatchNormalizedLayer",
]


# --------------------------------------------------------------------------
# 1. Softmax regression: the weight images
# --------------------------------------------------------------------------


def extract_W(model: keras.Model) -> np.ndarray:
    """Return the Dense kernel of a softmax-regression model as a (784, 10) array.

    The model is ``Flatten -> Dense(10) [-> Activation('softmax')]``. Flatten
    turns a 28x28 image into 784 pixels in row-major order, so column ``k`` of
    the kernel reshaped to (28, 28) is the template the model matches against
    class ``k``: ``W.reshape(28, 28, 10)[:, :, k]``.
    """
    dense = next(layer for layer in model.layers if isinstance(layer, layers.Dense))
    kernel, _bias = dense.get_weights()  # get_weights() returns numpy copies
    return kernel


# --------------------------------------------------------------------------
# 2. A two-dimensional bottleneck
# --------------------------------------------------------------------------


def bottleneck_2d(x):
    """Squeeze the (None, 3, 3, 32) features to 2 values per image.

    A 3x3 'valid' convolution with 2 filters covers the whole 3x3 map, giving
    (None, 1, 1, 2); Flatten then yields exactly 2 values. tanh keeps the two
    coordinates in (-1, 1), which makes the 2-D embedding easy to plot.
    """
    return layers.Conv2D(2, 3, activation="tanh")(x)


# --------------------------------------------------------------------------
# 3. Denoising: noisy inputs
# --------------------------------------------------------------------------


def add_noise(x, noise_factor: float = 0.5) -> np.ndarray:
    """Return a noisy copy of ``x``: x + N(0, noise_factor^2), clipped to [0, 1].

    The result has the shape of ``x`` and a floating dtype (that of ``x`` when
    ``x`` is floating, float32 otherwise). ``x`` itself is never modified.
    """
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
    noise = np.random.normal(loc=0.0, scale=noise_factor, size=x.shape)
    return np.clip(x + noise, 0.0, 1.0).astype(dtype)


# --------------------------------------------------------------------------
# 4. Super-resolution 14x14 -> 28x28
# --------------------------------------------------------------------------


def build_sr_network() -> keras.Model:
    """A small super-resolution CNN: (None, 14, 14, 1) -> (None, 28, 28, 1).

    Features are extracted at low resolution (cheap: 14x14), a strided
    transposed convolution learns the 2x upsampling, and a final sigmoid
    convolution maps back to one channel of intensities in [0, 1].
    Compiled with Adam and binary cross-entropy (targets are in [0, 1]).
    """
    inputs = keras.Input(shape=(14, 14, 1), name="low_res")
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(x)  # 14 -> 28
    outputs = layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="high_res")(x)
    model = keras.Model(inputs, outputs, name="super_resolution")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


# --------------------------------------------------------------------------


def build_angle_cnn() -> keras.Model:
    """A CNN regressing a digit's rotation angle in degrees: (None, 28, 28, 1) -> (None, 1).

    The head is a linear Dense(1): the target is an unbounded real number
    (here an integer in [-30, 30)), so no squashing activation. Compiled with
    Adam and MSE, reporting the mean absolute error in degrees.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(1, name="angle"),  # linear output
        ],
        name="angle_cnn",
    )
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


# --------------------------------------------------------------------------
# 6. The detector's output heads
# --------------------------------------------------------------------------


def detector_channels() -> tuple[int, int, int]:
    """Channels of the (confidence, box, classes) 1x1 convolutions.

    Each cell of the 2x2 grid predicts 15 numbers: 1 objectness confidence,
    4 box coordinates (x0, y0, x1, y1) and 10 class scores.
    """
    return (1, 4, 10)


# --------------------------------------------------------------------------
# 7. U-Net with and without skip connections
# --------------------------------------------------------------------------


def _conv_block(x, filters: int):
    """The lab's block: Conv2D(f, 3, 'same') -> BatchNormalization -> ReLU."""
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_unet(input_shape=(64, 64, 1), num_classes: int = 10) -> keras.Model:
    """The lab's U-Net with skip connections (55,266 parameters for the defaults).

    As in the lab, each decoder stage runs a block, upsamples, and then joins
    the encoder's features of the same size.
    """
    inputs = keras.Input(shape=input_shape)
    s1 = _conv_block(inputs, 8)
    x = layers.MaxPooling2D(2)(s1)
    s2 = _conv_block(x, 16)
    x = layers.MaxPooling2D(2)(s2)
    s3 = _conv_block(x, 32)
    x = layers.MaxPooling2D(2)(s3)
    x = _conv_block(x, 64)

    x = _conv_block(x, 32)
    x = layers.UpSampling2D(2)(x)
    x = layers.Concatenate()([s3, x])
    x = _conv_block(x, 16)
    x = layers.UpSampling2D(2)(x)
    x = layers.Concatenate()([s2, x])
    x = _conv_block(x, 8)
    x = layers.UpSampling2D(2)(x)
    x = layers.Concatenate()([s1, x])
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="unet")


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes: int = 10) -> keras.Model:
    """The same encoder-decoder with the three Concatenate skips removed.

    Each decoder block now sees only the upsampled output of the block before
    it, so the model has 49,426 parameters for the defaults; the output is
    still (None, 64, 64, num_classes) with a softmax over the channel axis.
    """
    inputs = keras.Input(shape=input_shape)
    x = _conv_block(inputs, 8)
    x = layers.MaxPooling2D(2)(x)
    x = _conv_block(x, 16)
    x = layers.MaxPooling2D(2)(x)
    x = _conv_block(x, 32)
    x = layers.MaxPooling2D(2)(x)
    x = _conv_block(x, 64)

    x = _conv_block(x, 32)
    x = layers.UpSampling2D(2)(x)
    x = _conv_block(x, 16)
    x = layers.UpSampling2D(2)(x)
    x = _conv_block(x, 8)
    x = layers.UpSampling2D(2)(x)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="unet_no_skips")


# --------------------------------------------------------------------------
# 8. A batch-normalized layer wrapper
# --------------------------------------------------------------------------


class BatchNormalizedLayer(keras.layers.Layer):
    """Wrap ``layer`` as ``activation(BatchNormalization(layer(inputs)))``.

    Typically the wrapped layer has no activation of its own (and often
    ``use_bias=False``, since batch normalization's beta makes a bias
    redundant). ``axis`` is the feature axis normalized by
    BatchNormalization. ``training`` selects batch statistics (True) or the
    moving statistics (False / inference).

    Example::

        BatchNormalizedLayer(layers.Conv2D(32, 3), activation="relu")
    """

    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.axis = axis
        self.activation = keras.activations.get(activation)
        self.batch_norm = layers.BatchNormalization(axis=axis)

    def build(self, input_shape):
        # A wrapped layer restored by keras.layers.deserialize() may already
        # be built (with its weights); building it twice would fail.
        if not self.layer.built:
            self.layer.build(input_shape)
        if not self.batch_norm.built:
            self.batch_norm.build(self.layer.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        x = self.layer(inputs)
        x = self.batch_norm(x, training=training)
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "layer": keras.layers.serialize(self.layer),
                "axis": self.axis,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.layers.deserialize(config["layer"])
        return cls(**config)
