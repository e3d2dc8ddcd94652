"""One bias for the whole layer instead of one per kernel."""

def conv_params(kh, kw, c_in, c_out, bias=True):
    return kh * kw * c_in * c_out + (1 if bias else 0)
