"""Correct: sublayers as attributes, keras.activations.get for the activation, no explicit build (Keras builds the sublayers on first call)."""

import keras


class BatchNormalizedLayer(keras.layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.axis = axis
        self.bn = keras.layers.BatchNormalization(axis=axis)
        self.activation = keras.activations.get(activation)

    def call(self, inputs, training=None):
        return self.activation(self.bn(self.layer(inputs), training=training))

    def get_config(self):
        return {
            **super().get_config(),
            "layer": keras.layers.serialize(self.layer),
            "axis": self.axis,
            "activation": keras.activations.serialize(self.activation),
        }

    @classmethod
    def from_config(cls, config):
        layer = keras.layers.deserialize(config.pop("layer"))
        return cls(layer, **config)
