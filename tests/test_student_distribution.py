"""`grader dist student LAB`: a grader students can run, without the lab's answers.

The lab-3 distribution is built, installed into a folder of its own (pip,
--no-deps: the dependencies are this environment's), and run from a fresh
interpreter whose `grader` is the distribution's. It must grade the lab-3
examples as the full install does, and no file in it may hold the reference
solution's code, a solution notebook, the master notebook or a trained model.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.distribution import build_student_distribution
from grader.engine import grade_submission
from grader.lab import get_lab

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = [REPO / "examples" / "lab3" / "submission_with_mistakes.ipynb", REPO / "examples" / "lab3" / "inline" / "complete.ipynb"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("dist")
    dist = build_student_distribution(get_lab("lab3"), root / "lab3-student")
    target = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", "--target", str(target), str(dist.root)],
                   check=True, capture_output=True, timeout=600)
    return dist, target


def _reference_function_sources() -> list[str]:
    source = (REPO / "reference" / "lab3" / "solution.py").read_text()
    tree = ast.parse(source)
    bodies = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            # The body without its docstring: the lab's given code (in the notebook) shares docstrings, not solutions.
            statements = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(getattr(s, "value", None), ast.Constant))]
            bodies.extend(ast.get_source_segment(source, s) for s in statements if len(ast.get_source_segment(source, s) or "") > 40)
    return bodies


def test_no_file_of_the_distribution_holds_an_answer(installed):
    dist, target = installed
    names = {p.name for p in dist.files}
    assert not names & {"solution.py", "master.ipynb", "lab3_solution.ipynb", "train.py"} and not any(p.suffix == ".keras" for p in dist.files)
    given = (REPO / "grader" / "labs" / "lab3" / "sandbox" / "given.py").read_text()
    answers = [a for a in _reference_function_sources() if a not in given]  # the lab's given code is handed out anyway
    assert len(answers) > 10
    for path in [p for p in target.rglob("*") if p.is_file() and p.suffix in (".py", ".ipynb", ".toml", ".json", ".md", ".txt", ".j2")]:
        text = path.read_text(errors="ignore")
        leaked = [a.splitlines()[0] for a in answers if a in text]
        assert not leaked, f"{path} holds reference code: {leaked[:3]}"


def _check(notebook: Path, out: Path, python_path: Path | None) -> dict:
    prelude = f"import sys; sys.path.insert(0, {str(python_path)!r}); " if python_path else ""
    code = prelude + ("from grader.cli import main; import grader; assert grader.__file__.startswith(sys.path[0]) or not %r, grader.__file__; "
                      "sys.argv = ['grader', 'check', 'lab3', %r, '--quick', '--json', %r]; main()") % (bool(python_path), str(notebook), str(out))
    subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=600, cwd=out.parent)
    return json.loads(out.read_text())


def test_the_distribution_grades_the_examples_as_the_full_install_does(installed, tmp_path):
    _, target = installed
    for notebook in EXAMPLES:
        student = _check(notebook, tmp_path / f"student_{notebook.stem}.json", target)
        full = grade_submission(notebook, "lab3", quick=True)
        verdicts = lambda result: [(e["name"], e["status"], e["score"], [(c["name"], c["passed"]) for c in e["checks"]]) for e in result["exercises"]]  # noqa: E731
        assert verdicts(student) == verdicts(json.loads(full.model_dump_json())), notebook.name
        assert student["form"] == full.form
