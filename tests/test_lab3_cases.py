"""Every lab 3 check, end to end through the sandbox, on real answers.

tests/cases/lab3 holds, per exercise, several correct answers written
differently from the reference and several realistic wrong ones. Correct
answers must get full marks; each wrong answer must lose points, and the check
that catches its mistake must be the one named below.
"""

from __future__ import annotations

import pytest

from casebook import all_cases, grade_cases

pytestmark = pytest.mark.slow

# wrong answer -> the check (rubric id) that must fail for it
EXPECTED_FAILURES = {
    "extract_W__wrong_flatten_layer": "equals_dense_kernel",
    "extract_W__wrong_reshaped_images": "shape_784x10",
    "extract_W__wrong_returns_bias": "equals_dense_kernel",
    "extract_W__wrong_transposed": "shape_784x10",
    "extract_W__wrong_variable_not_array": "returns_ndarray",
    "bottleneck_2d__wrong_dense_on_4d": "two_values_after_flatten",
    "bottleneck_2d__wrong_gap_only": "two_values_after_flatten",
    "bottleneck_2d__wrong_identity": "two_values_after_flatten",
    "bottleneck_2d__wrong_same_padding": "two_values_after_flatten",
    "bottleneck_2d__wrong_three_filters": "two_values_after_flatten",
    "add_noise__wrong_ignores_noise_factor": "gaussian_spread",
    "add_noise__wrong_mutates_input": "input_unchanged",
    "add_noise__wrong_no_clip": "values_in_0_1",
    "add_noise__wrong_shifted_mean": "gaussian_spread",
    "add_noise__wrong_uint8_result": "floating_dtype",
    "add_noise__wrong_uniform_noise": "gaussian_spread",
    "build_sr_network__wrong_constant_output": "trained_psnr",
    "build_sr_network__wrong_no_weights": "has_trainable_weights",
    "build_sr_network__wrong_output_14": "input_output_shapes",
    "build_sr_network__wrong_output_27": "input_output_shapes",
    "build_sr_network__wrong_output_56": "input_output_shapes",
    "build_angle_cnn__wrong_dense10_head": "input_output_shapes",
    "build_angle_cnn__wrong_input_no_channel": "input_output_shapes",
    "build_angle_cnn__wrong_relu_head": "linear_dense_1_head",
    "build_angle_cnn__wrong_sigmoid_head": "linear_dense_1_head",
    "build_angle_cnn__wrong_softmax_head": "linear_dense_1_head",
    "detector_channels__wrong_box_two_values": "detector_output_shape",
    "detector_channels__wrong_eleven_classes": "detector_parameters",
    "detector_channels__wrong_swapped_order": "channel_counts",
    "detector_channels__wrong_total_only": "channel_counts",
    "build_unet_no_skips__wrong_add_skips": "no_skip_connections",
    "build_unet_no_skips__wrong_all_skips_kept": "no_skip_connections",
    "build_unet_no_skips__wrong_decoder_filters": "parameter_count",
    "build_unet_no_skips__wrong_hardcoded_classes": "arguments_respected",
    "build_unet_no_skips__wrong_ignores_input_shape": "arguments_respected",
    "build_unet_no_skips__wrong_keeps_last_skip": "no_skip_connections",
    "build_unet_no_skips__wrong_linear_output": "softmax_over_channels",
    "build_unet_no_skips__wrong_no_batchnorm": "parameter_count",
    "build_unet_no_skips__wrong_relu_before_bn": "blocks_as_in_the_lab",
    "BatchNormalizedLayer__wrong_activation_before_bn": "activation_after_normalization",
    "BatchNormalizedLayer__wrong_always_training": "inference_uses_moving_statistics",
    "BatchNormalizedLayer__wrong_bn_created_in_call": "tracks_weights",
    "BatchNormalizedLayer__wrong_ignores_activation": "activation_after_normalization",
    "BatchNormalizedLayer__wrong_no_batchnorm": "normalizes_in_training",
    "BatchNormalizedLayer__wrong_untracked_helper_object": "tracks_weights",
}

CORRECT = [c for c in all_cases() if c.correct]
WRONG = [c for c in all_cases() if not c.correct]


@pytest.fixture(scope="module")
def graded_correct(tmp_path_factory):
    return grade_cases(CORRECT, tmp_path_factory.mktemp("correct"), "correct")


@pytest.fixture(scope="module")
def graded_wrong(tmp_path_factory):
    return grade_cases(WRONG, tmp_path_factory.mktemp("wrong"), "wrong")


def test_the_library_covers_every_exercise(lab3_rubric):
    for exercise in lab3_rubric.exercises:
        assert len([c for c in CORRECT if c.exercise == exercise.name]) >= 2, exercise.name
        assert len([c for c in WRONG if c.exercise == exercise.name]) >= 3, exercise.name
    assert {c.id for c in WRONG} == set(EXPECTED_FAILURES), "every wrong answer needs an expected failing check"


@pytest.mark.parametrize("case", CORRECT, ids=lambda c: c.id)
def test_correct_answer_gets_full_marks(case, graded_correct):
    result = graded_correct[case.id]
    failing = [f"{c.name}: {c.message}" for c in result.checks if not c.passed]
    assert result.status == "passed", f"{case.summary}\n{result.feedback}\n{failing}"
    assert result.score == result.max_score


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c.id)
def test_wrong_answer_loses_points_at_the_right_check(case, graded_wrong):
    result = graded_wrong[case.id]
    assert result.status != "passed" and result.score < result.max_score, case.summary
    failed = {c.name: c for c in result.checks if not c.passed}
    expected = EXPECTED_FAILURES[case.id]
    assert expected in failed, f"{case.summary}: expected {expected} to fail; failed: {sorted(failed)}; feedback: {result.feedback}"
    message = failed[expected].message
    assert message and not message.startswith("internal grader error"), message
