"""Adds the padding on one side only."""

def conv_output_size(h, w, kh, kw, padding=0, stride=1):
    return (h + padding - kh) // stride + 1, (w + padding - kw) // stride + 1
