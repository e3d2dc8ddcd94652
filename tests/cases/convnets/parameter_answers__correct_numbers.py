"""The four numbers, computed in place."""

def parameter_answers():
    return {"one_filter": 7 * 7 * 3 + 1, "five_filters": 5 * (7 * 7 * 3 + 1), "stacked_2x2": 12, "single_4x4": 16}
