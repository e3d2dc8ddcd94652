"""Correct: named constants for the three heads, 1 + 4 + 10 = 15 channels per grid cell."""

_CONFIDENCE = 1  # objectness
_BOX = 4  # x0, y0, x1, y1
_NUM_CLASSES = 10  # digits 0-9


def detector_channels():
    assert _CONFIDENCE + _BOX + _NUM_CLASSES == 15
    return (_CONFIDENCE, _BOX, _NUM_CLASSES)
