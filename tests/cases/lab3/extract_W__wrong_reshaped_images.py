"""Wrong: returns the kernel already reshaped to weight images, shape (28, 28, 10), not (784, 10)."""


def extract_W(model):
    return model.get_weights()[0].reshape(28, 28, 10)
