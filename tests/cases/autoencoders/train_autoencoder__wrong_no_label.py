"""fit without a label."""

def train_autoencoder(autoencoder, images, epochs=20, batch_size=32):
    return autoencoder.fit(images, epochs=epochs, batch_size=batch_size)
