"""The batchnorm lab (course material 001), end to end through the sandbox.

- The casebook (tests/cases/batchnorm): correct answers written several ways
  (Keras 2 ``Sequential.add`` with ``input_shape=``, the functional API,
  separate activation layers, ``use_bias=False``, other kernel sizes) get full
  marks; each realistic wrong one loses points at the check named below, with
  a message that says what is wrong. Answers whose mistake shows without
  training are graded with ``quick=True`` (no training), the others in full.
- Notebooks in the original handout's style (tests/batchnorm_notebooks.py),
  graded in place.
- ``grader author check``: the solution gets full marks, the handout is not
  implemented.

VGG19 (weights=None, ~575 MB) is built once per graded round that has a
VGG answer: the casebook has one correct and one wrong VGG answer.
"""

from __future__ import annotations

import pytest

from casebook import all_cases, assert_fails_at, assert_full_marks, grade_at_once, merge_sources, rounds

pytestmark = pytest.mark.slow

EXPECTED_FAILURES = {
    "batchnorm_forward__wrong_variance_not_squared": ("equations", "missing its square"),
    "batchnorm_forward__wrong_divided_by_units": ("equations", "divided by the number of features n=5"),
    "batchnorm_forward__wrong_axis_1": ("equations", "over the features (axis=1)"),
    "batchnorm_forward__wrong_unbiased_variance": ("equations", "unbiased"),
    "BatchNormalizedLayer__wrong_trainable_weights_appended": ("output_shape", "drop the += line"),
    "BatchNormalizedLayer__wrong_always_training": ("inference_uses_moving_statistics", "moving mean and variance"),
    "BatchNormalizedLayer__wrong_activation_before_bn": ("activation_after_normalization", "before batch normalization"),
    "get_improved_model__wrong_relu_positional": ("builds", "passes 'relu' as the second parameter, axis"),
    "get_improved_model__wrong_dense_not_wrapped": ("layers", "dense512 is not wrapped in BatchNormalizedLayer"),
    "get_improved_model__wrong_dropout_removed": ("layers", "found relu → pool → BN(conv64)"),
    "get_improved_model__wrong_sparse_loss": ("loss_falls", "training failed"),
    "get_improved_model__wrong_wrapper_not_implemented": ("builds", "not implemented yet (is BatchNormalizedLayer done?)"),
    "decoder__wrong_last_kernel_1": ("shapes", "output shape (None, 26, 26, 1)"),
    "decoder__wrong_no_upsampling": ("layers", "found convtranspose8 → convtranspose8 → convtranspose1"),
    "decoder__wrong_softmax_output": ("denoises", "expected at most 0.055"),
    "vgg_encoders__wrong_pool_layer_fc1_not_frozen": ("block5_conv2_output", "output shape (None, 7, 7, 512)"),
    "segmentation_decoder__wrong_five_upsamplings": ("shapes", "output shape (None, 448, 448, 1)"),
    "segmentation_decoder__wrong_relu_output": ("sigmoid", "activation is relu, expected sigmoid"),
}
# Wrong answers whose failing check trains a model; the others are graded without training.
TRAINED_FAILURES = {case for case, (check, _) in EXPECTED_FAILURES.items() if check in ("loss_falls", "denoises")}

CORRECT = [c for c in all_cases("batchnorm") if c.correct]
WRONG = [c for c in all_cases("batchnorm") if not c.correct]


# One correct answer per exercise that trains is graded in full; the other correct answers without training
# (their trained figures, over three seeds, are in reference/batchnorm/CALIBRATION.md).
TRAINED_CORRECT = {"get_improved_model__correct_keras2_sequential_add", "decoder__correct_handout_kernels"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every case graded, in full or quick, all the sandbox runs two at once (casebook.grade_at_once)."""
    root = tmp_path_factory.mktemp("batchnorm_cases")
    trained = [c for c in CORRECT + WRONG if c.id in TRAINED_CORRECT | TRAINED_FAILURES]
    untrained = [c for c in CORRECT + WRONG if c.id not in TRAINED_CORRECT | TRAINED_FAILURES]
    jobs, members = {}, {}
    for name, cases, quick in (("trained", trained, False), ("quick", untrained, True)):
        for number, group in enumerate(rounds(cases)):
            path = root / f"{name}_{number}.py"
            path.write_text(merge_sources([c.path for c in group]))
            jobs[(name, number)] = (path, "batchnorm", {"only": sorted({c.exercise for c in group}), "quick": quick})
            members[(name, number)] = group
    results = grade_at_once(jobs)
    by_case = {}
    for key, group in members.items():
        exercises = {e.name: e for e in results[key].exercises}
        by_case.update({c.id: exercises[c.exercise] for c in group})
    return by_case


@pytest.fixture(scope="module")
def graded_correct(graded):
    return graded


@pytest.fixture(scope="module")
def graded_wrong(graded):
    return graded


def test_the_casebook_covers_every_exercise():
    from grader.engine import load_lab_rubric

    for exercise in load_lab_rubric("batchnorm").exercises:
        # VGG19 is costly to build: one correct and one wrong answer (which fails four checks, asserted below).
        least = 1 if exercise.name == "vgg_encoders" else 2
        assert len([c for c in CORRECT if c.exercise == exercise.name]) >= least, exercise.name
        assert len([c for c in WRONG if c.exercise == exercise.name]) >= least, exercise.name
    assert {c.id for c in WRONG} == set(EXPECTED_FAILURES)


@pytest.mark.parametrize("case", CORRECT, ids=lambda c: c.id)
def test_correct_answer_gets_full_marks(case, graded_correct):
    assert_full_marks(case, graded_correct[case.id])


def test_each_reading_is_accepted_and_named(graded_correct):
    no_bias = {c.name: c for c in graded_correct["get_improved_model__correct_functional_no_bias"].checks}
    assert "891,946 parameters: with use_bias=False" in no_bias["parameters"].message
    handout = {c.name: c for c in graded_correct["get_improved_model__correct_keras2_sequential_add"].checks}
    assert handout["parameters"].message == "892,650 parameters"
    assert "the training loss fell" in handout["loss_falls"].message
    denoised = next(c for c in graded_correct["decoder__correct_handout_kernels"].checks if c.name == "denoises")
    assert "after 5 epochs on 4,000 images" in denoised.message


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c.id)
def test_wrong_answer_fails_at_the_named_check_with_a_specific_message(case, graded_wrong):
    assert_fails_at(case, graded_wrong[case.id], *EXPECTED_FAILURES[case.id])


def test_the_wrong_vgg_answer_fails_each_of_its_mistakes(graded_wrong):
    failed = {c.name: c.message for c in graded_wrong["vgg_encoders__wrong_pool_layer_fc1_not_frozen"].checks if not c.passed}
    assert set(failed) == {"block5_conv2_output", "block5_conv2_parameters", "fc2_parameters", "frozen"}, failed
    # The two sub-models share VGG19's layers: freezing the first froze fc1's convolutions, not its dense layers.
    assert "expected 139,570,240" in failed["fc2_parameters"] and "fc2 has 102,764,544 trainable parameters" in failed["frozen"]


def test_the_handout_solution_appending_to_trainable_weights_names_the_keras3_way(graded_wrong):
    result = graded_wrong["BatchNormalizedLayer__wrong_trainable_weights_appended"]
    assert result.score == 0 and "has no setter" in result.feedback and "tracked automatically" in result.feedback


def test_author_check_batchnorm():
    from grader.authoring import check_lab
    from grader.lab import get_lab

    # quick: the trained checks of the reference's answers are the casebook's (handout kernels, Keras 2 model).
    report = check_lab(get_lab("batchnorm"), quick=True)
    assert report.ok, (report.stale, report.problems)


# ---------------------------------------------------------------- the original handout's form
# Graded without training (the trained checks are the casebook's), the three notebooks two at once.


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    import batchnorm_notebooks as notebooks

    root = tmp_path_factory.mktemp("originals")
    published = dict(
        # The published solution passes 'relu' into axis, and its segmentation decoder upsamples five times (448x448).
        improved=notebooks.IMPROVED.replace("), activation='relu'", "), 'relu'"),
        segmentation=notebooks.ANSWERS["segmentation"].replace(
            "  x = Conv2DTranspose(32, (3, 3), activation='relu', padding='same')(x)\n",
            "  x = Conv2DTranspose(32, (3, 3), activation='relu', padding='same')(x)\n  x = UpSampling2D((2, 2))(x)\n"),
    )
    books = {"filled": notebooks.original_notebook(), "handout": notebooks.handout(),
             "published": notebooks.original_notebook(**published)}
    jobs = {name: (notebooks.write(book, root / f"{name}.ipynb"), "batchnorm", {"quick": True}) for name, book in books.items()}
    return grade_at_once(jobs)


def test_an_original_notebook_filled_in_place_gets_full_marks_with_its_keras2_code(originals):
    import batchnorm_notebooks as notebooks

    result = originals["filled"]
    assert result.form == "inline"
    statuses = {e.name: e.status for e in result.exercises}
    assert statuses.pop("batchnorm_forward") == "not_in_notebook"  # the handout asks for the equations in writing
    assert set(statuses.values()) == {"passed"}, {e.name: e.feedback for e in result.exercises}
    assert result.score == result.max_score == 34 - 5  # less the trained checks (quick)
    notes = "\n".join(result.notes)
    for shim in ("keras.backend.eval was run as tf.keras.backend.eval", "self.trainable_weights += ... was skipped",
                 "VGG19(weights='imagenet') was built with weights=None"):
        assert shim in notes, shim
    # get_improved_model() is called only by the grader's probe: the shims it needed are named in its feedback
    improved = next(e for e in result.exercises if e.name == "get_improved_model")
    assert "keras.optimizers.rmsprop(...) was run as keras.optimizers.RMSprop(...)" in improved.feedback
    answers = {a.id: a for a in result.written_answers}
    assert answers["bias_redundant"].answer == notebooks.WRITTEN["bias"]  # the "Write your answer here" line left out
    assert all(a.answered for a in answers.values())


def test_the_original_handout_as_given_is_not_implemented(originals):
    result = originals["handout"]
    assert result.form == "inline" and result.score == 0
    statuses = {e.name: e.status for e in result.exercises}
    assert statuses.pop("batchnorm_forward") == "not_in_notebook"
    assert set(statuses.values()) == {"not_implemented"}, {e.name: e.feedback for e in result.exercises}
    by_name = {e.name: e.feedback for e in result.exercises}
    assert "the ? marks in" in by_name["decoder"] and "Put your implementation here" in by_name["BatchNormalizedLayer"]
    assert not any(a.answered for a in result.written_answers)


def test_the_handouts_own_solutions_fail_where_they_are_wrong(originals):
    failed = {e.name: {c.name: c.message for c in e.checks if not c.passed} for e in originals["published"].exercises}
    assert "passes 'relu' as the second parameter, axis" in failed["get_improved_model"]["builds"]
    assert "(None, 448, 448, 1)" in failed["segmentation_decoder"]["shapes"]
    assert not failed["decoder"] and not failed["vgg_encoders"] and not failed["BatchNormalizedLayer"]


def test_the_handouts_answer_placeholder_is_not_an_answer():
    from grader.written_answers import PLACEHOLDER, _without_placeholder

    for text in ("Write your answer here", r"$\color{red}{\text{Write your answer here}}$", "*Your answer here.*", "_Your answer here._"):
        assert PLACEHOLDER.match(text), text
    assert _without_placeholder("$\\color{red}{\\text{Write your answer here}}$\n\nThe bias is absorbed by beta.") == "The bias is absorbed by beta."
