"""Wrong: a single Dropout before the output instead of one after every hidden layer."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    penalty = keras.regularizers.l2(l2) if l2 else None
    model = keras.Sequential([keras.Input((784,))] + [layers.Dense(width, activation="relu", kernel_regularizer=penalty) for _ in range(hidden_layers)])
    if dropout:
        model.add(layers.Dropout(dropout))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.get(optimizer), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
