"""Wrong: returns the bias (shape (10,)) instead of the kernel: takes the last entry of get_weights()."""


def extract_W(model):
    return model.get_weights()[-1]
