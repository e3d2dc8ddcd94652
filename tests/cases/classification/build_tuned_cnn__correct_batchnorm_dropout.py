"""Correct: batch norm after each convolution, dropout after pooling and the dense layer."""
import keras
from keras import layers


def build_tuned_cnn():
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"), layers.BatchNormalization(), layers.MaxPooling2D(), layers.Dropout(0.2),
        layers.Conv2D(32, 3, activation="relu"), layers.BatchNormalization(), layers.MaxPooling2D(), layers.Dropout(0.2),
        layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
