"""The convnets lab (course material 004): its casebook, end to end through the sandbox, in two sandbox runs per verdict.

tests/cases/convnets holds correct answers written several ways (loops,
einsum, sliding windows; Keras 2 style Sequential; a "without biases"
reading of the parameter question) and realistic wrong ones. Correct answers
get full marks; each wrong one loses points at the check named below.
"""

from __future__ import annotations

import pytest

from casebook import all_cases, assert_covers, assert_fails_at, assert_full_marks, grade_cases

pytestmark = pytest.mark.slow

EXPECTED_FAILURES = {
    "conv2d__wrong_flipped_kernel": ("one_channel", "flipped the kernel"),
    "conv2d__wrong_channels_not_summed": ("several_channels", "sum the channels"),
    "conv2d__wrong_zero_padded": ("one_channel", "same convolution"),
    "conv2d__wrong_bias_forgotten": ("several_channels", "bias (0.5) is not added"),
    "conv_output_size__wrong_ignores_padding": ("padding_and_stride", "padded_strided"),
    "conv_output_size__wrong_true_division": ("padding_and_stride", "returned (16.5, 16.5), expected (16, 16)"),
    "conv_output_size__wrong_padding_once": ("padding_and_stride", "padded: returned (10, 10), expected (12, 12)"),
    "conv_output_size__wrong_no_plus_one": ("no_padding", "expected (26, 26)"),
    "same_conv2d__wrong_no_padding": ("same_size", "expected the input's shape"),
    "same_conv2d__wrong_always_pads_one": ("same_size", "random_5x3"),
    "same_conv2d__wrong_flipped_kernel": ("values", "flipped the kernel"),
    "conv_params__wrong_bias_always_added": ("without_bias", "returned 1160, expected 1152"),
    "conv_params__wrong_no_biases": ("with_bias", "returned 147, expected 148"),
    "conv_params__wrong_one_bias_per_layer": ("with_bias", "five_filters"),
    "parameter_answers__wrong_stack_counted_as_4x4": ("answers", "stacked_2x2: 16, expected 12"),
    "parameter_answers__wrong_channels_forgotten": ("answers", "one_filter: 50, expected 148"),
    "parameter_answers__wrong_tuple_not_dict": ("answers", "expected a dict"),
    "homework_table__wrong_first_layer_valid": ("table", "conv1"),
    "homework_table__wrong_no_biases": ("table", "2 of 4 answers wrong"),
    "homework_table__wrong_gap_keeps_axes": ("table", "gap"),
    "build_homework_cnn__wrong_no_strides": ("layers", "output (32, 32, 8), expected (16, 16, 8)"),
    "build_homework_cnn__wrong_flatten_instead_of_gap": ("shapes", "output shape (None, 256)"),
    "build_homework_cnn__wrong_valid_first_layer": ("layers", "expected (16, 16, 8)"),
    "build_homework_cnn__wrong_average_pooling": ("layers", "a AveragePooling2D, expected a MaxPooling2D"),
}

CORRECT = [c for c in all_cases("convnets") if c.correct]
WRONG = [c for c in all_cases("convnets") if not c.correct]


@pytest.fixture(scope="module")
def graded_correct(tmp_path_factory):
    return grade_cases(CORRECT, tmp_path_factory.mktemp("correct"), "correct", lab="convnets")


@pytest.fixture(scope="module")
def graded_wrong(tmp_path_factory):
    return grade_cases(WRONG, tmp_path_factory.mktemp("wrong"), "wrong", lab="convnets")


def test_the_casebook_covers_every_exercise():
    assert_covers("convnets", CORRECT, WRONG, EXPECTED_FAILURES, min_correct=2, min_wrong=3)


@pytest.mark.parametrize("case", CORRECT, ids=lambda c: c.id)
def test_correct_answer_gets_full_marks(case, graded_correct):
    assert_full_marks(case, graded_correct[case.id])


def test_the_reading_without_biases_is_accepted_and_named(graded_correct):
    answers = graded_correct["parameter_answers__correct_without_biases"].checks[0]
    assert answers.passed and "counted without the biases" in answers.message


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c.id)
def test_wrong_answer_fails_at_the_named_check_with_a_specific_message(case, graded_wrong):
    assert_fails_at(case, graded_wrong[case.id], *EXPECTED_FAILURES[case.id])


def test_author_check_convnets():
    from grader.authoring import check_lab
    from grader.lab import get_lab

    report = check_lab(get_lab("convnets"))
    assert report.ok, (report.stale, report.problems)
