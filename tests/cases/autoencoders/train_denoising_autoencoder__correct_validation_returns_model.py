"""Validates on a slice and returns the model rather than the history."""

def train_denoising_autoencoder(autoencoder, noisy_images, clean_images, epochs=20, batch_size=32):
    autoencoder.fit(noisy_images, clean_images, epochs=epochs, batch_size=batch_size,
                    validation_data=(noisy_images[:10], clean_images[:10]))
    return autoencoder
