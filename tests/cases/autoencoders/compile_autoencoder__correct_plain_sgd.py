"""Plain SGD at its default learning rate: slow, but it trains (the lab leaves the optimizer open)."""


def compile_autoencoder(autoencoder):
    autoencoder.compile(optimizer="sgd", loss="mse")
    return autoencoder
