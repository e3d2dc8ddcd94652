"""Exports to learning platforms (grader/exports.py): fast, built from hand-made results."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from grader import exports
from grader.exports import (
    GradedSubmission,
    GradescopeSchemaError,
    gradescope_results,
    lti_score,
    prairielearn_results,
    safe_filename,
    safe_filenames,
    validate_gradescope,
    write_canvas_csv,
    write_exports,
    write_gradebook_csv,
)
from grader.results import CheckResult, ExerciseResult, SubmissionResult

REPO = Path(__file__).resolve().parents[1]
PACKAGE_SCHEMA = REPO / "grader" / "schemas" / "gradescope_results.schema.json"
SHARED_SCHEMA = REPO.parent / "shared" / "schemas" / "gradescope_results.schema.json"
NAMES = ["extract_W", "conv_block", "train_cnn", "predict"]
NASTY_NAME = 'O\'Brien, "Bob"\nJr'
SCRIPT = "<script>alert('x')</script>"


def _check(name, passed, points, max_points, message="", hint="", skipped=False):
    return CheckResult(
        name=name, passed=passed, message=message or ("ok" if passed else "wrong"),
        points=points, max_points=max_points, hint=hint, skipped=skipped,
    )


def _exercise(name, score, max_score, status, feedback="", checks=(), title=""):
    return ExerciseResult(
        name=name, title=title or f"Title of {name}", score=score, max_score=max_score,
        status=status, feedback=feedback, checks=list(checks),
    )


def _submission(exercises, **kw):
    return SubmissionResult(
        lab="lab3", submission=kw.pop("submission", "x.ipynb"),
        score=kw.pop("score", sum(e.score for e in exercises)),
        max_score=kw.pop("max_score", sum(e.max_score for e in exercises)),
        exercises=exercises, seconds=kw.pop("seconds", 12.5), **kw,
    )


def full_marks() -> SubmissionResult:
    return _submission([
        _exercise(n, 10, 10, "passed", "Well done.", [_check("a", True, 4, 4), _check("b", True, 6, 6)]) for n in NAMES
    ])


def partial() -> SubmissionResult:
    return _submission([
        _exercise("extract_W", 10, 10, "passed", "Well done.", [_check("returns_ndarray", True, 10, 10)]),
        _exercise(
            "conv_block", 3, 10, "failed", f"Shape is wrong {SCRIPT}",
            [_check("builds", True, 3, 3), _check("shape", False, 0, 7, "got (28, 28)", hint="use padding='same'")],
        ),
        _exercise("train_cnn", 2.5, 10, "failed", "Accuracy 0.61 < 0.9",
                  [_check("accuracy", False, 2.5, 10), _check("slow", False, 0, 0, "skipped in quick", skipped=True)]),
        _exercise("predict", 0, 10, "failed", "", [_check("values", False, 0, 10)]),
    ], notes=["a note for the student"])


def bad_statuses() -> SubmissionResult:
    return _submission([
        _exercise("extract_W", 0, 10, "error", "NameError: name 'np' is not defined"),
        _exercise("conv_block", 0, 10, "timeout", "Stopped after 60 s"),
        _exercise("train_cnn", 0, 10, "not_implemented", "Still raises NotImplementedError"),
        _exercise("predict", 0, 10, "missing", "No cell tagged predict"),
    ])


def odd_scores() -> SubmissionResult:
    """Scores a buggy rubric could produce: negative, above the maximum, NaN."""
    return _submission([
        _exercise("extract_W", 12, 10, "passed"),
        _exercise("conv_block", -3, 10, "failed"),
        _exercise("train_cnn", float("nan"), 10, "failed"),
    ], score=float("inf"), max_score=30)


def zero_max() -> SubmissionResult:
    return _submission([_exercise("extract_W", 0, 0, "passed")], score=0, max_score=0)


def empty() -> SubmissionResult:
    return _submission([], score=0, max_score=0)


RESULTS = {
    "full": full_marks,
    "partial": partial,
    "bad_statuses": bad_statuses,
    "odd_scores": odd_scores,
    "zero_max": zero_max,
    "empty": empty,
    "none": lambda: None,
}
ERROR = "not a notebook: submissions/bob/lab3.txt"


def _rows() -> list[GradedSubmission]:
    return [
        GradedSubmission("alice", full_marks(), display_name="Alice A", sis_id="S1", section="01"),
        GradedSubmission("bob", partial(), display_name=NASTY_NAME, section="02"),
        GradedSubmission("12345", bad_statuses(), display_name="Carol, C."),
        GradedSubmission("dave", None, error=ERROR + "\nsecond line " + SCRIPT, display_name="Dave"),
        GradedSubmission("=HYPERLINK(\"http://x\")", partial(), display_name="@SUM(A1)"),
    ]


def _schemas() -> list[dict]:
    paths = [PACKAGE_SCHEMA] + ([SHARED_SCHEMA] if SHARED_SCHEMA.exists() else [])
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


# ---------------------------------------------------------------- gradebook.csv


def test_gradebook_round_trips_through_dictreader(tmp_path):
    path = tmp_path / "gradebook.csv"
    rows = _rows()
    write_gradebook_csv(rows, path, NAMES)
    with open(path, newline="", encoding="utf-8") as f:
        read = list(csv.DictReader(f))
    assert list(read[0]) == ["student", "name", *NAMES, "total", "max_score", "status"]
    assert len(read) == len(rows)
    by_student = {r["student"]: r for r in read}
    bob = by_student["bob"]
    assert bob["name"] == NASTY_NAME
    assert [bob[n] for n in NAMES] == ["10", "3", "2.5", "0"]
    assert (bob["total"], bob["max_score"], bob["status"]) == ("15.5", "40", "graded")
    alice = by_student["alice"]
    assert (alice["total"], alice["max_score"], alice["status"]) == ("40", "40", "graded")
    dave = by_student["dave"]
    assert [dave[n] for n in NAMES] == [""] * len(NAMES)
    assert dave["total"] == "0"
    assert dave["status"].startswith("error: not a notebook")
    assert "\n" not in dave["status"]


def test_gradebook_neutralises_spreadsheet_formulas(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_gradebook_csv(_rows(), path, NAMES)
    with open(path, newline="", encoding="utf-8") as f:
        read = list(csv.DictReader(f))
    for row in read:
        for key in ("student", "name", "status"):
            assert not row[key].startswith(("=", "+", "-", "@")), row[key]
    assert "'=HYPERLINK(\"http://x\")" in {r["student"] for r in read}


def test_gradebook_missing_exercise_cell_is_empty_and_extra_ignored(tmp_path):
    path = tmp_path / "g.csv"
    result = _submission([_exercise("extract_W", 4, 10, "failed"), _exercise("bonus", 1, 1, "passed")])
    write_gradebook_csv([GradedSubmission("eve", result)], path, ["extract_W", "conv_block"])
    row = next(csv.DictReader(open(path, newline="", encoding="utf-8")))
    assert (row["extract_W"], row["conv_block"], row["total"], row["max_score"]) == ("4", "", "5", "11")


def test_gradebook_rejects_clashing_exercise_names(tmp_path):
    with pytest.raises(ValueError):
        write_gradebook_csv(_rows(), tmp_path / "g.csv", ["total"])
    with pytest.raises(ValueError):
        write_gradebook_csv(_rows(), tmp_path / "g.csv", ["a", "a"])


# ---------------------------------------------------------------- Canvas


def test_canvas_header_points_possible_and_scores(tmp_path):
    path = tmp_path / "canvas.csv"
    write_canvas_csv(_rows(), path, "Lab 3, CNNs", "4242")
    with open(path, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 3, CNNs (4242)"]
    assert table[1][0].strip() == "Points Possible"
    assert table[1][5] == "40"
    students = table[2:]
    assert len(students) == 5
    assert all(len(r) == 6 for r in table)
    alice, bob, carol, dave, evil = students
    assert alice == ["Alice A", "", "S1", "alice", "01", "40"]
    assert bob[0] == "O'Brien, \"Bob\" Jr"  # one line in Canvas
    assert bob[5] == "15.5"
    assert carol[1:4] == ["12345", "", ""]  # a numeric id is a Canvas user id
    assert carol[5] == "0"
    assert dave[5] == ""  # grading failed: left unchanged in Canvas
    assert evil[0].startswith("'") and evil[3].startswith("'")


def test_canvas_without_assignment_id(tmp_path):
    path = tmp_path / "canvas.csv"
    write_canvas_csv(_rows()[:1], path, "lab3", None)
    header = next(csv.reader(open(path, newline="", encoding="utf-8")))
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "lab3"]


# ---------------------------------------------------------------- Gradescope


@pytest.mark.parametrize("kind", sorted(RESULTS))
def test_gradescope_results_validate(kind):
    result = RESULTS[kind]()
    data = gradescope_results(result, error=ERROR if result is None else "")
    json.dumps(data, allow_nan=False)
    for schema in _schemas():
        validate_gradescope(data, schema)
    validate_gradescope(data)  # the packaged copy, found through importlib.resources
    assert "max_score" not in data
    assert 0 <= data["score"]
    for test in data.get("tests", []):
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    if result is not None:
        assert data["score"] <= max(0, result.max_score)
        assert len(data["tests"]) == len(result.exercises)


def test_gradescope_content():
    data = gradescope_results(partial())
    assert data["score"] == 15.5
    assert data["output_format"] == data["test_output_format"] == "text"  # feedback is never rendered as HTML
    assert "a note for the student" in data["output"]
    conv = data["tests"][1]
    assert conv["name"] == "conv_block — Title of conv_block"
    assert (conv["score"], conv["max_score"], conv["status"]) == (3, 10, "failed")
    assert SCRIPT in conv["output"]  # kept as text; output_format text means it is shown, not run
    assert "✗ shape: got (28, 28) (0/7)" in conv["output"]
    assert "hint: use padding='same'" in conv["output"]
    assert "✓ builds: ok (3/3)" in conv["output"]
    assert data["tests"][0]["status"] == "passed"
    statuses = gradescope_results(bad_statuses())
    assert [t["status"] for t in statuses["tests"]] == ["failed"] * 4
    assert "timeout" in statuses["tests"][1]["output"]


def test_gradescope_error_case():
    data = gradescope_results(None, ERROR)
    validate_gradescope(data)
    assert data["score"] == 0
    assert ERROR in data["output"]
    assert all(t["status"] == "failed" and t["score"] == 0 for t in data["tests"])


def test_gradescope_odd_scores_are_clamped():
    data = gradescope_results(odd_scores())
    assert [t["score"] for t in data["tests"]] == [10, 0, 0]
    assert data["score"] == 0  # inf is not a score


def test_validate_gradescope_explains_what_is_wrong():
    bad = gradescope_results(partial())
    bad["max_score"] = 40
    bad["tests"][0]["status"] = "ok"
    with pytest.raises(GradescopeSchemaError) as info:
        validate_gradescope(bad)
    text = str(info.value)
    assert "2 problems" in text
    assert "max_score" in text
    assert "/tests/0/status" in text
    with pytest.raises(GradescopeSchemaError):
        validate_gradescope({"output": "no score, no tests"})


def test_packaged_schema_matches_shared_copy():
    if not SHARED_SCHEMA.exists():
        pytest.skip("no ../shared checkout")
    assert json.loads(PACKAGE_SCHEMA.read_text()) == json.loads(SHARED_SCHEMA.read_text())


# ---------------------------------------------------------------- LTI


LTI_REQUIRED = {"userId", "timestamp", "activityProgress", "gradingProgress"}


def _iso_with_timezone(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None
    return moment


@pytest.mark.parametrize("kind", sorted(RESULTS))
def test_lti_scores(kind):
    result = RESULTS[kind]()
    row = GradedSubmission("alice", result, error=ERROR if result is None else "")
    score = lti_score(row)
    assert LTI_REQUIRED <= set(score)
    assert score["userId"] == "alice"
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] in ("FullyGraded", "Failed")
    _iso_with_timezone(score["timestamp"])
    assert "." in score["timestamp"]  # sub-second precision
    json.dumps(score, allow_nan=False)
    if "scoreGiven" in score:
        assert "scoreMaximum" in score
        assert score["scoreMaximum"] > 0
        assert 0 <= score["scoreGiven"] <= score["scoreMaximum"]
        assert score["gradingProgress"] == "FullyGraded"
    else:
        assert "scoreMaximum" not in score
        assert score["gradingProgress"] == "Failed"
        assert score["comment"]
    assert score["gradingProgress"] != "PendingManual"


def test_lti_values_and_timestamps():
    score = lti_score(GradedSubmission("7", partial()), timestamp="2026-03-01T12:00:00Z")
    assert (score["scoreGiven"], score["scoreMaximum"]) == (15.5, 40)
    assert score["timestamp"] == "2026-03-01T12:00:00.000+00:00"
    assert "conv_block: failed (3/10)" in score["comment"]
    assert lti_score(GradedSubmission("7", partial()), "2026-03-01T12:00:00.5+02:00")["timestamp"].endswith("+02:00")
    with pytest.raises(ValueError):
        lti_score(GradedSubmission("7", partial()), "2026-03-01T12:00:00")  # no timezone
    with pytest.raises(ValueError):
        lti_score(GradedSubmission("7", partial()), "yesterday")
    failed = lti_score(GradedSubmission("8", None, error=ERROR))
    assert failed["gradingProgress"] == "Failed" and ERROR in failed["comment"]
    assert "scoreGiven" not in failed and "scoreMaximum" not in failed
    clamped = lti_score(GradedSubmission("9", odd_scores()))
    assert clamped["scoreGiven"] == 0 and clamped["scoreMaximum"] == 30


# ---------------------------------------------------------------- PrairieLearn


@pytest.mark.parametrize("kind", sorted(RESULTS))
def test_prairielearn_results(kind):
    result = RESULTS[kind]()
    data = prairielearn_results(result, error=ERROR if result is None else "")
    json.dumps(data, allow_nan=False)
    assert isinstance(data["gradable"], bool)
    assert isinstance(data["score"], float) and 0.0 <= data["score"] <= 1.0
    assert isinstance(data["message"], str) and isinstance(data["output"], str)
    for test in data["tests"]:
        assert set(test) == {"name", "description", "points", "max_points", "message", "output"}
        assert 0 <= test["points"] <= test["max_points"]
    if result is None:
        assert data["gradable"] is False and ERROR in data["message"] and data["tests"] == []
    else:
        assert data["gradable"] is True


def test_prairielearn_values():
    assert prairielearn_results(full_marks())["score"] == 1.0
    assert prairielearn_results(partial())["score"] == pytest.approx(15.5 / 40)
    assert prairielearn_results(bad_statuses())["score"] == 0.0
    assert prairielearn_results(zero_max())["score"] == 1.0  # nothing to lose, everything passed
    assert prairielearn_results(empty())["score"] == 0.0  # nothing graded at all
    failing_zero = _submission([_exercise("x", 0, 0, "failed")], score=0, max_score=0)
    assert prairielearn_results(failing_zero)["score"] == 0.0
    conv = prairielearn_results(partial())["tests"][1]
    assert (conv["name"], conv["description"], conv["points"], conv["max_points"]) == ("conv_block", "Title of conv_block", 3, 10)


# ---------------------------------------------------------------- write_exports


EVIL = ["../evil", "a/b", "a_b", "..", ".", "/etc/passwd", "", "CON", "a\\b", "Alice", "alice", "alice", "x" * 300, "émile"]


def test_safe_filenames():
    names = safe_filenames(EVIL)
    assert len(names) == len(EVIL)
    assert len({n.casefold() for n in names}) == len(names)  # unique even on case-insensitive file systems
    for name in names:
        assert name and "/" not in name and "\\" not in name
        assert not name.startswith((".", "-")) and not name.endswith(".")
        assert len(name) <= 100
        assert name.split(".")[0].lower() not in ("con", "nul")
    assert safe_filename("alice") == "alice"  # ordinary ids are kept as they are
    assert safe_filename("a/b") != "a_b"
    assert safe_filename("a/b") == safe_filename("a/b")  # stable between runs


def test_write_exports_writes_everything_inside_out_dir(tmp_path, monkeypatch):
    rows = _rows() + [GradedSubmission(s, partial()) for s in EVIL]
    atomic_calls = []
    real = exports.write_atomic

    def spy(path, text):
        atomic_calls.append(Path(path))
        real(path, text)

    monkeypatch.setattr(exports, "write_atomic", spy)
    out = tmp_path / "out"
    written = write_exports(rows, out, NAMES, assignment_name="Lab 3", assignment_id="99")

    per_student = 3 * len(rows)
    assert len(written) == 2 + per_student
    assert sorted(atomic_calls) == sorted(written.values())  # every file went through write_atomic
    on_disk = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert on_disk == sorted(written.values())  # nothing else, no temporary files left, nothing outside out/
    root = out.resolve()
    for relative, path in written.items():
        assert path == out / relative
        assert path.resolve().is_relative_to(root)
        assert path.resolve().parent in (root, root / "gradescope", root / "lti", root / "prairielearn")
    assert not (tmp_path / "evil.json").exists()
    for sub in ("gradescope", "lti", "prairielearn"):
        assert len(list((out / sub).iterdir())) == len(rows)

    for path in (out / "gradescope").iterdir():
        validate_gradescope(json.loads(path.read_text(encoding="utf-8")))
    lti = json.loads((out / "lti" / "alice.json").read_text(encoding="utf-8"))
    assert lti["userId"] == "alice" and lti["scoreGiven"] == 40
    assert json.loads((out / "prairielearn" / "dave.json").read_text(encoding="utf-8"))["gradable"] is False
    header = next(csv.reader(io.StringIO((out / "canvas.csv").read_text(encoding="utf-8"), newline="")))
    assert header[-1] == "Lab 3 (99)"
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == len(rows)


def test_write_exports_leaves_old_file_intact_when_a_write_fails(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_exports(_rows()[:1], out, NAMES)
    before = (out / "gradebook.csv").read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        write_exports(_rows(), out, NAMES)
    assert (out / "gradebook.csv").read_bytes() == before
    assert not [p for p in out.rglob("*.tmp")]
