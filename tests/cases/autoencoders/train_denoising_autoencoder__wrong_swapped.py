"""Clean inputs, noisy labels: it learns to add noise."""

def train_denoising_autoencoder(autoencoder, noisy_images, clean_images, epochs=20, batch_size=32):
    return autoencoder.fit(clean_images, noisy_images, epochs=epochs, batch_size=batch_size)
