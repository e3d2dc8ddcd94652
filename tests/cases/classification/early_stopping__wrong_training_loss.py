"""Wrong: it watches the training loss."""
import keras


def early_stopping():
    return keras.callbacks.EarlyStopping(monitor="loss", patience=3)
