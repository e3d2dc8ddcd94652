"""Thinks the stack of three 2x2 kernels has as many weights as one 4x4 kernel."""

def parameter_answers():
    return {"one_filter": 148, "five_filters": 740, "stacked_2x2": 16, "single_4x4": 16}
