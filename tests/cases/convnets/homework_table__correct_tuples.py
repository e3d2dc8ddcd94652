"""Shapes as tuples, counts computed in place."""

def homework_table():
    return {"conv1": ((16, 16, 8), 3 * 3 * 3 * 8 + 8), "conv2": ((8, 8, 16), 3 * 3 * 8 * 16 + 16),
            "pool": ((4, 4, 16), 0), "gap": ((16,), 0)}
