"""tf.keras names, the activation as a function from keras.activations.get, sub-layers in a list."""

import tensorflow as tf


class BatchNormalizedLayer(tf.keras.layers.Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.parts = [layer, tf.keras.layers.BatchNormalization(axis=axis)]
        self.activation_fn = tf.keras.activations.get(activation)

    def call(self, inputs, training=False):
        wrapped, norm = self.parts
        return self.activation_fn(norm(wrapped(inputs), training=training))
