"""Correct: model.layers[1] is the Dense layer (after Flatten); take its kernel from get_weights()."""


def extract_W(model):
    kernel, bias = model.layers[1].get_weights()
    return kernel
