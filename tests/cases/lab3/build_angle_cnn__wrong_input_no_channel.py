"""Wrong: declares the input as (28, 28) without the channel axis, and works around it with Conv1D layers."""

import keras
from keras import layers


def build_angle_cnn():
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Conv1D(32, 3, activation="relu"),
            layers.MaxPooling1D(),
            layers.Conv1D(64, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(1),
        ]
    )
    model.compile("adam", "mse", metrics=["mae"])
    return model
