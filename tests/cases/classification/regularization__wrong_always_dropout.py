"""Wrong: Dropout(0.2) after every hidden layer even when dropout=0."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    penalty = keras.regularizers.l2(l2) if l2 else None
    model = keras.Sequential([keras.Input((784,))])
    for _ in range(hidden_layers):
        model.add(layers.Dense(width, activation="relu", kernel_regularizer=penalty))
        model.add(layers.Dropout(dropout or 0.2))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.get(optimizer), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
