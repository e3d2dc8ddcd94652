"""Wrong: applies the activation before the batch normalization: bn(activation(layer(x)))."""

import keras


class BatchNormalizedLayer(keras.layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.axis = axis
        self.activation = keras.activations.get(activation)
        self.bn = keras.layers.BatchNormalization(axis=axis)

    def call(self, inputs, training=None):
        x = self.activation(self.layer(inputs))
        return self.bn(x, training=training)

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
