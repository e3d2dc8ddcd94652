"""Wrong: counts an extra "background" class, giving (1, 4, 11) = 16 channels."""


def detector_channels():
    return (1, 4, 11)
