"""Correct: Dense layers followed by Activation layers; if/else over the optimizer names; 'acc' as the metric."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = keras.Sequential()
    model.add(keras.Input((784,)))
    for layer in range(hidden_layers):
        model.add(layers.Dense(width, kernel_regularizer=keras.regularizers.l1_l2(l1=0.0, l2=l2) if l2 else None))
        model.add(layers.Activation("relu"))
        if dropout > 0:
            model.add(layers.Dropout(rate=dropout))
    model.add(layers.Dense(10))
    model.add(layers.Activation("softmax"))
    if optimizer == "adam":
        opt = keras.optimizers.Adam(learning_rate=learning_rate or 0.001)
    else:
        opt = keras.optimizers.SGD(learning_rate=learning_rate or 0.01)
    model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["acc"])
    return model
