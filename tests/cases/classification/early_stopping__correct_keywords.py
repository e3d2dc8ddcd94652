"""Correct: EarlyStopping(monitor='val_loss', mode='min', patience=20), as the text's helper makes it."""
from keras.callbacks import EarlyStopping


def early_stopping():
    return EarlyStopping(monitor="val_loss", mode="min", verbose=True, patience=20)
