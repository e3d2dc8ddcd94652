"""Broken: sigmoid outputs trained with the mean squared error (a regression, not a classifier)."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = keras.Sequential([keras.Input((784,))] + [layers.Dense(width, activation="relu") for _ in range(hidden_layers)]
                             + [layers.Dense(10, activation="sigmoid")])
    kind = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[optimizer]
    model.compile(kind() if learning_rate is None else kind(learning_rate=learning_rate), "mse", metrics=["accuracy"])
    return model
