"""Where each lab's material lives, and the parent-side half of its probes.

A lab is: ``exercises/<lab>/`` (the student notebook), ``reference/<lab>/``
(instructor solutions), ``rubrics/<lab>.toml`` (what is checked and for how
many points), ``grader/harness/labs/<lab>.py`` (probes run in the sandbox)
and ``grader/labs/<lab>.py`` (inputs and hidden targets, kept in the grader).
"""

from __future__ import annotations

import importlib
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def lab_files_root() -> Path:
    """The folder holding exercises/, reference/ and rubrics/.

    An installed wheel carries them in ``grader/_lab_files``; a source checkout
    (editable install) has them at the repository root.
    """
    bundled = _PACKAGE / "_lab_files"
    return bundled if (bundled / "rubrics").is_dir() else _PACKAGE.parent


def available_labs() -> list[str]:
    return sorted(p.stem for p in (lab_files_root() / "rubrics").glob("*.toml"))


def rubric_path(lab: str) -> Path:
    return lab_files_root() / "rubrics" / f"{lab}.toml"


def exercise_notebook(lab: str) -> Path:
    return lab_files_root() / "exercises" / lab / f"{lab}.ipynb"


def reference_dir(lab: str) -> Path:
    return lab_files_root() / "reference" / lab


def tasks_module(lab: str):
    """The parent-side module that prepares inputs and hidden targets for ``lab``."""
    return importlib.import_module(f"grader.labs.{lab}")
