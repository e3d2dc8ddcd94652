"""Wrong: keeps the sublayers in a plain Python helper object, which Keras does not track (no weights reported, nothing trained).

Keras 3 tracks layers stored directly on attributes and inside lists, dicts
and tuples, but not inside an arbitrary non-Layer object such as _Parts.
"""

import keras


class _Parts:
    """A small namespace grouping the wrapped layer and its normalization."""

    def __init__(self, layer, axis):
        self.layer = layer
        self.bn = keras.layers.BatchNormalization(axis=axis)


class BatchNormalizedLayer(keras.layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.parts = _Parts(layer, axis)
        self.axis = axis
        self.activation = keras.activations.get(activation)

    @property
    def layer(self):
        return self.parts.layer

    def call(self, inputs, training=None):
        x = self.parts.layer(inputs)
        x = self.parts.bn(x, training=training)
        return self.activation(x)

    def get_config(self):
        config = super().get_config()
        config.update(layer=keras.layers.serialize(self.parts.layer), axis=self.axis,
                      activation=keras.activations.serialize(self.activation))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.layers.deserialize(config["layer"])
        return cls(**config)
