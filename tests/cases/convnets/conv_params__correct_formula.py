"""The weights per kernel plus one bias, times the kernels."""

def conv_params(kh, kw, c_in, c_out, bias=True):
    weights = kh * kw * c_in
    return c_out * (weights + 1) if bias else c_out * weights
