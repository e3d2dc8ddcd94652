"""Correct: the functional API; keras.optimizers.get(name), its learning rate set only when given."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    inputs = keras.Input(shape=(784,))
    x = inputs
    for _ in range(hidden_layers):
        x = layers.Dense(width, activation="relu", kernel_regularizer=keras.regularizers.L2(l2) if l2 > 0 else None)(x)
        x = layers.Dropout(dropout)(x) if dropout > 0 else x
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    opt = keras.optimizers.get(optimizer)
    if learning_rate is not None:
        opt.learning_rate = learning_rate
    model.compile(opt, keras.losses.CategoricalCrossentropy(), metrics=[keras.metrics.CategoricalAccuracy()])
    return model
