"""Correct: find the Dense layer by its `kernel` attribute and convert the variable to numpy."""

import keras


def extract_W(model):
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            return keras.ops.convert_to_numpy(layer.kernel)
    raise ValueError("the model has no layer with a kernel")
