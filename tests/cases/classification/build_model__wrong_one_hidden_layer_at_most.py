"""Wrong: hidden_layers only says whether there is a hidden layer, so two give one."""
import keras
from keras import layers


def build_model(hidden_layers, width=128, optimizer="sgd", learning_rate=None, dropout=0.0, l2=0.0):
    stack = [keras.Input((784,))]
    if hidden_layers:
        stack.append(layers.Dense(width, activation="relu"))
    model = keras.Sequential(stack + [layers.Dense(10, activation="softmax")])
    opt = keras.optimizers.get({"class_name": optimizer, "config": {} if learning_rate is None else {"learning_rate": learning_rate}})
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model
