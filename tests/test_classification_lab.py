"""The classification lab (course material 003), end to end through the sandbox.

- The casebook (tests/cases/classification): correct answers written several
  ways (Keras 2 ``Sequential.add`` with ``input_shape=``, the functional API,
  separate activation layers, lists or arrays, clipped or unclipped noise)
  get full marks; each realistic wrong one loses points at the check named
  below, with a message that says what is wrong.
- Notebooks in the original handout's style (tests/classification_notebooks.py):
  free "Solution" cells with names of the student's own, graded in place.
- ``grader author check``: the solution notebook gets full marks and the
  exercise notebook is not implemented everywhere.
"""

from __future__ import annotations

import pytest

from casebook import all_cases, assert_covers, assert_fails_at, assert_full_marks, grade_cases

pytestmark = pytest.mark.slow

EXPECTED_FAILURES = {
    "prepare_data__wrong_not_flattened": ("flattened", "expected (64, 784)"),
    "prepare_data__wrong_not_scaled": ("scaled", "values go up to 255"),
    "prepare_data__wrong_integer_division": ("scaled", "int"),
    "prepare_data__wrong_labels_left_as_integers": ("one_hot", "still one integer per image"),
    "build_model__wrong_extra_first_layer": ("softmax_regression", "an extra Dense(10) comes first"),
    "build_model__wrong_ignores_learning_rate": ("compiled_sgd", "learning rate 0.01; expected 0.1"),
    "build_model__wrong_sparse_loss": ("compiled_sgd", "sparse_categorical_crossentropy expects integer labels"),
    "build_model__wrong_sigmoid_hidden": ("one_hidden_layer", "sigmoid"),
    "build_model__wrong_linear_output": ("softmax_regression", "activation is linear"),
    "build_model__wrong_adam_gets_sgd_default": ("adam_default", "learning rate 0.01; expected 0.001"),
    "build_model__wrong_one_hidden_layer_at_most": ("depth", "expected Dense(100) → Dense(100) → Dense(10)"),
    "early_stopping__wrong_training_loss": ("val_loss", "watches 'loss'"),
    "early_stopping__wrong_keras2_val_acc": ("val_loss", "watches 'val_acc'"),
    "early_stopping__wrong_mode_max": ("val_loss", "mode='max'"),
    "sgd_learning_rates__wrong_int_power": ("range", "is an int, which Keras 3's SGD refuses"),
    "sgd_learning_rates__wrong_only_good_rates": ("range", "a very large one"),
    "sgd_learning_rates__wrong_two_rates": ("range", "compare at least 3"),
    "trained_models__wrong_tiny_sgd_rate": ("mnist_softmax", "expected at least 0.78"),
    "trained_models__wrong_frozen_layers": ("mnist_hidden", "expected at least 0.88"),
    "misclassified_indices__wrong_boolean_mask": ("indices", "boolean mask"),
    "misclassified_indices__wrong_correctly_classified": ("indices", "correctly classified"),
    "misclassified_indices__wrong_low_confidence": ("indices", "misclassified are missing"),
    "noise_labels__wrong_with_replacement": ("fraction", "drawn with replacement"),
    "noise_labels__wrong_in_place": ("one_hot", "in place"),
    "noise_labels__wrong_shift_by_one": ("random", "the same new one"),
    "noise_labels__wrong_percent": ("fraction", "not a percentage"),
    "add_input_noise__wrong_variance_as_std": ("gaussian", "used as the standard deviation"),
    "add_input_noise__wrong_fixed_std": ("gaussian", "standard deviation is 0.050"),
    "add_input_noise__wrong_uniform": ("gaussian", "not Gaussian"),
    "add_input_noise__wrong_in_place": ("gaussian", "in place"),
    "regularization__wrong_bias_regularizer": ("l2", "regularizes the bias instead"),
    "regularization__wrong_dropout_only_before_output": ("dropout", "no Dropout after hidden layer 1"),
    "regularization__wrong_always_dropout": ("plain", "still has"),
    "build_naive_cnn__wrong_has_dropout": ("naive", "already has dropout"),
    "build_naive_cnn__wrong_dense_only": ("cnn", "no convolutional layer"),
    "build_naive_cnn__wrong_not_compiled": ("cnn", "not compiled"),
    "build_naive_cnn__wrong_zero_learning_rate": ("learns", "did not fall"),
    "build_tuned_cnn__wrong_no_tricks": ("tuned", "no batch normalization, dropout or L2"),
    "build_tuned_cnn__wrong_sparse_loss": ("cnn", "sparse_categorical_crossentropy"),
    "build_tuned_cnn__wrong_sigmoid_output": ("cnn", "last activation is sigmoid"),
}

CORRECT = [c for c in all_cases("classification") if c.correct]
WRONG = [c for c in all_cases("classification") if not c.correct]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    # Correct and wrong answers in one batch of sandbox runs: rounds are set by how many cases define build_model.
    return grade_cases(CORRECT + WRONG, tmp_path_factory.mktemp("cases"), "case", lab="classification")


def test_the_casebook_covers_every_exercise():
    assert_covers("classification", CORRECT, WRONG, EXPECTED_FAILURES, min_correct=2, min_wrong=2)


@pytest.mark.parametrize("case", CORRECT, ids=lambda c: c.id)
def test_correct_answer_gets_full_marks(case, graded):
    assert_full_marks(case, graded[case.id])


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c.id)
def test_wrong_answer_fails_at_the_named_check_with_a_specific_message(case, graded):
    assert_fails_at(case, graded[case.id], *EXPECTED_FAILURES[case.id])


def test_each_reading_is_accepted_and_named(graded):
    clipped = graded["add_input_noise__correct_clipped_default_rng"].checks[0]
    assert clipped.passed and "clipped" in clipped.message
    forced = next(c for c in graded["noise_labels__correct_forced_to_differ"].checks if c.name == "fraction")
    assert forced.passed


def test_author_check_classification():
    from grader.authoring import check_lab
    from grader.lab import get_lab

    # quick: the trained checks of the reference are the casebook's (trained_models__correct_*).
    report = check_lab(get_lab("classification"), quick=True)
    assert report.ok, (report.stale, report.problems)
