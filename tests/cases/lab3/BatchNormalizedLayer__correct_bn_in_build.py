"""Correct: creates the BatchNormalization in build(); activation via keras.activations.get."""

import keras
from keras import layers


class BatchNormalizedLayer(layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.inner = layer
        self.axis = axis
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        if not self.inner.built:
            self.inner.build(input_shape)
        self.batchnorm = layers.BatchNormalization(axis=self.axis)
        self.batchnorm.build(self.inner.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        z = self.inner(inputs)  # Keras passes `training` on to sublayers that accept it
        z = self.batchnorm(z, training=training)
        return self.activation(z)

    def compute_output_shape(self, input_shape):
        return self.inner.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            layer=keras.saving.serialize_keras_object(self.inner),
            axis=self.axis,
            activation=keras.activations.serialize(self.activation),
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.saving.deserialize_keras_object(config["layer"])
        return cls(**config)
