"""The lab budget written as literals, with a validation split."""

def train_autoencoder(autoencoder, images, epochs=20, batch_size=32):
    history = autoencoder.fit(images, images, batch_size=32, epochs=20, validation_split=0.1, shuffle=True)
    return history
