"""Wrong: learning_rate defaults to 0.01 for every optimizer, so Adam does not keep its own default."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    learning_rate = 0.01 if learning_rate is None else learning_rate
    model = keras.Sequential([keras.Input((784,))] + [layers.Dense(width, activation="relu") for _ in range(hidden_layers)]
                             + [layers.Dense(10, activation="softmax")])
    opt = keras.optimizers.Adam(learning_rate) if optimizer == "adam" else keras.optimizers.SGD(learning_rate)
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model
