"""Treats the first convolution as valid: 15x15 instead of 16x16."""

def homework_table():
    return {"conv1": ((15, 15, 8), 224), "conv2": ((8, 8, 16), 1168), "pool": ((4, 4, 16), 0), "gap": ((16,), 0)}
