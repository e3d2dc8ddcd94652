"""The labs shipped with the grader: each subpackage is one lab (see :mod:`grader.lab`).

Shipped labs keep their files (rubrics, notebooks, reference) at the top of
the repository, in ``rubrics/``, ``exercises/`` and ``reference/``; an
installed wheel carries them in ``grader/_lab_files``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def shipped_files_root() -> Path:
    """The folder holding the shipped labs' exercises/, reference/ and rubrics/.

    An installed wheel carries them in ``grader/_lab_files``; a source checkout
    (editable install) has them at the repository root.
    """
    bundled = _PACKAGE / "_lab_files"
    return bundled if (bundled / "rubrics").is_dir() else _PACKAGE.parent
