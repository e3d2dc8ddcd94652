"""Wrong: Keras 2's 'val_acc', and an accuracy rather than the loss."""
import keras


def early_stopping():
    return keras.callbacks.EarlyStopping(monitor="val_acc", patience=3)
