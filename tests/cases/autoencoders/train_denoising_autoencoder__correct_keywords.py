"""Keyword arguments."""

def train_denoising_autoencoder(autoencoder, noisy_images, clean_images, epochs=20, batch_size=32):
    return autoencoder.fit(x=noisy_images, y=clean_images, epochs=epochs, batch_size=batch_size)
