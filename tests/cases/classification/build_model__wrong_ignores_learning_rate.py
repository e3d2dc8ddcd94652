"""Wrong: SGD always at 0.01, whatever learning_rate says."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = keras.Sequential([keras.Input((784,))] + [layers.Dense(width, activation="relu") for _ in range(hidden_layers)]
                             + [layers.Dense(10, activation="softmax")])
    opt = keras.optimizers.SGD(0.01) if optimizer == "sgd" else keras.optimizers.Adam()
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model
