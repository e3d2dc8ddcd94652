"""Correct: a list holding EarlyStopping() with its defaults (it watches val_loss) and a ModelCheckpoint."""
import keras


def early_stopping():
    return [keras.callbacks.EarlyStopping(), keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True)]
