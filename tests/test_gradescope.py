"""The Gradescope autograder bundle and its run_autograder entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.exports import validate_gradescope
from grader.gradescope import build_autograder_zip


def test_zip_holds_entry_points_and_the_grader(tmp_path):
    archive = build_autograder_zip("lab3", tmp_path / "autograder.zip")
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder"} <= names
        assert "labgrader/pyproject.toml" in names and "labgrader/rubrics/lab3.toml" in names
        assert "labgrader/grader/harness/main.py" in names
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111  # executable
        assert "results/results.json" not in "".join(names)


def _run_autograder(tmp_path: Path, submission: Path | None) -> dict:
    archive = build_autograder_zip("lab3", tmp_path / "autograder.zip")
    with zipfile.ZipFile(archive) as zf:
        script = zf.read("run_autograder").decode()
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    if submission is not None:
        shutil.copy(submission, root / "submission" / submission.name)
    (tmp_path / "run_autograder").write_text(script)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), LABGRADER_PYTHON=sys.executable, LABGRADER_ARGS="--quick")
    proc = subprocess.run(["bash", str(tmp_path / "run_autograder")], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    validate_gradescope(data)
    return data


@pytest.mark.slow
def test_run_autograder_grades_a_submission(tmp_path, repo):
    data = _run_autograder(tmp_path, repo / "tests" / "cases" / "lab3" / "full_alt_solution.py")
    assert len(data["tests"]) == 8 and data["score"] == sum(t["max_score"] for t in data["tests"])


def test_run_autograder_writes_results_even_without_a_submission(tmp_path):
    data = _run_autograder(tmp_path, None)
    assert data["score"] == 0 and "no .ipynb or .py" in data["output"]
