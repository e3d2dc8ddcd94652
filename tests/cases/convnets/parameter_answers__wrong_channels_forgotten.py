"""Counts one channel of the 7x7 kernel only."""

def parameter_answers():
    return {"one_filter": 50, "five_filters": 250, "stacked_2x2": 12, "single_4x4": 16}
