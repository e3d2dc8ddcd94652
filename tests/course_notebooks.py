"""Build lab 3 notebooks in the structure courses really hand out ("Fun with MNIST").

:mod:`inline_notebooks` writes our own, tidier inline-style lab. This module
writes the lab the way the course's notebook is laid out, cell for cell: the
order of the tasks, the code that is given, the blanks (``W = # Your code
goes here``, ``x = # Your code goes here``, ``Conv2D(???, ...)``,
``my_conv(???, ...)``), and the habits of the course years, so that the
grader can be tested on what students really upload. The markdown and the
code are written for this project; what is reproduced is the *layout* of the
course's cells (names, shapes, architectures, numbers), not their text.

    python tests/course_notebooks.py OUT_DIR      # write every variant to OUT_DIR

API (pure functions, nothing runs on import):

* :func:`build_course_notebook` -- one notebook of a course ``year`` with the
  exercises filled as ``fills`` says (see :data:`FILL_KEYS`);
* :data:`COURSE_VARIANTS` -- ready-made variants: name -> keyword arguments.

Course years:

``"2023"``
    Keras 3 era: ``import tensorflow`` / ``from tensorflow import keras`` /
    ``from keras import backend as K``, ``tensorflow.random.set_seed(0)``,
    ``np.random.seed(0)`` before the small training set, low-resolution images
    ``x_train_lowres``, a U-Net of ``my_conv`` blocks (Conv2D he_normal ->
    BatchNormalization -> relu; each decoder block then ``UpSampling2D``, then
    ``concatenate([encoder_feature, up], axis=3)``), a final
    ``Conv2D(num_classes, 1, activation=softMaxAxis3)`` whose ``softmax`` is
    imported only in the detector cell, and ``float(rotation_angle)`` in the
    de-rotation cell.
``"2020"``
    Keras 2 era: ``%matplotlib inline``, ``metrics=['acc']``, ``SGD(lr=...)``,
    ``Adam(lr=...)``, ``RMSprop(lr=...)``, ``nb_epoch=``, ``fit_generator``,
    ``Model(input=..., output=...)``, ``from keras.utils.np_utils import
    to_categorical``, no ``np.random.seed`` before the index sampling, the
    plain U-Net (two 3x3 relu convolutions per block, ``Dropout(0.5)`` after
    the deepest blocks, ``Conv2D(f, 2)(UpSampling2D(size=(2, 2))(prev))`` then
    ``concatenate([convK, upN], axis=3)``), the super-resolution inputs stored
    in ``x_train_small`` (overwriting Task 2.1's small training set) and the
    predicted angle passed to OpenCV as a numpy array.

Both years end with an "ideas" section whose GAN-like cell trains a generator
and a discriminator with ``train_on_batch`` for 4000 iterations and calls
``generator.predict`` in every iteration: a cell the grader must not spend
minutes on. Both contain IPython-only lines (a ``!pip install``; in 2020 also
``%matplotlib inline``) that the grader blanks.

As in the course, every model cell assigns ``model`` (the softmax models, the
CNNs, the U-Nets), so at the end ``model`` is the U-Net of Task 9.1.

Fills (``fills[exercise] = key``; the default of each is in :data:`DEFAULT_FILLS`):

``"template"``
    the cell exactly as handed out (for super-resolution, which has no blank in
    the handout, a code cell holding only a comment);
``"answered_in_place"``
    the template cell itself, filled with the exercise's default answer;
``"answered_below"``
    the template left unfilled AND a filled copy of the whole cell right after
    it (a very common pattern, in instructors' solutions too);
an answer key (:data:`ANSWER_KEYS`)
    the template cell filled in place with that answer; ``"below:<key>"``
    puts that answer in a copy below the unfilled template.

``extract_W`` is Task 2.3's cell, ``extract_W_2_4`` Task 2.4's (its template,
``#W = # Your code goes here``, is a comment: left as it is the cell re-plots
the W of Task 2.3).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

YEARS = ("2023", "2020")

FILLED_EXERCISES = (
    "extract_W",
    "extract_W_2_4",
    "bottleneck_2d",
    "add_noise",
    "build_sr_network",
    "build_angle_cnn",
    "detector_channels",
    "build_unet_no_skips",
)

PLACEMENTS = ("template", "answered_in_place", "answered_below")

#: The answers each exercise can be filled with (the first is the default answer).
ANSWER_KEYS = {
    "extract_W": ("layers_index", "layer_variable", "get_weights", "wrong_bias"),
    "extract_W_2_4": ("layers_index", "layer_variable", "get_weights", "wrong_bias"),
    "bottleneck_2d": ("conv_tanh",),
    "add_noise": ("factor", "normal_loc", "unclipped", "wrong_no_noise"),
    "build_sr_network": ("autoencoder_14", "upsampling_convs"),
    "build_angle_cnn": ("cnn_dense",),
    "detector_channels": ("one_four_classes",),
    "build_unet_no_skips": ("correct", "wrong_keeps_one_skip"),
}

#: Every key accepted per exercise (``"below:<answer>"`` is accepted as well).
FILL_KEYS = {name: PLACEMENTS + ANSWER_KEYS[name] for name in FILLED_EXERCISES}

#: A notebook where everything is answered correctly; Task 2.4's W is left as handed out.
DEFAULT_FILLS = {
    "extract_W": "layers_index",
    "extract_W_2_4": "template",
    "bottleneck_2d": "answered_in_place",
    "add_noise": "answered_in_place",
    "build_sr_network": "answered_in_place",
    "build_angle_cnn": "answered_in_place",
    "detector_channels": "answered_in_place",
    "build_unet_no_skips": "answered_in_place",
}


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def _join(*parts: str) -> str:
    """The non-empty parts, a blank line between each."""
    return "\n\n".join(p for p in parts if p)


class _Year:
    """Spelling of one course year."""

    def __init__(self, year: str):
        if year not in YEARS:
            raise ValueError(f"unknown course year {year!r}; known: {', '.join(YEARS)}")
        self.year = year
        self.k2 = year == "2020"

    # small spellings that differ between the years
    @property
    def acc(self) -> str:
        return "acc" if self.k2 else "accuracy"

    def lr(self, value: str) -> str:
        return f"lr={value}" if self.k2 else f"learning_rate={value}"

    @property
    def seed_tf(self) -> str:
        return "" if self.k2 else "tensorflow.random.set_seed(0)  # the same initial weights every run"

    @property
    def lowres(self) -> tuple[str, str]:
        return ("x_train_small", "x_test_small") if self.k2 else ("x_train_lowres", "x_test_lowres")


# =====================================================================
# Given cells
# =====================================================================


def _c_setup(y: _Year) -> str:
    head = _clean("""
        %matplotlib inline
        import keras
        from keras.datasets import mnist
        from keras import backend as K
        import matplotlib.pyplot as plt
        """) if y.k2 else _clean("""
        from __future__ import print_function
        import tensorflow
        from tensorflow import keras
        from keras.datasets import mnist
        from keras import backend as K
        from matplotlib import pyplot as plt
        """)
    return head + "\n\n" + _clean("""
        # Helper: the first n images of a batch side by side
        def show_imgs(images, n=10):
            side = images.shape[1]
            plt.figure(figsize=(20, 4))
            for k in range(n):
                ax = plt.subplot(2, n, k + 1)
                plt.imshow(images[k].reshape(side, side))
                plt.gray()
                ax.get_xaxis().set_visible(False)
                ax.get_yaxis().set_visible(False)
            plt.show()

        num_classes = 10
        img_rows, img_cols = 28, 28  # size of one digit

        # 60,000 training and 10,000 test digits
        (x_train, y_train), (x_test, y_test) = mnist.load_data()

        # add the channel axis where the backend expects it
        if K.image_data_format() == 'channels_first':
            x_train = x_train.reshape(x_train.shape[0], 1, img_rows, img_cols)
            x_test = x_test.reshape(x_test.shape[0], 1, img_rows, img_cols)
            input_shape = (1, img_rows, img_cols)
        else:
            x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
            x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
            input_shape = (img_rows, img_cols, 1)

        # grey values 0..255 -> 0..1
        x_train = x_train.astype('float32')
        x_test = x_test.astype('float32')
        x_train /= 255
        x_test /= 255

        # labels 0..9 -> one-hot rows of length 10
        y_train = keras.utils.to_categorical(y_train, num_classes)
        y_test = keras.utils.to_categorical(y_test, num_classes)

        print('Some test digits:')
        show_imgs(x_test)
        """)


def _c_softmax_model(y: _Year) -> str:
    return _join(_clean("""
        from keras.models import Sequential
        from keras.layers import Dense, Flatten, Activation

        """), y.seed_tf, _clean("""
        # y = softmax(W*x + b), one layer at a time
        model = Sequential()
        model.add(Flatten(input_shape=input_shape))  # 28x28x1 -> 784
        model.add(Dense(num_classes))                # W*x + b, 10 outputs
        model.add(Activation('softmax'))             # probabilities

        model.summary()
        """))


def _c_softmax_fit(y: _Year) -> str:
    return _clean(f"""
        batch_size = 128
        epochs = 10

        model.compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['{y.acc}'])

        history = model.fit(x_train, y_train,
                            batch_size=batch_size,
                            epochs=epochs,
                            verbose=1,
                            validation_data=(x_test, y_test))

        score = model.evaluate(x_test, y_test, verbose=0)
        print('Validation loss:', score[0])
        print('Validation accuracy:', score[1])
        """)


def _c_show_history(y: _Year) -> str:
    return _clean(f"""
        import matplotlib.pyplot as plt

        def show_history(history):
          plt.figure(figsize=(20, 6))
          # accuracy per epoch
          plt.subplot(121)
          plt.plot(history.history['{y.acc}'])
          plt.plot(history.history['val_{y.acc}'])
          plt.title('accuracy')
          plt.xlabel('epoch')
          plt.legend(['training', 'validation'], loc='upper left')
          # loss per epoch
          plt.subplot(122)
          plt.plot(history.history['loss'])
          plt.plot(history.history['val_loss'])
          plt.title('loss')
          plt.xlabel('epoch')
          plt.legend(['training', 'validation'], loc='upper left')
          plt.show()

        show_history(history)
        """)


def _c_small_subset(y: _Year) -> str:
    seed = "" if y.k2 else "np.random.seed(0)  # the same 100 digits every time\n\n"
    return "import numpy as np\n\n" + seed + _clean("""
        # ten random examples of each class (drawn among the first 5000 of that class)
        digit_indices = np.asarray([np.where(np.argmax(y_train,axis=1) == i)[0][np.random.randint(0,5000,10)] for i in range(num_classes)]).flatten()
        x_train_small = x_train[digit_indices,:]
        y_train_small = y_train[digit_indices,:]
        print(x_train_small.shape, y_train_small.shape)
        """)


def _c_softmax_small_fit(y: _Year) -> str:
    return _join(_clean("""
        import time

        batch_size = 5   # only 100 training images now
        epochs = 20

        """), y.seed_tf, _clean(f"""
        # a new model, so that training starts again from random weights
        model = Sequential()
        model.add(Flatten(input_shape=input_shape))
        model.add(Dense(num_classes))
        model.add(Activation('softmax'))

        model.compile(optimizer=keras.optimizers.SGD(), loss='categorical_crossentropy', metrics=['{y.acc}'])

        t0 = time.time()
        history = model.fit(x_train_small, y_train_small,
                            batch_size=batch_size,
                            epochs=epochs,
                            validation_data=(x_test, y_test),
                            verbose=0,
                            shuffle=True)
        print('training took %.1f s' % (time.time() - t0))

        score = model.evaluate(x_test, y_test, verbose=0)
        print('Validation loss:', score[0])
        print('Validation accuracy:', score[1])
        show_history(history)
        """))


def _w_cell(first: str) -> str:
    return first + "\n" + _clean("""
        W = W.reshape((28,28,10))  # one 28x28 weight image per class
        plt.figure(figsize=(20,4))
        for i in range(10):
          ax = plt.subplot(2,5,i+1)
          plt.imshow(W[:,:,i])
          ax.get_xaxis().set_visible(False)
          ax.get_yaxis().set_visible(False)
          plt.gray()
        """)


def _c_l2_fit(y: _Year) -> str:
    return _join(_clean("""
        batch_size = 5
        epochs = 20

        """), y.seed_tf, _clean(f"""
        # weight of the L2 penalty (deliberately large)
        lamda = 0.1
        L2_regularizer = keras.regularizers.l2(lamda)

        model = Sequential()
        model.add(Flatten(input_shape=input_shape))
        model.add(Dense(num_classes,
                        activation='softmax',
                        kernel_regularizer=L2_regularizer))

        model.compile(optimizer=keras.optimizers.SGD({y.lr('0.1')}), loss='categorical_crossentropy', metrics=['{y.acc}'])
        history_reg = model.fit(x_train_small, y_train_small,
                                batch_size=batch_size,
                                epochs=epochs,
                                verbose=0,
                                validation_data=(x_test, y_test))

        score = model.evaluate(x_test, y_test, verbose=0)
        print('Validation loss:', score[0])
        print('Validation accuracy:', score[1])
        show_history(history_reg)
        """))


def _c_functional_softmax(y: _Year) -> str:
    epochs = "nb_epoch=10" if y.k2 else "epochs=10"
    return _join(_clean("""
        from keras.layers import Input
        from keras.models import Model

        """), y.seed_tf, _clean(f"""
        # the baseline once more, written with the functional API
        inputs = Input(shape=input_shape)
        x = Flatten()(inputs)
        x = Dense(num_classes)(x)
        predictions = Activation('softmax')(x)
        model = Model(inputs=inputs, outputs=predictions)

        model.compile(optimizer='sgd', loss='categorical_crossentropy', metrics=['{y.acc}'])
        model.fit(x_train, y_train,
                  batch_size=128,
                  {epochs},
                  verbose=1,
                  validation_data=(x_test, y_test))

        score = model.evaluate(x_test, y_test, verbose=0)
        print('Validation loss:', score[0])
        print('Validation accuracy:', score[1])
        """))


def _cnn_cell(y: _Year, extra: str | None) -> str:
    """The given CNN; with ``extra``, Task 3.1's version (``extra`` is the line before ``Flatten``)."""
    body = _join(_clean("""
        from keras.layers import Dropout
        from keras.layers import Conv2D, MaxPooling2D
        from keras.layers import Input
        from keras.models import Model

        """), y.seed_tf, _clean("""
        inputs = Input(shape=(28, 28, 1))

        # convolutional base: 28 -> 26 -> 13 -> 11 -> 5 -> 3
        x = Conv2D(8, kernel_size=(3, 3), activation='relu')(inputs)
        x = MaxPooling2D(pool_size=(2, 2))(x)
        x = Conv2D(16, kernel_size=(3, 3), activation='relu')(x)
        x = MaxPooling2D(pool_size=(2, 2))(x)
        x = Conv2D(32, kernel_size=(3, 3), activation='relu')(x)
        """))
    if extra is not None:
        body += "\n" + extra
    return body + "\n" + _clean("""
        encoded = Flatten()(x)

        # classifier on top: two dense layers
        x = Dense(64, activation='relu')(encoded)
        x = Dropout(0.5)(x)
        predictions = Dense(num_classes, activation='softmax')(x)

        model = Model(inputs=inputs, outputs=predictions)
        model.summary()
        """)


def _c_cnn_fit(y: _Year) -> str:
    return _clean(f"""
        model.compile(optimizer=keras.optimizers.SGD({y.lr('0.1')}),
                      loss='categorical_crossentropy',
                      metrics=['{y.acc}'])

        history = model.fit(x_train_small, y_train_small,
                            batch_size=10,
                            epochs=30,
                            verbose=1,
                            validation_data=(x_test, y_test))

        score = model.evaluate(x_test, y_test, verbose=0)
        print('Validation loss:', score[0])
        print('Validation accuracy:', score[1])
        """)


def _c_bottleneck_fit(y: _Year) -> str:
    return _clean(f"""
        model.compile(loss=keras.losses.categorical_crossentropy,
                      optimizer=keras.optimizers.SGD({y.lr('0.01')}, momentum=0.9),
                      metrics=['{y.acc}'])

        # the full training set this time
        model.fit(x_train, y_train,
                  batch_size=100,
                  epochs=10,
                  verbose=1,
                  validation_data=(x_test, y_test))

        score = model.evaluate(x_test, y_test, verbose=0)
        print('Test loss:', score[0])
        print('Test accuracy:', score[1])
        """)


def _c_scatter(y: _Year) -> str:
    # The given helper line, then what students add: the codes of all test
    # images, one colour per class (the labels come from y_test).
    return _clean("""
        model_encoded = Model(inputs=model.input, outputs=encoded)

        codes = model_encoded.predict(x_test)
        labels = np.argmax(y_test, axis=1)
        plt.figure(figsize=(8, 8))
        for i in range(10):
          plt.plot(codes[labels == i, 0], codes[labels == i, 1], '.C' + str(i))
        plt.legend([str(i) for i in range(10)])
        """)


def _c_autoencoder(y: _Year) -> str:
    return _join(_clean("""
        from keras.layers import UpSampling2D

        """), y.seed_tf, _clean("""
        inputs = Input(shape=(28, 28, 1))

        # encoder: 28 -> 14 -> 7 -> 4
        x = Conv2D(16, kernel_size=(3, 3), activation='relu', padding='same')(inputs)
        x = MaxPooling2D((2, 2), padding='same')(x)
        x = Conv2D(8, kernel_size=(3, 3), activation='relu', padding='same')(x)
        x = MaxPooling2D((2, 2), padding='same')(x)
        x = Conv2D(8, kernel_size=(3, 3), activation='relu', padding='same')(x)
        encoded = MaxPooling2D((2, 2), padding='same')(x)
        print(("shape of encoded", K.int_shape(encoded)))

        # decoder: 4 -> 8 -> 16 -> 32, and a 5x5 'valid' convolution back to 28
        x = Conv2D(8, kernel_size=(3, 3), activation='relu', padding='same')(encoded)
        x = UpSampling2D((2, 2))(x)
        x = Conv2D(8, kernel_size=(3, 3), activation='relu', padding='same')(x)
        x = UpSampling2D((2, 2))(x)
        x = Conv2D(16, kernel_size=(3, 3), activation='relu', padding='same')(x)
        x = UpSampling2D((2, 2))(x)
        decoded = Conv2D(1, kernel_size=(5, 5), padding='valid')(x)
        print(("shape of decoded", K.int_shape(decoded)))

        autoencoder = Model(inputs, decoded)
        autoencoder.summary()
        """))


def _c_autoencoder_fit(y: _Year, name: str, loss: str) -> str:
    return _clean(f"""
        {name}.compile(optimizer=keras.optimizers.SGD({y.lr('0.01')}, momentum=0.9), loss='{loss}')
        {name}.fit(x_train, x_train, epochs=10, batch_size=100,
                   shuffle=True, validation_data=(x_test, x_test), verbose=1)
        """)


def _c_show_decoded(name: str, inputs: str, title: str = "") -> str:
    first = f'print("{title}")\n' if title else ""
    return first + _clean(f"""
        decoded_imgs = {name}.predict({inputs})
        print("input")
        show_imgs({inputs})
        print("output")
        show_imgs(decoded_imgs)
        """)


def _c_autoencoder2(y: _Year) -> str:
    return _clean(f"""
        # squash the first autoencoder's output into 0..1 and train with binary cross-entropy
        decoded_sigmoid = Activation('sigmoid')(decoded)
        autoencoder2 = Model(inputs, decoded_sigmoid)
        autoencoder2.compile(optimizer=keras.optimizers.SGD({y.lr('0.01')}, momentum=0.9), loss='binary_crossentropy')
        autoencoder2.fit(x_train, x_train, epochs=10, batch_size=100,
                         shuffle=True, validation_data=(x_test, x_test), verbose=1)
        """)


def _c_denoise_finetune() -> str:
    return _clean("""
        # fine-tune on noisy inputs, clean targets
        autoencoder2.fit(x_train_noisy, x_train, epochs=10, batch_size=100,
                         shuffle=True, validation_data=(x_test_noisy, x_test))
        """)


def _c_sr_data(y: _Year) -> str:
    train, test = y.lowres
    return _clean(f"""
        # every other pixel in both directions: 14x14x1
        {train} = x_train[:,::2,::2,:]
        {test} = x_test[:,::2,::2,:]

        print("low resolution (input)")
        show_imgs({train})
        print("full resolution (target)")
        show_imgs(x_train)
        """)


def _c_rotnet(y: _Year) -> str:
    to_cat = "from keras.utils.np_utils import to_categorical" if y.k2 else "from keras.utils import to_categorical"
    return _clean(f"""
        !pip install -q opencv-python-headless
        from keras.preprocessing.image import Iterator
        {to_cat}
        import cv2

        class RotNetDataGenerator(Iterator):
            \"\"\"Batches of randomly rotated digits, with the angle (in degrees) as the target.\"\"\"

            def __init__(self, input, batch_size=64, preprocess_func=None, shuffle=False):
                self.images = input
                self.batch_size = batch_size
                self.input_shape = self.images.shape[1:]
                self.preprocess_func = preprocess_func
                self.shuffle = shuffle
                if len(self.input_shape) == 2:  # grey images without a channel axis
                    self.input_shape = self.input_shape + (1,)
                N = self.images.shape[0]
                super().__init__(N, batch_size, shuffle, None)

            def _get_batches_of_transformed_samples(self, index_array):
                batch_x = np.zeros((len(index_array),) + self.input_shape, dtype='float32')
                batch_y = np.zeros(len(index_array), dtype='float32')
                for i, j in enumerate(index_array):
                    image = self.images[j].squeeze()
                    rotation_angle = np.random.randint(-30, 30)  # degrees
                    rows, cols = image.shape
                    M = cv2.getRotationMatrix2D(((cols-1)/2.0, (rows-1)/2.0), rotation_angle, 1)
                    rotated_image = cv2.warpAffine(image, M, (cols, rows))
                    if rotated_image.ndim == 2:
                        rotated_image = np.expand_dims(rotated_image, axis=2)
                    batch_x[i] = rotated_image
                    batch_y[i] = rotation_angle
                if self.preprocess_func:
                    batch_x = self.preprocess_func(batch_x)
                return batch_x, batch_y

            def next(self):
                with self.lock:
                    index_array = next(self.index_generator)
                return self._get_batches_of_transformed_samples(index_array)
        """)


def _c_rotnet_test() -> str:
    return _clean("""
        datagen = RotNetDataGenerator(x_train, batch_size=32, preprocess_func=None, shuffle=False)
        rotated_images, angles = datagen.next()

        print("before rotation")
        show_imgs(x_train)
        print("after a random rotation")
        show_imgs(rotated_images)
        """)


def _c_angle_fit(y: _Year) -> str:
    call = "fit_generator" if y.k2 else "fit"
    return _clean(f"""
        angle_estimator.compile(optimizer='rmsprop', loss='mse')

        angle_estimator.{call}(
            RotNetDataGenerator(x_train, batch_size=100, preprocess_func=None, shuffle=True),
            epochs=50,
            validation_data=RotNetDataGenerator(x_test, batch_size=100, preprocess_func=None))
        """)


def _c_angle_eval() -> str:
    return _clean("""
        datagen = RotNetDataGenerator(x_test, batch_size=32, preprocess_func=None, shuffle=False)
        rotated_images, angles = datagen.next()
        show_imgs(x_test)
        show_imgs(rotated_images)

        angles_pred = angle_estimator.predict(rotated_images)

        print('true and predicted angles')
        plt.plot(angles)
        plt.plot(angles_pred)
        plt.legend(['true', 'predicted'])
        plt.xlabel('test image')
        plt.ylabel('angle (degrees)')
        """)


def _c_derotate(y: _Year) -> str:
    angle = "rotation_angle" if y.k2 else "float(rotation_angle)"
    return _clean(f"""
        de_rotated_images = np.zeros(rotated_images.shape)

        for i in range(rotated_images.shape[0]):
          image = rotated_images[i,:,:,:].squeeze()
          rotation_angle = -angles_pred[i]  # undo the predicted rotation
          rows, cols = image.shape
          M = cv2.getRotationMatrix2D(((cols-1)/2.0, (rows-1)/2.0), {angle}, 1)
          de_rotated_images[i,:,:,0] = cv2.warpAffine(image, M, (cols, rows))

        print('original')
        show_imgs(x_test)
        print('rotated')
        show_imgs(rotated_images)
        print('rotated back')
        show_imgs(de_rotated_images)
        """)


def _place_digit_code(array: str, target: str, kind: str) -> str:
    """One digit pasted into a quadrant of a 64x64 scene, with its target (``kind``: obj or seg)."""
    lines = []
    for row, (label, rows) in enumerate((("top", "0"), ("bottom", "32"))):
        lines.append(f"  # a digit in the {label} half, left or right")
        lines.append("  q = np.random.randint(0,2)")
        lines.append("  rand_ix = np.random.randint(0,x_train.shape[0])")
        lines.append("  x_off_start = np.random.randint(0,5)")
        lines.append("  y_off_start = np.random.randint(0,5)")
        lines.append(f"  {array}[i,{rows}+x_off_start:{rows}+28+x_off_start,32*q+y_off_start:32*q+28+y_off_start,:] = x_train[rand_ix,:,:,:]")
        lines.append("  label = np.argmax(y_train[rand_ix,:])")
        lines.append("  tmp = x_train[rand_ix,:,:,:]")
        lines.append("  ix = np.where(tmp>0.1)")
        if kind == "obj":
            lines.append(f"  {target}[i,{row},q,0] = 1              # an object is here")
            lines.append(f"  {target}[i,{row},q,5+label] = 1        # its class")
            lines.append(f"  {target}[i,{row},q,1] = np.min(ix[0]) + x_off_start  # box corners")
            lines.append(f"  {target}[i,{row},q,2] = np.min(ix[1]) + y_off_start")
            lines.append(f"  {target}[i,{row},q,3] = np.max(ix[0]) + x_off_start")
            lines.append(f"  {target}[i,{row},q,4] = np.max(ix[1]) + y_off_start")
        else:
            lines.append("  mask = np.zeros(tmp.shape)")
            lines.append("  mask[ix] = 1")
            lines.append(f"  {target}[i,{rows}+x_off_start:{rows}+28+x_off_start,32*q+y_off_start:32*q+28+y_off_start,label] = mask.squeeze()")
        lines.append("")
    return "\n".join(lines).rstrip()


def _c_detection_data() -> str:
    return _clean("""
        # 5000 scenes of 64x64 with two digits each; targets on a 2x2 grid:
        # confidence, 4 box corners and 10 class scores per grid cell
        x_train_obj = np.zeros((5000,64,64,1))
        y_train_obj = np.zeros((5000,2,2,15))

        for i in range(5000):
        """) + "\n" + _place_digit_code("x_train_obj", "y_train_obj", "obj")


def _draw_boxes_cell(source: str, prefix: str = "") -> str:
    return prefix + _clean(f"""
        import cv2
        plt.figure(figsize=(20,4))
        for k in range(10):
          result = np.tile(x_train_obj[k,:,:,:],(1,1,3))  # grey -> RGB, still float
          for i in range(2):
            for j in range(2):
              if np.round({source}[k,i,j,0]):
                class_index = np.argmax({source}[k,i,j,5:])
                xmin = int({source}[k,i,j,1] + i*32)
                ymin = int({source}[k,i,j,2] + j*32)
                xmax = int({source}[k,i,j,3] + i*32)
                ymax = int({source}[k,i,j,4] + j*32)
                cv2.rectangle(result,(ymin,xmin),(ymax,xmax),(0,1,0),1)
                cv2.putText(result, str(class_index), (ymin-10, xmin+10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 1, 0), lineType=cv2.LINE_AA)
          ax = plt.subplot(2,5,k+1)
          plt.imshow(result)
          ax.get_xaxis().set_visible(False)
          ax.get_yaxis().set_visible(False)
        """)


def _c_segmentation_data() -> str:
    return _clean("""
        # the same kind of scenes, now with a one-hot class per pixel as the target
        x_train_seg = np.zeros((5000,64,64,1))
        y_train_seg = np.zeros((5000,64,64,10))

        for i in range(5000):
        """) + "\n" + _place_digit_code("x_train_seg", "y_train_seg", "seg")


def _c_segmentation_show() -> str:
    return _clean("""
        for ex in range(5):
          plt.figure(figsize=(20,6))
          rand_ix = np.random.randint(0,5000)
          plt.subplot(1,11,1)
          plt.imshow(x_train_seg[rand_ix,:,:,:].squeeze())
          plt.gray()
          plt.title('input')
          for i in range(10):
            plt.subplot(1,11,i+2)
            plt.imshow(y_train_seg[rand_ix,:,:,i].squeeze())
            plt.title('class ' + str(i))
        """)


def _c_unet_fit(y: _Year) -> str:
    epochs = "nb_epoch=20" if y.k2 else "epochs=20"
    return f"model.fit(x_train_seg, y_train_seg, {epochs}, batch_size=64, shuffle=True, verbose=1)"


def _c_unet_eval() -> str:
    return _clean("""
        rand_ix = np.random.randint(0,5000,4)
        out = model.predict(x_train_seg[rand_ix,:,:,:])
        ref = y_train_seg[rand_ix,:,:,:].squeeze()
        for k in range(4):
          plt.figure(figsize=(20,4))
          plt.subplot(2,11,1)
          plt.imshow(x_train_seg[rand_ix[k],:,:,:].squeeze())
          plt.title('input')
          for i in range(10):
            ax = plt.subplot(2,11,i+2)
            plt.imshow(out[k,:,:,i].squeeze(),vmin=0,vmax=1)
            plt.title('predicted ' + str(i))
            ax.get_xaxis().set_visible(False)
            ax = plt.subplot(2,11,11+i+2)
            plt.imshow(ref[k,:,:,i].squeeze(),vmin=0,vmax=1)
            plt.title('true ' + str(i))
            ax.get_xaxis().set_visible(False)
        """)


def _c_gan(y: _Year) -> str:
    adam = "Adam(lr=0.0002, beta_1=0.5)" if y.k2 else "Adam(learning_rate=0.0002, beta_1=0.5)"
    return _clean(f"""
        # A very small GAN: the generator turns noise into digits, the discriminator
        # tells real digits from generated ones, and the two are trained in turns.
        from keras.layers import Reshape, LeakyReLU
        from keras.optimizers import Adam

        latent_dim = 16

        generator = Sequential()
        generator.add(Dense(7 * 7 * 16, activation='relu', input_shape=(latent_dim,)))
        generator.add(Reshape((7, 7, 16)))
        generator.add(UpSampling2D())
        generator.add(Conv2D(16, 3, padding='same', activation='relu'))
        generator.add(UpSampling2D())
        generator.add(Conv2D(1, 3, padding='same', activation='sigmoid'))

        discriminator = Sequential()
        discriminator.add(Conv2D(16, 3, strides=2, padding='same', input_shape=(28, 28, 1)))
        discriminator.add(LeakyReLU(0.2))
        discriminator.add(Flatten())
        discriminator.add(Dense(1, activation='sigmoid'))
        discriminator.compile(optimizer={adam}, loss='binary_crossentropy')

        # the stacked model trains only the generator
        discriminator.trainable = False
        z = Input(shape=(latent_dim,))
        gan = Model(z, discriminator(generator(z)))
        gan.compile(optimizer={adam}, loss='binary_crossentropy')

        half_batch = 32
        for it in range(4000):
            real = x_train[np.random.randint(0, x_train.shape[0], half_batch)]
            noise = np.random.normal(0, 1, (half_batch, latent_dim))
            fake = generator.predict(noise, verbose=0)
            d_loss_real = discriminator.train_on_batch(real, np.ones((half_batch, 1)))
            d_loss_fake = discriminator.train_on_batch(fake, np.zeros((half_batch, 1)))
            g_loss = gan.train_on_batch(noise, np.ones((half_batch, 1)))
            if it % 500 == 0:
                print(it, d_loss_real, d_loss_fake, g_loss)

        show_imgs(generator.predict(np.random.normal(0, 1, (10, latent_dim)), verbose=0))
        """)


# =====================================================================
# U-Nets of both years
# =====================================================================

_PLAIN = "activation='relu', padding='same', kernel_initializer='he_normal'"


def _unet_2023_header() -> str:
    return _clean("""
        from keras.layers import concatenate, BatchNormalization

        # softmax over the channel axis of a (batch, 64, 64, classes) tensor
        def softMaxAxis3(x):
            return softmax(x,axis=3)

        # one block: 3x3 convolution, batch normalization, relu
        def my_conv(x,filters,kernel_size=3,padding='same',kernel_initializer='he_normal'):
          x = Conv2D(filters, kernel_size, padding=padding, kernel_initializer=kernel_initializer)(x)
          x = BatchNormalization()(x)
          x = Activation('relu')(x)
          return x
        """)


def _unet_2023(decoder_inputs: tuple[str, str, str], merges: tuple[bool, bool, bool], y: _Year) -> str:
    """The my_conv U-Net; ``decoder_inputs`` feed up8, up9 and the last conv; ``merges`` says which merge lines run."""
    def merge(on: bool, name: str, enc: str, up: str) -> str:
        return f"{'' if on else '#'}{name} = concatenate([{enc},{up}], axis = 3)"

    return _clean(f"""
        inputs = Input(shape=(64, 64, 1))

        # encoder: 64 -> 32 -> 16 -> 8
        conv1 = my_conv(inputs,filters=8)
        pool1 = MaxPooling2D(pool_size=(2, 2))(conv1)
        conv2 = my_conv(pool1,filters=16)
        pool2 = MaxPooling2D(pool_size=(2, 2))(conv2)
        conv3 = my_conv(pool2,filters=32)
        pool3 = MaxPooling2D(pool_size=(2, 2))(conv3)
        conv4 = my_conv(pool3,filters=64)

        # decoder: 8 -> 16 -> 32 -> 64
        up7 = my_conv(conv4,filters=32)
        up7 = UpSampling2D(size = (2,2))(up7)
        {merge(merges[0], 'merge7', 'conv3', 'up7')}
        up8 = my_conv({decoder_inputs[0]},filters=16)
        up8 = UpSampling2D(size = (2,2))(up8)
        {merge(merges[1], 'merge8', 'conv2', 'up8')}
        up9 = my_conv({decoder_inputs[1]},filters=8)
        up9 = UpSampling2D(size = (2,2))(up9)
        {merge(merges[2], 'merge9', 'conv1', 'up9')}

        # a probability per class for every pixel (softmax over axis 3)
        conv11 = Conv2D(num_classes, 1, activation = softMaxAxis3)({decoder_inputs[2]})

        model = Model(inputs, conv11)
        model.summary()
        model.compile(optimizer = keras.optimizers.RMSprop({y.lr('0.01')}), loss = 'mse')
        """)


def _unet_2020(conv_inputs: tuple[str, str, str], merges: tuple[bool, bool, bool], y: _Year, model_call: str, header: bool) -> str:
    """The plain U-Net; ``conv_inputs`` feed conv7, conv8 and conv9; ``merges`` says which merge lines run."""
    def merge(on: bool, n: int, enc: str) -> str:
        return f"{'' if on else '#'}merge{n} = concatenate([{enc},up{n}], axis = 3)"

    def two(name: str, filters: int, source: str) -> str:
        return (f"{name} = Conv2D({filters}, 3, {_PLAIN})({source})\n"
                f"{name} = Conv2D({filters}, 3, {_PLAIN})({name})")

    def up(n: int, filters: int, source: str) -> str:
        return f"up{n} = Conv2D({filters}, 2, {_PLAIN})(UpSampling2D(size = (2,2))({source}))"

    head = _clean("""
        from keras.layers import concatenate

        # softmax over the channel axis of a (batch, 64, 64, classes) tensor
        def softMaxAxis3(x):
            return softmax(x,axis=3)

        """) + "\n" if header else ""
    lines = [
        "inputs = Input(shape=(64, 64, 1))",
        "",
        "# encoder: two convolutions per level, then pooling",
        two("conv1", 8, "inputs"),
        "pool1 = MaxPooling2D(pool_size=(2, 2))(conv1)",
        two("conv2", 16, "pool1"),
        "pool2 = MaxPooling2D(pool_size=(2, 2))(conv2)",
        two("conv3", 32, "pool2"),
        "drop3 = Dropout(0.5)(conv3)",
        "pool3 = MaxPooling2D(pool_size=(2, 2))(drop3)",
        two("conv4", 64, "pool3"),
        "drop4 = Dropout(0.5)(conv4)",
        "",
        "# decoder: upsample, 2x2 convolution, join the encoder level, two convolutions",
        up(7, 32, "drop4"),
        merge(merges[0], 7, "conv3"),
        two("conv7", 32, conv_inputs[0]),
        up(8, 16, "conv7"),
        merge(merges[1], 8, "conv2"),
        two("conv8", 16, conv_inputs[1]),
        up(9, 8, "conv8"),
        merge(merges[2], 9, "conv1"),
        two("conv9", 8, conv_inputs[2]),
        "",
        "# a probability per class for every pixel (softmax over axis 3)",
        "conv10 = Conv2D(num_classes, 1, activation = softMaxAxis3)(conv9)",
        "",
        model_call,
        "model.summary()",
        f"model.compile(optimizer = keras.optimizers.RMSprop({y.lr('0.01')}), loss = 'mse')",
    ]
    return head + "\n".join(lines)


def _c_unet_given(y: _Year) -> str:
    if y.k2:
        return _unet_2020(("merge7", "merge8", "merge9"), (True, True, True), y, "model = Model(inputs, conv10)", header=True)
    return _unet_2023_header() + "\n\n" + _unet_2023(("merge7", "merge8", "merge9"), (True, True, True), y)


# =====================================================================
# Exercise cells: template and answers
# =====================================================================


def _ex_extract_W(y: _Year, answer: str | None, task_2_4: bool = False) -> str:
    if answer is None:
        return _w_cell("#W = # Your code goes here" if task_2_4 else "W = # Your code goes here")
    lines = {
        "layers_index": "W = model.layers[1].get_weights()[0]  # the Dense layer's kernel (Flatten has no weights)",
        "layer_variable": "layer = model.layers[1]\nW = layer.get_weights()[0]",
        "get_weights": "W = model.get_weights()[0]",
        "wrong_bias": "W = model.layers[1].get_weights()[1]",
    }
    return _w_cell(lines[answer])


def _ex_bottleneck_2d(y: _Year, answer: str | None) -> str:
    line = "x = # Your code goes here" if answer is None else \
        "x = Conv2D(2, kernel_size=(3, 3), activation='tanh')(x)  # 3x3x32 -> 1x1x2"
    return _cnn_cell(y, line)


def _ex_add_noise(y: _Year, answer: str | None) -> str:
    if answer is None:
        return _clean("""
            #Your code goes here
            #x_train_noisy = ???
            #x_test_noisy = ???
            """)
    return {
        "factor": _clean("""
            noise_factor = 0.4
            x_train_noisy = x_train + noise_factor * np.random.normal(loc=0.0, scale=1.0, size=x_train.shape)
            x_test_noisy = x_test + noise_factor * np.random.normal(loc=0.0, scale=1.0, size=x_test.shape)
            x_train_noisy = np.clip(x_train_noisy, 0., 1.)
            x_test_noisy = np.clip(x_test_noisy, 0., 1.)
            """),
        "normal_loc": _clean("""
            # each pixel drawn around its clean value
            x_train_noisy = np.clip(np.random.normal(x_train, 0.5), 0, 1)
            x_test_noisy = np.clip(np.random.normal(x_test, 0.5), 0, 1)
            """),
        "unclipped": _clean("""
            x_train_noisy = x_train + np.random.normal(0, 0.3, x_train.shape)
            x_test_noisy = x_test + np.random.normal(0, 0.3, x_test.shape)
            """),
        "wrong_no_noise": _clean("""
            x_train_noisy = x_train.copy()
            x_test_noisy = x_test.copy()
            """),
    }[answer]


def _ex_build_sr_network(y: _Year, answer: str | None) -> str:
    if answer is None:
        return "# Your code goes here"
    train, test = y.lowres
    optimizer = "Adam(lr=1e-3)" if y.k2 else "keras.optimizers.Adam(learning_rate=1e-3)"
    imports = "from keras.optimizers import Adam\n\n" if y.k2 else ""
    model = {
        "autoencoder_14": _clean("""
            # the autoencoder, made for 14x14 inputs: 14 -> 7 -> 4, then 4 -> 8 -> 16 -> 32 -> 28
            inputs = Input(shape=(14, 14, 1))
            x = Conv2D(16, kernel_size=(3, 3), activation='relu', padding='same')(inputs)
            x = MaxPooling2D((2, 2), padding='same')(x)
            x = Conv2D(8, kernel_size=(3, 3), activation='relu', padding='same')(x)
            encoded = MaxPooling2D((2, 2), padding='same')(x)

            x = Conv2D(8, kernel_size=(3, 3), activation='relu', padding='same')(encoded)
            x = UpSampling2D((2, 2))(x)
            x = Conv2D(8, kernel_size=(3, 3), activation='relu', padding='same')(x)
            x = UpSampling2D((2, 2))(x)
            x = Conv2D(16, kernel_size=(3, 3), activation='relu', padding='same')(x)
            x = UpSampling2D((2, 2))(x)
            decoded = Conv2D(1, kernel_size=(5, 5), activation='sigmoid', padding='valid')(x)
            superres = Model(inputs, decoded)
            """),
        "upsampling_convs": _clean("""
            # convolutions at 14x14, one upsampling, convolutions at 28x28
            inputs = Input(shape=(14, 14, 1))
            x = Conv2D(32, 3, activation='relu', padding='same')(inputs)
            x = UpSampling2D((2, 2))(x)
            x = Conv2D(32, 3, activation='relu', padding='same')(x)
            decoded = Conv2D(1, 3, activation='sigmoid', padding='same')(x)
            superres = Model(inputs, decoded)
            """),
    }[answer]
    return imports + model + "\n" + _clean(f"""
        superres.summary()

        superres.compile(optimizer={optimizer}, loss='binary_crossentropy')
        superres.fit({train}, x_train, epochs=10, batch_size=100,
                     shuffle=True, validation_data=({test}, x_test))

        print("input, output, target")
        show_imgs({test})
        show_imgs(superres.predict({test}))
        show_imgs(x_test)
        """)


def _ex_build_angle_cnn(y: _Year, answer: str | None) -> str:
    if answer is None:
        return _clean("""
            inputs = Input(shape=(28, 28, 1))

            # Encoder (convolutional base)
            # Your codes goes here

            # Decoder (predict angle)
            x = # Your code goes here
            angle = Dense(1)(x)

            angle_estimator = Model(input=inputs, output=angle)
            """)
    model_call = "Model(input=inputs, output=angle)" if y.k2 else "Model(inputs, angle)"
    return _clean(f"""
        inputs = Input(shape=(28, 28, 1))

        # Encoder (convolutional base)
        x = Conv2D(8, kernel_size=(3, 3), activation='relu')(inputs)
        x = MaxPooling2D((2, 2))(x)
        x = Conv2D(16, kernel_size=(3, 3), activation='relu')(x)
        x = MaxPooling2D((2, 2))(x)
        x = Conv2D(32, kernel_size=(3, 3), activation='relu')(x)
        x = Flatten()(x)

        # Decoder (predict angle)
        x = Dense(64, activation='relu')(x)
        angle = Dense(1)(x)  # no activation: any real number

        angle_estimator = {model_call}
        angle_estimator.summary()
        """)


def _ex_detector_channels(y: _Year, answer: str | None) -> str:
    confidence, box, classes = ("???", "???", "???") if answer is None else ("1", "4", "num_classes")
    return _clean(f"""
        from keras.layers import concatenate
        from keras.activations import softmax

        def softMaxAxis3(x):
            return softmax(x,axis=3)

        input_img = Input(shape=(64, 64, 1))

        # shared encoder: 64 -> 32 -> 16 -> 8
        x = Conv2D(8, 33, activation='relu', padding='same')(input_img)
        x = MaxPooling2D((2, 2), padding='same')(x)
        x = Conv2D(16, 3, activation='relu', padding='same')(x)
        x = MaxPooling2D((2, 2), padding='same')(x)
        x = Conv2D(32, 3, activation='relu', padding='same')(x)
        encoded = MaxPooling2D((2, 2), padding='same')(x)

        # 1. is there a digit in the grid cell?
        x = Conv2D(4, 3, activation='relu', padding='same')(encoded)
        x = MaxPooling2D((2, 2), padding='same')(x)
        x = Conv2D(4, 3, activation='relu', padding='same')(x)
        x = MaxPooling2D((2, 2), padding='same')(x)
        confidence = Conv2D({confidence}, 1, activation='sigmoid', padding='same')(x)

        # 2. corners of its bounding box
        x = Conv2D(4, 3, activation='relu', padding='same')(encoded)
        x = MaxPooling2D((2, 2), padding='same')(x)
        x = Conv2D(4, 3, activation='relu', padding='same')(x)
        x = MaxPooling2D((2, 2), padding='same')(x)
        box = Conv2D({box}, 1, padding='same')(x)

        # 3. class probabilities
        x = Conv2D(16, 3, activation='relu', padding='same')(encoded)
        x = MaxPooling2D((2, 2), padding='same')(x)
        x = Conv2D(16, 3, activation='relu', padding='same')(x)
        x = MaxPooling2D((2, 2), padding='same')(x)
        classes = Conv2D({classes}, 1, activation=softMaxAxis3, padding='same')(x)

        # all outputs of a grid cell side by side
        merged = concatenate([confidence, box, classes])

        objdet = Model(input_img, merged)
        objdet.compile(optimizer='rmsprop', loss='mse')
        """)


def _ex_build_unet_no_skips(y: _Year, answer: str | None) -> str:
    if y.k2:
        model_call = "model = Model(input = inputs, output = conv10)"
        if answer is None:
            return _unet_2020(("???", "???", "???"), (False, False, False), y, model_call, header=False)
        if answer == "correct":
            return _unet_2020(("up7", "up8", "up9"), (False, False, False), y, model_call, header=False)
        return _unet_2020(("up7", "up8", "merge9"), (False, False, True), y, model_call, header=False)  # wrong_keeps_one_skip
    if answer is None:
        return _unet_2023(("???", "???", "???"), (False, False, False), y)
    if answer == "correct":
        return _unet_2023(("up7", "up8", "up9"), (False, False, False), y)
    return _unet_2023(("merge7", "up8", "up9"), (True, False, False), y)  # wrong_keeps_one_skip


_EXERCISE_CELLS = {
    "extract_W": _ex_extract_W,
    "extract_W_2_4": lambda y, answer: _ex_extract_W(y, answer, task_2_4=True),
    "bottleneck_2d": _ex_bottleneck_2d,
    "add_noise": _ex_add_noise,
    "build_sr_network": _ex_build_sr_network,
    "build_angle_cnn": _ex_build_angle_cnn,
    "detector_channels": _ex_detector_channels,
    "build_unet_no_skips": _ex_build_unet_no_skips,
}


def exercise_cells(name: str, key: str, year: str = "2023") -> list[str]:
    """The code cell(s) of exercise ``name`` filled as ``key`` (one cell, or the template and a filled copy)."""
    y = _Year(year)
    make = _EXERCISE_CELLS[name]
    default_answer = ANSWER_KEYS[name][0]
    if key == "template":
        return [make(y, None)]
    if key == "answered_in_place":
        return [make(y, default_answer)]
    if key == "answered_below":
        return [make(y, None), make(y, default_answer)]
    if key.startswith("below:") and key[len("below:"):] in ANSWER_KEYS[name]:
        return [make(y, None), make(y, key[len("below:"):])]
    if key in ANSWER_KEYS[name]:
        return [make(y, key)]
    raise ValueError(f"unknown fill {key!r} for {name}; known: {', '.join(FILL_KEYS[name])} (or below:<answer>)")


# =====================================================================
# Markdown (our own words)
# =====================================================================

_MD = {
    "title": """
        # Fun with MNIST

        Convolutional networks do much more than put a label on an image. In this lab
        the same small handwritten digits are used for classification, compression
        with autoencoders, noise removal, super resolution, regression of a rotation
        angle, detection and segmentation, with pointers to Siamese networks and GANs
        at the end. The aim is a feeling for how a CNN is bent to a new task.

        **Use a GPU runtime for this notebook.**
        """,
    "task1": """
        ## Task 1: the MNIST data

        Keras ships MNIST, so loading it is one line. The cell below also scales the
        pixels to 0..1, adds a channel axis and turns the labels into one-hot vectors.
        """,
    "q1": """
        ### Questions 1.1
        1. What shape does one input image have?
        2. How many training and how many test images are there?
        3. What does `to_categorical` do to the labels? Print `y_test` before and after.
        """,
    "task2": """
        ## Task 2: softmax regression

        The simplest classifier of the lab computes `y = softmax(W*x + b)`, where `x` is
        the image as a vector of 784 pixels, `W` a matrix with one row of weights per
        class and `b` one bias per class. With the Sequential API it is three layers.
        """,
    "q2": """
        ### Questions 2.1
        1. Why does the model start with `Flatten()`?
        2. Where do the 7850 parameters of the `Dense` layer come from?
        3. What does the final `Activation` do?
        """,
    "training": """
        ### Training

        Ten epochs of stochastic gradient descent on mini-batches of 128 images, with the
        categorical cross-entropy as the loss. Expect about 90 % validation accuracy.
        """,
    "history": """
        ### Watching the training

        Loss and accuracy curves per epoch show whether the learning rate is sensible
        and whether the model starts to overfit.
        """,
    "task21": """
        ### Task 2.1: batch size and epochs

        With all 60,000 images almost anything works. To make it harder, keep only ten
        images of each class.
        """,
    "q22": """
        ### Questions 2.2
        1. Why is this model worse than the baseline?
        2. Try batch sizes 1, 5, 20 and 100 for 10 epochs: how do the curves and the
           training time change?
        3. Are batch size and epochs hyperparameters or learned parameters?

        ### Task 2.2: a better learning rate
        Find a learning rate (`keras.optimizers.SGD(learning_rate=...)`) that reaches
        74-75 % in 10 epochs.
        """,
    "task23": """
        ### Task 2.3: looking at the learned weights

        Take the weight matrix `W` out of the model's `Dense` layer; the cell shows each
        class's weights as a 28x28 image.
        """,
    "task24": """
        ### Task 2.4: weight decay

        An L2 penalty on the weights is a classic cure for overfitting. The penalty
        weight below is large on purpose: the accuracy drops a little, but look at
        what happens to `W`.
        """,
    "task24_w": """
        Now show the weights of the regularized model, the same way as before.
        """,
    "functional": """
        ### The functional API

        The same baseline, written with the functional API that the rest of the lab
        uses: every layer is called on a tensor and returns a tensor.
        """,
    "task3": """
        ## Task 3: a first CNN

        Three convolutions with pooling, then two dense layers.
        """,
    "cnn_training": """
        ### Training on the small set

        The CNN does better than softmax regression on the 100 images, at the price of
        a longer training.
        """,
    "task31": """
        ### Task 3.1: a 2-D code

        Change the network so that `encoded`, the output of `Flatten`, has 2 values
        instead of 288. One layer before `Flatten` that turns 3x3x32 into 1x1x2 does
        it; a `tanh` activation works well there.
        """,
    "task31_fit": """
        ### Training

        Squeezing the images into two numbers needs all of the training data.
        """,
    "task32": """
        ### Task 3.2

        Run the test images through the network up to `encoded` and plot the 2-D codes,
        one colour per class.
        """,
    "task4": """
        ## Task 4: a convolutional autoencoder

        An autoencoder learns `X = D(E(X))`: the encoder squeezes the image, the decoder
        rebuilds it. No labels are needed.
        """,
    "task4_fit": "### Training the autoencoder",
    "task4_show": "Some test images and their reconstructions:",
    "task4_bce": """
        ### A better loss

        With a sigmoid on the output, the pixels can be treated as probabilities and
        trained with binary cross-entropy.
        """,
    "task5": """
        ## Task 5: a denoising autoencoder

        ### Task 5.1
        Make `x_train_noisy` and `x_test_noisy`: the clean images plus random noise
        (`np.random.normal` and `np.clip` are useful). Then check whether `autoencoder2`
        copes with them, and fine-tune it on noisy inputs with clean targets.
        """,
    "task5_before": "First, the autoencoder as it is, on noisy inputs:",
    "task5_finetune": "Now fine-tune it on noisy inputs:",
    "task5_after": "And again on the noisy test images:",
    "task5_clean": "It still works on clean images:",
    "task6": """
        ## Task 6: super resolution

        Change the autoencoder so that it takes a 14x14x1 image and returns a 28x28x1
        image. The inputs are the images with every other pixel left out:
        """,
    "task6_student": "### Your super-resolution network",
    "task7": """
        ## Task 7: image regression

        The network now predicts a number: the angle by which a digit was rotated. A
        data generator makes batches of randomly rotated digits with their angles.
        """,
    "task7_test": "### Trying the generator",
    "task71": """
        ### Task 7.1

        Build a small CNN from a 28x28x1 image to one number. Its last layer is
        `angle = Dense(1)(x)`, a dense layer without activation.
        """,
    "task7_fit": "### Training",
    "task7_eval": "### Evaluation",
    "task7_derotate": "### Rotating the digits back",
    "task8": """
        ## Task 8: object detection

        The 64x64 scenes hold two digits. The detector divides its output into a 2x2
        grid; each grid cell says whether it holds a digit (1 value), where its box is
        (4 values) and which digit it is (10 values): 15 values per cell.

        ### Task 8.1
        Fill in the three `???` below and run the cell.
        """,
    "task8_data": "### Training data",
    "task8_show": "A few training scenes with their boxes:",
    "task8_fit": "### Training",
    "task8_eval": "### Evaluation",
    "task9": """
        ## Task 9: image segmentation

        Segmentation classifies every pixel: for a 64x64 input with 10 classes the
        output is 64x64x10. First a training set of scenes and per-pixel labels.
        """,
    "task9_show": "Inputs and their ten target channels:",
    "task9_unet": """
        ### A light U-Net

        The decoder joins each upsampled feature map with the encoder's map of the
        same size (`concatenate`).
        """,
    "task9_fit": "### Training",
    "task9_eval": "### Evaluation",
    "task91": """
        ### Task 9.1

        Remove the concatenations: fill in the `???` so that each decoder block only
        gets the previous block's output, then train the model again.
        """,
    "task91_fit": "### Training",
    "task91_eval": "### Evaluation",
    "ideas": """
        ## 10. Ideas for further work

        ### Siamese networks
        Two images go through the same encoder and the network learns whether they show
        the same digit: a distance between images rather than a classifier.

        ### Generative adversarial networks
        A generator learns to turn random noise into digits while a discriminator learns
        to tell them from real ones. A tiny version to play with:
        """,
}


# =====================================================================
# The notebook
# =====================================================================


def build_course_notebook(year: str = "2023", fills: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The lab as course ``year`` hands it out, with each exercise filled as ``fills`` says."""
    y = _Year(year)
    chosen = dict(DEFAULT_FILLS)
    for name, key in (fills or {}).items():
        if name not in FILL_KEYS:
            raise ValueError(f"unknown exercise {name!r}; known: {', '.join(FILLED_EXERCISES)}")
        chosen[name] = key
    for name, key in chosen.items():
        exercise_cells(name, key, year)  # validates the key

    cells: list[tuple[str, str]] = []

    def md(key: str) -> None:
        cells.append(("md", _clean(_MD[key])))

    def code(source: str) -> None:
        cells.append(("code", source))

    def exercise(name: str) -> None:
        for source in exercise_cells(name, chosen[name], year):
            code(source)

    md("title")
    md("task1")
    code(_c_setup(y))
    md("q1")

    md("task2")
    code(_c_softmax_model(y))
    md("q2")
    md("training")
    code(_c_softmax_fit(y))
    md("history")
    code(_c_show_history(y))
    md("task21")
    code(_c_small_subset(y))
    code(_c_softmax_small_fit(y))
    md("q22")
    md("task23")
    exercise("extract_W")
    md("task24")
    code(_c_l2_fit(y))
    md("task24_w")
    exercise("extract_W_2_4")
    md("functional")
    code(_c_functional_softmax(y))

    md("task3")
    code(_cnn_cell(y, None))
    md("cnn_training")
    code(_c_cnn_fit(y))
    code("show_history(history)")
    md("task31")
    exercise("bottleneck_2d")
    md("task31_fit")
    code(_c_bottleneck_fit(y))
    md("task32")
    code(_c_scatter(y))

    md("task4")
    code(_c_autoencoder(y))
    md("task4_fit")
    code(_c_autoencoder_fit(y, "autoencoder", "mse"))
    md("task4_show")
    code(_c_show_decoded("autoencoder", "x_test"))
    md("task4_bce")
    code(_c_autoencoder2(y))
    code(_c_show_decoded("autoencoder2", "x_test"))

    md("task5")
    exercise("add_noise")
    md("task5_before")
    code(_c_show_decoded("autoencoder2", "x_test_noisy", "denoising"))
    md("task5_finetune")
    code(_c_denoise_finetune())
    md("task5_after")
    code(_c_show_decoded("autoencoder2", "x_test_noisy", "denoising"))
    md("task5_clean")
    code(_c_show_decoded("autoencoder2", "x_test", "clean inputs"))

    md("task6")
    code(_c_sr_data(y))
    md("task6_student")
    exercise("build_sr_network")

    md("task7")
    code(_c_rotnet(y))
    md("task7_test")
    code(_c_rotnet_test())
    md("task71")
    exercise("build_angle_cnn")
    md("task7_fit")
    code(_c_angle_fit(y))
    md("task7_eval")
    code(_c_angle_eval())
    md("task7_derotate")
    code(_c_derotate(y))

    md("task8")
    exercise("detector_channels")
    md("task8_data")
    code(_c_detection_data())
    md("task8_show")
    code(_draw_boxes_cell("y_train_obj"))
    md("task8_fit")
    code("objdet.fit(x_train_obj, y_train_obj, epochs=100, batch_size=128, shuffle=True, verbose=1)")
    md("task8_eval")
    code(_draw_boxes_cell("out", prefix="out = objdet.predict(x_train_obj[0:10,:,:,:])\n\n"))

    md("task9")
    code(_c_segmentation_data())
    md("task9_show")
    code(_c_segmentation_show())
    md("task9_unet")
    code(_c_unet_given(y))
    md("task9_fit")
    code(_c_unet_fit(y))
    md("task9_eval")
    code(_c_unet_eval())
    md("task91")
    exercise("build_unet_no_skips")
    md("task91_fit")
    code(_c_unet_fit(y))
    md("task91_eval")
    code(_c_unet_eval())

    md("ideas")
    code(_c_gan(y))

    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["colab"] = {"provenance": []}
    nb.metadata["accelerator"] = "GPU"
    for i, (kind, text) in enumerate(cells):
        cell = new_markdown_cell(text) if kind == "md" else new_code_cell(text)
        cell["id"] = f"c{year}-{i:03d}"  # stable ids: rebuilding gives identical files
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


# =====================================================================
# Ready-made variants
# =====================================================================


def _all(key: str) -> dict[str, str]:
    return {name: key for name in FILLED_EXERCISES}


#: name -> keyword arguments of :func:`build_course_notebook`.
COURSE_VARIANTS: dict[str, dict] = {
    "2023_complete": {"year": "2023", "fills": dict(DEFAULT_FILLS)},
    "2023_handout": {"year": "2023", "fills": _all("template")},
    # all correct, several answer styles in one notebook
    "2023_mixed_styles": {"year": "2023", "fills": {
        "extract_W": "layers_index",
        "extract_W_2_4": "template",
        "bottleneck_2d": "answered_in_place",
        "add_noise": "normal_loc",
        "build_sr_network": "autoencoder_14",
        "build_angle_cnn": "answered_in_place",
        "detector_channels": "answered_below",
        "build_unet_no_skips": "answered_in_place",
    }},
    # the detector left as handed out (the U-Net needs its softmax import), two wrong answers
    "2023_detector_blank_mistakes": {"year": "2023", "fills": {
        "extract_W": "wrong_bias",
        "extract_W_2_4": "template",
        "bottleneck_2d": "answered_below",
        "add_noise": "wrong_no_noise",
        "build_sr_network": "upsampling_convs",
        "build_angle_cnn": "answered_below",
        "detector_channels": "template",
        "build_unet_no_skips": "answered_below",
    }},
    "2023_all_below": {"year": "2023", "fills": {**_all("answered_below"), "extract_W_2_4": "template"}},
    "2023_other_answers": {"year": "2023", "fills": {
        **DEFAULT_FILLS,
        "extract_W": "get_weights",
        "extract_W_2_4": "layer_variable",
        "add_noise": "unclipped",
        "build_sr_network": "upsampling_convs",
        "build_unet_no_skips": "wrong_keeps_one_skip",
    }},
    "2020_complete": {"year": "2020", "fills": dict(DEFAULT_FILLS)},
    "2020_handout": {"year": "2020", "fills": _all("template")},
    # all correct in Keras-2 style, W read in both 2.3 and 2.4
    "2020_keras2_styles": {"year": "2020", "fills": {
        "extract_W": "layer_variable",
        "extract_W_2_4": "layer_variable",
        "bottleneck_2d": "answered_below",
        "add_noise": "factor",
        "build_sr_network": "answered_below",
        "build_angle_cnn": "answered_in_place",
        "detector_channels": "answered_in_place",
        "build_unet_no_skips": "correct",
    }},
    "2020_mistakes": {"year": "2020", "fills": {
        **DEFAULT_FILLS,
        "extract_W": "wrong_bias",
        "add_noise": "wrong_no_noise",
        "build_unet_no_skips": "wrong_keeps_one_skip",
    }},
}


def build_variant(name: str) -> nbformat.NotebookNode:
    return build_course_notebook(**COURSE_VARIANTS[name])


def main(argv: list[str] | None = None) -> list[Path]:
    """Write every variant to the folder given on the command line: ``python tests/course_notebooks.py OUT_DIR [NAME ...]``."""
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in ("-h", "--help"):
        print(main.__doc__)
        print("variants:", ", ".join(COURSE_VARIANTS))
        return []
    out_dir = Path(args[0])
    names = args[1:] or list(COURSE_VARIANTS)
    unknown = [n for n in names if n not in COURSE_VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s): {', '.join(unknown)}; known: {', '.join(COURSE_VARIANTS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = out_dir / f"{name}.ipynb"
        nbformat.write(build_variant(name), str(path))
        written.append(path)
        print(f"wrote {path}")
    return written


if __name__ == "__main__":
    main()
