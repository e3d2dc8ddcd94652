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

import classification_notebooks as notebooks
from casebook import all_cases, assert_covers, assert_fails_at, assert_full_marks, case_jobs, case_results, grade_at_once
from grader.lab import get_lab

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
    "build_model__wrong_width_ignored": ("width", "expected Dense(10) → Dense(10)"),
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
def everything(tmp_path_factory):
    """The casebook, three notebooks of the handout's form, the solution and the handout: one pool of sandbox runs, two at once."""
    folder = tmp_path_factory.mktemp("classification")
    jobs, groups = case_jobs(CORRECT + WRONG, folder, "case", lab="classification")
    lab = get_lab("classification")
    text_style = notebooks.original_notebook(builder=notebooks.BUILDER_WITH_EXTRA_LAYER, noise=notebooks.NOISE_WITH_REPLACEMENT,
                                             input_noise_scale=0.05)
    jobs.update({
        "filled": (notebooks.write(notebooks.original_notebook(), folder / "filled.ipynb"), "classification", {}),
        "text_style": (notebooks.write(text_style, folder / "text_style.ipynb"), "classification", {"quick": True}),
        "separate": (notebooks.write(notebooks.separate_models_notebook(), folder / "separate.ipynb"), "classification", {"quick": True}),
        # quick: the trained checks of the reference are the casebook's (trained_models cases).
        "solution": (lab.reference_dir / "classification_solution.ipynb", "classification", {"quick": True}),
        "handout": (lab.exercise_notebook, "classification", {}),  # nothing trains: every stub raises at once
    })
    graded = grade_at_once(jobs)
    return {"cases": case_results(graded, groups, "case"), **{k: v for k, v in graded.items() if isinstance(k, str)}}


@pytest.fixture(scope="module")
def graded(everything):
    return everything["cases"]


@pytest.fixture(scope="module")
def originals(everything):
    return everything


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


# ---------------------------------------------------------------- the original handout's form


def _failed(result) -> dict:
    return {e.name: {c.name: c.message for c in e.checks if not c.passed and not c.grader_error} for e in result.exercises}


def test_an_original_notebook_filled_with_its_own_names_gets_full_marks(originals):
    result = originals["filled"]
    assert result.form == "inline"
    assert not {n: f for n, f in _failed(result).items() if f}
    assert result.score == result.max_score == 31, [(e.name, e.score, e.max_score) for e in result.exercises]
    # The handout's misclassified indices are computed in a loop: left for review, never a fault.
    misclassified = next(e for e in result.exercises if e.name == "misclassified_indices")
    assert misclassified.max_score == 0 and all(c.grader_error for c in misclassified.checks)
    assert any("Needs review" in note for note in result.notes)


def test_the_texts_own_choices_lose_points_once_each_with_messages_that_name_them(originals):
    failed = _failed(originals["text_style"])
    assert set(failed["build_model"]) == {"softmax_regression"}, failed["build_model"]
    assert "an extra Dense(10) comes first" in failed["build_model"]["softmax_regression"]
    assert not failed["regularization"]
    assert "drawn with replacement" in failed["noise_labels"]["fraction"]
    assert "variance 0.0025" in failed["add_input_noise"]["variance_in_range"]
    assert not failed["sgd_learning_rates"] and not failed["early_stopping"]
    assert not failed["build_naive_cnn"] and not failed["build_tuned_cnn"]
    notes = " ".join(originals["text_style"].notes)
    for shim in ("SGD(learning_rate=1) was run as SGD(learning_rate=1.0)", "history.history['acc']", "Adam(lr=...)", "Adam(decay=...)"):
        assert shim in notes, shim


def test_a_notebook_without_a_builder_is_judged_on_its_own_models_and_what_it_lacks_is_reviewed(originals):
    result = originals["separate"]
    by = {e.name: e for e in result.exercises}
    failed = _failed(result)
    assert by["build_model"].score == by["build_model"].max_score > 0
    assert {c.name for c in by["build_model"].checks if c.grader_error} == {"depth"}
    assert by["regularization"].max_score == 0  # no regularized model in the notebook: reviewed, not failed
    assert by["misclassified_indices"].status == "passed"  # its own function of (model, x, y)
    assert by["noise_labels"].status == "missing"
    assert by["add_input_noise"].status == "not_in_notebook"
    assert "no batch normalization" in failed["build_tuned_cnn"]["tuned"]


def test_the_generated_files_are_up_to_date_the_solution_gets_full_marks_and_the_handout_none(everything):
    from grader.authoring import check_lab

    report = check_lab(get_lab("classification"), grade=False)
    assert report.ok, (report.stale, report.problems)
    solution, handout = everything["solution"], everything["handout"]
    assert solution.form == "stub" and solution.score == solution.max_score > 0
    assert {e.status for e in handout.exercises} == {"not_implemented"}
