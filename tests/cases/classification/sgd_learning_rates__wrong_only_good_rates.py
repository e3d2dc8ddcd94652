"""Wrong: no very large and no very small rate."""


def sgd_learning_rates():
    return [0.01, 0.05, 0.1]
