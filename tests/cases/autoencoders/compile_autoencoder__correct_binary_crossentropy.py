"""Binary cross-entropy, a pixel-wise loss for images in [0, 1]."""

def compile_autoencoder(model):
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model
