"""Wrong: keeps the classifier's softmax on the single output unit, which makes the output always 1.0."""

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
            layers.Dense(1, activation="softmax"),
        ]
    )
    model.compile("adam", "mse", metrics=["mae"])
    return model
