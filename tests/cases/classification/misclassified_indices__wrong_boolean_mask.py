"""Wrong: returns the boolean mask rather than the indices."""
import numpy as np


def misclassified_indices(model, x, y):
    return model.predict(x, verbose=0).argmax(axis=1) != y.argmax(axis=1)
