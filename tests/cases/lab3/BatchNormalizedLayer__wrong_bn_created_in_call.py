"""Wrong: creates a new BatchNormalization inside call(), so its weights are untracked and recreated on every call (fit fails in graph mode)."""

import keras
from keras import layers


class BatchNormalizedLayer(layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.axis = axis
        self.activation = keras.activations.get(activation)

    def call(self, inputs, training=None):
        x = self.layer(inputs)
        x = layers.BatchNormalization(axis=self.axis)(x, training=training)
        return self.activation(x)

    def get_config(self):
        config = super().get_config()
        config.update(layer=keras.layers.serialize(self.layer), axis=self.axis,
                      activation=keras.activations.serialize(self.activation))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.layers.deserialize(config["layer"])
        return cls(**config)
