"""Shared fixtures. Sandboxed grading is slow (TensorFlow starts in each child),
so tests grade combined submissions once per module and assert on the parts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases" / "lab3"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def lab3_rubric():
    from grader.engine import load_lab_rubric

    return load_lab_rubric("lab3")
