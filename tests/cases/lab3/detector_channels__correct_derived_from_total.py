"""Correct: derives the confidence channel from the 15 output channels minus 4 box coords and 10 classes."""


def detector_channels():
    total, box, classes = 15, len(("x0", "y0", "x1", "y1")), len(range(10))
    confidence = total - box - classes
    return tuple(int(c) for c in (confidence, box, classes))
