"""Wrong: the hidden layers always have 128 units, whatever width says."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = keras.Sequential([keras.Input((784,))] + [layers.Dense(128, activation="relu") for _ in range(hidden_layers)]
                             + [layers.Dense(10, activation="softmax")])
    opt = keras.optimizers.get({"class_name": optimizer, "config": {} if learning_rate is None else {"learning_rate": learning_rate}})
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model
