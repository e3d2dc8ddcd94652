"""Checking from inside Jupyter: ``import grader; grader.check("build_angle_cnn")``.

The check never runs in the student's kernel: the source is written out and
graded exactly as ``grader check`` does, in a sandboxed process, and a compact
HTML result is displayed. The source is the saved notebook when the kernel
can tell which file it is (Jupyter sets ``JPY_SESSION_NAME``, VS Code
``__vsc_ipynb_file__``), otherwise the cells run so far, in the order they ran.

This is formative feedback: the grading process here is started by the
student's own kernel. Official grades come from ``grader grade``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from grader.results import SubmissionResult


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def current_source(notebook: str | Path | None = None) -> tuple[Path, str]:
    """The file to grade and a phrase saying what it is."""
    if notebook is not None:
        return Path(notebook), Path(notebook).name
    shell = _ipython()
    candidates = [os.environ.get("JPY_SESSION_NAME", "")]
    if shell is not None:
        candidates.append(shell.user_ns.get("__vsc_ipynb_file__", ""))
    for candidate in candidates:
        if candidate and candidate.endswith(".ipynb") and Path(candidate).is_file():
            return Path(candidate), f"{Path(candidate).name} (as last saved)"
    if shell is None or not shell.user_ns.get("In"):
        raise RuntimeError("grader.check() runs inside a Jupyter notebook; in a terminal use `grader check LAB FILE`")
    history = [cell for cell in shell.user_ns["In"][1:] if cell and "grader.check" not in cell]
    folder = Path(tempfile.mkdtemp(prefix="labgrader-notebook-"))
    path = folder / "notebook_cells.py"
    path.write_text("\n\n".join(history))
    return path, "the cells you have run, in the order you ran them"


def lab_of(path: Path, lab: str | None, exercise: str | None = None) -> str:
    """The lab to grade ``path`` against.

    In order: ``lab`` if given; the notebook's own (its ``labgrader.lab``
    metadata, which every notebook the grader hands out has); the only lab
    with an exercise called ``exercise``; the lab most of whose exercises
    the file defines; the only lab installed.

    Raises:
        RuntimeError: when none of these decides, naming the labs there are.
    """
    if lab:
        return lab
    text = ""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        pass
    if path.suffix == ".ipynb":
        import nbformat

        try:
            named = nbformat.reads(text, as_version=4).metadata.get("labgrader", {}).get("lab")
        except Exception:  # noqa: BLE001 - unreadable here: the engine will say why
            named = None
        if named:
            return named
    from grader.engine import load_lab_rubric
    from grader.lab import available_labs

    exercises = {}
    for name, candidate in available_labs().items():
        try:
            exercises[name] = [e.name for e in load_lab_rubric(candidate).exercises]
        except Exception:  # noqa: BLE001 - a broken lab cannot be the one meant
            continue
    if exercise:
        having = [name for name, names in exercises.items() if exercise in names]
        if len(having) == 1:
            return having[0]
    defined = {name: sum(bool(re.search(rf"^\s*(?:def|class)\s+{re.escape(e)}\b", text, re.MULTILINE)) for e in names)
               for name, names in exercises.items()}
    best = sorted(defined.items(), key=lambda item: -item[1])
    if best and best[0][1] > 0 and (len(best) == 1 or best[0][1] > best[1][1]):
        return best[0][0]
    if len(exercises) == 1:
        return next(iter(exercises))
    raise RuntimeError(f"this notebook does not say which lab it is; call grader.check(..., lab=NAME) with one of: {', '.join(sorted(exercises))}")


def check(exercise: str | None = None, *, lab: str | None = None, notebook: str | Path | None = None, quick: bool = False,
          display: bool = True) -> SubmissionResult:
    """Grade one exercise (or all with None) of the current notebook in a sandbox and show the result.

    ``lab`` defaults to the lab the notebook's metadata names (every notebook
    the grader hands out names its lab).
    """
    from grader.engine import grade_submission

    path, source = current_source(notebook)
    lab = lab_of(path, lab, exercise)
    result = grade_submission(path, lab, quick=quick, only=[exercise] if exercise else None)
    if display and _ipython() is not None:
        from IPython.display import HTML, display as show

        from grader.report import render_inline

        show(HTML(render_inline(result, source)))
    return result


def check_all(*, lab: str | None = None, notebook: str | Path | None = None, quick: bool = False, display: bool = True) -> SubmissionResult:
    """Grade every exercise of the current notebook; see :func:`check`."""
    return check(None, lab=lab, notebook=notebook, quick=quick, display=display)
