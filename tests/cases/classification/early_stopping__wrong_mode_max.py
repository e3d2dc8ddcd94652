"""Wrong: val_loss with mode='max' stops when the loss stops increasing."""
import keras


def early_stopping():
    return keras.callbacks.EarlyStopping(monitor="val_loss", mode="max", patience=3)
