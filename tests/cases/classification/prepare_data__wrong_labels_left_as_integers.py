"""Wrong: the labels are not one-hot coded."""


def prepare_data(images, labels):
    return images.reshape(len(images), 784).astype("float32") / 255, labels
