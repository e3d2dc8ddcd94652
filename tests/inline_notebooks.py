"""Build lab 3 notebooks in the original *inline fill-in* style, in many variants.

Courses hand lab 3 out as one long notebook without stub functions: the
students fill blanks (``???``) in place, in the middle of ordinary cells, and
run the notebook from top to bottom. This module writes such notebooks with
every blank filled in a chosen way, so that the grader's handling of them
(execute in a sandbox, then find the models and arrays the student made) can
be tested on realistic input.

    python tests/inline_notebooks.py        # rewrite examples/lab3/inline/*.ipynb

API (pure functions, nothing happens on import):

* :func:`build_notebook` -- one notebook; ``fills`` picks a variant key per
  exercise (see :data:`VARIANT_KEYS`), ``unet_style`` the course year's U-Net
  ("bn" or "plain"), ``keras2`` writes everything in Keras-2-era idioms.
* :func:`variants` -- the ready-made variants used by the tests (names ->
  keyword arguments of :func:`build_notebook`); :data:`EXAMPLES` names the ones
  committed under ``examples/lab3/inline/``.

What each exercise leaves behind in the notebook's namespace:

=======================  ===============================================
exercise                 result
=======================  ===============================================
extract_W                ``W`` (784, 10), the Dense kernel of ``softmax_model``
bottleneck_2d            ``bottleneck_model`` (its Flatten, ``encoded``, gives 2)
add_noise                ``x_train_noisy``, ``x_test_noisy`` (``noise_factor``)
build_sr_network         ``sr_model`` (None, 14, 14, 1) -> (None, 28, 28, 1)
build_angle_cnn          ``angle_estimator`` (None, 28, 28, 1) -> (None, 1)
detector_channels        ``detector`` (None, 64, 64, 1) -> (None, 2, 2, 15)
build_unet_no_skips      ``unet_no_skips`` (given U-Net: ``unet``)
BatchNormalizedLayer     the class ``BatchNormalizedLayer`` (demo: ``bn_demo``)
=======================  ===============================================

Every template blank is ``???``, a syntax error: a cell left blank fails as a
whole and defines nothing, so a filled copy of the cell run before it keeps
its definitions ("filled_then_template").
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = REPO / "examples" / "lab3" / "inline"

EXERCISES = (
    "extract_W",
    "bottleneck_2d",
    "add_noise",
    "build_sr_network",
    "build_angle_cnn",
    "detector_channels",
    "build_unet_no_skips",
    "BatchNormalizedLayer",
)

#: Keys every exercise accepts besides its own wrong fills.
COMMON_KEYS = ("correct", "correct_alt", "blank", "template_then_filled", "filled_then_template")

#: Realistic wrong fills per exercise (they mirror tests/cases/lab3/<exercise>__wrong_*.py).
WRONG_KEYS = {
    "extract_W": ("wrong_returns_bias", "wrong_transposed"),
    "bottleneck_2d": ("wrong_three_filters", "wrong_same_padding"),
    # Not clipping, or another noise level, are readings the lab allows (it asks
    # only for x + noise), so the inline form's wrong answers are noise that is not zero-mean.
    "add_noise": ("wrong_shifted_mean", "wrong_uniform_noise"),
    "build_sr_network": ("wrong_no_weights", "wrong_output_27"),
    "build_angle_cnn": ("wrong_sigmoid_head", "wrong_relu_head"),
    "detector_channels": ("wrong_box_two_values", "wrong_eleven_classes"),
    "build_unet_no_skips": ("wrong_keeps_last_skip", "wrong_all_skips_kept"),
    "BatchNormalizedLayer": ("wrong_activation_before_bn", "wrong_always_training"),
}

#: Every variant key accepted for each exercise.
VARIANT_KEYS = {name: COMMON_KEYS + WRONG_KEYS[name] for name in EXERCISES}

UNET_STYLES = ("bn", "plain")


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# =====================================================================
# Keras 2 / Keras 3 spelling
# =====================================================================


class _Style:
    """Turns the Keras 3 source written below into the Keras-2-era spelling when asked."""

    def __init__(self, keras2: bool, unet_style: str):
        self.keras2 = keras2
        self.unet_style = unet_style

    def __call__(self, source: str) -> str:
        source = _clean(source)
        if self.keras2:
            source = source.replace("@LOSS@", "'categorical_crossentropy'")
            source = source.replace("@Y_TRAIN@", "Y_train").replace("@Y_TEST@", "Y_test")
            # Model(a, b) -> Model(input=a, output=b)
            source = re.sub(r"\bModel\(([\w.]+), ([\w.]+)\)", r"Model(input=\1, output=\2)", source)
            # Sequential([Input(shape=S), First(...), ...]) -> Sequential([First(..., input_shape=S), ...])
            source = re.sub(
                r"Sequential\(\[\n(\s+)Input\(shape=(\([^)]*\))\),\n\s+(.*)\),\n",
                r"Sequential([\n\1\3, input_shape=\2),\n",
                source,
            )
            source = source.replace("(, input_shape=", "(input_shape=")
            source = source.replace("optimizer='adam'", "optimizer=Adam(lr=1e-3)")
            assert not re.search(r"Sequential\(\[\s+Input\(", source), source
        else:
            source = source.replace("@LOSS@", "'sparse_categorical_crossentropy'")
            source = source.replace("@Y_TRAIN@", "y_train").replace("@Y_TEST@", "y_test")
        assert "@" not in source, source
        return source


# =====================================================================
# Given cells (not graded)
# =====================================================================


def _intro(s: _Style) -> list:
    era = "Keras 2" if s.keras2 else "Keras 3"
    return [
        ("md", f"""
        # Lab 3: convolutional networks for more than classification

        We stay with MNIST, the 28x28 grey-scale handwritten digits, but ask the
        networks different questions: what do the weights of a linear model look
        like, can ten classes be separated in two dimensions, can a network clean
        up or sharpen an image, guess how far a digit is rotated, find digits in a
        larger picture and label every pixel?

        **How to work.** Run the cells from top to bottom. Wherever you see `???`
        you have to write code yourself; the cells around the blanks are given.
        Keep the variable names that the cells use: later cells rely on them.
        Training is kept short on purpose, so do not expect great numbers. The
        code is written for {era}.
        """),
        ("md", """
        ## 1. Setup and data

        Pixel values are scaled from 0..255 to 0..1 and every image gets an
        explicit channel axis, so one image has shape (28, 28, 1).
        """),
    ]


def _imports(s: _Style) -> str:
    if s.keras2:
        return """
        import numpy as np
        import matplotlib.pyplot as plt
        import tensorflow as tf

        import keras
        from keras.datasets import mnist
        from keras.models import Model, Sequential
        from keras.layers import Input, Dropout, Activation, Concatenate, GlobalAveragePooling2D
        from keras.layers.core import Dense, Flatten
        from keras.layers.convolutional import Conv2D, Conv2DTranspose, MaxPooling2D, UpSampling2D
        from keras.layers.normalization import BatchNormalization
        from keras.optimizers import Adam
        from keras.utils import np_utils

        np.random.seed(42)
        """
    return """
    import numpy as np
    import matplotlib.pyplot as plt

    import keras
    from keras import ops
    from keras.models import Model, Sequential
    from keras.layers import (Input, Dense, Flatten, Dropout, Activation, Concatenate,
                              Conv2D, Conv2DTranspose, MaxPooling2D, UpSampling2D,
                              GlobalAveragePooling2D, BatchNormalization)

    np.random.seed(42)
    """


def _data(s: _Style) -> str:
    load = "mnist.load_data()" if s.keras2 else "keras.datasets.mnist.load_data()"
    labels = """

        # one-hot labels for the categorical cross-entropy
        Y_train = np_utils.to_categorical(y_train, 10)
        Y_test = np_utils.to_categorical(y_test, 10)""" if s.keras2 else ""
    return f"""
        (x_train, y_train), (x_test, y_test) = {load}

        x_train = x_train.astype('float32') / 255.
        x_test = x_test.astype('float32') / 255.
        x_train = x_train.reshape(-1, 28, 28, 1)
        x_test = x_test.reshape(-1, 28, 28, 1){labels}

        print('training images:', x_train.shape, ' test images:', x_test.shape)
        """


SOFTMAX_MD = """
## 2. Softmax regression

The simplest classifier: flatten the 784 pixels and feed them to a single
dense layer with a softmax over the 10 classes. There are no hidden layers,
so each class score is a weighted sum of the pixels.
"""

SOFTMAX_CODE = """
softmax_model = Sequential([
    Input(shape=(28, 28, 1)),
    Flatten(),
    Dense(10, activation='softmax'),
])
softmax_model.compile(optimizer='adam', loss=@LOSS@, metrics=['accuracy'])
softmax_model.summary()

softmax_model.fit(x_train, @Y_TRAIN@, epochs=5, batch_size=128, validation_split=0.1)
print('test loss and accuracy:', softmax_model.evaluate(x_test, @Y_TEST@, verbose=0))
"""

EXTRACT_W_MD = """
### Exercise 1: look at the weights

The dense layer holds a 784x10 weight matrix (and 10 biases). Column *k* of
the matrix says how much each pixel counts for class *k*, so reshaped to
28x28 it is an image: a template the model compares every input with.

Put the weight matrix of the dense layer into `W`, as a numpy array of
shape (784, 10). The rest of the cell draws the ten templates.
"""

CNN_MD = """
## 3. A convolutional classifier

Three convolutions with max pooling in between shrink the 28x28 image to a
3x3 map of 32 features. These are flattened into the vector `encoded` and
classified by two dense layers.
"""

CNN_CODE = """
inputs = Input(shape=(28, 28, 1))
x = Conv2D(16, (3, 3), activation='relu')(inputs)   # 26x26x16
x = MaxPooling2D((2, 2))(x)                          # 13x13x16
x = Conv2D(32, (3, 3), activation='relu')(x)        # 11x11x32
x = MaxPooling2D((2, 2))(x)                          # 5x5x32
x = Conv2D(32, (3, 3), activation='relu')(x)        # 3x3x32
encoded = Flatten()(x)                               # 288 numbers per image
x = Dense(64, activation='relu')(encoded)
x = Dropout(0.3)(x)
outputs = Dense(10, activation='softmax')(x)

cnn_model = Model(inputs, outputs)
cnn_model.compile(optimizer='adam', loss=@LOSS@, metrics=['accuracy'])
cnn_model.summary()

cnn_model.fit(x_train, @Y_TRAIN@, epochs=5, batch_size=128, validation_split=0.1)
print('test loss and accuracy:', cnn_model.evaluate(x_test, @Y_TEST@, verbose=0))
"""

BOTTLENECK_MD = """
### Exercise 2: a two-dimensional bottleneck

Below is a copy of the CNN. Add a layer on the `x = ???` line so that
`encoded` holds exactly **two** numbers per image (the 3x3x32 feature map
has to be squeezed). The classifier then has to decide the digit from a
point in the plane, and we can draw those points.
"""

BOTTLENECK_SCATTER_MD = """
Each test digit becomes a point in the plane, coloured by its true label.
Digits the network can tell apart should end up in different regions.
"""

BOTTLENECK_SCATTER = """
encoder = Model(bottleneck_model.input, encoded)
codes = encoder.predict(x_test, verbose=0)

plt.figure(figsize=(6, 6))
plt.scatter(codes[:, 0], codes[:, 1], c=y_test, cmap='tab10', s=4)
plt.colorbar(label='digit')
plt.title('2-D codes of the test digits')
plt.show()
"""

AUTOENCODER_MD = """
## 4. Autoencoder

An autoencoder is trained to output its own input. The encoder halves the
resolution twice (28 -> 14 -> 7); the decoder upsamples back to 28x28 and a
sigmoid keeps the output pixels in [0, 1], so the binary cross-entropy
between input and output can serve as the loss.
"""

AUTOENCODER_CODE = """
ae_input = Input(shape=(28, 28, 1))
x = Conv2D(16, (3, 3), activation='relu', padding='same')(ae_input)
x = MaxPooling2D((2, 2), padding='same')(x)          # 14x14
x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
x = MaxPooling2D((2, 2), padding='same')(x)          # 7x7
x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
x = UpSampling2D((2, 2))(x)                          # 14x14
x = Conv2D(16, (3, 3), activation='relu', padding='same')(x)
x = UpSampling2D((2, 2))(x)                          # 28x28
decoded = Conv2D(1, (3, 3), activation='sigmoid', padding='same')(x)

autoencoder = Model(ae_input, decoded)
autoencoder.compile(optimizer='adam', loss='binary_crossentropy')
autoencoder.fit(x_train, x_train, epochs=5, batch_size=128, shuffle=True,
                validation_data=(x_test, x_test))
"""

SHOW_ROWS = """
def show_rows(rows, titles, n=8):
    \"\"\"Draw the first n images of each array in rows, one array per row.\"\"\"
    fig, axes = plt.subplots(len(rows), n, figsize=(1.4 * n, 1.5 * len(rows)), squeeze=False)
    for r, (images, title) in enumerate(zip(rows, titles)):
        for i in range(n):
            axes[r, i].imshow(np.squeeze(images[i]), cmap='gray', vmin=0, vmax=1)
            axes[r, i].axis('off')
        axes[r, 0].set_title(title, loc='left', fontsize=9)
    plt.show()


show_rows([x_test, autoencoder.predict(x_test[:8], verbose=0)], ['input', 'reconstruction'])
"""

DENOISE_MD = """
### Exercise 3: denoising

Now the input is corrupted and the target is the clean image. Make noisy
copies of the training and test images: add Gaussian noise with mean 0 and
standard deviation `noise_factor` to every pixel, then clip the result back
to the range [0, 1]. Do not change `x_train` and `x_test` themselves.
"""

DENOISE_TRAIN_K3 = """
autoencoder.fit(x_train_noisy, x_train, epochs=5, batch_size=128, shuffle=True,
                validation_data=(x_test_noisy, x_test))

show_rows([x_test_noisy, autoencoder.predict(x_test_noisy[:8], verbose=0), x_test],
          ['noisy input', 'denoised', 'clean'])
"""

DENOISE_TRAIN_K2 = """
def noisy_batches(noisy, clean, batch_size=128):
    \"\"\"Endless random batches of (noisy input, clean target).\"\"\"
    while True:
        idx = np.random.randint(0, len(noisy), batch_size)
        yield noisy[idx], clean[idx]


autoencoder.fit_generator(noisy_batches(x_train_noisy, x_train),
                          steps_per_epoch=len(x_train) // 128, epochs=5,
                          validation_data=(x_test_noisy, x_test))

show_rows([x_test_noisy, autoencoder.predict(x_test_noisy[:8], verbose=0), x_test],
          ['noisy input', 'denoised', 'clean'])
"""

SR_MD = """
## 5. Super-resolution

Keeping every other pixel in both directions gives 14x14 versions of the
digits. The network gets the small image and has to produce the full 28x28
one.
"""

SR_DATA = """
x_train_low = x_train[:, ::2, ::2, :]
x_test_low = x_test[:, ::2, ::2, :]
print('low resolution:', x_train_low.shape, ' high resolution:', x_train.shape)
"""

SR_EX_MD = """
### Exercise 4: a super-resolution network

Build a network `sr_model` that takes a (14, 14, 1) image and outputs a
(28, 28, 1) image with pixel values in [0, 1]. Somewhere the resolution has
to double: `UpSampling2D` or a `Conv2DTranspose` with stride 2 will do that.
Give it some convolutions with weights to learn.
"""

SR_SHOW = """
show_rows([x_test_low, sr_model.predict(x_test_low[:8], verbose=0), x_test],
          ['14x14 input', 'network output', '28x28 original'])
"""

ANGLE_MD = """
## 6. How much is the digit rotated?

We rotate digits by a random angle between -30 and 30 degrees and ask a
network for the angle: a regression problem, one real number per image.
"""

ANGLE_DATA = """
import cv2


def rotate_images(images, angles):
    \"\"\"Rotate each 28x28 image about its centre by its angle (degrees, counter-clockwise).\"\"\"
    out = np.empty_like(images)
    for i, (img, angle) in enumerate(zip(images, angles)):
        m = cv2.getRotationMatrix2D((14, 14), float(angle), 1.0)
        out[i, :, :, 0] = cv2.warpAffine(img[:, :, 0], m, (28, 28))
    return out


rng = np.random.default_rng(0)
n_rot_train = min(3000, len(x_train))
n_rot_test = min(500, len(x_test))
angles_train = rng.uniform(-30, 30, size=n_rot_train).astype('float32')
angles_test = rng.uniform(-30, 30, size=n_rot_test).astype('float32')
x_rot_train = rotate_images(x_train[:n_rot_train], angles_train)
x_rot_test = rotate_images(x_test[:n_rot_test], angles_test)

show_rows([x_rot_test], ['rotated'])
print('angles:', np.round(angles_test[:8]))
"""

ANGLE_EX_MD = """
### Exercise 5: an angle estimator

Build `angle_estimator`, a CNN that maps a (28, 28, 1) image to a single
number, the angle in degrees. Think about the activation of the last layer:
the targets lie between -30 and 30.
"""

ANGLE_EVAL = """
predicted = angle_estimator.predict(x_rot_test, verbose=0).reshape(-1)
print('mean absolute error: %.1f degrees' % np.mean(np.abs(predicted - angles_test)))
print('always guessing 0 would give: %.1f degrees' % np.mean(np.abs(angles_test)))
"""

SCENES_MD = """
## 7. Finding digits in a larger picture

A scene is a black 64x64 image split into a 2x2 grid of 32x32 cells. One or
two digits are pasted into different cells, each at a small random offset.
For every cell the detector has to predict 15 numbers:

* 1 confidence: is there a digit in this cell?
* 4 box coordinates x0, y0, x1, y1, as fractions of the image size,
* 10 class probabilities.

So the target of one scene has shape (2, 2, 15). The same scenes also carry a
class for every pixel, which we use for segmentation in section 8.
"""

SCENES_CODE = """
def make_scenes(images, labels, n, seed):
    rng = np.random.default_rng(seed)
    scenes = np.zeros((n, 64, 64, 1), dtype='float32')
    targets = np.zeros((n, 2, 2, 15), dtype='float32')
    pixel_classes = np.full((n, 64, 64), -1, dtype='int64')   # -1 = background
    for i in range(n):
        n_digits = rng.integers(1, 3)
        for cell in rng.choice(4, size=n_digits, replace=False):
            row, col = divmod(int(cell), 2)
            k = rng.integers(len(images))
            y0 = 32 * row + rng.integers(0, 5)
            x0 = 32 * col + rng.integers(0, 5)
            digit = images[k, :, :, 0]
            scenes[i, y0:y0 + 28, x0:x0 + 28, 0] = digit
            pixel_classes[i, y0:y0 + 28, x0:x0 + 28][digit > 0.3] = labels[k]
            targets[i, row, col, 0] = 1.0
            targets[i, row, col, 1:5] = np.array([x0, y0, x0 + 28, y0 + 28]) / 64.0
            targets[i, row, col, 5 + labels[k]] = 1.0
    return scenes, targets, pixel_classes


scenes_train, boxes_train, pixels_train = make_scenes(x_train, y_train, 800, seed=1)
scenes_test, boxes_test, pixels_test = make_scenes(x_test, y_test, 200, seed=2)
print('scenes:', scenes_train.shape, ' targets:', boxes_train.shape)

fig, axes = plt.subplots(1, 6, figsize=(12, 2.2))
for i, ax in enumerate(axes):
    ax.imshow(scenes_train[i, :, :, 0], cmap='gray')
    ax.set_title(str(np.argmax(boxes_train[i, :, :, 5:], axis=-1).tolist()), fontsize=8)
    ax.axis('off')
plt.show()
"""

LOSS_MD = """
The loss has three parts. The confidence is learned with binary
cross-entropy in every cell. The box and the class only make sense where
there is a digit, so their losses are multiplied by the true confidence.
"""

LOSS_K3 = """
def detection_loss(y_true, y_pred):
    has_digit = y_true[..., 0]
    confidence_loss = keras.losses.binary_crossentropy(y_true[..., :1], y_pred[..., :1])
    box_loss = ops.mean(ops.square(y_true[..., 1:5] - y_pred[..., 1:5]), axis=-1)
    class_loss = keras.losses.categorical_crossentropy(y_true[..., 5:], y_pred[..., 5:])
    per_cell = confidence_loss + has_digit * (10.0 * box_loss + class_loss)
    return ops.mean(per_cell, axis=(1, 2))
"""

LOSS_K2 = """
def detection_loss(y_true, y_pred):
    has_digit = y_true[..., 0]
    confidence_loss = keras.losses.binary_crossentropy(y_true[..., :1], y_pred[..., :1])
    box_loss = tf.reduce_mean(tf.square(y_true[..., 1:5] - y_pred[..., 1:5]), axis=-1)
    class_loss = keras.losses.categorical_crossentropy(y_true[..., 5:], y_pred[..., 5:])
    per_cell = confidence_loss + has_digit * (10.0 * box_loss + class_loss)
    return tf.reduce_mean(per_cell, axis=[1, 2])
"""

DETECTOR_EX_MD = """
### Exercise 6: the detector's output

The convolutions below turn a 64x64 scene into a 2x2 grid of 64 features,
one feature vector per cell. Three 1x1 convolutions then predict the
confidence, the box and the class scores of each cell, and their outputs are
concatenated into the 15 numbers per cell. Replace each `???` by the number
of channels that head needs.
"""

DETECTOR_SHOW = """
def draw_detections(scene, prediction, ax, threshold=0.5):
    ax.imshow(scene[:, :, 0], cmap='gray')
    for row in range(2):
        for col in range(2):
            cell = prediction[row, col]
            if cell[0] > threshold:
                x0, y0, x1, y1 = cell[1:5] * 64
                ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, color='lime'))
                ax.text(x0, y0, '%d (%.2f)' % (np.argmax(cell[5:]), cell[0]), color='yellow', fontsize=8)
    ax.axis('off')


predictions = detector.predict(scenes_test[:6], verbose=0)
fig, axes = plt.subplots(1, 6, figsize=(12, 2.2))
for i, ax in enumerate(axes):
    draw_detections(scenes_test[i], predictions[i], ax)
plt.show()
"""

SEG_MD = """
## 8. Segmentation with a U-Net

Segmentation asks for a class for every pixel, so the output has the size of
the input: (64, 64, 10). The target of a digit pixel is the one-hot vector of
its digit; background pixels get an all-zero target, which makes their
cross-entropy zero, so only digit pixels count in the loss.

A U-Net first shrinks the image like a classifier (the encoder), then grows
it back (the decoder). *Skip connections* concatenate each decoder stage with
the encoder stage of the same size, handing the fine details across.
"""

SEG_DATA = """
def one_hot_pixels(pixel_classes):
    out = np.zeros(pixel_classes.shape + (10,), dtype='float32')
    for c in range(10):
        out[..., c] = pixel_classes == c
    return out


seg_x_train, seg_y_train = scenes_train[:400], one_hot_pixels(pixels_train[:400])
seg_x_test, seg_y_test = scenes_test[:100], one_hot_pixels(pixels_test[:100])
print('segmentation targets:', seg_y_train.shape)
"""

UNET_FIT = """
unet.fit(seg_x_train, seg_y_train, epochs=5, batch_size=32, validation_data=(seg_x_test, seg_y_test))
"""

UNET_SHOW = """
def show_segmentation(model, n=4):
    probabilities = model.predict(seg_x_test[:n], verbose=0)
    predicted = np.argmax(probabilities, axis=-1).astype('float32')
    predicted[seg_x_test[:n, :, :, 0] < 0.3] = np.nan      # only colour the digit pixels
    fig, axes = plt.subplots(2, n, figsize=(2.2 * n, 4.4))
    for i in range(n):
        axes[0, i].imshow(seg_x_test[i, :, :, 0], cmap='gray')
        axes[1, i].imshow(predicted[i], cmap='tab10', vmin=0, vmax=9)
        axes[0, i].axis('off')
        axes[1, i].axis('off')
    plt.show()


show_segmentation(unet)
"""

NO_SKIPS_MD = """
### Exercise 7: a U-Net without skip connections

How much do the skips help? The cell below is a copy of the U-Net. Remove
the three skip connections: each decoder stage should get only the upsampled
tensor. Everything else stays as it is.
"""

COMPARE = """
print('with skips:    loss %.4f' % unet.evaluate(seg_x_test, seg_y_test, verbose=0))
print('without skips: loss %.4f' % unet_no_skips.evaluate(seg_x_test, seg_y_test, verbose=0))
show_segmentation(unet_no_skips)
"""

BN_MD = """
## 9. A layer with batch normalization built in

In the U-Net every convolution is followed by batch normalization and an
activation. A custom layer can bundle the three.

### Exercise 8: `BatchNormalizedLayer`

Complete the class: the constructor keeps the wrapped layer, creates a
`BatchNormalization` layer and turns `activation` (a name such as `'relu'`,
or `None` for no activation) into a function. `call` applies the wrapped
layer, then the batch normalization (passing `training` on), then the
activation.
"""

BN_DEMO = """
bn_demo = Sequential([
    Input(shape=(28, 28, 1)),
    BatchNormalizedLayer(Conv2D(16, (3, 3), use_bias=False), activation='relu'),
    MaxPooling2D((2, 2)),
    BatchNormalizedLayer(Conv2D(32, (3, 3), use_bias=False), activation='relu'),
    MaxPooling2D((2, 2)),
    Flatten(),
    BatchNormalizedLayer(Dense(64), activation='relu'),
    Dense(10, activation='softmax'),
])
bn_demo.compile(optimizer='adam', loss=@LOSS@, metrics=['accuracy'])
bn_demo.fit(x_train, @Y_TRAIN@, epochs=3, batch_size=128, validation_split=0.1)
print('test loss and accuracy:', bn_demo.evaluate(x_test, @Y_TEST@, verbose=0))
"""

END_MD = """
## Done

That is the whole lab. Hand in this notebook with your cells run.
"""


# =====================================================================
# The exercises: a template and fills per exercise (whole cell sources)
# =====================================================================


def _ex_extract_W(s: _Style) -> dict[str, str]:
    head = "# Exercise 1: the weight matrix of the dense layer, shape (784, 10)\n"
    tail = """

    print('W has shape', W.shape)
    templates = W.reshape(28, 28, 10)
    fig, axes = plt.subplots(1, 10, figsize=(15, 2))
    for digit in range(10):
        axes[digit].imshow(templates[:, :, digit], cmap='seismic')
        axes[digit].set_title(str(digit))
        axes[digit].axis('off')
    plt.show()
    """
    tail = textwrap.dedent(tail)
    bodies = {
        "template": "W = ???",
        "correct": "W = softmax_model.layers[-1].get_weights()[0]",
        "correct_alt": "W = softmax_model.layers[-1].kernel.numpy()",
        "wrong_returns_bias": "W = softmax_model.get_weights()[1]",
        "wrong_transposed": "W = softmax_model.get_weights()[0].T",
    }
    return {k: s(head + b + tail) for k, b in bodies.items()}


def _ex_bottleneck_2d(s: _Style) -> dict[str, str]:
    head = """
    inputs = Input(shape=(28, 28, 1))
    x = Conv2D(16, (3, 3), activation='relu')(inputs)
    x = MaxPooling2D((2, 2))(x)
    x = Conv2D(32, (3, 3), activation='relu')(x)
    x = MaxPooling2D((2, 2))(x)
    x = Conv2D(32, (3, 3), activation='relu')(x)        # 3x3x32
    # Exercise 2: squeeze the feature map so that `encoded` holds 2 numbers per image
    """
    tail = """
    encoded = Flatten()(x)
    x = Dense(64, activation='relu')(encoded)
    x = Dropout(0.3)(x)
    outputs = Dense(10, activation='softmax')(x)

    bottleneck_model = Model(inputs, outputs)
    bottleneck_model.compile(optimizer='adam', loss=@LOSS@, metrics=['accuracy'])
    bottleneck_model.summary()

    bottleneck_model.fit(x_train, @Y_TRAIN@, epochs=5, batch_size=128, validation_split=0.1)
    print('test loss and accuracy:', bottleneck_model.evaluate(x_test, @Y_TEST@, verbose=0))
    """
    head, tail = textwrap.dedent(head).strip("\n") + "\n", textwrap.dedent(tail).strip("\n")
    bodies = {
        "template": "x = ???\n",
        "correct": "x = Conv2D(2, (3, 3), activation='tanh')(x)      # 1x1x2\n",
        "correct_alt": "x = Conv2D(2, (1, 1), activation='tanh')(x)      # 3x3x2\nx = GlobalAveragePooling2D()(x)                   # 2\n",
        "wrong_three_filters": "x = Conv2D(3, (3, 3), activation='tanh')(x)\n",
        "wrong_same_padding": "x = Conv2D(2, (3, 3), padding='same', activation='tanh')(x)\n",
    }
    return {k: s(head + b + tail) for k, b in bodies.items()}


def _ex_add_noise(s: _Style) -> dict[str, str]:
    head = "# Exercise 3: noisy copies of the images, clipped to [0, 1]\nnoise_factor = 0.5\n"
    bodies = {
        "template": """
            x_train_noisy = ???
            x_test_noisy = ???
            """,
        "correct": """
            x_train_noisy = x_train + noise_factor * np.random.normal(loc=0.0, scale=1.0, size=x_train.shape)
            x_test_noisy = x_test + noise_factor * np.random.normal(loc=0.0, scale=1.0, size=x_test.shape)
            x_train_noisy = np.clip(x_train_noisy, 0., 1.)
            x_test_noisy = np.clip(x_test_noisy, 0., 1.)
            """,
        "correct_alt": """
            rng = np.random.default_rng()
            x_train_noisy = np.clip(x_train + noise_factor * rng.standard_normal(x_train.shape), 0, 1).astype('float32')
            x_test_noisy = np.clip(x_test + noise_factor * rng.standard_normal(x_test.shape), 0, 1).astype('float32')
            """,
        "wrong_shifted_mean": """
            x_train_noisy = np.clip(x_train + noise_factor * np.random.normal(loc=0.2, scale=1.0, size=x_train.shape), 0., 1.)
            x_test_noisy = np.clip(x_test + noise_factor * np.random.normal(loc=0.2, scale=1.0, size=x_test.shape), 0., 1.)
            """,
        "wrong_uniform_noise": """
            x_train_noisy = np.clip(x_train + noise_factor * np.random.random(x_train.shape), 0., 1.)
            x_test_noisy = np.clip(x_test + noise_factor * np.random.random(x_test.shape), 0., 1.)
            """,
    }
    return {k: s(head + _clean(b) + "\n\nprint(x_train_noisy.shape, x_train_noisy.min(), x_train_noisy.max())")
            for k, b in bodies.items()}


def _ex_build_sr_network(s: _Style) -> dict[str, str]:
    head = "# Exercise 4: a network from (14, 14, 1) to (28, 28, 1)\n"
    tail = """

    sr_model.compile(optimizer='adam', loss='binary_crossentropy')
    sr_model.summary()
    sr_model.fit(x_train_low, x_train, epochs=5, batch_size=128, validation_data=(x_test_low, x_test))
    """
    tail = textwrap.dedent(tail).rstrip("\n")
    bodies = {
        "template": """
            sr_input = Input(shape=(14, 14, 1))
            x = ???
            sr_output = ???
            sr_model = Model(sr_input, sr_output)
            """,
        "correct": """
            sr_input = Input(shape=(14, 14, 1))
            x = Conv2D(32, (3, 3), activation='relu', padding='same')(sr_input)
            x = UpSampling2D((2, 2))(x)                                   # 28x28
            x = Conv2D(32, (3, 3), activation='relu', padding='same')(x)
            sr_output = Conv2D(1, (3, 3), activation='sigmoid', padding='same')(x)
            sr_model = Model(sr_input, sr_output)
            """,
        "correct_alt": """
            sr_model = Sequential([
                Input(shape=(14, 14, 1)),
                Conv2D(32, (3, 3), activation='relu', padding='same'),
                Conv2D(32, (3, 3), activation='relu', padding='same'),
                Conv2DTranspose(16, (3, 3), strides=2, activation='relu', padding='same'),
                Conv2D(1, (3, 3), activation='sigmoid', padding='same'),
            ])
            """,
        "wrong_no_weights": """
            sr_input = Input(shape=(14, 14, 1))
            sr_output = UpSampling2D((2, 2))(sr_input)
            sr_model = Model(sr_input, sr_output)
            """,
        "wrong_output_27": """
            sr_input = Input(shape=(14, 14, 1))
            x = Conv2DTranspose(32, (3, 3), strides=2, activation='relu', padding='same')(sr_input)
            sr_output = Conv2D(1, (2, 2), activation='sigmoid')(x)
            sr_model = Model(sr_input, sr_output)
            """,
    }
    return {k: s(head + _clean(b) + tail) for k, b in bodies.items()}


def _ex_build_angle_cnn(s: _Style) -> dict[str, str]:
    head = "# Exercise 5: a CNN from a (28, 28, 1) image to one number, the angle in degrees\n"
    tail = """

    angle_estimator.compile(optimizer='adam', loss='mse', metrics=['mae'])
    angle_estimator.summary()
    angle_estimator.fit(x_rot_train, angles_train, epochs=5, batch_size=128, validation_split=0.1)
    """
    tail = textwrap.dedent(tail).rstrip("\n")

    def functional(head_layer: str) -> str:
        return f"""
            angle_input = Input(shape=(28, 28, 1))
            x = Conv2D(16, (3, 3), activation='relu')(angle_input)
            x = MaxPooling2D((2, 2))(x)
            x = Conv2D(32, (3, 3), activation='relu')(x)
            x = MaxPooling2D((2, 2))(x)
            x = Flatten()(x)
            x = Dense(64, activation='relu')(x)
            angle_output = {head_layer}(x)
            angle_estimator = Model(angle_input, angle_output)
            """

    bodies = {
        "template": """
            angle_input = Input(shape=(28, 28, 1))
            x = ???
            angle_output = ???
            angle_estimator = Model(angle_input, angle_output)
            """,
        "correct": functional("Dense(1)"),
        "correct_alt": """
            angle_estimator = Sequential([
                Input(shape=(28, 28, 1)),
                Conv2D(32, (3, 3), activation='relu'),
                MaxPooling2D((2, 2)),
                Conv2D(32, (3, 3), activation='relu'),
                MaxPooling2D((2, 2)),
                Conv2D(64, (3, 3), activation='relu'),
                Flatten(),
                Dense(32, activation='relu'),
                Dense(1, activation='linear'),
            ])
            """,
        "wrong_sigmoid_head": functional("Dense(1, activation='sigmoid')"),
        "wrong_relu_head": functional("Dense(1, activation='relu')"),
    }
    return {k: s(head + _clean(b) + tail) for k, b in bodies.items()}


def _ex_detector_channels(s: _Style) -> dict[str, str]:
    def cell(conf: str, box: str, cls: str, constants: str = "") -> str:
        return f"""
            image = Input(shape=(64, 64, 1))
            x = Conv2D(16, (33, 33), activation='relu')(image)              # 32x32x16
            x = MaxPooling2D((2, 2))(x)                                      # 16x16
            x = Conv2D(32, (3, 3), activation='relu', padding='same')(x)
            x = MaxPooling2D((2, 2))(x)                                      # 8x8
            x = Conv2D(64, (3, 3), activation='relu', padding='same')(x)
            x = MaxPooling2D((4, 4))(x)                                      # 2x2x64: one vector per cell

            # Exercise 6: how many channels does each head need?{constants}
            confidence = Conv2D({conf}, (1, 1), activation='sigmoid')(x)
            box = Conv2D({box}, (1, 1))(x)
            classes = Conv2D({cls}, (1, 1), activation='softmax')(x)
            output = Concatenate(axis=-1)([confidence, box, classes])

            detector = Model(image, output)
            detector.compile(optimizer='adam', loss=detection_loss)
            detector.summary()
            detector.fit(scenes_train, boxes_train, epochs=5, batch_size=32,
                         validation_data=(scenes_test, boxes_test))
            """

    variants = {
        "template": ("???", "???", "???"),
        "correct": ("1", "4", "10"),
        "correct_alt": ("N_CONFIDENCE", "N_BOX", "N_CLASSES",
                        "\n            N_CONFIDENCE, N_BOX, N_CLASSES = 1, 4, 10   # objectness, x0 y0 x1 y1, digits"),
        "wrong_box_two_values": ("1", "2", "10"),
        "wrong_eleven_classes": ("1", "4", "11"),
    }
    return {k: s(cell(*v)) for k, v in variants.items()}


def _unet_source(style: str, decoder: str, name: str) -> str:
    """The given U-Net of one course year; ``decoder`` says what feeds each decoder stage.

    "concat": the skips (the given U-Net); "blank": ``???`` (the template);
    "none": only the upsampled tensor; "keep_last": no skips but the last one;
    "loop": no skips, the decoder written as a loop.
    """
    def skip_line(k: int) -> str:
        concat = f"Concatenate()([u{k}, c{k}])"
        if decoder == "concat" or (decoder == "keep_last" and k == 1):
            return f"x = {concat}"
        if decoder == "blank":
            return f"x = ???   # was: x = {concat}"
        return f"x = u{k}"

    if style == "bn":
        lines = [
            "def conv_block(x, filters):",
            "    # 3x3 convolution -> batch normalization -> ReLU",
            "    x = Conv2D(filters, (3, 3), padding='same')(x)",
            "    x = BatchNormalization()(x)",
            "    x = Activation('relu')(x)",
            "    return x",
            "",
            "",
            "seg_input = Input(shape=(64, 64, 1))",
            "# encoder",
            "c1 = conv_block(seg_input, 8)           # 64x64x8",
            "p1 = MaxPooling2D((2, 2))(c1)           # 32x32",
            "c2 = conv_block(p1, 16)                 # 32x32x16",
            "p2 = MaxPooling2D((2, 2))(c2)           # 16x16",
            "c3 = conv_block(p2, 32)                 # 16x16x32",
            "p3 = MaxPooling2D((2, 2))(c3)           # 8x8",
            "# bottleneck",
            "b = conv_block(p3, 64)                  # 8x8x64",
            "# decoder",
        ]
        if decoder == "loop":
            lines += [
                "x = b",
                "for filters in (32, 16, 8):",
                "    x = UpSampling2D((2, 2))(x)",
                "    x = conv_block(x, filters)",
                "d1 = x",
            ]
        else:
            prev = "b"
            for k, f in ((3, 32), (2, 16), (1, 8)):
                lines += [
                    f"u{k} = UpSampling2D((2, 2))({prev})",
                    skip_line(k),
                    f"d{k} = conv_block(x, {f})",
                ]
                prev = f"d{k}"
    elif style == "plain":
        def conv(f, src, dst, size="(3, 3)"):
            return f"{dst} = Conv2D({f}, {size}, activation='relu', padding='same')({src})"

        lines = ["seg_input = Input(shape=(64, 64, 1))", "# encoder"]
        prev = "seg_input"
        for k, f in ((1, 8), (2, 16), (3, 32)):
            lines += [conv(f, prev, f"c{k}"), conv(f, f"c{k}", f"c{k}"), f"p{k} = MaxPooling2D((2, 2))(c{k})"]
            prev = f"p{k}"
        lines += ["# bottleneck", conv(64, "p3", "b"), conv(64, "b", "b"), "b = Dropout(0.5)(b)", "# decoder"]
        if decoder == "loop":
            lines += [
                "x = b",
                "for filters in (32, 16, 8):",
                "    x = UpSampling2D((2, 2))(x)",
                "    x = Conv2D(filters, (2, 2), activation='relu', padding='same')(x)",
                "    x = Conv2D(filters, (3, 3), activation='relu', padding='same')(x)",
                "    x = Conv2D(filters, (3, 3), activation='relu', padding='same')(x)",
                "d1 = x",
            ]
        else:
            prev = "b"
            for k, f in ((3, 32), (2, 16), (1, 8)):
                lines += [
                    f"u{k} = UpSampling2D((2, 2))({prev})",
                    conv(f, f"u{k}", f"u{k}", "(2, 2)"),
                    skip_line(k),
                    conv(f, "x", f"d{k}"),
                    conv(f, f"d{k}", f"d{k}"),
                ]
                prev = f"d{k}"
    else:
        raise ValueError(f"unet_style must be one of {UNET_STYLES}, not {style!r}")
    lines += [
        "seg_output = Conv2D(10, (1, 1), activation='softmax')(d1)",
        "",
        f"{name} = Model(seg_input, seg_output)",
        f"{name}.compile(optimizer='adam', loss='categorical_crossentropy')",
        f"{name}.summary()",
    ]
    return "\n".join(lines)


def _ex_build_unet_no_skips(s: _Style) -> dict[str, str]:
    head = "# Exercise 7: the same U-Net without its three skip connections\n"
    tail = ("\n\nunet_no_skips.fit(seg_x_train, seg_y_train, epochs=5, batch_size=32,\n"
            "                  validation_data=(seg_x_test, seg_y_test))")
    decoders = {
        "template": "blank",
        "correct": "none",
        "correct_alt": "loop",
        "wrong_keeps_last_skip": "keep_last",
        "wrong_all_skips_kept": "concat",
    }
    return {k: s(head + _unet_source(s.unet_style, d, "unet_no_skips") + tail) for k, d in decoders.items()}


def _ex_BatchNormalizedLayer(s: _Style) -> dict[str, str]:
    head = """
    # Exercise 8: activation(batch_norm(layer(inputs)))
    class BatchNormalizedLayer(keras.layers.Layer):
        def __init__(self, layer, activation=None, **kwargs):
            super().__init__(**kwargs)
    """
    head = textwrap.dedent(head).strip("\n") + "\n"
    call = "\n\n    def call(self, inputs, training=None):\n"
    bodies = {
        "template": (
            "        ???   # keep the layer, make a BatchNormalization layer, look up the activation",
            "        ???   # layer, then batch normalization, then activation",
        ),
        "correct": (
            "        self.layer = layer\n"
            "        self.batch_norm = BatchNormalization()\n"
            "        self.activation = keras.activations.get(activation)",
            "        x = self.layer(inputs)\n"
            "        x = self.batch_norm(x, training=training)\n"
            "        return self.activation(x)",
        ),
        "correct_alt": (
            "        self.wrapped = layer\n"
            "        self.bn = BatchNormalization()\n"
            "        self.act = Activation(activation)",
            "        return self.act(self.bn(self.wrapped(inputs), training=training))",
        ),
        "wrong_activation_before_bn": (
            "        self.layer = layer\n"
            "        self.batch_norm = BatchNormalization()\n"
            "        self.activation = keras.activations.get(activation)",
            "        x = self.activation(self.layer(inputs))\n"
            "        return self.batch_norm(x, training=training)",
        ),
        "wrong_always_training": (
            "        self.layer = layer\n"
            "        self.batch_norm = BatchNormalization()\n"
            "        self.activation = keras.activations.get(activation)",
            "        x = self.layer(inputs)\n"
            "        x = self.batch_norm(x, training=True)\n"
            "        return self.activation(x)",
        ),
    }
    return {k: s(head + init + call + body) for k, (init, body) in bodies.items()}


_EXERCISE_BUILDERS = {
    "extract_W": _ex_extract_W,
    "bottleneck_2d": _ex_bottleneck_2d,
    "add_noise": _ex_add_noise,
    "build_sr_network": _ex_build_sr_network,
    "build_angle_cnn": _ex_build_angle_cnn,
    "detector_channels": _ex_detector_channels,
    "build_unet_no_skips": _ex_build_unet_no_skips,
    "BatchNormalizedLayer": _ex_BatchNormalizedLayer,
}


def exercise_sources(name: str, *, unet_style: str = "bn", keras2: bool = False) -> dict[str, str]:
    """The cell sources of one exercise: "template", "correct", "correct_alt" and its wrong fills."""
    return _EXERCISE_BUILDERS[name](_Style(keras2, unet_style))


def _exercise_cells(name: str, key: str, s: _Style) -> list[str]:
    sources = _EXERCISE_BUILDERS[name](s)
    if key == "blank":
        return [sources["template"]]
    if key == "template_then_filled":
        return [sources["template"], sources["correct"]]
    if key == "filled_then_template":
        return [sources["correct"], sources["template"]]
    return [sources[key]]


# =====================================================================
# The notebook
# =====================================================================


def build_notebook(fills: dict[str, str] | None = None, *, unet_style: str = "bn",
                   keras2: bool = False) -> nbformat.NotebookNode:
    """One lab 3 notebook in the inline fill-in style (nbformat v4, no outputs).

    ``fills`` maps exercise names (:data:`EXERCISES`) to variant keys
    (:data:`VARIANT_KEYS`); exercises not named get "correct".
    """
    fills = dict(fills or {})
    for name, key in fills.items():
        if name not in VARIANT_KEYS:
            raise ValueError(f"unknown exercise {name!r}; expected one of {EXERCISES}")
        if key not in VARIANT_KEYS[name]:
            raise ValueError(f"unknown variant {key!r} for {name}; expected one of {VARIANT_KEYS[name]}")
    if unet_style not in UNET_STYLES:
        raise ValueError(f"unet_style must be one of {UNET_STYLES}, not {unet_style!r}")
    s = _Style(keras2, unet_style)
    cells: list[tuple[str, str]] = []

    def md(text: str) -> None:
        cells.append(("md", _clean(text)))

    def code(text: str) -> None:
        cells.append(("code", s(text)))

    def exercise(name: str) -> None:
        for source in _exercise_cells(name, fills.get(name, "correct"), s):
            cells.append(("code", source))

    for kind, text in _intro(s):
        md(text)
    code(_imports(s))
    code(_data(s))

    md(SOFTMAX_MD)
    code(SOFTMAX_CODE)
    md(EXTRACT_W_MD)
    exercise("extract_W")

    md(CNN_MD)
    code(CNN_CODE)
    md(BOTTLENECK_MD)
    exercise("bottleneck_2d")
    md(BOTTLENECK_SCATTER_MD)
    code(BOTTLENECK_SCATTER)

    md(AUTOENCODER_MD)
    code(AUTOENCODER_CODE)
    code(SHOW_ROWS)
    md(DENOISE_MD)
    exercise("add_noise")
    code(DENOISE_TRAIN_K2 if keras2 else DENOISE_TRAIN_K3)

    md(SR_MD)
    code(SR_DATA)
    md(SR_EX_MD)
    exercise("build_sr_network")
    code(SR_SHOW)

    md(ANGLE_MD)
    code(ANGLE_DATA)
    md(ANGLE_EX_MD)
    exercise("build_angle_cnn")
    code(ANGLE_EVAL)

    md(SCENES_MD)
    code(SCENES_CODE)
    md(LOSS_MD)
    code(LOSS_K2 if keras2 else LOSS_K3)
    md(DETECTOR_EX_MD)
    exercise("detector_channels")
    code(DETECTOR_SHOW)

    md(SEG_MD)
    code(SEG_DATA)
    md("U-Net of this course: " + (
        "every block is a 3x3 convolution, batch normalization and a ReLU; the "
        "decoder upsamples, concatenates the matching encoder block and applies a block."
        if unet_style == "bn" else
        "every stage has two 3x3 ReLU convolutions; the decoder upsamples, applies a 2x2 "
        "convolution, concatenates the matching encoder stage and applies two 3x3 convolutions."))
    code(_unet_source(unet_style, "concat", "unet"))
    code(UNET_FIT)
    code(UNET_SHOW)
    md(NO_SKIPS_MD)
    exercise("build_unet_no_skips")
    code(COMPARE)

    md(BN_MD)
    exercise("BatchNormalizedLayer")
    md("A small classifier built from the new layer:")
    code(BN_DEMO)
    md(END_MD)

    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, text) in enumerate(cells):
        cell = new_markdown_cell(text) if kind == "md" else new_code_cell(text)
        cell["id"] = f"cell-{i:03d}"  # stable ids: rebuilding gives identical files
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


# =====================================================================
# Ready-made variants and the committed examples
# =====================================================================


def _all(key: str) -> dict[str, str]:
    return {name: key for name in EXERCISES}


def variants() -> dict[str, dict]:
    """Named variants: name -> keyword arguments of :func:`build_notebook`."""
    return {
        "complete": {"fills": _all("correct"), "unet_style": "bn", "keras2": False},
        "complete_plain_unet": {"fills": _all("correct_alt"), "unet_style": "plain", "keras2": False},
        "blank": {"fills": _all("blank"), "unet_style": "bn", "keras2": False},
        "partly_blank": {
            "fills": {
                **_all("correct"),
                "extract_W": "blank",
                "detector_channels": "blank",
                "build_unet_no_skips": "blank",
                "build_sr_network": "template_then_filled",
                "add_noise": "filled_then_template",
            },
            "unet_style": "bn",
            "keras2": False,
        },
        "keras2_style": {"fills": _all("correct"), "unet_style": "bn", "keras2": True},
        "with_mistakes": {
            "fills": {
                "extract_W": "wrong_returns_bias",
                "bottleneck_2d": "wrong_three_filters",
                "add_noise": "wrong_shifted_mean",
                "build_sr_network": "correct",
                "build_angle_cnn": "wrong_sigmoid_head",
                "detector_channels": "wrong_box_two_values",
                "build_unet_no_skips": "wrong_keeps_last_skip",
                "BatchNormalizedLayer": "correct",
            },
            "unet_style": "bn",
            "keras2": False,
        },
        # not committed as examples
        "correct_alt_bn": {"fills": _all("correct_alt"), "unet_style": "bn", "keras2": False},
        "correct_plain_unet": {"fills": _all("correct"), "unet_style": "plain", "keras2": False},
        "template_then_filled": {"fills": _all("template_then_filled"), "unet_style": "bn", "keras2": False},
        "filled_then_template": {"fills": _all("filled_then_template"), "unet_style": "plain", "keras2": False},
        "blank_plain_unet": {"fills": _all("blank"), "unet_style": "plain", "keras2": False},
        "keras2_correct_alt_plain": {"fills": _all("correct_alt"), "unet_style": "plain", "keras2": True},
        "all_wrong_first": {"fills": {n: WRONG_KEYS[n][0] for n in EXERCISES}, "unet_style": "bn", "keras2": False},
        "all_wrong_second": {"fills": {n: WRONG_KEYS[n][1] for n in EXERCISES}, "unet_style": "plain", "keras2": False},
    }


#: Committed examples: variant name -> file under examples/lab3/inline/.
EXAMPLES = {
    "complete": "complete.ipynb",
    "complete_plain_unet": "complete_plain_unet.ipynb",
    "blank": "blank.ipynb",
    "partly_blank": "partly_blank.ipynb",
    "keras2_style": "keras2_style.ipynb",
    "with_mistakes": "with_mistakes.ipynb",
}


def build_variant(name: str) -> nbformat.NotebookNode:
    return build_notebook(**variants()[name])


def main(out_dir: Path = EXAMPLES_DIR) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, filename in EXAMPLES.items():
        path = out_dir / filename
        nbformat.write(build_variant(name), str(path))
        written.append(path)
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return written


if __name__ == "__main__":
    main()
