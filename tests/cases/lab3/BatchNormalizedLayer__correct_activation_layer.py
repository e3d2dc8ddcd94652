"""Correct: applies the activation through a keras.layers.Activation sublayer, builds both sublayers in build()."""

import keras
from keras import layers


class BatchNormalizedLayer(layers.Layer):
    """activation(BatchNormalization(layer(x)))."""

    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.axis = axis
        self.activation_name = activation
        self.norm = layers.BatchNormalization(axis=axis)
        self.act = layers.Activation(activation if activation is not None else "linear")

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
        self.norm.build(self.layer.compute_output_shape(input_shape))

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def call(self, inputs, training=None):
        h = self.layer(inputs)
        h = self.norm(h, training=training)
        return self.act(h)

    def get_config(self):
        config = super().get_config()
        config["layer"] = keras.layers.serialize(self.layer)
        config["axis"] = self.axis
        config["activation"] = self.activation_name
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.layers.deserialize(config["layer"])
        return cls(**config)
