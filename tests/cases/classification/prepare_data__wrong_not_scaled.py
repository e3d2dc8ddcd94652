"""Wrong: flattened floats, but still 0 to 255."""
import keras


def prepare_data(images, labels):
    return images.reshape(len(images), 784).astype("float32"), keras.utils.to_categorical(labels, 10)
