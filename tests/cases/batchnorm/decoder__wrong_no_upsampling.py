"""Three large transposed convolutions reach 28x28 without any UpSampling2D."""

from keras.layers import Conv2DTranspose


def decoder(input_layer):
    x = Conv2DTranspose(8, (9, 9), activation='relu')(input_layer)   # 12
    x = Conv2DTranspose(8, (9, 9), activation='relu')(x)             # 20
    return Conv2DTranspose(1, (9, 9), activation='relu')(x)          # 28
