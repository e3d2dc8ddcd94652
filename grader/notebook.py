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
        raise RuntimeError("grader.check() runs inside a Jupyter notebook; in a terminal use `grader check lab3 FILE`")
    history = [cell for cell in shell.user_ns["In"][1:] if cell and "grader.check" not in cell]
    folder = Path(tempfile.mkdtemp(prefix="labgrader-notebook-"))
    path = folder / "notebook_cells.py"
    path.write_text("\n\n".join(history))
    return path, "the cells you have run, in the order you ran them"


def check(exercise: str | None = None, *, lab: str = "lab3", notebook: str | Path | None = None, quick: bool = False,
          display: bool = True) -> SubmissionResult:
    """Grade one exercise (or all with None) of the current notebook in a sandbox and show the result."""
    from grader.engine import grade_submission

    path, source = current_source(notebook)
    result = grade_submission(path, lab, quick=quick, only=[exercise] if exercise else None)
    if display and _ipython() is not None:
        from IPython.display import HTML, display as show

        from grader.report import render_inline

        show(HTML(render_inline(result, source)))
    return result


def check_all(*, lab: str = "lab3", notebook: str | Path | None = None, quick: bool = False, display: bool = True) -> SubmissionResult:
    """Grade every exercise of the current notebook; see :func:`check`."""
    return check(None, lab=lab, notebook=notebook, quick=quick, display=display)
