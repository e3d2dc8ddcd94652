"""True division: a fractional size when the stride does not divide evenly."""

def conv_output_size(h, w, kh, kw, padding=0, stride=1):
    return (h + 2 * padding - kh) / stride + 1, (w + 2 * padding - kw) / stride + 1
