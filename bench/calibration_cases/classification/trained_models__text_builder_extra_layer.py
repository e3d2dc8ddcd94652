"""The text's own builder: an extra Dense(10, relu) before everything (correct in spirit; the structure check names it)."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = keras.Sequential()
    model.add(layers.Dense(10, activation="relu", input_shape=(784,)))
    for _ in range(hidden_layers):
        model.add(layers.Dense(width, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    kind = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[optimizer]
    model.compile(kind() if learning_rate is None else kind(learning_rate=learning_rate), "categorical_crossentropy", metrics=["accuracy"])
    return model
