"""Correct: Keras 2 style, Sequential().add with input_shape= on the first layer; optimizer objects by name."""
from keras.models import Sequential
from keras.layers import Dense, Dropout
from keras.optimizers import SGD, Adam
from keras import regularizers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = Sequential()
    for i in range(hidden_layers):
        kwargs = {"input_shape": (784,)} if i == 0 else {}
        model.add(Dense(width, activation="relu", kernel_regularizer=regularizers.l2(l2) if l2 else None, **kwargs))
        if dropout:
            model.add(Dropout(dropout))
    if hidden_layers == 0:
        model.add(Dense(10, activation="softmax", input_shape=(784,)))
    else:
        model.add(Dense(10, activation="softmax"))
    optimizer_class = SGD if optimizer == "sgd" else Adam
    model.compile(optimizer=optimizer_class() if learning_rate is None else optimizer_class(learning_rate=learning_rate),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model
