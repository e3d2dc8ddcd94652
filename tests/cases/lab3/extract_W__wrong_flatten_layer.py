"""Wrong: takes the weights of model.layers[0], which is the Flatten layer (no weights, IndexError)."""


def extract_W(model):
    return model.layers[0].get_weights()[0]
