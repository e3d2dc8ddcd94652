"""Lab 3 notebooks in the structure the course hands out, graded end to end.

The notebooks come from tests/course_notebooks.py: the course's cell order
and given code (two course years), answered the ways students and
instructors' solutions answer them. Each grading costs about a minute, so
each notebook below carries several patterns at once and is graded once.

Course years of this lab have no BatchNormalizedLayer: the rubric marks it
``inline_optional``, so it is ``not_in_notebook`` and not counted: full marks
are 70.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat
import pytest

from grader.engine import load_lab_rubric, submission_form
from grader.submission import load_submission, runnable_source

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
import course_notebooks  # noqa: E402
from casebook import grade_at_once  # noqa: E402

pytestmark = pytest.mark.slow

#: A generous guard against a notebook cell that runs away (a loop of its own), not a benchmark.
MAX_SECONDS_PER_NOTEBOOK = 150

RUBRIC = load_lab_rubric("lab3")
COURSE_RUBRIC = RUBRIC
assert RUBRIC.exercise("BatchNormalizedLayer").inline_optional, "no course year of lab 3 has BatchNormalizedLayer"
GRADED = [e.name for e in RUBRIC.exercises if e.name != "BatchNormalizedLayer"]


def _write(variant: str, folder: Path) -> Path:
    path = folder / f"{variant}.ipynb"
    nbformat.write(course_notebooks.build_variant(variant), str(path))
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every variant once per module, two at once as batch grading does: (result, its grading's seconds)."""
    cache: dict[str, tuple] = {}

    def grade(variant: str):
        if not cache:
            jobs = {v: (_write(v, tmp_path_factory.mktemp(v)), "lab3", {"rubric": COURSE_RUBRIC})
                    for v in (MIXED_2023, KERAS2_2020, BLANK_DETECTOR_2023, HANDOUT_2023)}
            cache.update({v: (result, result.seconds) for v, result in grade_at_once(jobs).items()})
        return cache[variant]

    return grade


def _by_name(result) -> dict:
    return {e.name: e for e in result.exercises}


def _summary(result) -> list:
    return [(e.name, e.status, e.score, e.feedback) for e in result.exercises]


def _failed_checks(exercise) -> list[str]:
    return [c.name for c in exercise.checks if not c.passed]


# ---------------------------------------------------------------- the notebooks themselves (cheap)


@pytest.mark.parametrize("variant", sorted(course_notebooks.COURSE_VARIANTS))
def test_every_variant_is_an_original_notebook_whose_cells_parse_but_for_their_blanks(variant, tmp_path):
    path = _write(variant, tmp_path)
    submission = load_submission(path)
    assert submission_form(submission, RUBRIC) == "inline"
    for where, source in submission.code_cells:
        runnable = runnable_source(source)  # magics blanked
        try:
            ast.parse(runnable)
        except SyntaxError:
            assert "???" in runnable or "= # Your code goes here" in runnable, (where, runnable[:200])


def test_the_years_keep_their_habits(tmp_path):
    new = "\n".join(c.source for c in course_notebooks.build_course_notebook("2023").cells if c.cell_type == "code")
    old = "\n".join(c.source for c in course_notebooks.build_course_notebook("2020").cells if c.cell_type == "code")
    assert "from tensorflow import keras" in new and "np.random.seed(0)" in new and "float(rotation_angle)" in new
    assert "my_conv(" in new and "x_train_lowres" in new and "RMSprop(learning_rate=0.01)" in new
    assert new.count("from keras.activations import softmax") == 1  # only in the detector cell
    assert "%matplotlib inline" in old and "!pip install" in old and "!pip install" in new
    for idiom in ("Model(input=inputs, output=angle)", "fit_generator(", "nb_epoch=", "SGD(lr=", "Adam(lr=", "RMSprop(lr=0.01)",
                  "from keras.utils.np_utils import to_categorical", "metrics=['acc']", "Dropout(0.5)(conv4)",
                  "x_train_small = x_train[:,::2,::2,:]"):
        assert idiom in old, idiom
    assert "np.random.seed" not in old and "float(rotation_angle)" not in old
    # the 14x14 images really overwrite Task 2.1's small set in 2020
    assert old.index("x_train_small = x_train[digit_indices,:]") < old.index("x_train_small = x_train[:,::2,::2,:]")


# ---------------------------------------------------------------- graded end to end
#
# Four gradings in all (the fixture grades each variant once; the handout
# trains nothing and takes seconds); the tests below each look at one aspect
# of one of them.

MIXED_2023 = "2023_mixed_styles"
KERAS2_2020 = "2020_keras2_styles"
BLANK_DETECTOR_2023 = "2023_detector_blank_mistakes"
HANDOUT_2023 = "2023_handout"


@pytest.mark.parametrize("variant", [MIXED_2023, KERAS2_2020, BLANK_DETECTOR_2023, HANDOUT_2023])
def test_the_grader_itself_fails_nowhere_and_in_reasonable_time(graded, variant):
    """Inline form; BatchNormalizedLayer not counted; no exercise in error or timed out and no check the
    grader could not judge (each exercise here is answered, wrongly answered or left blank: none of these
    is an error); under the time guard."""
    result, seconds = graded(variant)
    assert result.form == "inline"
    exercises = _by_name(result)
    bn = exercises["BatchNormalizedLayer"]
    assert bn.status == "not_in_notebook" and bn.max_score == 0, bn.feedback
    errors = [(e.name, e.feedback) for e in result.exercises if e.status in ("error", "timeout")]
    assert not errors, errors
    unjudged = [(e.name, c.name, c.message) for e in result.exercises for c in e.checks if c.grader_error]
    assert not unjudged, unjudged
    assert not any(note.startswith("Needs review") for note in result.notes), result.notes
    assert seconds < MAX_SECONDS_PER_NOTEBOOK, f"grading took {seconds:.0f} s"


def test_2023_notebook_answered_in_several_styles_gets_full_marks(graded):
    """W by model.layers[1], noise around each pixel (np.random.normal(x, 0.5)), the detector
    answered in a copy below its unfilled template, the U-Net without skips filled in place,
    super resolution by the autoencoder adapted to 14x14; Task 2.4's W left as handed out."""
    result, _ = graded(MIXED_2023)
    exercises = _by_name(result)
    for name in GRADED:
        assert exercises[name].status == "passed", (name, exercises[name].feedback)
        assert exercises[name].score == exercises[name].max_score == 10, name
    assert exercises["BatchNormalizedLayer"].status == "not_in_notebook"
    assert result.score == result.max_score == 70, _summary(result)
    # the unfilled detector template above the answer is reported, and did not count against it
    assert any("a blank is not filled in" in note and "Conv2D(???" in note for note in result.notes), result.notes


def test_2023_correct_cells_are_not_reported_as_failed(graded):
    """Every cell of this notebook runs in Jupyter; none may be reported to the student as failed
    (e.g. Task 3.2's scatter plot, which indexes the codes of all test images with all their labels)."""
    result, _ = graded(MIXED_2023)
    failed = [note for note in result.notes if "failed" in note]
    assert not failed, failed


def test_2020_keras2_notebook_gets_full_marks_through_named_shims(graded):
    """Keras 2 spellings throughout (Model(input=, output=), fit_generator, SGD(lr=), nb_epoch=,
    np_utils, the Iterator base class), W read in both 2.3 and 2.4 through `layer = model.layers[1]`,
    a noise factor with np.clip, the plain U-Net with each merge replaced by the upsampled tensor,
    and the low-resolution images stored in x_train_small."""
    result, _ = graded(KERAS2_2020)
    exercises = _by_name(result)
    for name in GRADED:
        assert exercises[name].status == "passed", (name, exercises[name].feedback)
        assert exercises[name].score == exercises[name].max_score == 10, name
    assert result.score == result.max_score == 70, _summary(result)
    shims = " ".join(n for n in result.notes if n.startswith("Keras 2 compatibility"))
    for idiom in ("Model(input=..., output=...)", "fit_generator", "keras.preprocessing.image.Iterator", "keras.utils.np_utils"):
        assert idiom in shims, (idiom, result.notes)
    assert "ran with Keras 2 compatibility" in exercises["build_angle_cnn"].feedback
    # judged against this year's own U-Net (two plain convolutions per block), not 2023's 49,426 parameters
    params = next(c for c in exercises["build_unet_no_skips"].checks if c.name == "parameter_count_as_notebook_unet")
    assert params.passed and "49,426" not in params.message, params.message


def test_2023_detector_left_blank_is_not_implemented_and_the_unet_still_builds(graded):
    """The detector's three ??? left as handed out: not_implemented, yet the U-Net (whose softMaxAxis3
    needs the `softmax` imported only in that cell) is still built and passes, since only the
    statements that depend on the blank are skipped."""
    result, _ = graded(BLANK_DETECTOR_2023)
    exercises = _by_name(result)
    detector = exercises["detector_channels"]
    assert detector.status == "not_implemented" and detector.score == 0, detector.feedback
    assert "is not filled in" in detector.feedback
    unet = exercises["build_unet_no_skips"]
    assert unet.status == "passed" and unet.score == unet.max_score == 10, unet.feedback
    for name in ("bottleneck_2d", "build_sr_network", "build_angle_cnn"):  # answered below their templates
        assert exercises[name].status == "passed" and exercises[name].score == 10, (name, exercises[name].feedback)
    assert result.max_score == 70


def test_2023_detector_blank_is_named_in_the_detector_cell(graded):
    """The feedback quotes the detector's own blank, not the ??? of the U-Net template further down."""
    result, _ = graded(BLANK_DETECTOR_2023)
    feedback = _by_name(result)["detector_channels"].feedback
    assert "Conv2D(???" in feedback and "my_conv" not in feedback, feedback


def test_2023_bias_instead_of_kernel_fails_the_kernel_check(graded):
    """W = model.layers[1].get_weights()[1]: the given reshape line then raises, but the answer is the
    student's W, and it is the bias: extract_W fails (not an error) on equals_dense_kernel."""
    result, _ = graded(BLANK_DETECTOR_2023)
    w = _by_name(result)["extract_W"]
    assert w.status == "failed" and w.score < w.max_score, w.feedback
    assert "equals_dense_kernel" in _failed_checks(w), [(c.name, c.message) for c in w.checks]
    assert "bias" in next(c.message for c in w.checks if c.name == "equals_dense_kernel")


def test_2023_copies_without_noise_fail_noise_added(graded):
    """x_train_noisy = x_train.copy(): the arrays exist and keep their shape, but hold no noise."""
    result, _ = graded(BLANK_DETECTOR_2023)
    noise = _by_name(result)["add_noise"]
    assert noise.status == "failed", noise.feedback
    assert _failed_checks(noise) == ["noise_added"], [(c.name, c.message) for c in noise.checks]


def test_2023_handout_is_not_implemented_everywhere(graded):
    """The notebook as handed out: each exercise with a blank is not_implemented and quotes its own
    blank; the 5.1 blank is commented out (`#x_train_noisy = ???`), so the given cells after it fail on
    x_test_noisy, and that too is the unfilled blank, not an error. Super resolution has no blank in
    the handout (only a task text), so it is missing."""
    result, _ = graded(HANDOUT_2023)
    exercises = _by_name(result)
    quoted = {
        "extract_W": "W = # Your code goes here",
        "bottleneck_2d": "x = # Your code goes here",
        "add_noise": "x_train_noisy = ???",
        "build_angle_cnn": "x = # Your code goes here",
        "detector_channels": "Conv2D(???",
        "build_unet_no_skips": "my_conv(???",
    }
    wrong = [(name, exercises[name].status, exercises[name].feedback) for name, blank in quoted.items()
             if exercises[name].status != "not_implemented" or blank not in exercises[name].feedback]
    assert not wrong, wrong
    assert exercises["build_sr_network"].status == "missing", exercises["build_sr_network"].feedback
    assert result.score == 0 and result.max_score == 70
