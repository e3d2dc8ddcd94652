"""Batch grading: finding submissions, parallel grading, resuming, and no lost results."""

from __future__ import annotations

import json
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from grader.batch import BatchError, apply_roster, discover_submissions, grade_batch
from grader.results_folder import ResultsFolder, safe_stem

CASES = Path(__file__).resolve().parent / "cases" / "lab3"


def touch(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_flat_folder_with_canvas_names_late_files_and_junk(tmp_path):
    src = tmp_path / "in"
    touch(src / "doejane_12345_678_lab3.ipynb")
    touch(src / "roeric_LATE_222_999_lab3-1.py")
    touch(src / "bob.py")
    touch(src / "notes.docx")
    touch(src / ".DS_Store")
    entries = {e.student: e for e in discover_submissions(src, tmp_path / "work")}
    assert set(entries) == {"12345", "222", "bob", "notes"}
    assert entries["12345"].display_name == "doejane"
    assert "late" in entries["222"].notes[0]
    assert entries["notes"].path is None and "unsupported file type" in entries["notes"].problem


def test_per_student_folders_prefer_the_notebook(tmp_path):
    src = tmp_path / "in"
    touch(src / "alice" / "helpers.py")
    touch(src / "alice" / "lab3.ipynb")
    touch(src / "alice" / ".ipynb_checkpoints" / "lab3-checkpoint.ipynb")
    touch(src / "carol" / "readme.txt")
    entries = {e.student: e for e in discover_submissions(src, tmp_path / "work")}
    assert entries["alice"].path.name == "lab3.ipynb" and "2 gradable files" in entries["alice"].notes[0]
    assert entries["carol"].path is None and "no .ipynb or .py" in entries["carol"].problem


def test_canvas_zip_and_unsafe_zip(tmp_path):
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("doejane_12345_678_lab3.ipynb", "{}")
        zf.writestr("smithjo_54321_679_lab3.py", "x = 1\n")
    entries = discover_submissions(archive, tmp_path / "work")
    assert sorted(e.student for e in entries) == ["12345", "54321"]

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../escaped.py", "x = 1\n")
    with pytest.raises(BatchError, match="unsafe path"):
        discover_submissions(evil, tmp_path / "work2")
    assert not (tmp_path / "escaped.py").exists()


def test_gradescope_export_layout(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("assignment_1_export/submission_101/lab3.ipynb", "{}")
        zf.writestr("assignment_1_export/submission_102/lab3.py", "x = 1\n")
        zf.writestr("assignment_1_export/submission_metadata.yml", "{}")
    entries = discover_submissions(archive, tmp_path / "work")
    assert sorted(e.student for e in entries) == ["submission_101", "submission_102"]


def test_bad_batch_inputs(tmp_path):
    with pytest.raises(BatchError, match="does not exist"):
        discover_submissions(tmp_path / "nope", tmp_path / "w")
    single = touch(tmp_path / "one.ipynb")
    with pytest.raises(BatchError, match="grader check"):
        discover_submissions(single, tmp_path / "w")
    bad_zip = touch(tmp_path / "broken.zip", "not a zip")
    with pytest.raises(BatchError, match="not a valid zip"):
        discover_submissions(bad_zip, tmp_path / "w")


def test_roster_maps_ids_to_students(tmp_path):
    src = tmp_path / "in"
    touch(src / "doejane_12345_678_lab3.ipynb")
    entries = discover_submissions(src, tmp_path / "work")
    roster = touch(tmp_path / "roster.csv", 'student,key,name,sis_id,section\njdoe,12345,"Doe, Jane",S001,A\n')
    apply_roster(entries, roster)
    assert (entries[0].student, entries[0].display_name, entries[0].sis_id, entries[0].section) == ("jdoe", "Doe, Jane", "S001", "A")


def test_students_whose_names_clean_to_the_same_stem_stay_apart(tmp_path):
    folder = ResultsFolder(tmp_path)
    folder.assign(["a b", "a_b", "A_B", "ann"])
    paths = {folder.result_path(s) for s in ("a b", "a_b", "A_B", "ann")}
    assert len({p.name.casefold() for p in paths}) == 4
    folder.write_manifest([{"student": s} for s in ("a b", "a_b", "A_B", "ann")])
    # A rerun, with a new student whose name also cleans to a_b, keeps everyone's files.
    again = ResultsFolder(tmp_path)
    again.assign(["a?b", "a_b", "a b"])
    assert again.result_path("a b") == folder.result_path("a b") and again.result_path("a_b") == folder.result_path("a_b")
    assert again.result_path("a?b") not in paths


def test_safe_names_cannot_escape():
    for raw in ("../evil", "a/b", "..", ".hidden", "x\x00y"):
        name = safe_stem(raw)
        assert "/" not in name and not name.startswith(".") and "\x00" not in name


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory):
    src = tmp_path_factory.mktemp("class")
    shutil.copy(CASES / "full_alt_solution.py", src / "alice.py")
    shutil.copy(CASES / "full_stub_unfilled.py", src / "bob.py")
    (src / "carol.ipynb").write_text("{ this is not json")
    (src / "dave.py").write_text("def extract_W(model):\n    while True:\n        pass\n")
    (src / "erin.txt").write_text("my answers are in my head")
    return src


@pytest.mark.slow
def test_a_mixed_class_gets_a_row_for_everyone_and_resumes(class_folder, tmp_path, lab3_rubric):
    rubric = lab3_rubric.model_copy(deep=True)
    rubric.exercise("extract_W").timeout_s = 5
    out = tmp_path / "out"
    summary = grade_batch(class_folder, out, rubric=rubric, workers=2, quick=True)
    assert summary.graded == 5 and summary.skipped == 0
    by = summary.results
    assert by["alice"].score == by["alice"].max_score  # quick: structural checks only
    assert {e.status for e in by["bob"].exercises} == {"not_implemented"}
    assert by["carol"].score == 0 and "not JSON" in by["carol"].notes[0]
    assert {e.name: e.status for e in by["dave"].exercises}["extract_W"] == "timeout"
    assert "unsupported file type" in by["erin"].notes[0]
    assert summary.errors == 2  # carol and erin could not be graded at all
    for student in ("alice", "bob", "carol", "dave", "erin"):
        data = json.loads((out / f"{student}.json").read_text())
        assert data["lab"] == "lab3" and len(data["exercises"]) == 8
    assert not list(out.glob(".*.tmp"))

    again = grade_batch(class_folder, out, rubric=rubric, workers=2, quick=True)
    assert again.graded == 0 and again.skipped == 5
    (class_folder / "bob.py").write_text((CASES / "full_alt_solution.py").read_text())
    changed = grade_batch(class_folder, out, rubric=rubric, workers=2, quick=True)
    assert changed.graded == 1 and changed.results["bob"].score == changed.results["bob"].max_score
    rows = {r["student"]: r for r in ResultsFolder(out).load_graded()}
    assert set(rows) == {"alice", "bob", "carol", "dave", "erin"} and all(r["loaded"] for r in rows.values())


@pytest.mark.slow
def test_stopping_keeps_what_is_done_and_a_rerun_finishes(class_folder, tmp_path, lab3_rubric):
    rubric = lab3_rubric.model_copy(deep=True)
    rubric.exercise("extract_W").timeout_s = 5
    out = tmp_path / "out"
    stop = threading.Event()

    def on_event(kind, entry, result):
        if kind == "done":
            stop.set()  # as Ctrl-C does

    first = grade_batch(class_folder, out, rubric=rubric, workers=1, quick=True, on_event=on_event, stop=stop)
    assert first.interrupted and 1 <= first.graded < 5
    assert len(list(out.glob("*.json"))) - 1 == first.graded  # + batch.json
    rest = grade_batch(class_folder, out, rubric=rubric, workers=2, quick=True)
    assert rest.skipped == first.graded and rest.graded == 5 - first.graded


@pytest.mark.slow
def test_grade_command_writes_results_and_every_export(class_folder, tmp_path):
    import csv
    import subprocess
    import sys

    from grader.exports import validate_gradescope

    # dave's endless loop would wait out the rubric's full timeout here (the mixed-class test shortens it)
    src = tmp_path / "class"
    src.mkdir()
    for path in class_folder.iterdir():
        if path.stem != "dave":
            shutil.copy(path, src / path.name)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "grader", "grade", "lab3", str(src), "--out", str(out), "--quick",
                           "--workers", "2", "--assignment-id", "42"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "found 4 submissions" in proc.stdout and "4 submissions" in proc.stdout and "pass rates" in proc.stdout
    with open(out / "gradebook.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"alice", "bob", "carol", "erin"}
    assert rows["carol"]["status"].startswith("error")
    with open(out / "canvas.csv", newline="") as f:
        header = next(csv.reader(f))
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "lab3 (42)"]
    for student in rows:
        validate_gradescope(json.loads((out / "gradescope" / f"{student}.json").read_text()))
        lti = json.loads((out / "lti" / f"{student}.json").read_text())
        assert lti["userId"] == student and lti["activityProgress"] == "Completed"
        pl = json.loads((out / "prairielearn" / f"{student}.json").read_text())
        assert 0.0 <= pl["score"] <= 1.0


def test_threads_judging_at_once_both_get_the_whole_reference_module(tmp_path):
    """The first two submissions of a batch are judged at once; the one that came second
    used to find the reference solution half-imported (Keras takes seconds) and fail a check."""
    from concurrent.futures import ThreadPoolExecutor

    from grader.lab import load_file_module

    slow = tmp_path / "solution.py"
    slow.write_text("import time\ntime.sleep(0.5)\n\ndef standardize(x):\n    return x\n")

    def use_at_once(_):
        module = load_file_module(slow, "labgrader_test_slow_solution")
        return module, hasattr(module, "standardize")  # as a check would, straight away

    with ThreadPoolExecutor(2) as threads:
        (first, first_whole), (second, second_whole) = threads.map(use_at_once, range(2))
    assert first is second and first_whole and second_whole
