"""Wrong: the images predicted with less than 50% confidence, not those predicted wrongly."""
import numpy as np


def misclassified_indices(model, x, y):
    return np.flatnonzero(model.predict(x, verbose=0).max(axis=1) < 0.5)
