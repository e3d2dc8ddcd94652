"""Exports: per-submission results turned into the files learning platforms import.

Everything here is a pure function of :class:`GradedSubmission` rows (one per
student, each holding the :class:`~grader.results.SubmissionResult` that
``grader check --json`` writes, or the reason grading failed) except the
``write_*`` functions, which write their files atomically
(:func:`grader.render.write_atomic`).

Formats and the rules enforced:

* ``gradebook.csv`` -- our own instructor spreadsheet: one row per student.
* Canvas gradebook import CSV.
* Gradescope autograder ``results.json`` (validated by :func:`validate_gradescope`
  against ``grader/schemas/gradescope_results.schema.json``).
* LTI 1.3 Assignment and Grade Services score objects
  (``application/vnd.ims.lis.v1.score+json``).
* PrairieLearn external grader ``results.json``.

Scores are made finite and clamped to ``[0, max]`` everywhere, so every export
says the same thing about a student and no platform sees a negative score, a
score above the maximum, or NaN.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from grader.render import write_atomic
from grader.results import ExerciseResult, SubmissionResult

SCHEMA_RESOURCE = "schemas/gradescope_results.schema.json"

#: Text of a status, as shown to students.
STATUS_TEXT = {
    "passed": "passed",
    "failed": "failed",
    "error": "error: your code raised an exception",
    "timeout": "timeout: your code took too long",
    "not_implemented": "not implemented yet",
    "missing": "missing: the exercise was not found in the submission",
    "pending": "pending: to be scored by the instructor",
}

#: Longest error text copied into an export (tracebacks can be long).
MAX_ERROR_CHARS = 2000


@dataclass
class GradedSubmission:
    student: str  # identifier derived from file/folder names or a roster (e.g. "alice" or Canvas user id)
    result: SubmissionResult | None  # None when grading failed entirely
    error: str = ""  # why, when result is None (e.g. "not a notebook: ...")
    display_name: str = ""  # from the roster if known
    sis_id: str = ""  # from the roster if known
    section: str = ""


# ---------------------------------------------------------------- helpers


def _finite(value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def _max(value: Any) -> float:
    return max(0.0, _finite(value))


def _clamp(score: Any, maximum: Any) -> float:
    """A score made finite and put in [0, maximum] (maximum itself at least 0)."""
    return min(max(0.0, _finite(score)), _max(maximum))


def _num(value: float) -> int | float:
    """An int when the value is whole (JSON ``2`` rather than ``2.0``), else rounded to 4 places."""
    value = round(_finite(value), 4)
    return int(value) if value == int(value) else value


def _num_text(value: float) -> str:
    return str(_num(value))


def _error_text(error: str) -> str:
    error = (error or "").strip() or "unknown error"
    if len(error) > MAX_ERROR_CHARS:
        error = error[:MAX_ERROR_CHARS] + " …(truncated)"
    return error


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: Any) -> str:
    """A text cell that a spreadsheet will not run as a formula (OWASP CSV injection).

    A leading ``=``, ``+``, ``-``, ``@``, tab or CR gets a ``'`` in front;
    numbers are written by the callers as numbers and never pass through here.
    """
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _csv_text(rows: Iterable[list[Any]]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerows(rows)
    return buf.getvalue()


def _json_text(data: dict) -> str:
    # ASCII-only so the file is the same bytes whatever the locale's encoding;
    # allow_nan=False: NaN is not JSON and no platform accepts it.
    return json.dumps(data, indent=2, ensure_ascii=True, allow_nan=False) + "\n"


def _exercise_label(ex: ExerciseResult) -> str:
    return f"{ex.name} — {ex.title}" if ex.title else ex.name


def _exercise_lines(ex: ExerciseResult) -> list[str]:
    """Feedback then one line per check (with its hint when it failed)."""
    lines: list[str] = []
    if ex.status not in ("passed", "failed"):
        lines.append(f"Status: {STATUS_TEXT.get(ex.status, ex.status)}")
    if ex.feedback.strip():
        lines.append(ex.feedback.strip())
    for check in ex.checks:
        if check.skipped:
            mark = "–"
        else:
            mark = "✓" if check.passed else "✗"
        points = ""
        if check.max_points:
            points = f" ({_num_text(_clamp(check.points, check.max_points))}/{_num_text(_max(check.max_points))})"
        skipped = " [skipped]" if check.skipped else ""
        lines.append(f"{mark} {check.name}{skipped}: {check.message}{points}".rstrip())
        if check.hint and not check.passed and not check.skipped:
            lines.append(f"   hint: {check.hint}")
    return lines


def _summary(result: SubmissionResult) -> str:
    passed = sum(e.status == "passed" for e in result.exercises)
    total = _clamp(result.total_score, result.total_max_score)
    text = (
        f"Score: {_num_text(total)}/{_num_text(_max(result.total_max_score))} "
        f"({passed} of {len(result.exercises)} exercises passed"
    )
    if result.manual and result.manual.questions:
        text += f"; written answers {_num_text(result.manual.score)}/{_num_text(result.manual.max_score)}"
        if result.pending:
            text += f", {result.pending} still to be scored by the instructor"
    return text + ")."


def _summary_lines(result: SubmissionResult) -> list[str]:
    lines = [_summary(result)]
    if result.quick:
        lines.append("Quick check: the checks that train models were skipped, so this is not a final grade.")
    lines.extend(f"Note: {note}" for note in result.notes)
    return lines


# ---------------------------------------------------------------- gradebook.csv

GRADEBOOK_FIXED = ("student", "name", "total", "max_score", "status")


def _common_max(rows: list[GradedSubmission]) -> float | None:
    """The maximum of the graded rows, points given by hand included (the largest if they disagree); None if none is graded."""
    maxima = [_max(r.result.total_max_score) for r in rows if r.result is not None]
    return max(maxima) if maxima else None


def gradebook_rows(rows: list[GradedSubmission], exercise_names: list[str]) -> list[list[Any]]:
    """The gradebook as a header and one list per student (what :func:`write_gradebook_csv` writes)."""
    names = list(exercise_names)
    if len(set(names)) != len(names):
        raise ValueError(f"exercise names repeat: {names}")
    clash = set(names) & set(GRADEBOOK_FIXED)
    if clash:
        raise ValueError(f"exercise names {sorted(clash)} clash with the gradebook's own columns {GRADEBOOK_FIXED}")
    common_max = _common_max(rows)
    table: list[list[Any]] = [["student", "name", *names, "total", "max_score", "status"]]
    for row in rows:
        name = row.display_name
        if row.result is None:
            cells = [""] * len(names)
            max_score = "" if common_max is None else _num(common_max)
            table.append(
                [_cell(row.student), _cell(name), *cells, 0, max_score, _cell(f"error: {_one_line(_error_text(row.error))}")]
            )
            continue
        by_name = {ex.name: ex for ex in row.result.graded_items()}
        cells = ["pending" if n in by_name and by_name[n].status == "pending" else
                 _num(_clamp(by_name[n].score, by_name[n].max_score)) if n in by_name else "" for n in names]
        total = _clamp(row.result.total_score, row.result.total_max_score)
        status = f"graded; {row.result.pending} pending" if row.result.pending else "graded"
        table.append(
            [_cell(row.student), _cell(name), *cells, _num(total), _num(_max(row.result.total_max_score)), status]
        )
    return table


def write_gradebook_csv(rows: list[GradedSubmission], path, exercise_names: list[str]) -> None:
    """One row per student: student, name, a score per exercise, total, max_score, status.

    A question scored by hand (``manual:<id>``) not scored yet reads
    ``pending``, and the status says how many are: ``graded; 2 pending``;
    total and max_score include the points given by hand.

    status is ``graded`` or ``error: <why>``; an errored submission has empty
    exercise cells and total 0 (max_score is the one the graded rows share).
    An exercise the result does not contain has an empty cell. Quoting is the
    csv module's, so names with commas, quotes and newlines survive; text cells
    that would start a spreadsheet formula get a leading ``'``.
    """
    write_atomic(path, _csv_text(gradebook_rows(rows, exercise_names)))


# ---------------------------------------------------------------- Canvas

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_POSSIBLE = "    Points Possible"  # as Canvas writes it in its own exports


def canvas_assignment_column(assignment_name: str, assignment_id: str | None) -> str:
    """``Name (id)``, the header Canvas uses to match an existing assignment; just the name creates a new one."""
    name = _one_line(assignment_name)
    if not name:
        raise ValueError("the Canvas assignment needs a name")
    return f"{name} ({str(assignment_id).strip()})" if assignment_id not in (None, "") else name


def canvas_rows(rows: list[GradedSubmission], assignment_name: str, assignment_id: str | None) -> list[list[Any]]:
    column = canvas_assignment_column(assignment_name, assignment_id)
    common_max = _common_max(rows)
    table: list[list[Any]] = [
        [*CANVAS_FIXED, _cell(column)],
        [CANVAS_POINTS_POSSIBLE, "", "", "", "", "" if common_max is None else _num(common_max)],
    ]
    for row in rows:
        student = row.student.strip()
        # Canvas matches a row by ID (its numeric user id), then SIS User ID,
        # then SIS Login ID; a non-numeric identifier can only be a login.
        canvas_id = student if student.isdigit() else ""
        login = "" if student.isdigit() else student
        # A failed grading leaves the cell empty, which Canvas reads as "no
        # change": an instructor decides, the import does not write a 0. So
        # does a written answer still to be scored: pending is not 0.
        score: Any = "" if row.result is None or row.result.pending else _num(_clamp(row.result.total_score, row.result.total_max_score))
        table.append(
            [
                _cell(_one_line(row.display_name or student)),
                canvas_id,
                _cell(row.sis_id.strip()),
                _cell(login),
                _cell(_one_line(row.section)),
                score,
            ]
        )
    return table


def write_canvas_csv(rows: list[GradedSubmission], path, assignment_name: str, assignment_id: str | None) -> None:
    """Canvas gradebook import CSV.

    Header ``Student, ID, SIS User ID, SIS Login ID, Section, <name> (<id>)``,
    then a ``Points Possible`` row, then one row per student with score = total
    (empty, i.e. unchanged in Canvas, when grading failed or a written answer
    is still to be scored by hand). ID is the student
    identifier when it is a Canvas user id (all digits), else it goes to SIS
    Login ID; SIS User ID comes from the roster.
    """
    write_atomic(path, _csv_text(canvas_rows(rows, assignment_name, assignment_id)))


# ---------------------------------------------------------------- Gradescope

GRADESCOPE_VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")


def gradescope_results(result: SubmissionResult | None, error: str = "", *, visibility: str = "visible") -> dict:
    """Gradescope autograder results.json for one submission.

    One test per exercise, named ``<exercise> — <title>``, with score clamped
    to [0, max_score], status passed/failed (error, timeout, not implemented
    and missing are failed, and say so in the output) and output = the
    exercise's feedback and one line per check. Outputs are plain text
    (``output_format``/``test_output_format`` = text) so nothing in feedback
    is rendered as HTML. No top-level max_score (Gradescope has none; the
    assignment's points are set on Gradescope). The top-level score is the
    submission's total. stdout is for instructors only.

    When ``result`` is None: score 0, an output saying why, and one failed
    test carrying the error.
    """
    if visibility not in GRADESCOPE_VISIBILITY:
        raise ValueError(f"visibility must be one of {GRADESCOPE_VISIBILITY}, not {visibility!r}")
    data: dict[str, Any] = {
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "stdout_visibility": "hidden",
        "visibility": visibility,
    }
    if result is None:
        message = f"The autograder could not grade this submission: {_error_text(error)}"
        data.update(
            score=0,
            execution_time=0,
            output=message,
            tests=[
                {
                    "name": "Grading failed",
                    "score": 0,
                    "max_score": 0,
                    "status": "failed",
                    "output": message,
                    "visibility": visibility,
                }
            ],
        )
        return data
    tests = []
    for number, ex in enumerate(result.graded_items(), 1):
        maximum = _max(ex.max_score)
        test = {
            "name": _exercise_label(ex),
            "number": str(number),
            "score": _num(_clamp(ex.score, maximum)),
            "max_score": _num(maximum),
            "status": "passed" if ex.status == "passed" else "failed",
            "output": "\n".join(_exercise_lines(ex)),
            "visibility": visibility,
            "extra_data": {"exercise": ex.name, "status": ex.status},
        }
        if ex.status == "pending":  # neither passed nor failed: no status, and no score yet
            del test["status"], test["score"]
        tests.append(test)
    data.update(
        score=_num(_clamp(result.total_score, result.total_max_score)),
        execution_time=_num(_max(result.seconds)),
        output="\n".join(_summary_lines(result)),
        tests=tests,
    )
    return data


def gradescope_schema() -> dict:
    """The Gradescope results.json schema shipped in the package."""
    from importlib.resources import files

    return json.loads(files("grader").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8"))


class GradescopeSchemaError(ValueError):
    """A results dict that Gradescope's results.json specification does not allow."""


def validate_gradescope(data: dict, schema: dict | None = None) -> None:
    """Raise :class:`GradescopeSchemaError` listing every way ``data`` breaks the schema.

    ``schema`` defaults to the copy in ``grader/schemas``. Needs jsonschema
    (the ``test`` extra).
    """
    try:
        from jsonschema import Draft202012Validator
    except ImportError as exc:  # pragma: no cover - jsonschema is a test dependency
        raise RuntimeError("validate_gradescope needs the jsonschema package: pip install 'labgrader[test]'") from exc
    validator = Draft202012Validator(schema if schema is not None else gradescope_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [f"  at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in errors]
        raise GradescopeSchemaError(
            f"Gradescope results.json is not valid ({len(errors)} problem{'s' if len(errors) != 1 else ''}):\n"
            + "\n".join(lines)
        )


# ---------------------------------------------------------------- LTI 1.3 AGS

LTI_SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"


def lti_timestamp(timestamp: str | datetime | None = None) -> str:
    """ISO 8601 with milliseconds and a UTC offset; now (UTC) by default.

    A timestamp without a timezone is refused: AGS needs one.
    """
    if timestamp is None:
        moment = datetime.now(timezone.utc)
    elif isinstance(timestamp, datetime):
        moment = timestamp
    else:
        text = str(timestamp).strip()
        if text[-1:] in ("Z", "z"):  # Python 3.10's fromisoformat does not read Z
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"not an ISO 8601 timestamp: {timestamp!r}") from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an LTI timestamp needs a timezone: {timestamp!r}")
    return moment.isoformat(timespec="milliseconds")


def _lti_comment(result: SubmissionResult) -> str:
    head = _summary(result)
    if result.quick:
        head += " Quick check only (model training skipped)."
    exercises = [
        f"{ex.name}: {STATUS_TEXT.get(ex.status, ex.status).split(':')[0]} "
        f"({_num_text(_clamp(ex.score, ex.max_score))}/{_num_text(_max(ex.max_score))})"
        for ex in result.graded_items()
    ]
    return " ".join([head, "; ".join(exercises)]).strip()


def lti_score(row: GradedSubmission, timestamp: str | None = None) -> dict:
    """LTI 1.3 AGS score object (media type ``application/vnd.ims.lis.v1.score+json``).

    userId = the row's student identifier; scoreGiven in [0, scoreMaximum];
    timestamp ISO 8601 with milliseconds and timezone (now, UTC, by default);
    activityProgress Completed; gradingProgress FullyGraded, or PendingManual
    while written answers wait for the instructor (scoreGiven is then the
    partial score so far, as AGS specifies). When grading
    failed, or there are no points to give (scoreMaximum must be positive),
    scoreGiven/scoreMaximum are left out and gradingProgress is Failed with a
    comment saying why (platforms ignore a score whose grading failed).
    Comments are plain text.
    """
    score: dict[str, Any] = {"userId": str(row.student), "timestamp": lti_timestamp(timestamp), "activityProgress": "Completed"}
    result = row.result
    if result is None:
        score["gradingProgress"] = "Failed"
        score["comment"] = f"Grading failed: {_one_line(_error_text(row.error))}"
        return score
    maximum = _max(result.total_max_score)
    if maximum <= 0:
        score["gradingProgress"] = "Failed"
        score["comment"] = f"Nothing to score: the graded exercises are worth 0 points. {_lti_comment(result)}"
        return score
    score["scoreGiven"] = _num(_clamp(result.total_score, maximum))
    score["scoreMaximum"] = _num(maximum)
    score["gradingProgress"] = "PendingManual" if result.pending else "FullyGraded"
    score["comment"] = _lti_comment(result)
    return score


# ---------------------------------------------------------------- PrairieLearn


def prairielearn_results(result: SubmissionResult | None, error: str = "") -> dict:
    """PrairieLearn external grader results.json.

    ``score`` is total/max in [0, 1]; with a max of 0 it is 1 when every
    exercise passed (and there is at least one) and 0 otherwise. One test per
    exercise (name = exercise, description = title) with points clamped to
    [0, max_points]. When ``result`` is None: ``gradable`` false, score 0 and
    a message saying why (PrairieLearn then shows the message and does not
    count the submission as a graded attempt).
    """
    if result is None:
        message = f"The autograder could not grade this submission: {_error_text(error)}"
        return {"gradable": False, "score": 0.0, "message": message, "output": message, "tests": []}
    maximum = _max(result.total_max_score)
    if maximum > 0:
        fraction = _clamp(result.total_score, maximum) / maximum
    else:
        fraction = 1.0 if result.exercises and result.all_passed else 0.0
    fraction = min(1.0, max(0.0, fraction))
    tests = []
    output: list[str] = list(_summary_lines(result))
    for ex in result.graded_items():
        lines = _exercise_lines(ex)
        max_points = _max(ex.max_score)
        tests.append(
            {
                "name": ex.name,
                "description": ex.title,
                "points": _num(_clamp(ex.score, max_points)),
                "max_points": _num(max_points),
                "message": STATUS_TEXT.get(ex.status, ex.status),
                "output": "\n".join(lines),
            }
        )
        output.append("")
        output.append(f"{_exercise_label(ex)}: {STATUS_TEXT.get(ex.status, ex.status)}")
        output.extend(lines)
    return {
        "gradable": True,
        "score": float(round(fraction, 6)),
        "message": "\n".join(_summary_lines(result)),
        "output": "\n".join(output),
        "tests": tests,
    }


# ---------------------------------------------------------------- files

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_NAME_CHARS = 80


def safe_filename(student: str) -> str:
    """A file name (no extension) for a student id that cannot leave its folder.

    Letters, digits and ``. _ @ + -`` are kept, anything else becomes ``_``, a
    leading dot or dash and a trailing dot become ``_``. When the name had to change (or is a
    Windows device name, or too long) an 8-hex-digit hash of the original is
    appended, so ``a/b`` and ``a_b`` stay apart.
    """
    original = str(student)
    name = _UNSAFE.sub("_", original)[:MAX_NAME_CHARS]
    if name[:1] in (".", "-"):
        name = "_" + name[1:]
    if name.endswith("."):  # Windows drops trailing dots
        name = name[:-1] + "_"
    changed = name != original or not name or name.split(".")[0].lower() in _WINDOWS_RESERVED
    if changed:
        digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        name = f"{name}-{digest}" if name else f"_-{digest}"
    return name


def safe_filenames(students: Iterable[str]) -> list[str]:
    """:func:`safe_filename` for each student in order, made unique ignoring case
    (as case-insensitive file systems need): a name already taken, by a repeated
    student or a clash, gets ``-2``, ``-3`` … appended."""
    result: list[str] = []
    taken: set[str] = set()
    for student in students:
        base = name = safe_filename(student)
        n = 1
        while name.casefold() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.casefold())
        result.append(name)
    return result


def write_exports(
    rows: list[GradedSubmission],
    out_dir,
    exercise_names: list[str],
    assignment_name: str = "assignment",
    assignment_id: str | None = None,
) -> dict[str, Path]:
    """Write every export under ``out_dir``, each file atomically.

    ``gradebook.csv``, ``canvas.csv``, and per student
    ``gradescope/<student>.json``, ``lti/<student>.json`` and
    ``prairielearn/<student>.json`` with ``<student>`` from
    :func:`safe_filenames`. Returns {path relative to out_dir (POSIX): path}.
    A student listed twice gets files for each row (``-2`` appended to the second).
    """
    out = Path(out_dir)
    written: dict[str, Path] = {}

    def put(relative: str, text: str) -> None:
        path = out / relative
        write_atomic(path, text)
        written[relative] = path

    put("gradebook.csv", _csv_text(gradebook_rows(rows, exercise_names)))
    put("canvas.csv", _csv_text(canvas_rows(rows, assignment_name, assignment_id)))
    timestamp = lti_timestamp()
    for row, name in zip(rows, safe_filenames(row.student for row in rows)):
        put(f"gradescope/{name}.json", _json_text(gradescope_results(row.result, row.error)))
        put(f"lti/{name}.json", _json_text(lti_score(row, timestamp)))
        put(f"prairielearn/{name}.json", _json_text(prairielearn_results(row.result, row.error)))
    return written
