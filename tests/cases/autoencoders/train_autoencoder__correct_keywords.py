"""Keyword arguments, arguments passed on."""

def train_autoencoder(autoencoder, images, epochs=20, batch_size=32):
    return autoencoder.fit(x=images, y=images, epochs=epochs, batch_size=batch_size, verbose=0)
