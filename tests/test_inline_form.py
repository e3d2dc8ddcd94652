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

