"""Keras' default batch size, which is 32."""

def train_autoencoder(autoencoder, images, epochs=20, batch_size=32):
    return autoencoder.fit(images, images, epochs=epochs)
