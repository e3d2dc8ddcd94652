"""Shared fixtures. Sandboxed grading is slow (TensorFlow starts in each child),
so tests grade combined submissions once per module and assert on the parts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases" / "lab3"
#: The toy lab's distribution (a package and its .dist-info): on the path, the
#: labgrader.labs entry point it declares makes it an installed lab.
TOY_LABS = REPO / "tests" / "labs" / "toy_labs"
if str(TOY_LABS) not in sys.path:
    sys.path.insert(0, str(TOY_LABS))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def lab3_rubric():
    from grader.engine import load_lab_rubric

    return load_lab_rubric("lab3")
