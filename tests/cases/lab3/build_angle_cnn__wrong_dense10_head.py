"""Wrong: copies the digit classifier's head, Dense(10), so the output is (None, 10) rather than one angle."""

import keras
from keras import layers


def build_angle_cnn():
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ]
    )
    model.compile("adam", "mse", metrics=["mae"])
    return model
