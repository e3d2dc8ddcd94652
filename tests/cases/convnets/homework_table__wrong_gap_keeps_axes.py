"""Global average pooling as 1x1x16 maps."""

def homework_table():
    return {"conv1": ((16, 16, 8), 224), "conv2": ((8, 8, 16), 1168), "pool": ((4, 4, 16), 0), "gap": ((1, 1, 16), 0)}
