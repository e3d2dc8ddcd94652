"""Functional API, use_bias=False in every wrapped layer (the bias is redundant), the activation a function.

(The wrapper class is private so that this file can share a graded submission with the BatchNormalizedLayer cases.)"""

import keras
from keras import layers


class _BatchNormalizedLayer(layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.norm = layers.BatchNormalization(axis=axis)
        self.activation = keras.activations.get(activation)

    def call(self, inputs, training=None):
        return self.activation(self.norm(self.layer(inputs), training=training))


def get_improved_model(input_shape, num_classes=10):
    images = keras.Input(shape=input_shape)
    x = images
    for filters in (32, 64):
        x = _BatchNormalizedLayer(layers.Conv2D(filters, 3, padding="same", use_bias=False), activation="relu")(x)
        x = _BatchNormalizedLayer(layers.Conv2D(filters, 3, use_bias=False), activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = _BatchNormalizedLayer(layers.Dense(512, use_bias=False), activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(images, outputs)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
