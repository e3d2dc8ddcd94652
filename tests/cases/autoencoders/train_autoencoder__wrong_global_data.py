"""Fits on a global x_train instead of its argument."""

def train_autoencoder(autoencoder, images, epochs=20, batch_size=32):
    return autoencoder.fit(x_train, x_train, epochs=epochs, batch_size=batch_size)
