"""Reads the question as kernels without biases: 147 and 735, accepted with a note."""

def parameter_answers():
    return dict(one_filter=147, five_filters=735, stacked_2x2=3 * 2 * 2, single_4x4=4 * 4)
