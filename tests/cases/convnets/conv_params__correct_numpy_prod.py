"""np.prod of the kernel shape, converted to int."""

import numpy as np


def conv_params(kh, kw, c_in, c_out, bias=True):
    return int(np.prod([kh, kw, c_in, c_out]) + (c_out if bias else 0))
