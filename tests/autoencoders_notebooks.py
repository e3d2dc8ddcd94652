"""Notebooks in the autoencoders lab's original handout style, written for the tests.

The handout (course material 002) asks each question in a markdown cell and
leaves a ``# YOUR CODE HERE`` cell under it; students fill those with names of
their own. Only its given cells fix names: one calls ``build_decoder(2)``, one
defines ``build_autoencoder(encoder, decoder)`` with ``tensorflow.keras``
imports, and the noise cell reads ``x_train`` and ``x_test``. The question
texts here are our own, keeping only the short phrases the rubric's question
anchors look for.

``original_notebook(**answers)`` returns a notebook; each keyword replaces one
answer cell (``UNFILLED`` leaves it as handed out). ``ANSWERS`` is one correct
way to fill every cell.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

UNFILLED = "# YOUR CODE HERE"

ANSWERS = {
    "data": """
from tensorflow.keras.datasets import mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = x_train.astype('float32') / 255.
x_test = x_test.astype('float32') / 255.
x_train = x_train.reshape(-1, 28, 28, 1)
x_test = x_test.reshape(-1, 28, 28, 1)
""",
    "plot": """
import matplotlib.pyplot as plt
for i in range(5):
    plt.subplot(1, 5, i + 1)
    plt.imshow(x_train[i].reshape(28, 28), cmap='gray')
plt.show()
""",
    "encoder": """
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Reshape, Conv2DTranspose

def build_encoder(latent_dimension):
    model = Sequential()
    model.add(Conv2D(8, (2, 2), input_shape=(28, 28, 1), activation='relu'))
    model.add(MaxPooling2D(2))
    model.add(Conv2D(16, (2, 2), activation='relu'))
    model.add(MaxPooling2D(2))
    model.add(Conv2D(32, (2, 2), activation='relu'))
    model.add(Flatten())
    model.add(Dense(latent_dimension, activation='tanh'))
    return model
""",
    "encoder_summary": """
encoder = build_encoder(2)
encoder.summary()
""",
    "decoder": """
def build_decoder(latent_dimension):
    model = Sequential()
    model.add(Dense(7 * 7 * 8, activation='tanh', input_shape=(latent_dimension,)))
    model.add(Reshape((7, 7, 8)))
    model.add(Conv2DTranspose(8, (2, 2), strides=2, padding='same', activation='relu'))
    model.add(Conv2DTranspose(1, (2, 2), strides=2, padding='same', activation='relu'))
    return model
""",
    "decoder_summary": """
decoder = build_decoder(2)
decoder.summary()
""",
    "autoencoder": """
autoencoder = build_autoencoder(encoder, decoder)
autoencoder.summary()
""",
    "compile": """
def compile_model(model):
    model.compile(loss='mse', optimizer='adam')
""",
    "fit": """
compile_model(autoencoder)
autoencoder.fit(x_train, x_train, epochs=20, batch_size=32)
""",
    "predict": """
prediction = autoencoder.predict(x_test)
plt.subplot(1, 2, 1); plt.imshow(x_test[0].reshape(28, 28))
plt.subplot(1, 2, 2); plt.imshow(prediction[0].reshape(28, 28))
plt.show()
""",
    "encode": """
encoded = encoder.predict(x_test)
""",
    "scatter": """
plt.scatter(encoded[:, 0], encoded[:, 1], c=y_test, cmap='tab10')
plt.colorbar()
plt.show()
""",
    "noise_plot": """
plt.subplot(1, 2, 1); plt.imshow(x_train[0].reshape(28, 28))
plt.subplot(1, 2, 2); plt.imshow(x_train_noisy[0].reshape(28, 28))
plt.show()
""",
    "denoise": """
denoiser = build_autoencoder(build_encoder(2), build_decoder(2))
compile_model(denoiser)
denoiser.fit(x_train_noisy, x_train, epochs=20, batch_size=32)
""",
    "denoise_plot": """
denoised = denoiser.predict(x_test_noisy)
plt.imshow(denoised[0].reshape(28, 28))
plt.show()
""",
    "latent": """
for latent in (2, 4, 8):
    model = build_autoencoder(build_encoder(latent), build_decoder(latent))
    compile_model(model)
    model.fit(x_train_noisy, x_train, epochs=20, batch_size=32)
    print(latent, model.evaluate(x_test_noisy, x_test))
""",
}

WRITTEN = {
    "close": "They are blurry but the shape of most digits is kept.",
    "remark": "Digits of one class form clusters; 4 and 9 overlap.",
    "best": "",
}

GIVEN_DECODER = """
##############
### Answer ###
##############

decoder = build_decoder(2)
decoder.summary()
"""

GIVEN_AUTOENCODER = """
from tensorflow.keras import Model
from tensorflow.keras.layers import Input

def build_autoencoder(encoder, decoder):
    inp = Input((28, 28, 1))
    encoded = encoder(inp)
    decoded = decoder(encoded)
    autoencoder = Model(inp, decoded)
    return autoencoder

"""

GIVEN_NOISE = """
import numpy as np

noise_factor = 0.5
x_train_noisy = x_train + noise_factor * np.random.normal(0., 1., size=x_train.shape)
x_test_noisy = x_test + noise_factor * np.random.normal(0., 1., size=x_test.shape)

"""


def original_notebook(written: dict | None = None, **answers: str) -> nbformat.NotebookNode:
    """The handout-style notebook with ``ANSWERS`` filled in, each keyword replacing one (``UNFILLED``: as handed out)."""
    filled = {**ANSWERS, **answers}
    written = {**WRITTEN, **(written or {})}
    a = lambda key: new_code_cell(filled[key].strip("\n"))  # noqa: E731
    answer = lambda key: [new_markdown_cell(written[key])] if written[key] else []  # noqa: E731
    cells = [
        new_markdown_cell("# Autoencoders, one day of a bootcamp\n\nTrain an autoencoder on MNIST."),
        new_markdown_cell("Question: load MNIST from Keras, scale it to [0, 1] and give it a channel axis."), a("data"),
        new_markdown_cell("Question: show a few digits."), a("plot"),
        new_markdown_cell("Question: a method that returns the encoder for a given `latent_dimension`."), a("encoder"),
        new_markdown_cell("Question: build it with `latent_dimension=2` and count its parameters."), a("encoder_summary"),
        new_markdown_cell("Question: a method that returns the decoder."), a("decoder"),
        new_markdown_cell("Question: build it with `latent_dimension=2`."), a("decoder_summary"),
        new_code_cell(GIVEN_DECODER.strip("\n")),
        new_markdown_cell("Question: chain both with the `Model` class."),
        new_code_cell(GIVEN_AUTOENCODER.strip("\n") + "\n\n" + (filled["autoencoder"].strip("\n") if filled["autoencoder"] != UNFILLED else UNFILLED)),
        new_markdown_cell("Question: a method which compiles your model."), a("compile"),
        new_markdown_cell("Question: compile and fit (what is the label?)"), a("fit"),
        new_markdown_cell("Question: predicted images from the autoencoder, are they close to the original ?"), a("predict"), *answer("close"),
        new_markdown_cell("Question: encode part of the data."), a("encode"),
        new_markdown_cell("Question: scatter plot of the codes coloured by label. What do you remark on this plot?"), a("scatter"), *answer("remark"),
        new_markdown_cell("# Application: denoising"),
        new_markdown_cell("Question: run this and plot pairs of clean and noisy digits."),
        new_code_cell(GIVEN_NOISE.strip("\n") + "\n" + (filled["noise_plot"].strip("\n") if filled["noise_plot"] != UNFILLED else UNFILLED)),
        new_markdown_cell("Question: reinitialize the autoencoder and train it to denoise."), a("denoise"),
        new_markdown_cell("Question: denoise some test digits and plot them."), a("denoise_plot"),
        new_markdown_cell("Question: which `latent_dimension` is the best to denoise?"), a("latent"), *answer("best"),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def handout() -> nbformat.NotebookNode:
    """The notebook as handed out: every answer cell still ``# YOUR CODE HERE``, no written answers."""
    return original_notebook(written={"close": "", "remark": "", "best": ""}, **{key: UNFILLED for key in ANSWERS})


def write(notebook: nbformat.NotebookNode, path) -> str:
    nbformat.write(notebook, str(path))
    return str(path)
