"""Correct: [1.0, 0.1, 0.01, 0.001]."""


def sgd_learning_rates():
    return [1.0, 0.1, 0.01, 0.001]
