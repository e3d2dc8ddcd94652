"""The activation applied to the wrapped layer's output, before batch norm."""

import keras
from keras import layers


class BatchNormalizedLayer(layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.batch_norm = layers.BatchNormalization(axis=axis)
        self.activation = keras.activations.get(activation)

    def call(self, inputs, training=None):
        return self.batch_norm(self.activation(self.layer(inputs)), training=training)
