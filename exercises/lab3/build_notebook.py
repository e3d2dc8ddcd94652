"""Write ``lab3.ipynb``, the lab 3 notebook that students fill in.

The notebook is generated from this file so that it can be reviewed (and
diffed) as ordinary Python source. Run it from anywhere::

    python exercises/lab3/build_notebook.py

It writes ``lab3.ipynb`` next to this script, without outputs and with stable
cell ids, so rebuilding an unchanged script gives an identical file.

Every graded piece lives in its own code cell whose metadata is
``{"labgrader": {"exercise": NAME}, "tags": ["exercise"]}``; the grader finds
the student's code through that metadata, so the names below are a contract.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "lab3.ipynb"

#: The graded exercises, in the order they appear in the notebook.
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

CELLS: list = []


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str) -> None:
    CELLS.append(new_markdown_cell(_clean(text)))


def code(text: str) -> None:
    CELLS.append(new_code_cell(_clean(text)))


def exercise(name: str, text: str) -> None:
    assert name in EXERCISES, name
    source = _clean(text)
    assert "# YOUR CODE HERE" in source and "raise NotImplementedError" in source, name
    CELLS.append(new_code_cell(source, metadata={"labgrader": {"exercise": name}, "tags": ["exercise"]}))


# =====================================================================
# Title, how to work, setup
# =====================================================================

md(r"""
# Lab 3 — One network family, many vision tasks

In the previous labs you trained networks that answer a single question:
*which digit is this?* Convolutional networks are far more flexible than that.
By changing what comes **after** the convolutions (and what we ask the network
to predict) the same building blocks can compress images, clean them up,
sharpen them, measure angles, find objects and label every single pixel.

This lab walks through that range on MNIST, the set of 28×28 grey-scale
handwritten digits with 10 classes:

| § | Task | What changes |
|---|------|--------------|
| 1 | Load the data | — |
| 2 | Softmax regression | no convolutions at all: a baseline, overfitting and weight decay |
| 3 | A first CNN | convolutions + pooling for classification |
| 4 | A 2-D bottleneck | squeeze the features to two numbers and look at them |
| 5 | Autoencoder | the target *is* the input |
| 6 | Denoising | the input is corrupted, the target is clean |
| 7 | Super-resolution | the input is smaller than the output |
| 8 | Angle regression | the output is one real number |
| 9 | Object detection | the output is a small grid of boxes and classes |
| 10 | Segmentation | the output is a class for every pixel |
| 11 | A reusable layer | wrapping layers with batch normalization |
| 12 | Saving your models | — |

### How the exercises work

Eight code cells are **exercises**. Each one contains a function (or class)
signature, a docstring telling you what it must do, a `# YOUR CODE HERE`
marker and a `raise NotImplementedError` line. Replace the `raise` with your
own code. Please

* keep the names and signatures exactly as given (the grader imports them),
* keep each exercise in its own cell, and do not delete or merge those cells,
* only use Keras layers inside models (no `Lambda` layers), so that the models
  can be saved and reloaded.

You can run the whole notebook before you have done anything: demos that need
an unfinished exercise simply print a note telling you which exercise to
complete first.
""")

md(r"""
### Checking your work

Open a terminal in the folder that holds this notebook and run

```bash
grader check lab3 lab3.ipynb
```

The checker does not run your notebook from top to bottom: it takes the
functions and classes you defined (imports and simple constants too) and
tests each exercise on its own, in a separate sandboxed process, training the
small models it needs on its own data. It reports which exercises pass and,
for those that do not, what was expected and what it found. Add `--quick` to
skip the checks that train models (a few seconds instead of about half a
minute). You can run the checker as often as you like.

From inside this notebook you can also run, in a new cell,
`import grader; grader.check("add_noise")` (one exercise) or
`grader.check_all()`: the check runs in a separate process and shows its
result below the cell. Save the notebook first; if the checker cannot tell
which file this is, it checks the cells you have run.

The **last cell** of this notebook saves your trained models in
`lab3_models/`; hand that folder in with the notebook if your instructor asks
for it.
""")

md(r"""
## 0. Setup

The cell below imports everything and sets a few knobs. The defaults are
deliberately small so that the **whole notebook runs in a few minutes on an
ordinary laptop CPU**. The models will be far from their best. If you have a
GPU (or some patience), raise `EPOCHS` to 10–20 and the data sizes to the full
data set, and watch every result improve.
""")

code(r'''
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's start-up chatter

import sys
import time
from contextlib import contextmanager
from pathlib import Path

import logging

import cv2
import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers, ops

# ---- knobs: raise these on a GPU -------------------------------------------
EPOCHS = 3             # passes over the training data for most models
TRAIN_SIZE = 4000      # training digits to use (full MNIST has 60,000)
TEST_SIZE = 1000       # test digits to use (full MNIST has 10,000)
SCENES_TRAIN = 2000    # 64x64 two-digit scenes for detection / segmentation
SCENES_TEST = 200
SEED = 0
# -----------------------------------------------------------------------------

keras.utils.set_random_seed(SEED)  # same start every time you run the notebook
logging.getLogger("tensorflow").setLevel(logging.ERROR)  # keep TensorFlow's warnings out of the way

# Inside the course repository the `grader` package may not be installed;
# look for it in the folders above this one.
try:
    import grader.data  # noqa: F401
except ImportError:
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "grader" / "data.py").is_file():
            sys.path.insert(0, str(folder))
            break


@contextmanager
def needs(exercise_name):
    """Run a demo, or explain which exercise is missing if it is not done yet."""
    try:
        yield
    except NotImplementedError:
        print(f"-> Complete exercise `{exercise_name}` above to see this.")


def show_rows(rows, titles, n=8, size=1.3):
    """Show the first n images of each array in `rows`, one array per row."""
    fig, axes = plt.subplots(len(rows), n, figsize=(n * size, len(rows) * size * 1.1), squeeze=False)
    for r, (images, title) in enumerate(zip(rows, titles)):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(np.squeeze(images[c]), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(title, rotation=0, ha="right", va="center")
    plt.tight_layout()
    plt.show()


print("Keras", keras.__version__, "with the", keras.backend.backend(), "backend")
''')

# =====================================================================
# 1. Data
# =====================================================================

md(r"""
## 1. Loading and scaling MNIST

Keras can download MNIST for you (60,000 training and 10,000 test digits). If
your machine has no internet connection the download fails, and we fall back
to a subset that ships with the grader: 5,000 genuine MNIST digits, 500 of each
class, split into 4,000 for training and 1,000 for testing. Everything in this
lab works with either.

Networks train best on small, floating-point inputs, so we turn the 0–255
pixel bytes into `float32` values between 0 and 1. Keras' convolution layers
also expect a **channel axis** (colour images have three channels, ours have
one), so the images become arrays of shape `(n, 28, 28, 1)`.
""")

code(r'''
try:
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    print("Loaded the full MNIST data set through Keras.")
except Exception:
    from grader.data import load_mnist

    d = load_mnist()
    x_train, y_train, x_test, y_test = d.x_train, d.y_train, d.x_test, d.y_test
    print(f"Could not download MNIST; using the bundled data instead: {d.name}")

# uint8 (n, 28, 28) in 0..255  ->  float32 (n, 28, 28, 1) in [0, 1]
x_train = x_train[:TRAIN_SIZE].astype("float32")[..., None] / 255.0
x_test = x_test[:TEST_SIZE].astype("float32")[..., None] / 255.0
y_train = y_train[:TRAIN_SIZE].astype("int64")
y_test = y_test[:TEST_SIZE].astype("int64")

print("x_train", x_train.shape, x_train.dtype, f"values in [{x_train.min()}, {x_train.max()}]")
print("x_test ", x_test.shape)
print("training digits per class:", np.bincount(y_train, minlength=10))
show_rows([x_train[:10], x_train[10:20]], ["", ""], n=10, size=1.0)
print("labels:", y_train[:10], y_train[10:20])
''')

# =====================================================================
# 2. Softmax regression
# =====================================================================

md(r"""
## 2. Softmax regression: the simplest possible classifier

Before any convolutions, a baseline. Flatten each image into a vector
$x \in \mathbb{R}^{784}$ and compute ten scores with one matrix product,

$$ y = \mathrm{softmax}(W^\top x + b), \qquad W \in \mathbb{R}^{784 \times 10},\ b \in \mathbb{R}^{10}. $$

The softmax turns the ten scores into probabilities that sum to one. In Keras
this is `Flatten → Dense(10) → Activation('softmax')`, with
$784 \cdot 10 + 10 = 7{,}850$ parameters. We train it with plain stochastic
gradient descent (SGD) on the cross-entropy loss. Because our labels are
integers 0–9 rather than one-hot vectors we use the *sparse* version of that
loss.
""")

code(r'''
def build_softmax_regression():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Flatten(),
            layers.Dense(10),
            layers.Activation("softmax"),
        ],
        name="softmax_regression",
    )


softmax_model = build_softmax_regression()
softmax_model.summary()
softmax_model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.1),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
softmax_model.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, validation_split=0.1, verbose=2)
_, acc = softmax_model.evaluate(x_test, y_test, verbose=0)
print(f"softmax regression, test accuracy: {acc:.3f}")
''')

md(r"""
### Looking inside: the weights are pictures

Each class $k$ gets its score from the dot product of the image with column
$k$ of $W$. That column has one weight per pixel, so we can reshape it to 28×28
and look at it: pixels where ink raises the score of class $k$ show up
positive, pixels where ink counts *against* class $k$ show up negative.
""")

exercise("extract_W", r'''
def extract_W(model):
    """Return the weight matrix W of a trained softmax-regression model.

    `model` is a Sequential model made of Flatten, Dense(10) and (possibly)
    Activation('softmax'); the Dense layer may also carry the softmax and a
    regularizer itself. Find its Dense layer and return that layer's kernel
    (not its bias) as a NumPy array of shape (784, 10), so that
    `W.reshape(28, 28, 10)[:, :, k]` is the weight image of class k.

    Hint: `model.layers` lists the layers, and a Dense layer's `kernel`
    attribute is a variable that `keras.ops.convert_to_numpy` (or
    `layer.get_weights()`) turns into an array.
    """
    # YOUR CODE HERE
    raise NotImplementedError
''')

code(r'''
def show_weights(model, title):
    W = extract_W(model)
    assert isinstance(W, np.ndarray) and W.shape == (784, 10), "extract_W must return a (784, 10) NumPy array"
    images = W.reshape(28, 28, 10)
    limit = np.abs(images).max()
    fig, axes = plt.subplots(1, 10, figsize=(13, 1.7))
    for k, ax in enumerate(axes):
        ax.imshow(images[:, :, k], cmap="RdBu_r", vmin=-limit, vmax=limit)  # red: ink helps, blue: ink hurts
        ax.set_title(str(k))
        ax.axis("off")
    fig.suptitle(f"{title}   (sum of squared weights: {np.sum(W ** 2):.1f})")
    plt.show()


with needs("extract_W"):
    show_weights(softmax_model, f"softmax regression trained on {len(x_train)} digits")
''')

md(r"""
### Overfitting on a tiny training set

With 7,850 parameters and only 100 training images, the model can memorise the
training set: training accuracy climbs to 100 % while test accuracy stays far
lower. The weight images get messier too, for two reasons. Inside the digit
area, the weights pick up the quirks of the few examples of each class rather
than the typical shape of the digit. Around the edges, pixels that are blank in
all 100 images never receive a gradient, so their weights simply keep the
random values they started with.
""")

code(r'''
TINY_EPOCHS = 150  # 100 images are cheap, so many passes are fine
x_tiny, y_tiny = x_train[:100], y_train[:100]


def train_tiny(model):
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_tiny, y_tiny, epochs=TINY_EPOCHS, batch_size=20, verbose=0)
    _, train_acc = model.evaluate(x_tiny, y_tiny, verbose=0)
    _, test_acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"{model.name}: training accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")


tiny_model = build_softmax_regression()
train_tiny(tiny_model)
with needs("extract_W"):
    show_weights(tiny_model, "trained on only 100 digits")
''')

md(r"""
### Weight decay (L2 regularization)

One remedy is to charge the model for large weights: add
$\lambda \sum_{ij} W_{ij}^2$ to the loss. Keras does this when you give a layer
a `kernel_regularizer`. A weight can now only grow if it lowers the
classification loss by more than it costs, so weights that do nothing useful
(such as those of the always-blank border pixels) decay towards zero and the
weight images become cleaner and smaller. Do not expect a big jump in test
accuracy here: with only 100 examples, a linear model is limited mostly by the
data it has seen. Try a few values of `L2_STRENGTH`. What happens to the
weights, and to the accuracies, when it is far too large (say 1.0)?
""")

code(r'''
L2_STRENGTH = 0.01


def build_softmax_regression_l2(strength):
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Flatten(),
            layers.Dense(10, activation="softmax", kernel_regularizer=keras.regularizers.l2(strength)),
        ],
        name="softmax_regression_l2",
    )


l2_model = build_softmax_regression_l2(L2_STRENGTH)
train_tiny(l2_model)
with needs("extract_W"):
    show_weights(l2_model, f"100 digits with L2 weight decay ({L2_STRENGTH})")
''')

# =====================================================================
# 3. First CNN
# =====================================================================

md(r"""
## 3. A first convolutional network

Softmax regression looks at every pixel separately. A convolution instead
slides small 3×3 filters over the image, so the same detector of a stroke or a
corner is applied at every position, and max-pooling makes the result
tolerant to small shifts. Stacking them builds features of growing size:

* `Conv2D(8, 3)` → 26×26×8, then `MaxPooling2D(2)` → 13×13×8
* `Conv2D(16, 3)` → 11×11×16, then `MaxPooling2D(2)` → 5×5×16
* `Conv2D(32, 3)` → 3×3×32
* `Flatten` → 288 numbers → `Dense(64)` → `Dropout(0.5)` → `Dense(10, softmax)`

All convolutions use ReLU activations and no padding ("valid"), which is why
each one trims a pixel from every border. Dropout randomly silences half of the
64 units during training, which discourages the classifier from relying on any
single feature. This time we let the Adam optimizer pick step sizes for us.
""")

code(r'''
def build_cnn():
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(8, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="cnn")


cnn = build_cnn()
cnn.summary()
cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
cnn.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, validation_split=0.1, verbose=2)
_, cnn_acc = cnn.evaluate(x_test, y_test, verbose=0)
print(f"CNN, test accuracy: {cnn_acc:.3f}")
''')

# =====================================================================
# 4. 2-D bottleneck
# =====================================================================

md(r"""
## 4. Squeezing the features into two numbers

The CNN above summarises each digit in 288 numbers before classifying it. How
few would do? Let us force the network to describe each image with just **two**
numbers. Then every image becomes a point in the plane, and we can *see* how
the network arranges the classes.

The network is the same conv stack, followed by your `bottleneck_2d` and then
the same classifier: `Flatten → Dense(64, relu) → Dropout(0.5) → Dense(10, softmax)`.
""")

exercise("bottleneck_2d", r'''
def bottleneck_2d(x):
    """Squeeze the CNN's features down to two numbers per image.

    `x` is the Keras tensor coming out of the third convolution, with shape
    (None, 3, 3, 32). Apply Keras layers to it and return the resulting
    tensor, chosen so that a following `Flatten()` produces exactly 2 values
    per image. One simple option: a 3x3 convolution with 2 filters and no
    padding (giving 1x1x2); a bounded activation such as tanh keeps the two
    numbers on a tidy scale for plotting.
    """
    # YOUR CODE HERE
    raise NotImplementedError
''')

code(r'''
def build_bottleneck_cnn():
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(8, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = bottleneck_2d(x)
    codes = layers.Flatten(name="code")(x)
    if codes.shape[-1] != 2:
        print(f"Warning: the bottleneck gives {codes.shape[-1]} values per image, not 2.")
    x = layers.Dense(64, activation="relu")(codes)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="bottleneck_cnn")


bottleneck_cnn = None
with needs("bottleneck_2d"):
    bottleneck_cnn = build_bottleneck_cnn()
    bottleneck_cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    bottleneck_cnn.fit(x_train, y_train, epochs=2 * EPOCHS, batch_size=32, validation_split=0.1, verbose=2)
    _, acc = bottleneck_cnn.evaluate(x_test, y_test, verbose=0)
    print(f"2-D bottleneck CNN, test accuracy: {acc:.3f}")
''')

md(r"""
To read the two numbers out we build a second model that shares the trained
layers but stops at the layer named `"code"`. No retraining is involved: it is
just another view of the same network.
""")

code(r'''
with needs("bottleneck_2d"):
    if bottleneck_cnn is None:
        raise NotImplementedError
    encoder = keras.Model(bottleneck_cnn.input, bottleneck_cnn.get_layer("code").output)
    codes = encoder.predict(x_test, verbose=0)
    plt.figure(figsize=(7, 6))
    points = plt.scatter(codes[:, 0], codes[:, 1], c=y_test, cmap="tab10", s=6, vmin=-0.5, vmax=9.5)
    plt.colorbar(points, ticks=range(10), label="true class")
    plt.title("Test digits in the 2-D bottleneck")
    plt.xlabel("code 1")
    plt.ylabel("code 2")
    plt.show()
''')

md(r"""
Which classes sit next to each other, and which ones overlap? Do the
neighbours make sense (4 and 9, or 3, 5 and 8, say)? The overlaps are exactly
where the network confuses classes, which is why its accuracy is lower than the
CNN's in §3. (With tanh the codes cannot leave the square [−1, 1]², so classes
often crowd into its corners and along its edges.)
""")

# =====================================================================
# 5. Autoencoder
# =====================================================================

md(r"""
## 5. A convolutional autoencoder

An autoencoder is trained to output its own input. That sounds pointless until
you put a narrow passage in the middle: to rebuild the image, the network has
to squeeze everything important through it. The lab's autoencoder has an
**encoder** of three convolution + pooling stages that shrinks the 28×28 image
to 4×4×8 = 128 numbers (`padding="same"` on the poolings rounds 7 up to 4), and
a **decoder** of three convolution + `UpSampling2D` stages (upsampling simply
repeats every pixel 2×2 times) that grows it to 32×32. A last 5×5 convolution
*without* padding trims the 32×32 map to 28×28, one output channel.

No labels are needed: the targets are the images themselves.

We try two ways to score a reconstruction:

1. a linear output and the **mean squared error** (MSE) between pixels;
2. a **sigmoid** on top of that same output, whose values lie in (0, 1) like
   our pixels, and the **binary cross-entropy**, which treats each pixel as the
   probability of ink. It punishes confident mistakes harder and often gives
   crisper strokes. As in the lab, the sigmoid model reuses the layers (and
   weights) of the first, so it carries on from where the MSE training stopped.
""")

code(r'''
def build_autoencoder():
    inputs = keras.Input(shape=(28, 28, 1))
    # encoder: 28x28x1 -> 4x4x8
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2, padding="same")(x)                   # 14x14
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2, padding="same")(x)                   # 7x7
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    encoded = layers.MaxPooling2D(2, padding="same")(x)             # 4x4
    # decoder: 4x4x8 -> 32x32x16 -> 28x28x1
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(encoded)
    x = layers.UpSampling2D(2)(x)                                   # 8x8
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = layers.UpSampling2D(2)(x)                                   # 16x16
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.UpSampling2D(2)(x)                                   # 32x32
    decoded = layers.Conv2D(1, 5, padding="valid")(x)               # 28x28, linear
    return keras.Model(inputs, decoded, name="autoencoder")


autoencoder_mse = build_autoencoder()
autoencoder_mse.summary()
autoencoder_mse.compile(optimizer="adam", loss="mse")
autoencoder_mse.fit(x_train, x_train, epochs=EPOCHS, batch_size=32, validation_split=0.1, verbose=2)

# the same layers with a sigmoid on top, trained further with binary cross-entropy
autoencoder_bce = keras.Model(autoencoder_mse.input, layers.Activation("sigmoid")(autoencoder_mse.output), name="autoencoder_sigmoid")
autoencoder_bce.compile(optimizer="adam", loss="binary_crossentropy")
autoencoder_bce.fit(x_train, x_train, epochs=EPOCHS, batch_size=32, validation_split=0.1, verbose=2);
''')

code(r'''
recon_mse = np.clip(autoencoder_mse.predict(x_test[:8], verbose=0), 0, 1)
recon_bce = autoencoder_bce.predict(x_test[:8], verbose=0)
show_rows([x_test, recon_mse, recon_bce], ["original", "MSE", "sigmoid + BCE"])
for name, recon in [("MSE", recon_mse), ("sigmoid + BCE", recon_bce)]:
    print(f"{name:>14}: mean squared error on these digits {np.mean((recon - x_test[:8]) ** 2):.4f}")
''')

# =====================================================================
# 6. Denoising
# =====================================================================

md(r"""
## 6. Denoising

A small twist turns the autoencoder into something useful: feed it a
**corrupted** image and ask for the **clean** one. Since random noise carries
no information about the digit, the narrow middle has no room to spare for it,
and the network learns to keep the strokes and drop the speckles.

First write the function that corrupts the images.
""")

exercise("add_noise", r'''
def add_noise(x, noise_factor=0.5):
    """Return a noisy copy of the images `x` (floats in [0, 1]).

    Add independent Gaussian noise with mean 0 and standard deviation
    `noise_factor` to every pixel, then clip the result back into [0, 1].
    The result must have the same shape as `x` and a floating dtype, and
    `x` itself must not be modified.

    Hint: `np.random.default_rng().normal(...)` or `standard_normal(...)`,
    and `np.clip`.
    """
    # YOUR CODE HERE
    raise NotImplementedError
''')

code(r'''
denoising_autoencoder = None
with needs("add_noise"):
    x_train_noisy = add_noise(x_train)
    x_test_noisy = add_noise(x_test)
    print("noisy images:", x_train_noisy.shape, x_train_noisy.dtype,
          f"values in [{x_train_noisy.min():.2f}, {x_train_noisy.max():.2f}]")

    # as in the lab: fine-tune the sigmoid autoencoder on noisy inputs (targets: the clean originals)
    denoising_autoencoder = autoencoder_bce
    denoising_autoencoder.fit(x_train_noisy, x_train, epochs=EPOCHS, batch_size=32, validation_split=0.1, verbose=2)

    denoised = denoising_autoencoder.predict(x_test_noisy[:8], verbose=0)
    show_rows([x_test_noisy, denoised, x_test], ["noisy input", "denoised", "clean"])
''')

# =====================================================================
# 7. Super-resolution
# =====================================================================

md(r"""
## 7. Super-resolution: from 14×14 to 28×28

Now the input and output have different sizes. We make a low-resolution copy
of every digit by keeping every other pixel in each direction,
`x[:, ::2, ::2, :]`, and train a network to restore the full 28×28 image.

The classic, learning-free answer is **bicubic interpolation**, which fits
smooth cubic curves through neighbouring pixels. It is our baseline: a network
that has seen thousands of digits should know what strokes look like and beat
it.
""")

code(r'''
x_train_lr = x_train[:, ::2, ::2, :]
x_test_lr = x_test[:, ::2, ::2, :]
print("low resolution:", x_train_lr.shape)


def bicubic_upscale(images):
    """(n, 14, 14, 1) -> (n, 28, 28, 1) with OpenCV's bicubic interpolation."""
    big = [cv2.resize(img[:, :, 0], (28, 28), interpolation=cv2.INTER_CUBIC) for img in images]
    return np.clip(np.stack(big), 0, 1)[..., None]


bicubic = bicubic_upscale(x_test_lr)
bicubic_mse = np.mean((bicubic - x_test) ** 2)
print(f"bicubic interpolation, test MSE: {bicubic_mse:.4f}")
''')

exercise("build_sr_network", r'''
def build_sr_network():
    """Build (do not train) a super-resolution network.

    Return a keras.Model that takes low-resolution digits of shape
    (None, 14, 14, 1) and outputs full-resolution digits of shape
    (None, 28, 28, 1) with values in [0, 1].

    Ideas: a few Conv2D layers with padding="same", one UpSampling2D(2)
    (or a Conv2DTranspose with strides=2) to double the size, and a final
    Conv2D(1, 3, padding="same", activation="sigmoid").
    """
    # YOUR CODE HERE
    raise NotImplementedError
''')

code(r'''
sr_network = None
with needs("build_sr_network"):
    sr_network = build_sr_network()
    sr_network.summary()
    sr_network.compile(optimizer="adam", loss="mse")
    sr_network.fit(x_train_lr, x_train, epochs=EPOCHS, batch_size=32, validation_split=0.1, verbose=2)

    sr_output = sr_network.predict(x_test_lr, verbose=0)
    print(f"bicubic test MSE: {bicubic_mse:.4f}   network test MSE: {np.mean((sr_output - x_test) ** 2):.4f}")
    show_rows([x_test_lr, bicubic, sr_output, x_test], ["14x14 input", "bicubic", "network", "original"])
''')

# =====================================================================
# 8. Angle regression
# =====================================================================

md(r"""
## 8. Regression: how far is this digit rotated?

Not every output is a class. Here the network must predict a single real
number: the angle (in degrees) by which a digit was rotated. We rotate every
digit by a random whole number of degrees between −30 and 29, using OpenCV:
`cv2.getRotationMatrix2D` builds the 2×3 matrix of a rotation about the image
centre, and `cv2.warpAffine` applies it. (Positive angles turn the digit
anticlockwise.)

For regression the last layer is a plain `Dense(1)` **without** an activation,
so the output can take any value, and the loss is the mean squared error.
We report the **mean absolute error** (MAE) in degrees, which is easier to
read. To judge it, compare with a lazy model that always answers 0°: with
angles spread evenly over [−30, 30) its MAE is about 15°.
""")

code(r'''
def rotate_images(images, angles):
    """Rotate each (28, 28, 1) image about its centre by its angle in degrees."""
    out = np.empty_like(images)
    for i, (img, angle) in enumerate(zip(images, angles)):
        h, w = img.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), float(angle), 1.0)
        out[i] = cv2.warpAffine(img, matrix, (w, h)).reshape(img.shape)
    return out


rng = np.random.default_rng(SEED)
angles_train = rng.integers(-30, 30, size=len(x_train)).astype("float32")
angles_test = rng.integers(-30, 30, size=len(x_test)).astype("float32")
x_train_rot = rotate_images(x_train, angles_train)
x_test_rot = rotate_images(x_test, angles_test)

print(f"'always 0 degrees' baseline, test MAE: {np.mean(np.abs(angles_test)):.1f} degrees")
show_rows([x_test, x_test_rot], ["original", "rotated"])
print("angles:", angles_test[:8].astype(int))
''')

exercise("build_angle_cnn", r'''
def build_angle_cnn():
    """Build (do not train) a CNN that predicts a digit's rotation angle.

    Return a keras.Model taking images of shape (None, 28, 28, 1) and
    returning shape (None, 1): the angle in degrees. Use convolutions and
    pooling to extract features, then Dense layers, and finish with a
    `Dense(1)` that has NO activation (a linear output), so that negative
    angles and angles beyond +-1 can be produced.
    """
    # YOUR CODE HERE
    raise NotImplementedError
''')

code(r'''
angle_cnn = None
with needs("build_angle_cnn"):
    angle_cnn = build_angle_cnn()
    angle_cnn.summary()
    angle_cnn.compile(optimizer="adam", loss="mse", metrics=["mae"])
    angle_cnn.fit(x_train_rot, angles_train, epochs=2 * EPOCHS, batch_size=32, validation_split=0.1, verbose=2)

    predicted = angle_cnn.predict(x_test_rot, verbose=0)[:, 0]
    print(f"angle CNN, test MAE: {np.mean(np.abs(predicted - angles_test)):.1f} degrees "
          f"(always-0 baseline: {np.mean(np.abs(angles_test)):.1f})")
    # turning each digit back by the predicted angle should make it upright
    show_rows([x_test_rot, rotate_images(x_test_rot, -predicted)], ["rotated", "straightened"])
    print("true:     ", angles_test[:8].astype(int))
    print("predicted:", np.round(predicted[:8]).astype(int))
''')

# =====================================================================
# 9. Detection
# =====================================================================

md(r"""
## 9. A tiny YOLO-style detector

So far each image held one digit in a known place. Now we build 64×64
**scenes** holding two digits: one in a random quadrant of the top half and one
in a random quadrant of the bottom half, each nudged by 0–4 pixels. A detector
must say *where* each digit is (a bounding box) and *what* it is.

The idea behind YOLO ("you only look once") is to cut the image into a grid
and make every grid cell responsible for the object that lies in it. Our grid
is 2×2 (each cell is a 32×32 quadrant, and every digit sits inside one
quadrant) and each cell predicts 15 numbers:

| channel | meaning | activation |
|---|---|---|
| 0 | confidence: is there a digit in this cell? | sigmoid |
| 1–4 | box corners $x_0, y_0, x_1, y_1$, relative to the cell's top-left corner, in cell units (so 1.0 = 32 px) | linear |
| 5–14 | class probabilities for digits 0–9 | softmax |

So the network's output has shape `(2, 2, 15)` per scene. A digit placed
3 px right and 1 px down from its cell's corner has the target box
$(3/32,\ 1/32,\ 31/32,\ 29/32)$, since the digit is 28 px wide.
`grader.data.make_scenes` builds the scenes together with these targets.
""")

code(r'''
from grader.data import make_scenes

scenes_train = make_scenes(x_train, y_train, SCENES_TRAIN, seed=1)
scenes_test = make_scenes(x_test, y_test, SCENES_TEST, seed=2)
print("images ", scenes_train.images.shape, "  boxes", scenes_train.boxes.shape,
      "  labels", scenes_train.labels.shape)
print("masks  ", scenes_train.masks.shape, "  detector targets", scenes_train.detector_targets.shape)

np.set_printoptions(precision=3, suppress=True)
print("\ntargets of the first training scene, cell by cell (row, column):")
for row in range(2):
    for col in range(2):
        print((row, col), scenes_train.detector_targets[0, row, col])


def draw_scene(ax, image, boxes, labels, color, scores=None):
    """Draw a scene with (x0, y0, x1, y1) pixel boxes and their labels."""
    ax.imshow(image[:, :, 0], cmap="gray", vmin=0, vmax=1)
    for i, ((x0, y0, x1, y1), label) in enumerate(zip(boxes, labels)):
        ax.add_patch(plt.Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, color=color, lw=1.5))
        text = str(label) if scores is None else f"{label} ({scores[i]:.2f})"
        ax.text(x0 + 1, y0 + 1, text, color=color, fontsize=9, va="top",
                bbox=dict(facecolor="black", alpha=0.6, pad=1, linewidth=0))
    ax.axis("off")


fig, axes = plt.subplots(1, 5, figsize=(12, 2.8))
for i, ax in enumerate(axes):
    draw_scene(ax, scenes_train.images[i], scenes_train.boxes[i], scenes_train.labels[i], "lime")
plt.suptitle("training scenes with their true boxes")
plt.show()
''')

md(r"""
### The network

A shared convolutional **encoder** turns the 64×64 scene into an 8×8 map of
32 features. Its first layer is unusual: a convolution with a 33×33 kernel
(padding "same"), so that every position looks at a window as big as a whole
digit.

```
Input (64, 64, 1)
Conv2D(8, 33, same, relu)         -> (64, 64, 8)
MaxPooling2D(2, same)             -> (32, 32, 8)
Conv2D(16, 3, same, relu)         -> (32, 32, 16)
MaxPooling2D(2, same)             -> (16, 16, 16)
Conv2D(32, 3, same, relu)         -> (16, 16, 32)
MaxPooling2D(2, same)             -> (8, 8, 32)     the shared encoding
```

Three **heads** then read that encoding, each with two more convolution +
pooling stages of its own that bring the map down to the 2×2 grid (4 channels
for the confidence and the box heads, 16 for the class head), and a final
1×1 convolution, that is, a small Dense layer applied to every grid cell
separately, with the activation that suits its job. Concatenating their
outputs along the channel axis gives the `(2, 2, 15)` prediction. The exercise
asks for the number of output channels of each head's 1×1 convolution.
""")

exercise("detector_channels", r'''
def detector_channels():
    """Return the output channel counts of the detector's three heads.

    Give a tuple of three integers (confidence, box, classes): how many
    channels the 1x1 convolution of each head must produce for every grid
    cell, following the target layout described above.
    """
    # YOUR CODE HERE
    raise NotImplementedError
''')

code(r'''
def detector_head(encoded, filters, channels, activation=None, name=None):
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(encoded)
    x = layers.MaxPooling2D(2, padding="same")(x)                   # 4x4
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2, padding="same")(x)                   # 2x2
    return layers.Conv2D(channels, 1, padding="same", activation=activation, name=name)(x)


def build_detector():
    conf_channels, box_channels, class_channels = detector_channels()
    inputs = keras.Input(shape=(64, 64, 1))
    x = layers.Conv2D(8, 33, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2, padding="same")(x)                   # 32x32
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2, padding="same")(x)                   # 16x16
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    encoded = layers.MaxPooling2D(2, padding="same")(x)             # 8x8
    confidence = detector_head(encoded, 4, conf_channels, "sigmoid", name="confidence")
    box = detector_head(encoded, 4, box_channels, name="box")       # linear
    # softmax over the last axis (the channels): one probability per class in each grid cell
    classes = detector_head(encoded, 16, class_channels, "softmax", name="classes")
    outputs = layers.Concatenate(axis=-1)([confidence, box, classes])
    return keras.Model(inputs, outputs, name="detector")


detector = None
with needs("detector_channels"):
    detector = build_detector()
    detector.summary()
    print("output shape:", detector.output_shape, " parameters:", detector.count_params())
''')

md(r"""
### The loss

Each part of the prediction gets a loss that suits it, computed per grid cell:

* **confidence:** binary cross-entropy against 1 (digit) or 0 (empty), for
  every cell;
* **box:** squared error of the four corners, but *only for cells that hold a
  digit* — an empty cell has no box to get right, so we multiply by the target
  confidence, which is 0 there. We weight this term by 5 so the small
  coordinate errors are not drowned out;
* **class:** categorical cross-entropy against the one-hot class, again only
  for cells that hold a digit.

Keras then averages the per-cell losses over cells and scenes. (A cruder
alternative, MSE on all 15 channels everywhere, also trains, but wastes effort
on the meaningless boxes and classes of empty cells.)

Finding *where* the digits are turns out to be easy; telling *which* digit
each one is takes longer, so the detector gets a few more epochs and a
slightly larger learning rate than the other models.
""")

code(r'''
def detector_loss(y_true, y_pred):
    has_digit = y_true[..., 0]                                           # (batch, 2, 2), 1 or 0
    conf_loss = keras.losses.binary_crossentropy(y_true[..., 0:1], y_pred[..., 0:1])
    box_loss = ops.sum(ops.square(y_true[..., 1:5] - y_pred[..., 1:5]), axis=-1)
    class_loss = keras.losses.categorical_crossentropy(y_true[..., 5:], y_pred[..., 5:])
    return conf_loss + has_digit * (5.0 * box_loss + class_loss)


def decode_cell(cell_output, row, col, cell_size=32):
    """Turn one cell's 15 numbers into (confidence, pixel box, class)."""
    offset = np.array([col, row, col, row]) * cell_size
    return cell_output[0], cell_output[1:5] * cell_size + offset, int(np.argmax(cell_output[5:]))


def box_iou(a, b):
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


with needs("detector_channels"):
    if detector is None:
        raise NotImplementedError
    detector.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss=detector_loss)
    detector.fit(scenes_train.images, scenes_train.detector_targets,
                 epochs=3 * EPOCHS, batch_size=32, validation_split=0.1, verbose=2)

    grids = detector.predict(scenes_test.images, verbose=0)
    targets = scenes_test.detector_targets
    found = targets[..., 0] == 1
    print(f"cells with a digit detected (confidence > 0.5): {np.mean(grids[..., 0][found] > 0.5):.3f}")
    print(f"empty cells wrongly detected:                   {np.mean(grids[..., 0][~found] > 0.5):.3f}")
    print(f"class accuracy in cells with a digit:           "
          f"{np.mean(grids[..., 5:].argmax(-1)[found] == targets[..., 5:].argmax(-1)[found]):.3f}")
    ious = [box_iou(decode_cell(grids[i, r, c], r, c)[1], decode_cell(targets[i, r, c], r, c)[1])
            for i, r, c in zip(*np.nonzero(found))]
    print(f"mean IoU of predicted and true boxes:           {np.mean(ious):.3f}")

    fig, axes = plt.subplots(1, 5, figsize=(12, 2.8))
    for i, ax in enumerate(axes):
        detections = [decode_cell(grids[i, r, c], r, c) for r in range(2) for c in range(2)]
        detections = [d for d in detections if d[0] > 0.5]
        draw_scene(ax, scenes_test.images[i], [d[1] for d in detections], [d[2] for d in detections],
                   "orange", scores=[d[0] for d in detections])
    plt.suptitle("test scenes: predicted boxes, class (confidence)")
    plt.show()
''')

# =====================================================================
# 10. Segmentation
# =====================================================================

md(r"""
## 10. Segmentation: a class for every pixel

Detection draws a box; **segmentation** labels each pixel. For our scenes the
answer is a 64×64 map saying, for every pixel of ink, which of the ten
classes its digit belongs to. (`scenes.masks` holds exactly that, with −1
for background.)

The network must output a full-resolution map, so after encoding we decode
back up to 64×64. A **U-Net** does this with an encoder that halves the size
three times and a decoder that doubles it three times. Its key trick is the
**skip connections**: at each size, the decoder's features are concatenated
with the encoder's features of the same size, handing the fine detail that the
bottleneck lost straight back to the decoder.

Each "block" is `Conv2D(f, 3, same) → BatchNormalization → ReLU`; batch
normalization rescales each channel to zero mean and unit variance over the
batch, which steadies training. Each decoder stage runs a block, doubles the
size with `UpSampling2D`, and then joins the encoder's features of that size.
The last layer is a 1×1 convolution with a softmax over the 10 classes (the
channel axis), so the output is `(64, 64, 10)`: ten probability maps.
""")

code(r'''
def conv_block(x, filters):
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_unet(input_shape=(64, 64, 1), num_classes=10):
    inputs = keras.Input(shape=input_shape)
    # encoder
    s1 = conv_block(inputs, 8)                      # 64x64x8
    x = layers.MaxPooling2D(2)(s1)
    s2 = conv_block(x, 16)                          # 32x32x16
    x = layers.MaxPooling2D(2)(s2)
    s3 = conv_block(x, 32)                          # 16x16x32
    x = layers.MaxPooling2D(2)(s3)
    x = conv_block(x, 64)                           # 8x8x64 bottleneck
    # decoder: each block, then upsampling, then the skip connection
    x = conv_block(x, 32)
    x = layers.UpSampling2D(2)(x)
    x = layers.Concatenate()([s3, x])               # 16x16x(32+32)
    x = conv_block(x, 16)
    x = layers.UpSampling2D(2)(x)
    x = layers.Concatenate()([s2, x])               # 32x32x(16+16)
    x = conv_block(x, 8)
    x = layers.UpSampling2D(2)(x)
    x = layers.Concatenate()([s1, x])               # 64x64x(8+8)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="unet")


unet = build_unet()
print("U-Net parameters:", unet.count_params(), " output shape:", unet.output_shape)
''')

md(r"""
Your exercise: the same network **without** the three skip connections, so
that everything has to pass through the 8×8 bottleneck. Comparing the two
shows what the skips are worth.
""")

exercise("build_unet_no_skips", r'''
def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    """Build (do not train) the U-Net above with its skip connections removed.

    Copy `build_unet`, keeping every block, pooling and upsampling layer
    in its order, but drop the three Concatenate layers (and with them s1,
    s2 and s3), so each decoder block only sees the upsampled output of the
    block before it.
    Return a keras.Model mapping `input_shape` to
    (64, 64, num_classes) per-pixel softmax probabilities.
    """
    # YOUR CODE HERE
    raise NotImplementedError
''')

md(r"""
### Training on the ink only

What about the background (−1)? It is trivial: a pixel is background exactly
when the scene is dark there (the masks mark a pixel as a digit where its
brightness is above 0.5). So we do not spend the network's effort on it. We
train on the **digit pixels only**, by giving every pixel a *sample weight*:
1 for ink, 0 for background. Background pixels then contribute nothing to the
loss, their target can be any valid class (we use 0), and at prediction time we
simply blank out the dark pixels of the input.
""")

code(r'''
def segmentation_data(scenes):
    images = scenes.images
    targets = np.maximum(scenes.masks, 0)               # background -> 0, ignored through the weights
    weights = (scenes.masks >= 0).astype("float32")     # 1 on ink, 0 on background
    return images, targets, weights


def ink_accuracy(model, scenes):
    """Fraction of digit pixels that get the right class."""
    predicted = model.predict(scenes.images, verbose=0).argmax(-1)
    ink = scenes.masks >= 0
    return np.mean(predicted[ink] == scenes.masks[ink]), predicted


def train_segmenter(model):
    images, targets, weights = segmentation_data(scenes_train)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(images, targets, sample_weight=weights, epochs=2 * EPOCHS, batch_size=32, verbose=2)
    accuracy, predicted = ink_accuracy(model, scenes_test)
    print(f"{model.name}: {accuracy:.3f} of the test digit pixels classified correctly")
    return predicted


def show_segmentation(rows, titles, n=5):
    fig, axes = plt.subplots(len(rows), n, figsize=(2.2 * n, 2.2 * len(rows)), squeeze=False)
    ink = scenes_test.images[:n, :, :, 0] > 0.5
    for r, (maps, title) in enumerate(zip(rows, titles)):
        for i in range(n):
            ax = axes[r, i]
            if maps is None:
                ax.imshow(scenes_test.images[i, :, :, 0], cmap="gray")
            else:
                ax.imshow(np.ma.masked_where(~ink[i], maps[i]), cmap="tab10", vmin=-0.5, vmax=9.5,
                          interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(title)
    plt.tight_layout()
    plt.show()


unet_predicted = train_segmenter(unet)
show_segmentation([None, scenes_test.masks, unet_predicted], ["scene", "true classes", "U-Net"])
print("colours: 0 blue, 1 orange, 2 green, 3 red, 4 purple, 5 brown, 6 pink, 7 grey, 8 olive, 9 cyan")
''')

code(r'''
unet_no_skips = None
with needs("build_unet_no_skips"):
    unet_no_skips = build_unet_no_skips()
    print("parameters with skips:", unet.count_params(), "  without:", unet_no_skips.count_params())
    no_skips_predicted = train_segmenter(unet_no_skips)
    show_segmentation([None, scenes_test.masks, unet_predicted, no_skips_predicted],
                      ["scene", "true classes", "with skips", "without skips"])
''')

md(r"""
The version without skips has fewer parameters (two of its decoder blocks and
its output layer see half as many input channels), but the interesting
difference is *where* it goes wrong. Look at the borders of the strokes and at the pixels of one digit
that receive another digit's class. Which network gives the more consistent
label across a whole digit, and why might that be?
""")

# =====================================================================
# 11. BatchNormalizedLayer
# =====================================================================

md(r"""
## 11. A reusable layer: `BatchNormalizedLayer`

The pattern "layer → batch normalization → activation" appeared in every
U-Net block. Instead of writing three lines each time, we can package it as a
**custom Keras layer** that wraps any other layer. Custom layers subclass
`keras.layers.Layer`: create the sub-layers in `__init__` and use them in
`call`. Keras tracks layers stored as attributes automatically, so their
weights become part of the model.

Two details matter in `call`:

* pass the `training` flag on to the batch normalization, which behaves
  differently while training (it uses the statistics of the current batch)
  and afterwards (it uses running averages gathered during training);
* when a layer is followed by batch normalization, its bias is redundant (the
  normalization subtracts the mean and adds its own offset), so the wrapped
  layers below are created with `use_bias=False`.
""")

exercise("BatchNormalizedLayer", r'''
class BatchNormalizedLayer(keras.layers.Layer):
    """Wrap a layer so that its output is batch-normalized and then activated.

    `BatchNormalizedLayer(layer, axis=-1, activation=None)` must compute
    activation(batch_norm(layer(inputs))), where
      * `layer` is any Keras layer (e.g. Conv2D or Dense), stored and called
        as it is;
      * `batch_norm` is a keras.layers.BatchNormalization normalizing over
        `axis` (the channel axis);
      * `activation` is anything `keras.activations.get` accepts: None
        (no activation, i.e. the identity), a name such as "relu", or a
        function.
    Pass any extra keyword arguments (such as name=...) on to the parent
    class, and pass `training` on to the batch normalization in `call`.
    """

    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        # YOUR CODE HERE
        raise NotImplementedError

    def call(self, inputs, training=None):
        # YOUR CODE HERE
        raise NotImplementedError
''')

code(r'''
def build_bn_cnn():
    inputs = keras.Input(shape=(28, 28, 1))
    x = BatchNormalizedLayer(layers.Conv2D(8, 3, use_bias=False), activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = BatchNormalizedLayer(layers.Conv2D(16, 3, use_bias=False), activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = BatchNormalizedLayer(layers.Conv2D(32, 3, use_bias=False), activation="relu")(x)
    x = layers.Flatten()(x)
    x = BatchNormalizedLayer(layers.Dense(64, use_bias=False), activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="bn_cnn")


bn_cnn = None
with needs("BatchNormalizedLayer"):
    bn_cnn = build_bn_cnn()
    bn_cnn.summary()
    bn_cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    bn_cnn.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, validation_split=0.1, verbose=2)
    _, acc = bn_cnn.evaluate(x_test, y_test, verbose=0)
    print(f"CNN with batch normalization, test accuracy: {acc:.3f}  (plain CNN of section 3: {cnn_acc:.3f})")
''')

md(r"""
Compare the *training* accuracies epoch by epoch: batch normalization usually
makes the network learn faster. The *test* accuracy may tell a different story
after only a few epochs. At test time batch normalization uses running
averages of the means and variances, and these are updated slowly (each batch
moves them by just 1 %), so after a few hundred training steps they still
trail behind. Raise `EPOCHS` and the gap closes. Also try a larger learning
rate, e.g. `keras.optimizers.Adam(learning_rate=0.01)`, for both networks.
""")

# =====================================================================
# 12. Saving
# =====================================================================

md(r"""
## 12. Saving your models

The last cell saves every trained model into a folder `lab3_models/` next to
this notebook, in Keras' native `.keras` format, which holds the architecture
and the weights. Models whose exercise is not finished yet are skipped. Run it
again whenever you have retrained something.

You can reload any of them later with `keras.models.load_model(path)`. The
detector is the one special case: it was compiled with `detector_loss`, a
function that lives only in this notebook, and a program loading the file
would not know how to rebuild it. So we save the detector's layers and weights
without its training set-up.
""")

code(r'''
MODEL_DIR = Path("lab3_models")
MODEL_DIR.mkdir(exist_ok=True)

models_to_save = {
    "softmax_regression": "softmax_model",
    "bottleneck_cnn": "bottleneck_cnn",
    "denoising_autoencoder": "denoising_autoencoder",
    "sr_network": "sr_network",
    "angle_cnn": "angle_cnn",
    "detector": "detector",
    "unet": "unet",
    "unet_no_skips": "unet_no_skips",
}
for file_name, variable in models_to_save.items():
    model = globals().get(variable)
    if model is None:
        print(f"skipped {file_name}: not built yet")
        continue
    if file_name == "detector":
        # same layers and weights, but not compiled, so no custom loss is stored
        model = keras.Model(model.inputs, model.outputs, name=model.name)
    model.save(MODEL_DIR / f"{file_name}.keras")
    print(f"saved   {MODEL_DIR / (file_name + '.keras')}")
''')


# =====================================================================


def build() -> nbformat.NotebookNode:
    nb = new_notebook(cells=CELLS)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "labgrader": {"lab": "lab3"},
    }
    seen = set()
    for i, cell in enumerate(nb.cells):
        name = cell.metadata.get("labgrader", {}).get("exercise")
        if name:
            assert name not in seen, f"exercise {name} appears twice"
            seen.add(name)
            cell.id = "exercise-" + re.sub(r"[^A-Za-z0-9-]", "-", name)
        else:
            cell.id = f"cell-{i:02d}"
    missing = set(EXERCISES) - seen
    assert not missing, f"exercises without a cell: {sorted(missing)}"
    nbformat.validate(nb)
    return nb


SOLUTION = HERE.parent.parent / "reference" / "lab3" / "solution.py"
SOLUTION_NOTEBOOK = HERE.parent.parent / "reference" / "lab3" / "lab3_solution.ipynb"


def solution_sources() -> dict[str, str]:
    """Each exercise's definition in ``reference/lab3/solution.py``, preceded by the private helpers it calls."""
    import ast

    text = SOLUTION.read_text()
    tree = ast.parse(text)
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    sources = {}
    for name in EXERCISES:
        node = defs[name]
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        helpers = [defs[h] for h in sorted(used) if h.startswith("_") and h in defs]
        sources[name] = "\n\n\n".join(ast.get_source_segment(text, d) for d in [*helpers, node])
    return sources


def build_solution(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student notebook with every exercise cell replaced by the reference solution's code."""
    solved = nbformat.from_dict(nbformat.writes(nb) and nbformat.reads(nbformat.writes(nb), as_version=4))
    sources = solution_sources()
    for cell in solved.cells:
        name = cell.metadata.get("labgrader", {}).get("exercise")
        if name:
            cell.source = sources[name]
    note = new_markdown_cell("**Reference solution of lab 3 (instructors only, not for students).** Generated by "
                             "`exercises/lab3/build_notebook.py` from the student notebook, with every exercise cell "
                             "replaced by its definition in `reference/lab3/solution.py`.")
    note.id = "solution-note"
    solved.cells.insert(0, note)
    nbformat.validate(solved)
    return solved


def main() -> None:
    nb = build()
    nbformat.write(nb, NOTEBOOK)
    print(f"wrote {NOTEBOOK} ({len(nb.cells)} cells, {len(EXERCISES)} exercises)")
    nbformat.write(build_solution(nb), SOLUTION_NOTEBOOK)
    print(f"wrote {SOLUTION_NOTEBOOK}")


if __name__ == "__main__":
    main()
