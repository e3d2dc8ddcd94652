"""Correct: the functional API, L2 penalties on kernels and biases only."""
import keras
from keras import layers, regularizers


def build_tuned_cnn():
    l2 = regularizers.l2(1e-4)
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, (3, 3), activation="relu", kernel_regularizer=l2, bias_regularizer=l2)(inputs)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax", kernel_regularizer=l2)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
    return model
