"""The last kernel left at 1x1 after the handout's first two: the image comes out 26x26."""

from keras.layers import Conv2DTranspose, UpSampling2D


def decoder(input_layer):
    x = Conv2DTranspose(8, (3, 3), activation='relu')(input_layer)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(8, (2, 2), activation='relu')(x)
    x = UpSampling2D((2, 2))(x)
    return Conv2DTranspose(1, (1, 1), activation='relu')(x)
