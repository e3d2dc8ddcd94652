"""grader similarity: copied code is found through renaming, reformatting and reordering; handout code is not evidence.

The class is tests/lab3_class.py's: 20 lab-3 notebooks, of which two copied a
classmate. Nothing here runs student code, so these tests are fast.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lab3_class import COPIED, HANDOUT, build_class, renamed

from grader.batch import discover_submissions
from grader.engine import load_lab_rubric
from grader.similarity import DEFAULT_THRESHOLD, fingerprint, similarity_report


@pytest.fixture(scope="module")
def lab3_class(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    build_class(folder, load_lab_rubric("lab3"))
    return folder


@pytest.fixture(scope="module")
def ranked(lab3_class, tmp_path_factory):
    out = tmp_path_factory.mktemp("similarity")
    entries = discover_submissions(lab3_class, out / "work")
    return similarity_report(entries, [HANDOUT], out / "report", "lab3"), out / "report"


def test_the_two_copies_rank_above_every_honest_pair(ranked):
    pairs, _ = ranked
    copied = {frozenset(pair) for pair in COPIED}
    top = [frozenset((p.a, p.b)) for p in pairs[:2]]
    assert set(top) == copied, [(p.a, p.b, round(p.score, 3)) for p in pairs[:5]]
    assert all(p.score >= DEFAULT_THRESHOLD for p in pairs[:2])


def test_no_honest_pair_reaches_the_threshold(ranked):
    pairs, _ = ranked
    copied = {frozenset(pair) for pair in COPIED}
    honest = [p for p in pairs if frozenset((p.a, p.b)) not in copied]
    assert honest and max(p.score for p in honest) < DEFAULT_THRESHOLD


def test_the_report_lists_every_pair_and_shows_the_copies_side_by_side(ranked):
    pairs, report = ranked
    with open(report / "pairs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(pairs) and rows[0]["flagged"] == "yes"
    first = (report / "pair-001.html").read_text()
    assert first.count('class="match"') > 10  # the shared regions are highlighted
    index = (report / "index.html").read_text()
    assert "never a grade change" in index and 'href="pair-001.html"' in index


def test_renaming_and_relayout_change_no_fingerprint():
    source = (
        "def standardize(values, eps=1e-8):\n"
        "    # centre, then scale\n"
        "    centred = values - values.mean(axis=0)\n"
        "    spread = values.std(axis=0,)\n"
        "    return centred / (spread + eps)\n"
    )
    [other] = renamed([source], keep={"standardize"})
    assert "centred" not in other and "#" not in other
    assert set(fingerprint("a", [("c", source)]).prints) == set(fingerprint("b", [("c", other)]).prints)
    # while another choice of the student's own (axis=1) is a difference
    assert set(fingerprint("a", [("c", source)]).prints) != set(fingerprint("c", [("c", source.replace("axis=0", "axis=1"))]).prints)


def test_students_who_share_only_the_handout_are_not_paired(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("ann", "bob", "cyd"):
        shutil.copy(HANDOUT, folder / f"{name}.ipynb")  # handed in as handed out
    pairs = similarity_report(discover_submissions(folder, tmp_path / "work"), [HANDOUT], tmp_path / "report", "lab3")
    assert pairs == []


def test_an_older_handout_given_with_handout_is_left_out_too(lab3_class, tmp_path):
    """Two students who both pasted a course's own given code (not in our exercise notebook) plus answers of their own."""
    given = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "def show_images(images, labels, columns=8):\n"
        "    figure, axes = plt.subplots(len(images) // columns, columns, figsize=(columns * 1.5, 3))\n"
        "    for axis, image, label in zip(axes.ravel(), images, labels):\n"
        "        axis.imshow(image.squeeze(), cmap='gray_r')\n"
        "        axis.set_title(str(label))\n"
        "        axis.axis('off')\n"
        "    plt.tight_layout()\n"
        "    return figure\n")])
    old_handout = tmp_path / "Lab3_original_2021.ipynb"
    nbformat.write(given, old_handout)
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("student01", "student02"):
        nb = nbformat.read(lab3_class / f"{name}.ipynb", as_version=4)
        nb.cells.insert(3, nbformat.v4.new_code_cell(given.cells[0].source))
        nbformat.write(nb, folder / f"{name}.ipynb")
    entries = discover_submissions(folder, tmp_path / "work")
    without = similarity_report(entries, [HANDOUT], tmp_path / "r1", "lab3")
    with_old = similarity_report(entries, [HANDOUT, old_handout], tmp_path / "r2", "lab3")
    score = lambda pairs: max((p.score for p in pairs), default=0.0)  # noqa: E731
    assert score(without) > score(with_old) and score(with_old) < DEFAULT_THRESHOLD


def test_student_code_is_escaped_in_the_side_by_side_page(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    evil = "def extract_W(model):\n    '</pre><script>alert(1)</script>'\n    weights = model.layers[-1].get_weights()[0]\n    return weights.reshape(784, 10).copy()\n"
    for name in ("ann", "bob"):
        (folder / f"{name}.py").write_text(evil)
    similarity_report(discover_submissions(folder, tmp_path / "work"), [HANDOUT], tmp_path / "report", "lab3")
    page = (tmp_path / "report" / "pair-001.html").read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_similarity_command(lab3_class, tmp_path):
    out = tmp_path / "report"
    proc = subprocess.run([sys.executable, "-m", "grader", "similarity", "lab3", str(lab3_class), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "20 submissions" in proc.stdout and "2 at or above 50%" in proc.stdout
    assert (out / "index.html").is_file()
    missing = subprocess.run([sys.executable, "-m", "grader", "similarity", "lab3", str(lab3_class), "--out", str(out),
                              "--handout", str(tmp_path / "nope.ipynb")], capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "no such file" in missing.stderr
