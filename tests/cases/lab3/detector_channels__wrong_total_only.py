"""Wrong: returns the total channel count 15 instead of the (confidence, box, classes) tuple."""


def detector_channels():
    return 1 + 4 + 10
