"""Original fill-in notebooks (the inline form): recognised, run cell by cell, graded like their stub twins.

The notebooks come from tests/inline_notebooks.py (our own original-style lab 3
notebook in many variants). The fast tests here cover the pieces that need no
sandbox; the slow ones grade whole notebooks end to end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from casebook import grade_at_once
from grader.engine import grade_submission, load_lab_rubric, submission_form
from grader.submission import load_submission

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "grader"))  # the harness runs as a top-level package `harness` in the sandbox

from harness.notebook_mode import NotebookSession, assigned_names, placeholder_line  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))
import inline_notebooks  # noqa: E402

RUBRIC = load_lab_rubric("lab3")
EXERCISES = [e.name for e in RUBRIC.exercises]


# ---------------------------------------------------------------- fast: recognising blanks and forms


@pytest.mark.parametrize("source, expected", [
    ("W = ???\nW_img = W.reshape(28, 28, 10)", "W = ???"),
    ("x = ???  # add a layer here\nencoded = Flatten()(x)", "x = ???  # add a layer here"),
    ("x_train_noisy =\nx_test_noisy = 1", "x_train_noisy ="),
    ("sr_model = ...", "sr_model = ..."),
    ("heads = [Conv2D(???, 1)(x)]", "heads = [Conv2D(???, 1)(x)]"),
])
def test_placeholder_line_finds_template_blanks(source, expected):
    assert placeholder_line(source) == expected


@pytest.mark.parametrize("source", [
    "W = model.layers[1].get_weights()[0]",
    "x = layers.Conv2D(2, 3, activation='tanh')(x)\nif a == b:\n    pass",
    "y = x[..., 0]\nz = a <= b",
])
def test_placeholder_line_ignores_filled_cells(source):
    assert placeholder_line(source) is None


def test_assigned_names_read_from_cells_that_do_not_parse():
    assert assigned_names("W = ???\nW_img, labels = W.reshape(28, 28, 10), 3\nif W == 1:\n    pass") == {"W", "W_img", "labels"}


def test_submission_form_recognises_original_notebooks(tmp_path):
    stub_notebooks = [REPO / "examples/lab3/complete_submission.ipynb", REPO / "exercises/lab3/lab3.ipynb", REPO / "reference/lab3/solution.py"]
    for path in stub_notebooks:
        assert submission_form(load_submission(path), RUBRIC) == "stub", path
    for variant in ("complete", "blank", "keras2_style"):
        path = tmp_path / f"{variant}.ipynb"
        nbformat.write(inline_notebooks.build_notebook(**inline_notebooks.variants()[variant]), path)
        assert submission_form(load_submission(path), RUBRIC) == "inline", variant


def _session(cells: list[str]) -> NotebookSession:
    session = NotebookSession([{"filename": f"cell {i + 1}", "source": s} for i, s in enumerate(cells)], [f"cell {i + 1}" for i in range(len(cells))])
    session.run()
    return session


def test_cells_run_on_past_failures_and_the_last_successful_definition_wins():
    session = _session([
        "a = 1",
        "W = 2 * a",          # a filled copy...
        "W = ???",            # ...then the unfilled template: a syntax error that must not undo it
        "v = W + 1",
        "t = ???\nq = 3",
        "u = t + 1",          # fails because of the blank above
        "r = undefined_name",  # fails on its own
    ])
    statuses = [c.status for c in session.cells]
    assert statuses == ["ok", "ok", "blank", "ok", "blank", "error", "error"]
    assert session.value("W") == 2 and session.value("v") == 3
    assert session.last_assigned["W"] == 1
    assert session.cells[5].blamed_on == "cell 5"
    assert session.cells[6].blamed_on is None
    reports = {r["where"]: r for r in session.reports()}
    assert set(reports) == {"cell 3", "cell 5", "cell 6", "cell 7"}
    assert reports["cell 5"]["blank_line"] == "t = ???"


def test_an_ellipsis_blank_is_a_blank_not_an_answer():
    session = _session(["W = ...", "img = W.reshape(28, 28)"])
    assert [c.status for c in session.cells] == ["blank", "error"]
    assert session.cells[1].blamed_on == "cell 1"


def test_replay_rebinds_inputs_and_skips_the_cells_own_constants():
    session = _session(["import numpy as np\nx = np.ones(3)", "noise_factor = 0.5\ny = x * noise_factor\ny = y + 1"])
    replayed = session.replay(1, {"x": np.full(3, 2.0), "noise_factor": 0.2}, skip_assignments={"x", "noise_factor"})
    assert list(replayed["y"]) == pytest.approx([1.4] * 3)
    first = session.replay(1, {"x": np.full(3, 2.0)}, watch="y")
    assert list(first) == pytest.approx([1.0] * 3)  # the first value of y, before the cell's later line changed it
    assert list(session.value("y")) == pytest.approx([1.5] * 3)  # the notebook's own namespace is untouched



def test_only_the_statements_that_depend_on_a_blank_are_skipped():
    """The lab's detector cell imports softmax, which the U-Net cell needs even when the detector's blanks are unfilled."""
    session = _session([
        "import math\nfrom math import sqrt as root\ndef head(n):\n    return n * 2\nx = 1\nconfidence = head(???)\nmerged = [confidence, x]\nx = 5",
        "y = root(16) + x",
        "z = merged",
    ])
    assert [c.status for c in session.cells] == ["blank", "ok", "error"]
    assert session.value("y") == 9.0  # root imported, x = 5 assigned after the skipped statements
    assert callable(session.value("head"))
    assert session.cells[0].skipped_statements == 2  # confidence = ..., merged = [confidence, x]
    assert session.cells[2].blamed_on == "cell 1"
    assert "confidence" not in session.last_assigned and session.last_assigned["x"] == 0


def test_a_cell_is_replayed_with_the_bindings_it_read_when_it_ran():
    """Real notebooks reuse `model` for every network; W's cell must see the model it was written for."""
    session = _session([
        "class M:\n    def __init__(self, k):\n        self.k = k",
        "model = M([1, 2])",
        "W = list(model.k)",
        "model = M('a later network')",
    ])
    assert session.cells[2].snapshot["model"].k == [1, 2]
    assert session.snapshot_value(2, "model").k == [1, 2] and session.value("model").k == "a later network"
    session.cells[2].snapshot["model"].k = [3, 4]  # e.g. the grader's weights set into that model
    assert session.replay(2, {}, watch="W") == [3, 4]


def test_a_template_left_only_as_commented_blanks_is_a_blank():
    """The lab's noise cell is handed out as comments (#x_train_noisy = ???): left so, it is unfilled, not fine."""
    session = _session(["#Your code goes here\n#x_train_noisy = ???\n#x_test_noisy = ???", "out = x_test_noisy + 1"])
    assert [c.status for c in session.cells] == ["blank", "error"]
    assert session.cells[1].blamed_on == "cell 1"
    answered = _session(["#x_train_noisy = ???\nx_train_noisy = 1", "out = x_train_noisy + 1"])
    assert [c.status for c in answered.cells] == ["ok", "ok"]


def test_blame_follows_what_a_failed_cell_would_have_made():
    """angle cell left blank -> its evaluation cell fails -> the de-rotation cell fails on what that would have made."""
    session = _session(["x = ???\nangle_estimator = x", "angles_pred = angle_estimator.predict(1)", "derotated = -angles_pred", "other = missing_name"])
    assert [c.blamed_on for c in session.cells[1:]] == ["cell 1", "cell 1", None]


def test_an_exercise_a_notebook_never_mentions_is_not_in_it_and_one_it_mentions_is_missing():
    from grader.labs.lab3.sandbox.probes import INLINE_ANCHORS
    from harness.notebook_mode import locate_blank_or_error

    later_year = _session(["import numpy as np\nx_train = np.zeros((4, 28, 28, 1))"])
    assert locate_blank_or_error(later_year, INLINE_ANCHORS["build_sr_network"], "an SR model").status == "not_in_notebook"
    untouched = _session(["import numpy as np\nx_train = np.zeros((4, 28, 28, 1))", "x_train_lowres = x_train[:, ::2, ::2, :]  # 14x14x1"])
    assert locate_blank_or_error(untouched, INLINE_ANCHORS["build_sr_network"], "an SR model").status == "missing"


def test_a_wrong_W_whose_cell_then_raises_is_still_judged():
    """W = <the bias> runs, then the lab's own W.reshape((28, 28, 10)) raises: W is wrong (failed), not missing (error)."""
    from grader.labs.lab3.sandbox.probes import _computes_W

    session = _session(["import numpy as np\nb = np.zeros(10)", "W = b\nW = W.reshape((28, 28, 10))", "#W = # Your code goes here\nW = W.reshape((28,28,10))"])
    assert [c.status for c in session.cells] == ["ok", "error", "error"]
    assert _computes_W(session, session.cells[1]) and not _computes_W(session, session.cells[2])
    assert list(session.replay(1, {}, watch="W")) == [0.0] * 10


def test_needed_cells_follow_names_from_the_exercise_cells():
    from harness.notebook_mode import needed_cells

    sources = [
        "import numpy as np\nx = np.ones(3)",        # read by the answer
        "history = fit(x)",                            # training: nobody reads history
        "plot(history)",                               # a plot
        "def helper(v):\n    return v * 2",           # defined below its use: notebooks run out of order
        "ANSWER = helper(x)",                          # the exercise cell
        "import cv2\nbig = make_scenes(5000)",        # only its import may be needed
        "ANSWER2 = cv2.flip(x)",
    ]
    plans = needed_cells(sources, lambda src: "ANSWER" in src)
    assert [p.needed for p in plans] == [True, False, False, True, True, False, True]


def test_a_cell_that_failed_on_a_later_definition_runs_again():
    session = _session(["y = helper(2)", "def helper(v):\n    return v + 1", "z = undefined"])
    assert session.value("y") == 3 and session.cells[0].status == "ok"
    assert session.cells[2].status == "error"


def test_hand_written_training_loops_are_capped():
    """train_on_batch and predict in a Python loop (a GAN's) stop costing anything after a few calls; a cell has a time budget."""
    session = NotebookSession([
        {"filename": "cell 1", "source": "import keras, numpy as np\n"
                                         "m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
                                         "m.compile(optimizer='sgd', loss='mse')\n"
                                         "for i in range(2000):\n"
                                         "    out = m.predict(np.ones((8, 4)), verbose=0)\n"
                                         "    loss = m.train_on_batch(np.ones((8, 4)), np.ones((8, 1)))\n"
                                         "big = m.predict(np.ones((5000, 4)), verbose=0)"},
        {"filename": "cell 2", "source": "while True:\n    pass"},
        {"filename": "cell 3", "source": "after = 1"},
    ], ["cell 1", "cell 2", "cell 3"], cell_budget_s=10)
    session.install({})
    session.run()
    # (capped, the first cell takes about a second; the budget leaves room for a loaded machine)
    assert session.cells[0].status == "ok" and session.cells[0].seconds < 10, session.cells[0].seconds
    big = session.value("big")
    assert big.shape == (5000, 1) and np.array_equal(big[1000:2000], big[:1000])  # one per input, the first thousand computed
    assert session.cells[1].status == "error" and "ran longer than 10 s" in session.cells[1].error["message"]
    assert session.value("after") == 1


def test_notebook_datasets_have_mnist_sizes_so_the_labs_index_sampling_runs():
    from grader.data import load_bundled_mnist
    from grader.labs.lab3.inputs import LabData, notebook_datasets
    from harness.notebook_mode import install_datasets

    install_datasets(notebook_datasets(LabData(load_bundled_mnist())))
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28) and len(y_train) == 60000
    per_class = np.bincount(y_train, minlength=10)
    assert per_class.min() > 5000, per_class
    np.random.seed(0)
    picked = np.asarray([np.where(y_train == i)[0][np.random.randint(0, 5000, 10)] for i in range(10)]).flatten()
    assert len(picked) == 100 and set(y_train[picked]) == set(range(10))


# ---------------------------------------------------------------- slow: whole notebooks, each beside its stub twin

from casebook import CASES, merge_sources  # noqa: E402

TWIN_BASE = REPO / "examples/lab3/inline/complete_stub_twin.py"
UNFILLED = CASES / "full_stub_unfilled.py"


def _unfilled_stub(exercise: str) -> str:
    """The unfilled stub of ``exercise`` (it raises NotImplementedError), with the imports it needs."""
    import ast

    source = UNFILLED.read_text()
    node = next(n for n in ast.parse(source).body if getattr(n, "name", None) == exercise)
    return "import numpy as np\nimport keras\n\n\n" + ast.get_source_segment(source, node) + "\n"


def stub_twin(variant: str, tmp_path: Path) -> Path:
    """The same answers as an inline variant, in the stub form: the twin's correct answers,
    the casebook's wrong answer of the same name, the unfilled stub for a blank."""
    fills = inline_notebooks.variants()[variant]["fills"]
    paths = [TWIN_BASE]
    for exercise, fill in fills.items():
        if fill.startswith("wrong_"):
            paths.append(CASES / f"{exercise}__{fill}.py")
        elif fill == "blank":
            path = tmp_path / f"{exercise}__blank.py"
            path.write_text(_unfilled_stub(exercise))
            paths.append(path)
    twin = tmp_path / f"{variant}_stub_twin.py"
    twin.write_text(merge_sources(paths))
    return twin


def inline_notebook(variant: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{variant}.ipynb"
    nbformat.write(inline_notebooks.build_notebook(**inline_notebooks.variants()[variant]), path)
    return path


def assert_graded_alike(inline, stub) -> None:
    """Per exercise: the same status; where every check applies to both forms, the same points and failing checks."""
    assert inline.form == "inline" and stub.form == "stub"
    for a, b in zip(inline.exercises, stub.exercises, strict=True):
        assert a.name == b.name
        assert a.status == b.status, (a.name, a.feedback, b.feedback)
        if all(c.form == "any" for c in RUBRIC.exercise(a.name).checks):
            assert a.score == b.score, (a.name, a.feedback, b.feedback)
            assert [c.name for c in a.checks if not c.passed] == [c.name for c in b.checks if not c.passed], a.name


@pytest.fixture(scope="module")
def graded_pair(tmp_path_factory):
    """Grade an inline variant and its stub twin once per module; cached by (variant, quick)."""
    cache = {}

    def grade(variant: str, quick: bool):
        if (variant, quick) not in cache:
            tmp = tmp_path_factory.mktemp(variant)
            graded = grade_at_once({"inline": (inline_notebook(variant, tmp), "lab3", {"quick": quick}),
                                    "stub": (stub_twin(variant, tmp), "lab3", {"quick": quick})})
            cache[variant, quick] = graded["inline"], graded["stub"]
        return cache[variant, quick]

    return grade


@pytest.mark.slow
def test_complete_original_notebook_gets_full_marks_like_its_twin(graded_pair):
    inline, stub = graded_pair("complete", quick=False)
    assert inline.score == inline.max_score == 80, [(e.name, e.feedback) for e in inline.exercises]
    assert stub.score == 80
    assert_graded_alike(inline, stub)
    assert any("original fill-in notebook" in note for note in inline.notes)
    # The notebook's own training ran, capped: no cell failed.
    assert not any("failed" in note for note in inline.notes), inline.notes


@pytest.mark.slow
def test_each_wrong_fill_loses_exactly_its_exercise(graded_pair):
    inline, stub = graded_pair("with_mistakes", quick=False)
    fills = inline_notebooks.variants()["with_mistakes"]["fills"]
    for exercise in inline.exercises:
        if fills[exercise.name].startswith("wrong_"):
            assert exercise.status == "failed" and exercise.score < exercise.max_score, exercise.name
        else:
            assert exercise.status == "passed" and exercise.score == exercise.max_score, (exercise.name, exercise.feedback)
    assert_graded_alike(inline, stub)
    by_name = {e.name: e for e in inline.exercises}
    assert "found 3, expected 2" in by_name["bottleneck_2d"].feedback
    assert "box: 2, expected 4" in by_name["detector_channels"].feedback
    assert "skip connections remain" in by_name["build_unet_no_skips"].feedback
    assert "shifts values" in by_name["add_noise"].feedback


@pytest.mark.slow
def test_blanks_are_not_implemented_and_the_rest_is_graded(graded_pair):
    inline, stub = graded_pair("partly_blank", quick=True)
    fills = inline_notebooks.variants()["partly_blank"]["fills"]
    for exercise in inline.exercises:
        if fills[exercise.name] == "blank":
            assert exercise.status == "not_implemented", (exercise.name, exercise.feedback)
            assert "is not filled in" in exercise.feedback
        else:  # template_then_filled / filled_then_template: the filled copy counts
            assert exercise.status == "passed", (exercise.name, exercise.feedback)
    assert_graded_alike(inline, stub)
    by_name = {e.name: e for e in inline.exercises}
    assert "W = ???" in by_name["extract_W"].feedback
    # A cell that failed because of a blank is attributed to the blank.
    assert any("failed because the blank in" in note for note in inline.notes)


@pytest.mark.slow
def test_the_handout_itself_is_all_not_implemented(tmp_path):
    result = grade_submission(inline_notebook("blank", tmp_path), "lab3", quick=True)
    assert result.form == "inline" and result.score == 0
    assert [e.status for e in result.exercises] == ["not_implemented"] * len(EXERCISES), [(e.name, e.feedback) for e in result.exercises]


@pytest.mark.slow
def test_keras2_notebook_runs_with_shims_that_are_named(graded_pair):
    inline, stub = graded_pair("keras2_style", quick=True)
    assert inline.score == inline.max_score, [(e.name, e.feedback) for e in inline.exercises]
    assert_graded_alike(inline, stub)
    shims = " ".join(n for n in inline.notes if n.startswith("Keras 2 compatibility"))
    for idiom in ("Model(input=..., output=...)", "Adam(lr=...)", "fit_generator", "keras.layers.normalization", "np_utils"):
        assert idiom in shims, idiom
    by_name = {e.name: e for e in inline.exercises}
    assert "ran with Keras 2 compatibility" in by_name["build_sr_network"].feedback


@pytest.mark.slow
def test_plain_unet_course_year_is_judged_against_its_own_unet(tmp_path):
    """Another year's U-Net (two plain convolutions per block, dropout): 49,426 would be wrong here."""
    result = grade_submission(inline_notebook("complete_plain_unet", tmp_path), "lab3", quick=True, only=["build_unet_no_skips"])
    unet = result.exercises[0]
    assert unet.status == "passed", unet.feedback
    params = next(c for c in unet.checks if c.name == "parameter_count_as_notebook_unet")
    assert "49,426" not in params.message and "parameters, as the notebook's own U-Net" in params.message


def test_an_exercise_the_notebook_never_mentions_is_missing_unless_the_rubric_says_optional():
    from grader.engine import _score_inline_status
    from grader.sandbox import ExerciseRun
    from grader.labs.lab3.sandbox.probes import _locate_BatchNormalizedLayer

    session = _session(["import numpy as np\nx = np.ones(3)"])
    located = _locate_BatchNormalizedLayer(session)
    assert located.status == "not_in_notebook"
    run = ExerciseRun("BatchNormalizedLayer", located.status, error={"type": located.status, "message": located.detail, "frames": []})
    spec = RUBRIC.exercise("BatchNormalizedLayer")
    base = {"name": spec.name, "title": spec.title, "max_score": spec.max_score}
    assert spec.inline_optional  # no course year of lab 3 has this class
    missing = _score_inline_status(spec.model_copy(update={"inline_optional": False}), run, base)
    assert (missing.status, missing.max_score) == ("missing", 10)  # deleting the exercise does not shrink the total
    optional = _score_inline_status(spec, run, base)
    assert (optional.status, optional.max_score, optional.score) == ("not_in_notebook", 0, 0)
    assert "this version of the lab has no BatchNormalizedLayer" in optional.feedback


def test_rubric_forms_must_give_the_same_points(tmp_path):
    from grader.rubric import RubricError, load_rubric

    text = (REPO / "rubrics/lab3.toml").read_text().replace(
        'id = "blocks_as_notebook_unet"\ncheck = "layer_sequence_as_observed"\npoints = 2', 'id = "blocks_as_notebook_unet"\ncheck = "layer_sequence_as_observed"\npoints = 3')
    path = tmp_path / "lab3.toml"
    path.write_text(text)
    with pytest.raises(RubricError, match="must total the same"):
        load_rubric(path)


def test_a_keras2_idiom_without_a_shim_is_an_error_naming_the_keras3_replacement():
    from grader.engine import _score_inline_status
    from grader.sandbox import ExerciseRun

    cause = {"type": "NameError", "message": "name 'merge' is not defined",
             "frames": [{"file": "cell 45", "line": 21, "function": "<module>", "code": "x = merge([u3, c3], mode='concat')"}]}
    run = ExerciseRun("build_unet_no_skips", "error", error={
        "type": "error", "message": "cell 45 raised an error, so the U-Net without skip connections was never made", "frames": [], "cause": cause})
    spec = RUBRIC.exercise("build_unet_no_skips")
    result = _score_inline_status(spec, run, {"name": spec.name, "title": spec.title, "max_score": 10.0})
    assert result.status == "error" and result.score == 0
    assert "cell 45, line 21: NameError: name 'merge' is not defined" in result.feedback
    assert "Keras 3: keras.layers.merge is gone: use keras.layers.Concatenate" in result.feedback


def test_a_custom_activation_is_named_by_what_it_computes():
    """The lab's softMaxAxis3 (softmax(x, axis=3)) is a softmax over the channels, whatever its name."""
    import keras

    from harness.observe import _activation_name

    def softMaxAxis3(x):
        return keras.activations.softmax(x, axis=3)

    def squash(x):
        return x / (1 + abs(x))

    assert _activation_name(keras.layers.Conv2D(10, 1, activation=softMaxAxis3)) == "softmax"
    assert _activation_name(keras.layers.Conv2D(10, 1, activation="relu")) == "relu"
    assert _activation_name(keras.layers.Conv2D(10, 1, activation=squash)) == "squash"
