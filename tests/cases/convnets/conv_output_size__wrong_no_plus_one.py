"""Leaves out the + 1."""

def conv_output_size(h, w, kh, kw, padding=0, stride=1):
    return (h + 2 * padding - kh) // stride, (w + 2 * padding - kw) // stride
