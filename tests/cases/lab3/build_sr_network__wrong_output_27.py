"""Wrong: a final 2x2 'valid' convolution after the 2x upsampling shrinks the output to 27x27."""

import keras
from keras import layers


def build_sr_network():
    inputs = keras.Input((14, 14, 1))
    x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(inputs)  # 28x28
    outputs = layers.Conv2D(1, 2, activation="sigmoid")(x)  # 'valid' -> 27x27
    model = keras.Model(inputs, outputs)
    model.compile("adam", "mse")
    return model
