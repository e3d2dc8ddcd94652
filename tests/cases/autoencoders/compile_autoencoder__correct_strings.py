"""String optimizer and loss; compiles in place, returns nothing."""

def compile_autoencoder(autoencoder):
    autoencoder.compile(optimizer="adam", loss="mean_squared_error")
