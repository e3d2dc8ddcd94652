"""Never counts the biases."""

def conv_params(kh, kw, c_in, c_out, bias=True):
    return kh * kw * c_in * c_out
