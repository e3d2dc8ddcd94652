"""Wrong: integer division by 255 leaves only 0s and 1s, as integers."""
import keras


def prepare_data(images, labels):
    return images.reshape(len(images), 784) // 255, keras.utils.to_categorical(labels, 10)
