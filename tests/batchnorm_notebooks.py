"""Notebooks in the batchnorm lab's original handout style, written for the tests.

The handout (course material 001) is a Keras 2 era notebook: its answers go in
code cells under a "Put your implementation here" banner (the class
``BatchNormalizedLayer``, ``get_improved_model()``, the VGG19 sub-models
``encoder_block5_conv2`` and ``encoder_fc2``, the segmentation network's
``decoder``), the denoiser's ``decoder`` has "?" marks to fill in, and the
written answers follow a red "Write your answer here". It loads CIFAR-10
(served Fashion-MNIST by the grader), calls ``keras.optimizers.rmsprop(lr=...,
decay=...)``, ``K.eval`` and, in the class, ``self.trainable_weights += ...``;
it downloads ImageNet weights for VGG19. The markdown here is our own, keeping
only the short phrases the rubric's question anchors look for.

``original_notebook(**answers)`` returns a notebook; each keyword replaces one
answer cell. ``ANSWERS`` is one correct way to fill every cell, ``HANDOUT`` the
cells as handed out.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

BANNER = """########################################
#     Put your implementation here     #
########################################
"""

WRITTEN = {
    "mean_variance": "Different layers represent different things; pinning a sigmoid's inputs near 0 makes it almost linear.",
    "dimensions": "mu, sigma^2, gamma, beta in R^n; z_norm in R^(b x n).",
    "bias": "A constant added to every example is removed with the batch mean; beta plays the role of the bias.",
    "compare": "Batch norm trains faster per epoch here.",
    "checkerboard": "Uneven overlap of the kernel's footprints when the kernel size is not divisible by the stride.",
}

CLASS_CALL = BANNER + """
x = self.layer(inputs)
x = self.batch_norm(x, training=training)
x = self.act_fn(x)

self.trainable_weights += self.layer.trainable_weights + self.batch_norm.trainable_weights
self.non_trainable_weights += self.layer.non_trainable_weights + self.batch_norm.non_trainable_weights

return x
"""

IMPROVED = BANNER + """
  model = Sequential()
  model.add(BatchNormalizedLayer(Conv2D(32, (3, 3), padding='same'), activation='relu', input_shape=x_train.shape[1:]))
  model.add(BatchNormalizedLayer(Conv2D(32, (3, 3)), activation='relu'))
  model.add(MaxPooling2D(pool_size=(2, 2)))
  model.add(Dropout(0.25))
  model.add(BatchNormalizedLayer(Conv2D(64, (3, 3), padding='same'), activation='relu'))
  model.add(BatchNormalizedLayer(Conv2D(64, (3, 3)), activation='relu'))
  model.add(MaxPooling2D(pool_size=(2, 2)))
  model.add(Dropout(0.25))
  model.add(Flatten())
  model.add(BatchNormalizedLayer(Dense(512), activation='relu'))
  model.add(Activation('relu'))
  model.add(Dropout(0.5))
  model.add(Dense(num_classes))
  model.add(Activation('softmax'))
  model.compile(loss='categorical_crossentropy', optimizer=keras.optimizers.rmsprop(lr=0.0001, decay=1e-6),
                metrics=['accuracy'])
  return model
"""

ANSWERS = {
    "class_call": CLASS_CALL,
    "improved": IMPROVED,
    "kernels": ["(3, 3)", "(2, 2)", "(3, 3)"],
    "block5": BANNER + """
from keras.applications.vgg19 import VGG19
from keras.models import Model

vgg = VGG19(weights='imagenet', include_top=True)
encoder_block5_conv2 = Model(vgg.input, vgg.get_layer('block5_conv2').output)
""",
    "fc2": BANNER + """
encoder_fc2 = Model(vgg.input, vgg.get_layer("fc2").output)

for layer in encoder_fc2.layers:
  layer.trainable = False

for layer in encoder_block5_conv2.layers:
  layer.trainable = False
""",
    "segmentation": BANNER + """
from keras.layers import Activation, Input, Dropout, Conv2DTranspose, UpSampling2D

def decoder(inputs):
  x = UpSampling2D((2, 2))(inputs)
  x = Conv2DTranspose(256, (3, 3), activation='relu', padding='same')(x)
  x = UpSampling2D((2, 2))(x)
  x = Conv2DTranspose(128, (3, 3), activation='relu', padding='same')(x)
  x = UpSampling2D((2, 2))(x)
  x = Conv2DTranspose(64, (3, 3), activation='relu', padding='same')(x)
  x = UpSampling2D((2, 2))(x)
  x = Conv2DTranspose(32, (3, 3), activation='relu', padding='same')(x)
  x = Conv2DTranspose(1, (1, 1), activation='sigmoid', padding='same')(x)
  return x
""",
}

HANDOUT = {
    "class_call": BANNER,
    "improved": BANNER,
    "kernels": ["(?, ?)", "(?, ?)", "(?, ?)"],
    "block5": BANNER,
    "fc2": BANNER,
    "segmentation": BANNER,
}


def _cells(answers: dict, written: dict) -> list:
    k1, k2, k3 = answers["kernels"]
    md, code = new_markdown_cell, new_code_cell
    answer = lambda key: md("Write your answer here\n\n" + written[key]) if written.get(key) else md("Write your answer here")  # noqa: E731
    return [
        md("# Assignment 3: batch norm, denoising, segmentation"),
        code("student_id = 0\nstudent_name = ''\nfrom pathlib import Path\nASSIGNMENT_PATH = Path('asg03')\n"
             "ASSIGNMENT_PATH.mkdir(parents=True, exist_ok=True)"),
        md("Batch norm does not pin units to fixed statistics. Give a reason why we might not want the hidden units "
           "to be forced to have mean 0 and variance 1."),
        answer("mean_variance"),
        md("Write the vectorized equations. Write dimensions for mu, sigma^2 and the others:"),
        answer("dimensions"),
        md("The bias B will become unnecessary. Prove that why."),
        answer("bias"),
        code("import keras\nfrom keras import backend as K\nfrom keras.models import Sequential\n"
             "from keras.layers import Layer, Dense, Activation, Dropout, Flatten\nfrom keras.layers import Conv2D, MaxPooling2D\n"
             "from keras.layers.normalization import BatchNormalization\nfrom keras.utils import to_categorical"),
        code('''class BatchNormalizedLayer(Layer):
  def __init__(self, layer, axis=-1, activation=None, **kwargs):
    """Batch-normalizes the output of `layer`, then applies `activation`."""
    super(BatchNormalizedLayer, self).__init__(**kwargs)
    self.layer = layer
    self.activation = activation
    self.axis = axis
    self.batch_norm = BatchNormalization(axis=self.axis)
    self.act_fn = Activation(self.activation)

  def compute_output_shape(self, input_shape):
    return self.layer.compute_output_shape(input_shape)

  def call(self, inputs, training=None):
    """Runs the layer."""
''' + "\n".join("    " + line if line.strip() else line for line in answers["class_call"].splitlines())),
        code("import numpy as np\n\nbnl = BatchNormalizedLayer(Dense(5), activation='relu')\n"
             "x = K.constant(2.5 * np.random.randn(10, 4) + 3)\n\nassert K.eval(bnl(x)).shape == (10, 5)"),
        code("import numpy as np\nimport matplotlib.pyplot as plt\nfrom keras.datasets import cifar10\n\nnum_classes = 10\n"
             "(x_train, y_train), (x_test, y_test) = cifar10.load_data()\ny_train = to_categorical(y_train, num_classes)\n"
             "y_test = to_categorical(y_test, num_classes)\nprint('x_train shape:', x_train.shape)\n"
             "fig, axes1 = plt.subplots(2, 5, figsize=(10, 4))\nfor j in range(2):\n  for k in range(5):\n"
             "    i = np.random.choice(range(len(x_train)))\n    axes1[j][k].set_axis_off()\n    axes1[j][k].imshow(x_train[i:i+1][0])\n"
             "x_train = x_train.astype('float32')\nx_test = x_test.astype('float32')\nx_train /= 255\nx_test /= 255"),
        code("def visualize_loss_and_acc(history):\n  history_dict = history.history\n  acc = history_dict['acc']\n"
             "  plt.plot(range(1, len(acc) + 1), acc, 'bo')\n  plt.show()"),
        code("def get_baseline_model():\n  model = Sequential()\n"
             "  model.add(Conv2D(32, (3, 3), padding='same', input_shape=x_train.shape[1:]))\n  model.add(Activation('relu'))\n"
             "  model.add(Flatten())\n  model.add(Dense(num_classes))\n  model.add(Activation('softmax'))\n"
             "  model.compile(loss='categorical_crossentropy', optimizer=keras.optimizers.rmsprop(lr=0.0001, decay=1e-6), metrics=['accuracy'])\n"
             "  return model"),
        code("batch_size = 32\nepochs = 25"),
        code("baseline = get_baseline_model()\nbs_history = baseline.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, "
             "validation_data=(x_test, y_test), shuffle=True)"),
        code("visualize_loss_and_acc(bs_history)"),
        code("def get_improved_model():\n  \n" + "\n".join("  " + line if line.strip() and not line.startswith("  ") else line
                                                         for line in answers["improved"].splitlines())),
        code("impv_model = get_improved_model()\nimpv_history = impv_model.fit(x_train, y_train, batch_size=batch_size, "
             "epochs=epochs, validation_data=(x_test, y_test), shuffle=True)"),
        code("impv_model.save(str(ASSIGNMENT_PATH / 'cifar_impv.h5'))"),
        md("Question: Compare your model to the baseline. What are the diffrences?"),
        answer("compare"),
        md("## 2. Denoising"),
        code("import matplotlib.pyplot as plt\nfrom keras.datasets import mnist\n\n"
             "(real_images_train, _ ), (real_images_test, _ ) = mnist.load_data()\n"
             "real_images_train = real_images_train / 255.0\nreal_images_test = real_images_test / 255.0"),
        code("import numpy as np\n\nnoise = np.random.random((60000, 28, 28))\nnoisy_images_train = np.copy(real_images_train)\n"
             "noisy_images_train[np.where(noise>0.9)] = 1.0\nnoisy_images_train[np.where(noise<0.1)] = 0.0\n\n"
             "noise = np.random.random((10000, 28, 28))\nnoisy_images_test = np.copy(real_images_test)\n"
             "noisy_images_test[np.where(noise>0.9)] = 1.0\nnoisy_images_test[np.where(noise<0.1)] = 0.0"),
        code("input_train = noisy_images_train.reshape((60000, 28, 28, 1))\noutput_train = real_images_train.reshape((60000, 28, 28, 1))\n"
             "input_test = noisy_images_test.reshape((10000, 28, 28, 1))\noutput_test = real_images_test.reshape((10000, 28, 28, 1))"),
        code("from keras.layers import Conv2D, MaxPooling2D\n\ndef encoder (input_layer):\n"
             "  x = Conv2D(16, (3, 3), activation='relu')(input_layer)\n  x = MaxPooling2D((2, 2))(x)\n"
             "  x = Conv2D(8, (2, 2), activation='relu')(x)\n  x = MaxPooling2D((2, 2))(x)\n"
             "  encoded = Conv2D(8, (3, 3), activation='relu')(x)\n  return encoded"),
        md("Using convolution transpose layers can cause checkerboard artifacts. Explain why."),
        answer("checkerboard"),
        code("from keras.layers import Conv2DTranspose, UpSampling2D\n\ndef decoder (input_layer):\n  \n"
             "  ##########################################\n  # fill the ? marks with appropriate size #\n"
             "  ##########################################\n  \n"
             f"  x = Conv2DTranspose(8, {k1}, activation='relu')(input_layer) \n  x = UpSampling2D((2, 2))(x)\n"
             f"  x = Conv2DTranspose(8, {k2}, activation='relu')(x)\n  x = UpSampling2D((2, 2))(x)\n"
             f"  decoded = Conv2DTranspose(1, {k3}, activation='relu')(x)\n  return decoded"),
        code("from keras.layers import Input\nfrom keras.models import Model\n\ninput_layer = Input(shape=(28, 28, 1))\n"
             "features = encoder (input_layer)\noutput_layer = decoder (features)\n\nautoencoder = Model(input_layer, output_layer)\n"
             "autoencoder.compile(optimizer='adam', loss='mse')\nautoencoder.summary()"),
        code("autoencoder.fit(input_train, output_train, epochs=10, batch_size=128, shuffle=True, "
             "validation_data=(input_test[:500], output_test[:500]))"),
        code("autoencoder.save(str(ASSIGNMENT_PATH / 'denoising_autoenc.h5'))"),
        md("## 3. Semantic segmentation"),
        code("# Download the dataset and its labels\n! wget http://example.invalid/HDSeg.tar\n! bash download_imagenet.sh HorseSeg"),
        code("import os\nfrom keras.preprocessing import image\n\ndef load_data(dataset_name):\n"
             "    files = os.listdir('images/%s' % dataset_name)\n    return files, files, files, files\n\n"
             "training, training_y, test, test_y = load_data('HorseSeg')"),
        code("from keras.applications.resnet50 import ResNet50\n\nmodel = ResNet50(weights='imagenet', include_top=False)\nprint(model.summary())"),
        code(answers["block5"]),
        code(answers["fc2"]),
        code(answers["segmentation"]),
        code(BANNER + "\nsegmentation_model = Model(encoder_block5_conv2.input, decoder(encoder_block5_conv2.output))\n"
             "segmentation_model.compile(optimizer='adam', loss='binary_crossentropy', metrics = ['accuracy'])\n"
             "history = segmentor.fit(train_x, train_y, epochs=1000, batch_size=32, validation_data=(test_x, test_y))"),
    ]


def original_notebook(written: dict | None = None, **answers) -> nbformat.NotebookNode:
    """The handout filled in: ``ANSWERS`` with ``answers`` replacing some cells, ``written`` the written answers."""
    filled = {**ANSWERS, **answers}
    notebook = new_notebook(cells=_cells(filled, WRITTEN if written is None else written))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def handout() -> nbformat.NotebookNode:
    """The handout as given: banners with nothing under them, "?" marks in the decoder, no written answers."""
    return original_notebook(written={}, **HANDOUT)


def write(notebook: nbformat.NotebookNode, path) -> str:
    nbformat.write(notebook, str(path))
    return str(path)
