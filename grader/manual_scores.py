"""Points given by hand: ``manual_scores.csv`` in a results folder, and merging it into the results.

The file is the instructor's, and plain CSV so that it can be edited by hand
or in a spreadsheet as well as from the review pages (grader.review)::

    student,question,points,comment
    alice,skip_connections,2.5,"right idea; which layers are joined?"
    bob,skip_connections,,looked at it; come back later

A row without points (or no row at all) leaves the question *pending*, never
0. ``grader grade`` never writes this file, so a rerun cannot lose a score;
``grader export`` (and the end of ``grader grade``) merges it into each
result's ``manual`` part, kept apart from the automatic score.
"""

from __future__ import annotations

import csv
import io
import math
import threading
from dataclasses import dataclass
from pathlib import Path

from grader.render import write_atomic
from grader.results import ManualGrading, ManualScore, SubmissionResult
from grader.rubric import Rubric

MANUAL_SCORES = "manual_scores.csv"
COLUMNS = ["student", "question", "points", "comment"]
_writing = threading.Lock()  # the review server saves from several request threads


class ManualScoresError(ValueError):
    """manual_scores.csv cannot be read (not CSV, or without the columns it needs)."""


@dataclass
class GivenScore:
    """One row of the CSV: the points (None: pending) and the comment."""

    points: float | None
    comment: str


def scored_questions(rubric: Rubric):
    """The rubric's questions that carry points (the others are listed for the instructor, not scored)."""
    return [q for q in rubric.questions if q.points > 0]


def parse_points(text: str, maximum: float) -> float | None:
    """``text`` as points in [0, maximum]; "" is None (pending). ValueError says what is wrong."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or value > maximum:
        raise ValueError(f"{text} is outside 0–{maximum:g}")
    return value


def read_manual_scores(path: Path, rubric: Rubric) -> tuple[dict[tuple[str, str], GivenScore], list[str]]:
    """The scores in ``path`` by (student, question), and a line per row that was not used (and why)."""
    path = Path(path)
    if not path.is_file():
        return {}, []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManualScoresError(f"{path}: cannot be read ({exc}); save it as UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("student", "question", "points") if c not in (reader.fieldnames or [])]
    if missing:
        raise ManualScoresError(f"{path}: no {', '.join(missing)} column; the header must be {','.join(COLUMNS)}")
    maxima = {q.id: q.points for q in scored_questions(rubric)}
    scores: dict[tuple[str, str], GivenScore] = {}
    problems = []
    for line, row in enumerate(reader, start=2):
        student, question = (row.get("student") or "").strip(), (row.get("question") or "").strip()
        if not student and not question:
            continue
        if question not in maxima:
            problems.append(f"{path.name} line {line}: question {question!r} is not one the rubric scores by hand ({', '.join(maxima) or 'none'})")
            continue
        try:
            points = parse_points(row.get("points") or "", maxima[question])
        except ValueError as exc:
            problems.append(f"{path.name} line {line}: points for {student}/{question}: {exc}; left pending")
            points = None
        scores[student, question] = GivenScore(points, (row.get("comment") or "").strip())
    return scores, problems


def save_score(path: Path, rubric: Rubric, student: str, question: str, points: float | None, comment: str) -> None:
    """Set one (student, question) row of ``path``, keeping every other row as it is (atomic write)."""
    with _writing:
        rows = _rows_as_written(path)
        key = (student, question)
        rows = [r for r in rows if (r["student"], r["question"]) != key]
        rows.append({"student": student, "question": question, "points": "" if points is None else f"{points:g}", "comment": comment})
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: (r["question"], r["student"])))
        write_atomic(path, buffer.getvalue())


def _rows_as_written(path: Path) -> list[dict]:
    if not Path(path).is_file():
        return []
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [{c: (row.get(c) or "").strip() for c in COLUMNS} for row in csv.DictReader(f) if (row.get("student") or row.get("question"))]


def manual_grading(student: str, rubric: Rubric, scores: dict[tuple[str, str], GivenScore]) -> ManualGrading | None:
    """One student's questions scored by hand, as far as ``scores`` goes; None when the rubric scores none."""
    questions = scored_questions(rubric)
    if not questions:
        return None
    pending = GivenScore(None, "")
    return ManualGrading(questions=[
        ManualScore(id=q.id, title=q.title, max_points=q.points,
                    points=scores.get((student, q.id), pending).points, comment=scores.get((student, q.id), pending).comment)
        for q in questions
    ])


def merge_manual_scores(rows: list[dict], rubric: Rubric, results_dir: Path) -> list[str]:
    """Give each graded row's result (``row["loaded"]``) its ``manual`` part from the folder's CSV and save it.

    Returns the problems found in the CSV (rows not used, students not in the
    class); the results are written back atomically, their automatic part untouched.
    """
    scores, problems = read_manual_scores(Path(results_dir) / MANUAL_SCORES, rubric)
    known = {row["student"] for row in rows}
    problems += [f"{MANUAL_SCORES}: student {s!r} is not in this results folder; their score for {q} is not used"
                 for s, q in sorted(scores) if s not in known]
    for row in rows:
        result: SubmissionResult | None = row.get("loaded")
        if result is None:
            continue
        manual = manual_grading(row["student"], rubric, scores)
        if manual == result.manual:
            continue
        result.manual = manual
        write_atomic(Path(results_dir) / row["result"], result.model_dump_json(indent=2) + "\n")
    return problems
