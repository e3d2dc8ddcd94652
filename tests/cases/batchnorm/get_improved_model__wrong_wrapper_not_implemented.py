"""get_improved_model written, but the BatchNormalizedLayer it uses still the notebook's stub.

(The wrapper class is private so that this file can share a graded submission with the BatchNormalizedLayer cases.)"""

import keras
from keras import layers


class _BatchNormalizedLayer(layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        # YOUR CODE HERE
        raise NotImplementedError()


def get_improved_model(input_shape, num_classes=10):
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for filters in (32, 64):
        model.add(_BatchNormalizedLayer(layers.Conv2D(filters, 3, padding="same"), activation="relu"))
        model.add(_BatchNormalizedLayer(layers.Conv2D(filters, 3), activation="relu"))
        model.add(layers.MaxPooling2D(2))
        model.add(layers.Dropout(0.25))
    model.add(layers.Flatten())
    model.add(_BatchNormalizedLayer(layers.Dense(512), activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(num_classes, activation="softmax"))
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), loss="categorical_crossentropy")
    return model
