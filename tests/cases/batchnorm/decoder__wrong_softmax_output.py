"""A softmax on the one-channel output: every pixel is 1, whatever the input."""

from keras.layers import Conv2DTranspose, UpSampling2D


def decoder(input_layer):
    x = Conv2DTranspose(8, (3, 3), activation='relu')(input_layer)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(8, (2, 2), activation='relu')(x)
    x = UpSampling2D((2, 2))(x)
    return Conv2DTranspose(1, (3, 3), activation='softmax')(x)
