"""A classification loss."""

def compile_autoencoder(autoencoder):
    autoencoder.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
