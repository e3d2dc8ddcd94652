"""Wrong: every layer is frozen (trainable=False), so nothing is learned."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = keras.Sequential([keras.Input((784,))] + [layers.Dense(width, activation="relu", trainable=False) for _ in range(hidden_layers)]
                             + [layers.Dense(10, activation="softmax", trainable=False)])
    kind = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[optimizer]
    model.compile(kind() if learning_rate is None else kind(learning_rate=learning_rate), "categorical_crossentropy", metrics=["accuracy"])
    return model
