"""The handout's style: Keras 2 imports, super(Class, self), an Activation layer made in __init__."""

from keras.layers import Activation, BatchNormalization, Layer


class BatchNormalizedLayer(Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super(BatchNormalizedLayer, self).__init__(**kwargs)
        self.layer = layer
        self.activation = activation
        self.axis = axis
        self.batch_norm = BatchNormalization(axis=self.axis)
        self.act_fn = Activation(self.activation)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def call(self, inputs, training=None):
        x = self.layer(inputs)
        x = self.batch_norm(x, training=training)
        return self.act_fn(x)
