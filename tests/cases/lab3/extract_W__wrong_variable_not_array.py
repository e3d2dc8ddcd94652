"""Wrong: returns the Dense layer's kernel variable (a KerasVariable), not a numpy array."""


def extract_W(model):
    return model.layers[1].kernel
