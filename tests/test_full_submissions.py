"""Whole submissions, end to end: the reference, a differently written correct
one (as a notebook), a notebook with mistakes, and unfilled stubs."""

from __future__ import annotations

import json

import pytest

from grader.engine import grade_submission

pytestmark = pytest.mark.slow

ALL = ["extract_W", "bottleneck_2d", "add_noise", "build_sr_network", "build_angle_cnn",
       "detector_channels", "build_unet_no_skips", "BatchNormalizedLayer"]


def _statuses(result):
    return {e.name: e.status for e in result.exercises}


def test_reference_solution_gets_full_marks(repo):
    result = grade_submission(repo / "reference" / "lab3" / "solution.py", "lab3")
    assert [e.name for e in result.exercises] == ALL
    assert _statuses(result) == dict.fromkeys(ALL, "passed"), [e.feedback for e in result.exercises]
    assert result.score == result.max_score == 80


def test_the_labs_own_code_in_the_stub_form_gets_full_marks(repo):
    """Each blank filled as the lab's text intends, in the lab's idioms (issue: the text is the specification)."""
    result = grade_submission(repo / "tests" / "cases" / "lab3" / "full_lab_code_solution.py", "lab3")
    assert _statuses(result) == dict.fromkeys(ALL, "passed"), [e.feedback for e in result.exercises]
    assert result.score == result.max_score == 80


def test_complete_notebook_written_differently_gets_full_marks(repo):
    result = grade_submission(repo / "examples" / "lab3" / "complete_submission.ipynb", "lab3")
    assert _statuses(result) == dict.fromkeys(ALL, "passed"), [e.feedback for e in result.exercises]
    assert result.submission == "complete_submission.ipynb"


def test_notebook_with_mistakes_loses_exactly_those_points(repo):
    result = grade_submission(repo / "examples" / "lab3" / "submission_with_mistakes.ipynb", "lab3", quick=True)
    statuses = _statuses(result)
    assert statuses == {
        "extract_W": "failed", "bottleneck_2d": "passed", "add_noise": "failed", "build_sr_network": "passed",
        "build_angle_cnn": "failed", "detector_channels": "passed", "build_unet_no_skips": "failed",
        "BatchNormalizedLayer": "not_implemented",
    }
    by_name = {e.name: e for e in result.exercises}
    assert "transposed" in by_name["extract_W"].feedback
    assert "expected (784, 10)" in by_name["extract_W"].feedback
    assert "relu" in by_name["build_angle_cnn"].feedback
    assert "Add" in by_name["build_unet_no_skips"].feedback


@pytest.mark.parametrize("path", ["exercises/lab3/lab3.ipynb", "tests/cases/lab3/full_stub_unfilled.py"])
def test_unfilled_stubs_are_not_implemented(repo, path):
    result = grade_submission(repo / path, "lab3", quick=True)
    assert _statuses(result) == dict.fromkeys(ALL, "not_implemented")
    assert result.score == 0


def test_json_result_has_the_documented_shape(repo, tmp_path):
    result = grade_submission(repo / "tests" / "cases" / "lab3" / "full_stub_unfilled.py", "lab3", quick=True, only=["add_noise"])
    data = json.loads(result.model_dump_json())
    assert {"lab", "submission", "score", "max_score", "exercises"} <= set(data)
    (exercise,) = data["exercises"]
    assert {"name", "score", "max_score", "status", "feedback", "checks"} <= set(exercise)
    assert exercise["name"] == "add_noise" and exercise["status"] == "not_implemented"
