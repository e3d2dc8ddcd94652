"""Noisy inputs and noisy labels, as in the plain autoencoder."""

def train_denoising_autoencoder(autoencoder, noisy_images, clean_images, epochs=20, batch_size=32):
    return autoencoder.fit(noisy_images, noisy_images, epochs=epochs, batch_size=batch_size)
