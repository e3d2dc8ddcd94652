"""Four UpSampling2D + Conv2DTranspose(padding='same') blocks, then a 1x1 sigmoid layer."""

from keras.layers import Conv2DTranspose, UpSampling2D


def segmentation_decoder(features):
    x = UpSampling2D((2, 2))(features)
    x = Conv2DTranspose(256, (3, 3), activation='relu', padding='same')(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(128, (3, 3), activation='relu', padding='same')(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(64, (3, 3), activation='relu', padding='same')(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(32, (3, 3), activation='relu', padding='same')(x)
    return Conv2DTranspose(1, (1, 1), activation='sigmoid', padding='same')(x)
