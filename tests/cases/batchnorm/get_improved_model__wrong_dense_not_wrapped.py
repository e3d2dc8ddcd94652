"""The Dense(512) + relu left as in the baseline, not wrapped."""

import keras
from keras.layers import Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Layer, MaxPooling2D
from keras.models import Sequential


class _BatchNormalizedLayer(Layer):
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        super(_BatchNormalizedLayer, self).__init__(**kwargs)
        self.layer = layer
        self.batch_norm = BatchNormalization(axis=axis)
        self.act_fn = Activation(activation)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def call(self, inputs, training=None):
        return self.act_fn(self.batch_norm(self.layer(inputs), training=training))


def get_improved_model(input_shape, num_classes=10):
    model = Sequential()
    model.add(_BatchNormalizedLayer(Conv2D(32, (3, 3), padding='same'), activation='relu', input_shape=input_shape))
    model.add(_BatchNormalizedLayer(Conv2D(32, (3, 3)), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(_BatchNormalizedLayer(Conv2D(64, (3, 3), padding='same'), activation='relu'))
    model.add(_BatchNormalizedLayer(Conv2D(64, (3, 3)), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(512, activation='relu'))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes))
    model.add(Activation('softmax'))
    model.compile(loss='categorical_crossentropy', optimizer=keras.optimizers.RMSprop(learning_rate=0.0001),
                  metrics=['accuracy'])
    return model
