"""Right roles, but batch size 128 instead of the lab's 32."""

def train_denoising_autoencoder(autoencoder, noisy_images, clean_images, epochs=20, batch_size=32):
    return autoencoder.fit(noisy_images, clean_images, epochs=epochs, batch_size=128)
