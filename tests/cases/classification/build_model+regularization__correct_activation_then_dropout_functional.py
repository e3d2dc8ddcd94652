"""Correct: functional, Dense then Activation then Dropout; L2 also on the output layer."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    penalty = keras.regularizers.l2(l2) if l2 else None
    x = inputs = keras.Input((784,))
    for _ in range(hidden_layers):
        x = layers.Activation("relu")(layers.Dense(width, kernel_regularizer=penalty)(x))
        if dropout:
            x = layers.Dropout(dropout)(x)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax", kernel_regularizer=penalty)(x))
    opt = keras.optimizers.get(optimizer)
    if learning_rate:
        opt.learning_rate = learning_rate
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model
