"""Wrong: [10**(-e) for e in range(0, 4)]: 10**0 is the int 1, which Keras 3's SGD refuses."""


def sgd_learning_rates():
    return [10 ** (-e) for e in range(0, 4)]
