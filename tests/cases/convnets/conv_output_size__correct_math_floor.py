"""math.floor of the true division, as the formula is written."""

import math


def conv_output_size(h, w, kh, kw, padding=0, stride=1):
    out_h = math.floor((h + 2 * padding - kh) / stride) + 1
    out_w = math.floor((w + 2 * padding - kw) / stride) + 1
    return out_h, out_w
