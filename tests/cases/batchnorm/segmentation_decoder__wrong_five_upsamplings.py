"""The course's published decoder: five UpSampling2D blocks, which make 448x448 masks."""

from keras.layers import Conv2DTranspose, UpSampling2D


def segmentation_decoder(inputs):
    x = UpSampling2D((2, 2))(inputs)
    x = Conv2DTranspose(256, (3, 3), activation='relu', padding='same')(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(128, (3, 3), activation='relu', padding='same')(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(128, (3, 3), activation='relu', padding='same')(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(64, (3, 3), activation='relu', padding='same')(x)
    x = UpSampling2D((2, 2))(x)
    x = Conv2DTranspose(32, (3, 3), activation='relu', padding='same')(x)
    x = Conv2DTranspose(16, (3, 3), activation='relu', padding='same')(x)
    return Conv2DTranspose(1, (1, 1), activation='sigmoid', padding='same')(x)
