"""Batch norm called with training=True always: inference uses the batch's statistics."""

import keras
from keras import layers


class BatchNormalizedLayer(layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.batch_norm = layers.BatchNormalization(axis=axis)
        self.activation = keras.activations.get(activation)

    def call(self, inputs, training=None):
        return self.activation(self.batch_norm(self.layer(inputs), training=True))
