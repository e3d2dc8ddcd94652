"""Wrong: a sigmoid on the output unit limits predictions to (0, 1), while the angles lie in [-30, 30) degrees."""

import keras
from keras import layers


def build_angle_cnn():
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "mse", metrics=["mae"])
    return model
