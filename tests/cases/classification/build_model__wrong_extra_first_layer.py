"""Wrong: the text's own builder, which always starts with an extra Dense(10, relu)."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = keras.Sequential()
    model.add(layers.Dense(10, activation="relu", name="first_layer", input_shape=(784,)))
    for _ in range(hidden_layers):
        model.add(layers.Dense(width, activation="relu"))
    model.add(layers.Dense(10, activation="softmax", name="output_layer"))
    opt = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[optimizer]
    model.compile(optimizer=opt() if learning_rate is None else opt(learning_rate), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
