"""The handout's way for block5_conv2 (Model on get_layer().output, a loop setting trainable=False);
keywords inputs=/outputs= and model.trainable = False for fc2."""

from keras.models import Model


def encoder_block5_conv2(vgg):
    model = Model(vgg.input, vgg.get_layer('block5_conv2').output)
    for layer in model.layers:
        layer.trainable = False
    return model


def encoder_fc2(vgg):
    model = Model(inputs=vgg.inputs, outputs=vgg.get_layer(name="fc2").output)
    model.trainable = False
    return model
