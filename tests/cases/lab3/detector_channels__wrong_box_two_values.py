"""Wrong: the box as 2 values (only the centre x, y) instead of 4 corner coordinates: (1, 2, 10)."""


def detector_channels():
    return (1, 2, 10)
