"""Wrong: scaled and one-hot, but the images keep their 28x28 shape."""
import keras


def prepare_data(images, labels):
    return images.astype("float32") / 255, keras.utils.to_categorical(labels, 10)
