"""Correct: Sequential model built with model.add() in a loop, linear Dense(1) head, compiled with MSE."""

import keras
from keras import layers


def build_angle_cnn():
    model = keras.Sequential(name="rotation_regressor")
    model.add(keras.Input((28, 28, 1)))
    for filters in (32, 64):
        model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
        model.add(layers.MaxPooling2D(2))
    model.add(layers.Conv2D(64, 3, activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(1))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse", metrics=["mae"])
    return model
