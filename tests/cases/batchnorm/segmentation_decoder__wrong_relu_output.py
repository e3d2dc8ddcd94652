"""The right sizes, but a ReLU on the last layer: the mask is not a probability."""

from keras.layers import Conv2DTranspose, UpSampling2D


def segmentation_decoder(features):
    x = features
    for filters in (256, 128, 64, 32):
        x = UpSampling2D((2, 2))(x)
        x = Conv2DTranspose(filters, (3, 3), activation='relu', padding='same')(x)
    return Conv2DTranspose(1, (1, 1), activation='relu', padding='same')(x)
