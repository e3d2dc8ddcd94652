"""Wrong: only two rates."""


def sgd_learning_rates():
    return [1.0, 0.001]
