"""Wrong: Adam with a learning rate of 0, so nothing trains."""
import keras
from keras import layers


def build_naive_cnn():
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
                              layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
