"""Wrong: sparse categorical cross-entropy on one-hot labels."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    model = keras.Sequential([keras.Input((784,))] + [layers.Dense(width, activation="relu") for _ in range(hidden_layers)]
                             + [layers.Dense(10, activation="softmax")])
    opt = keras.optimizers.get({"class_name": optimizer, "config": {} if learning_rate is None else {"learning_rate": learning_rate}})
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
