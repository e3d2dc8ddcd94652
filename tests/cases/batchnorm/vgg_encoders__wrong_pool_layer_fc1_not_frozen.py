"""block5_pool taken for block5_conv2, fc1 for fc2, and the fc2 model left trainable."""

import keras


def encoder_block5_conv2(vgg):
    model = keras.Model(vgg.input, vgg.get_layer("block5_pool").output)
    model.trainable = False
    return model


def encoder_fc2(vgg):
    return keras.Model(vgg.input, vgg.get_layer("fc1").output)
