"""The handout's kernels (3, 2, 3), Keras 2 imports from keras.layers."""

from keras.layers import Conv2DTranspose, UpSampling2D


def decoder(input_layer):
    x = Conv2DTranspose(8, (3, 3), activation='relu')(input_layer)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(8, (2, 2), activation='relu')(x)
    x = UpSampling2D((2, 2))(x)
    decoded = Conv2DTranspose(1, (3, 3), activation='relu')(x)
    return decoded
