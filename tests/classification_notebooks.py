"""Notebooks in the style of the classification lab's original handout (course material 003), written for the tests.

The handout gives plotting helpers, then per exercise a statement, "**Answer
to Question N**" paragraphs and a "### Solution" heading under which students
write code of their own, with names of their own. These builders reproduce
the patterns seen in filled notebooks of that handout (a general
``get_model(input_dim, layers, h, optimizer, lr, ...)`` builder that takes the
optimizer *class*, a helper that fits unless a saved history exists,
``get_callbacks``, learning rates as ``10**(-e)``, the misclassified indices
computed in a loop, Gaussian input noise passed straight to fit, a
``build_cnn(is_tuned)`` builder); none of their text or code is copied.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

IMPORTS = """
import os
import numpy as np
from numpy.random import normal, choice
import matplotlib.pyplot as plt
import scipy.io
import keras
from keras.models import Sequential, load_model
from keras.layers import Dense, Conv2D, MaxPooling2D, Dropout, Flatten, BatchNormalization
from keras.optimizers import SGD, Adam
from keras import regularizers
from keras.callbacks import EarlyStopping, ModelCheckpoint
from keras.utils import to_categorical
"""

DATA = """
(x_mnist_train, y_mnist_train), (x_mnist_test, y_mnist_test) = keras.datasets.mnist.load_data()
(x_fash_train, y_fash_train), (x_fash_test, y_fash_test) = keras.datasets.fashion_mnist.load_data()
y_mnist_train_1hot, y_mnist_test_1hot = to_categorical(y_mnist_train), to_categorical(y_mnist_test)
y_fash_train_1hot, y_fash_test_1hot = to_categorical(y_fash_train), to_categorical(y_fash_test)
x_mnist_train = x_mnist_train / 255.0
x_mnist_test = x_mnist_test / 255.0
x_fash_train = x_fash_train / 255.0
x_fash_test = x_fash_test / 255.0
x_mnist_flat = x_mnist_train.reshape(x_mnist_train.shape[0], 28 * 28)
x_mnist_test_flat = x_mnist_test.reshape(x_mnist_test.shape[0], 28 * 28)
x_fash_flat = x_fash_train.reshape(x_fash_train.shape[0], 28 * 28)
x_fash_test_flat = x_fash_test.reshape(x_fash_test.shape[0], 28 * 28)
n_classes = y_mnist_train_1hot.shape[1]
input_dim = x_mnist_flat.shape[1]
"""

HELPERS = """
def get_callbacks(early_stop=True, save_model=False, name=''):
    callbacks = []
    if save_model:
        callbacks.append(ModelCheckpoint(os.path.join('saved', name + '.keras'), monitor='val_loss', save_best_only=True))
    if early_stop:
        callbacks.append(EarlyStopping(monitor='val_loss', mode='min', patience=20))
    return callbacks


def fit_or_load(name, model, x, y, validation_data=None, epochs=None, callbacks=None):
    os.makedirs('saved', exist_ok=True)
    path = os.path.join('saved', name + '_history.npy')
    if os.path.isfile(path):
        return np.load(path, allow_pickle=True).item()
    history = model.fit(x=x, y=y, validation_data=validation_data, epochs=epochs, callbacks=callbacks, verbose=0).history
    np.save(path, history)
    return history
"""

# The text's builder: the optimizer is passed as a class; it always starts with an extra Dense(n_classes, relu).
BUILDER_WITH_EXTRA_LAYER = """
def get_model(input_dim, layers, h, optimizer, lr, dropout=0, l2=0):
    model = Sequential()
    model.add(Dense(n_classes, activation='relu', input_shape=(input_dim,)))
    for i in range(layers):
        model.add(Dense(h, activation='relu', kernel_regularizer=regularizers.l1_l2(l1=0, l2=l2) if l2 > 0 else None))
        if dropout > 0:
            model.add(Dropout(dropout))
    model.add(Dense(n_classes, activation='softmax'))
    model.compile(optimizer=optimizer(lr), loss='categorical_crossentropy', metrics=['accuracy'])
    return model
"""

BUILDER = """
def get_model(input_dim, layers, h, optimizer, lr, dropout=0, l2=0):
    model = Sequential()
    for i in range(layers):
        kwargs = {'input_shape': (input_dim,)} if i == 0 else {}
        model.add(Dense(h, activation='relu', kernel_regularizer=regularizers.l2(l2) if l2 > 0 else None, **kwargs))
        if dropout > 0:
            model.add(Dropout(dropout))
    if layers == 0:
        model.add(Dense(n_classes, activation='softmax', input_shape=(input_dim,)))
    else:
        model.add(Dense(n_classes, activation='softmax'))
    model.compile(optimizer=optimizer(learning_rate=lr), loss='categorical_crossentropy', metrics=['accuracy'])
    return model
"""

SOFTMAX = """
model = get_model(input_dim, layers=0, h=0, optimizer=SGD, lr=0.01)
history = fit_or_load('ex2', model, x_mnist_flat, y_mnist_train_1hot, validation_data=(x_mnist_test_flat, y_mnist_test_1hot),
                      epochs=100, callbacks=get_callbacks(early_stop=True))
print(max(history['val_accuracy']))
"""

LEARNING_RATES = """
learning_rates = [10**(-e) for e in range(0, 4)]
histories = []
for lr in learning_rates:
    histories.append(fit_or_load('ex3_lr_%s' % lr, get_model(input_dim, 1, 128, SGD, lr), x_mnist_flat, y_mnist_train_1hot,
                                 validation_data=(x_mnist_test_flat, y_mnist_test_1hot), epochs=50))
"""

ADAM = """
model_adam = get_model(input_dim, layers=1, h=128, optimizer=Adam, lr=0.001)
history_adam = fit_or_load('ex3_adam', model_adam, x_mnist_flat, y_mnist_train_1hot,
                           validation_data=(x_mnist_test_flat, y_mnist_test_1hot), epochs=50)
print(history_adam['acc'][-1])
"""

MISCLASSIFIED = """
for m in [model_adam]:
    y_pred = m.predict_on_batch(x_mnist_test_flat).argmax(axis=1)
    indices = [i for i, v in enumerate(y_pred) if y_pred[i] != y_mnist_test[i]]
"""

NOISE_WITH_REPLACEMENT = """
def noise_labels(y_hot, p):
    length, classes = y_hot.shape
    picked = choice(np.arange(length), int(length * p))
    noisy = y_hot.copy()
    for index in picked:
        noisy[index] = to_categorical(np.floor(np.random.uniform(0, classes - 0.01)), num_classes=classes)
    return noisy
"""

NOISE = """
def noise_labels(y_hot, p):
    length, classes = y_hot.shape
    picked = choice(np.arange(length), int(length * p), replace=False)
    noisy = y_hot.copy()
    for index in picked:
        noisy[index] = to_categorical(np.floor(np.random.uniform(0, classes - 0.01)), num_classes=classes)
    return noisy
"""

NOISY_FIT = """
y_noisy = noise_labels(y_mnist_train_1hot, p=0.2)
history_noisy = fit_or_load('ex3_noisy', get_model(input_dim, 1, 128, Adam, 0.001), x_mnist_flat, y_noisy,
                            validation_data=(x_mnist_test_flat, y_mnist_test_1hot), epochs=100)
"""

WIDTHS = """
def adam_widths(name, x, y, widths, epochs=50):
    best = []
    for w in widths:
        history = fit_or_load(name + '_%d' % w, get_model(input_dim, 1, w, Adam, 0.001), x, y,
                              validation_data=(x_fash_test_flat, y_fash_test_1hot), epochs=epochs)
        best.append(max(history['val_accuracy']))
    return best

best_clean = adam_widths('ex4_1', x_fash_flat, y_fash_train_1hot, [10, 50, 100, 500, 1000])
best_noisy_labels = adam_widths('ex4_3', x_fash_flat, noise_labels(y_fash_train_1hot, 0.5), [10, 50, 100, 250], epochs=150)
"""

INPUT_NOISE = """
best_noisy_inputs = adam_widths('ex4_4', x_fash_flat + normal(loc=0, scale=SCALE, size=x_fash_flat.shape), y_fash_train_1hot,
                                [10, 50, 100, 250], epochs=150)
"""

DEEP = """
h = 128
history_deep = fit_or_load('ex5_2', get_model(input_dim, 2, h, SGD, 0.01), x_fash_flat, y_fash_train_1hot,
                           validation_data=(x_fash_test_flat, y_fash_test_1hot), epochs=150)
for l2 in (1, 0.001):
    fit_or_load('ex5_3_%s' % l2, get_model(input_dim, 2, h, SGD, 0.01, l2=l2), x_fash_flat, y_fash_train_1hot,
                validation_data=(x_fash_test_flat, y_fash_test_1hot), epochs=150)
for rate in (0.5, 0.05):
    fit_or_load('ex5_4_%s' % rate, get_model(input_dim, 2, h, SGD, 0.01, dropout=rate), x_fash_flat, y_fash_train_1hot,
                validation_data=(x_fash_test_flat, y_fash_test_1hot), epochs=150)
"""

CNN = """
def build_cnn(is_tuned=False):
    reg = regularizers.l2(0.01) if is_tuned else None
    model = Sequential()
    model.add(Conv2D(32, kernel_size=(3, 3), activation='relu', input_shape=(28, 28, 1), kernel_regularizer=reg))
    if is_tuned:
        model.add(BatchNormalization())
    model.add(MaxPooling2D(pool_size=(2, 2)))
    if is_tuned:
        model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(64, activation='relu', kernel_regularizer=reg))
    model.add(Dense(10, activation='softmax'))
    model.compile(optimizer=Adam(lr=0.001, decay=1e-6), loss='categorical_crossentropy', metrics=['accuracy'])
    return model
"""

CNN_FIT = """
x_fash_img = x_fash_train.reshape(-1, 28, 28, 1)
x_fash_test_img = x_fash_test.reshape(-1, 28, 28, 1)
naive = build_cnn(is_tuned=False)
history_naive = naive.fit(x_fash_img, y_fash_train_1hot, validation_data=(x_fash_test_img, y_fash_test_1hot), epochs=25, batch_size=128)
tuned = build_cnn(is_tuned=True)
history_tuned = tuned.fit(x_fash_img, y_fash_train_1hot, validation_data=(x_fash_test_img, y_fash_test_1hot), epochs=25, batch_size=128)
"""

QUESTIONS = {
    "Q2": "**Answer to Question 5** (max 2 sentences): report the best validation accuracy; do you observe overfitting already for this simple model?",
    "Q3": "**Answer to Question 2** (max 2 sentences): comment on the fluctuations of the learning curve for large and small rates.",
}


def original_notebook(builder: str = BUILDER, noise: str = NOISE, input_noise_scale: float | None = 0.3, answers: dict | None = None):
    """A filled notebook of the handout's form; ``builder``, ``noise`` and the input noise's scale choose its answers."""
    answers = answers or {}
    md, code = new_markdown_cell, new_code_cell
    cells = [
        md("# Miniproject: image classification\n\nMNIST, then Fashion-MNIST."),
        code(IMPORTS.strip()),
        md("## Exercise 1: data import and visualization\n\n3. One-hot code the labels; flatten and rescale the images.\n\n### Solution"),
        code(DATA.strip()),
        md("## Exercise 2: no hidden layer\n\n5. Report the best validation accuracy. Do you observe overfitting already for this simple model?\n\n"
           "**Answer to Question 5** (max 2 sentences):"),
        md(answers.get("softmax_overfitting", "")),
        md("### Solution"),
        code(HELPERS.strip()),
        code(builder.strip()),
        code(SOFTMAX.strip()),
        md("## Exercise 3: one hidden layer, different optimizers\n\n2. What happens with a very large and a very small learning rate? "
           "Comment on the fluctuations of the learning curve.\n\n### Solution"),
        code(LEARNING_RATES.strip()),
        code(ADAM.strip()),
        code(MISCLASSIFIED.strip()),
        code(noise.strip()),
        code(NOISY_FIT.strip()),
        md("## Exercise 4: width\n\n### Solution"),
        code(WIDTHS.strip()),
    ]
    if input_noise_scale is not None:
        cells.append(code(INPUT_NOISE.strip().replace("SCALE", repr(input_noise_scale))))
    cells += [
        md("## Exercise 5: going deeper\n\n### Solution"),
        code(DEEP.strip()),
        md("## Exercise 6: convolutional neural networks\n\n4. How does the CNN performance compare to the best dense network?\n\n"
           "**Answer to Question 4**:"),
        code(CNN.strip()),
        code(CNN_FIT.strip()),
    ]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def write(notebook, path: Path) -> Path:
    nbformat.write(notebook, str(path))
    return path


SEPARATE_MODELS = [
    """
softmax_model = Sequential([Dense(10, activation='softmax', input_shape=(784,))])
softmax_model.compile(optimizer=SGD(learning_rate=0.01), loss='categorical_crossentropy', metrics=['accuracy'])
softmax_model.fit(x_mnist_flat, y_mnist_train_1hot, validation_data=(x_mnist_test_flat, y_mnist_test_1hot), epochs=100,
                  callbacks=[EarlyStopping(patience=10)])
""",
    """
lrs = [1.0, 0.1, 0.01, 0.001]
for lr in lrs:
    sgd_model = Sequential([Dense(128, activation='relu', input_shape=(784,)), Dense(10, activation='softmax')])
    sgd_model.compile(optimizer=SGD(learning_rate=lr), loss='categorical_crossentropy', metrics=['accuracy'])
    sgd_model.fit(x_mnist_flat, y_mnist_train_1hot, epochs=50)
adam_model = Sequential([Dense(128, activation='relu', input_shape=(784,)), Dense(10, activation='softmax')])
adam_model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
adam_model.fit(x_mnist_flat, y_mnist_train_1hot, epochs=50)
""",
    """
def wrong_ones(model, x, y):
    return np.flatnonzero(model.predict(x).argmax(1) != y.argmax(1))
""",
    """
for width in [10, 50, 200, 1000]:
    wide = Sequential([Dense(width, activation='relu', input_shape=(784,)), Dense(10, activation='softmax')])
    wide.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    wide.fit(x_fash_flat, y_fash_train_1hot, epochs=50)
""",
    """
cnn = Sequential([Conv2D(16, 3, activation='relu', input_shape=(28, 28, 1)), MaxPooling2D(), Flatten(), Dense(10, activation='softmax')])
cnn.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
""",
]


def separate_models_notebook():
    """A filled notebook without a general builder: each model built in its own cell, no regularized or deep ones."""
    cells = [new_markdown_cell("# Miniproject: image classification"), new_code_cell(IMPORTS.strip()), new_code_cell(DATA.strip())]
    cells += [new_code_cell(source.strip()) for source in SEPARATE_MODELS]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook
