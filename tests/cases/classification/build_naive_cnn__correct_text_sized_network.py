"""Correct: the text's large network (six convolutions, 1.9 M parameters), without its tricks."""
import keras


def build_naive_cnn():
    model = keras.Sequential([keras.Input((28, 28, 1))])
    for filters in (64, 128, 256):
        model.add(keras.layers.Conv2D(filters, (3, 3), activation="relu", padding="same"))
        model.add(keras.layers.Conv2D(filters, (3, 3), activation="relu"))
        model.add(keras.layers.MaxPooling2D((2, 2)))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(1024, activation="relu"))
    model.add(keras.layers.Dense(512, activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0001), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
