"""Other kernel sizes that also reach 28x28 (2, 3, 5), with separate ReLU layers."""

import keras
from keras import layers


def decoder(input_layer):
    x = layers.Conv2DTranspose(8, 2)(input_layer)        # 4 -> 5
    x = layers.ReLU()(x)
    x = layers.UpSampling2D(2)(x)                        # 10
    x = layers.Conv2DTranspose(8, 3)(x)                  # 12
    x = layers.ReLU()(x)
    x = layers.UpSampling2D(size=(2, 2))(x)              # 24
    x = layers.Conv2DTranspose(1, 5)(x)                  # 28
    return layers.Activation("relu")(x)
