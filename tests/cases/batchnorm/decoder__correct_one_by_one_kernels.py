"""1x1 transposed convolutions around a 7x7 one (kernels 1, 7, 1): 4 -> 4 -> 8 -> 14 -> 28 -> 28."""

from tensorflow import keras


def decoder(input_layer):
    x = keras.layers.Conv2DTranspose(filters=8, kernel_size=(1, 1), activation="relu")(input_layer)
    x = keras.layers.UpSampling2D((2, 2))(x)
    x = keras.layers.Conv2DTranspose(filters=8, kernel_size=(7, 7), activation="relu")(x)
    x = keras.layers.UpSampling2D((2, 2))(x)
    return keras.layers.Conv2DTranspose(filters=1, kernel_size=(1, 1), activation="relu")(x)
