"""A batch's results folder: which files hold whose result, the manifest, and loading them.

Layout of ``grader grade ... --out DIR``::

    DIR/<stem>.json            one result per student (grader.results.SubmissionResult)
    DIR/reports/<stem>.html    each student's feedback report
    DIR/batch.json             the manifest: student, stem, names, ids, file graded
    DIR/index.html             the class overview

A stem is the student's id made safe for a file name (no separators, no
leading dot). Stems are unique within the folder, compared without case (two
students on a case-insensitive disk): "a b" and "a_b" are two students, so the
one that comes second gets "-2". A student keeps their stem across reruns,
because the manifest remembers it.

Batch grading writes here; reports and exports read from here. Nothing here
imports either of them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

from grader import __version__
from grader.render import write_atomic
from grader.results import SubmissionResult

MANIFEST = "batch.json"
REPORTS_DIR = "reports"
MAX_STEM = 120


def safe_stem(student: str) -> str:
    """``student`` as a file-name-safe stem (no separators, no leading dots); not unique by itself."""
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]", "_", student).lstrip(".") or "student"
    return cleaned[:MAX_STEM]


def load_result(path: Path) -> SubmissionResult | None:
    """The result saved at ``path``, or None when it is missing or unreadable."""
    try:
        return SubmissionResult.model_validate_json(Path(path).read_text())
    except (OSError, ValueError):
        return None


class ResultsFolder:
    """One batch's results folder (see the module docstring).

    Example:

    ```python
    folder = ResultsFolder(Path("results"))
    folder.assign(["ann", "a b", "a_b"])
    folder.result_path("a_b")   # results/a_b-2.json
    ```
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._stems: dict[str, str] = self._remembered_stems()

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def _manifest_rows(self) -> list[dict] | None:
        try:
            return list(json.loads(self.manifest_path.read_text())["students"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _remembered_stems(self) -> dict[str, str]:
        rows = self._manifest_rows() or []
        return {row["student"]: Path(row["result"]).stem for row in rows if "student" in row and "result" in row}

    def assign(self, students: Iterable[str]) -> None:
        """Give every student a stem: the one remembered, else a free one."""
        taken = {stem.casefold() for stem in self._stems.values()}
        for student in students:
            if student in self._stems:
                continue
            base = safe_stem(student)
            stem, n = base, 1
            while stem.casefold() in taken:
                n += 1
                stem = f"{base[: MAX_STEM - 8]}-{n}"
            taken.add(stem.casefold())
            self._stems[student] = stem

    def stem(self, student: str) -> str:
        if student not in self._stems:
            self.assign([student])
        return self._stems[student]

    def result_path(self, student: str) -> Path:
        return self.root / f"{self.stem(student)}.json"

    def report_href(self, student: str) -> str:
        """The student's report, relative to the folder (for links in index.html)."""
        return f"{REPORTS_DIR}/{self.stem(student)}.html"

    def report_path(self, student: str) -> Path:
        return self.root / self.report_href(student)

    def write_manifest(self, rows: list[dict]) -> None:
        """Record who is who: each row has ``student`` and may have ``display_name``, ``sis_id``,
        ``login_id``, ``section``, ``file`` and ``problem``."""
        students = [{**row, "result": self.result_path(row["student"]).name} for row in rows]
        write_atomic(self.manifest_path, json.dumps({"grader_version": __version__, "students": students}, indent=2) + "\n")

    def load_graded(self) -> list[dict]:
        """Each student's manifest row with ``loaded`` (the result, or None) and ``report`` (its href).

        A folder of results copied without its manifest gives one row per result file.
        """
        rows = self._manifest_rows()
        if rows is None:
            rows = [{"student": p.stem, "result": p.name} for p in sorted(self.root.glob("*.json")) if p.name != MANIFEST]
            self._stems.update({row["student"]: row["student"] for row in rows})
        for row in rows:
            row["loaded"] = load_result(self.root / row["result"])
            row["report"] = f"{REPORTS_DIR}/{Path(row['result']).stem}.html"
        return rows
