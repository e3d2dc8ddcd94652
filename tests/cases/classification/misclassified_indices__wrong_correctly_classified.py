"""Wrong: == instead of !=, the correctly classified images."""
import numpy as np


def misclassified_indices(model, x, y):
    return np.flatnonzero(model.predict(x, verbose=0).argmax(axis=1) == y.argmax(axis=1))
