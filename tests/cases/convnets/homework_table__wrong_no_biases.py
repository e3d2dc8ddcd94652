"""Counts the weights without the biases."""

def homework_table():
    return {"conv1": ((16, 16, 8), 216), "conv2": ((8, 8, 16), 1152), "pool": ((4, 4, 16), 0), "gap": ((16,), 0)}
