"""Wrong: the L2 penalty on the biases instead of the weights."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = keras.Sequential([keras.Input((784,))])
    for _ in range(hidden_layers):
        model.add(layers.Dense(width, activation="relu", bias_regularizer=keras.regularizers.l2(l2) if l2 else None))
        if dropout:
            model.add(layers.Dropout(dropout))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.get(optimizer), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
