"""Correct: 10.0 ** -e, floats, in a tuple with 0.05 added."""


def sgd_learning_rates():
    return tuple([10.0 ** -e for e in range(4)] + [0.05])
