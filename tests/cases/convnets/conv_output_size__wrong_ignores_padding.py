"""Forgets the padding term."""

def conv_output_size(h, w, kh, kw, padding=0, stride=1):
    return (h - kh) // stride + 1, (w - kw) // stride + 1
