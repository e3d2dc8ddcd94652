"""Correct: regularizers.l1_l2(l1=0, l2=l2) and a Dropout after each hidden layer, as the text writes them."""
from keras import Input, regularizers
from keras.models import Sequential
from keras.layers import Dense, Dropout
from keras.optimizers import SGD, Adam


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = Sequential([Input((784,))])
    for _ in range(hidden_layers):
        model.add(Dense(width, activation="relu", kernel_regularizer=regularizers.l1_l2(l1=0, l2=l2) if l2 > 0 else None))
        if dropout > 0:
            model.add(Dropout(dropout))
    model.add(Dense(10, activation="softmax"))
    opt = (SGD if optimizer == "sgd" else Adam)(**({} if learning_rate is None else {"learning_rate": learning_rate}))
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model
