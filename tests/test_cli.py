"""The `grader` command: exit codes, messages and output files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def grader(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=cwd)


def test_missing_file_is_a_usage_error_without_traceback(tmp_path):
    proc = grader("check", "lab3", str(tmp_path / "nope.ipynb"))
    assert proc.returncode == 2
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


def test_unknown_lab_is_a_usage_error(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    proc = grader("check", "lab99", str(path))
    assert proc.returncode == 2 and "unknown lab 'lab99'" in proc.stderr and "lab3" in proc.stderr


@pytest.mark.parametrize("content, words", [(b"", "empty"), (b"{not json", "not JSON"), (b"\x00\x01\x02binary", "binary")])
def test_bad_notebooks_get_one_clear_message(tmp_path, content, words):
    path = tmp_path / "lab3.ipynb"
    path.write_bytes(content)
    proc = grader("check", "lab3", str(path))
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr


def test_unsupported_type_and_directory(tmp_path):
    doc = tmp_path / "lab3.docx"
    doc.write_text("hello")
    assert grader("check", "lab3", str(doc)).returncode == 2
    assert "directory" in grader("check", "lab3", str(tmp_path)).stderr


def test_init_copies_the_notebook_and_refuses_to_overwrite(tmp_path):
    proc = grader("init", "lab3", str(tmp_path))
    assert proc.returncode == 0 and (tmp_path / "lab3.ipynb").is_file()
    again = grader("init", "lab3", str(tmp_path))
    assert again.returncode == 2 and "--force" in again.stderr
    assert grader("init", "lab3", str(tmp_path), "--force").returncode == 0


def test_labs_lists_lab3():
    proc = grader("labs")
    assert proc.returncode == 0 and "lab3" in proc.stdout and "80 points" in proc.stdout


@pytest.mark.slow
def test_check_exit_codes_table_and_json(repo, tmp_path):
    good = repo / "tests" / "cases" / "lab3" / "add_noise__correct_default_rng.py"
    bad = repo / "tests" / "cases" / "lab3" / "add_noise__wrong_no_clip.py"
    out = tmp_path / "result.json"
    passed = grader("check", "lab3", str(good), "-e", "add_noise", "--json", str(out))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "add_noise" in passed.stdout and "10/10" in passed.stdout
    data = json.loads(out.read_text())
    assert data["exercises"][0]["status"] == "passed" and data["submission"] == good.name

    failed = grader("check", "lab3", str(bad), "-e", "add_noise", "--json", "-")
    assert failed.returncode == 1
    data = json.loads(failed.stdout)  # --json - prints only JSON
    assert data["exercises"][0]["status"] == "failed"
    assert "clip" in data["exercises"][0]["feedback"]


def test_grade_without_workers_uses_one_per_core(tmp_path):
    """`grader grade lab3 submissions/ --out results/`, as the README writes it (no --workers).

    The unreadable notebook is reported as a row without starting a sandbox, so
    this runs in about a second.
    """
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "alice.ipynb").write_text("{not json")
    out = tmp_path / "results"
    proc = grader("grade", "lab3", str(submissions), "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "--workers" not in proc.stderr and "found 1 submissions" in proc.stdout
    assert (out / "gradebook.csv").is_file() and (out / "alice.json").is_file()


@pytest.mark.parametrize("args, expected", [([], "cores"), (["--workers", "3"], 3), (["-w", "1"], 1)])
def test_grade_workers_default_and_given(tmp_path, monkeypatch, args, expected):
    import os

    from typer.testing import CliRunner

    import grader.batch
    import grader.cli

    seen = {}

    def fake_grade_batch(source, out_dir, lab, *, workers, **kwargs):
        seen["workers"] = workers
        return grader.batch.BatchSummary(max_score=80)

    monkeypatch.setattr(grader.batch, "grade_batch", fake_grade_batch)
    monkeypatch.setattr(grader.cli, "_export", lambda *a, **k: {})
    result = CliRunner().invoke(grader.cli.app, ["grade", "lab3", str(tmp_path), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 0, result.output
    assert seen["workers"] == ((os.cpu_count() or 1) if expected == "cores" else expected)


@pytest.mark.parametrize("value", ["0", "-2"])
def test_grade_rejects_workers_below_one(tmp_path, value):
    proc = grader("grade", "lab3", str(tmp_path), "--out", str(tmp_path / "out"), f"--workers={value}")
    assert proc.returncode == 2 and "--workers" in proc.stderr and "Traceback" not in proc.stderr
