"""The engine on the toy lab (tests/labs/toy_labs/toylab): discovery, rubric resolution, authoring, grading.

The toy lab was written by following the README's "Writing a lab", with no
edit to any generic module. Most tests here need no sandbox; one grades a
submission for real (one sandbox start, a few seconds).
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.authoring import (
    MasterNotebook,
    MasterNotebookError,
    build_lab,
    check_lab,
    solution_source,
    student_source,
)
from grader.checks import CheckOutcome
from grader.engine import grade_submission
from grader.lab import Lab, UnknownLabError, available_labs, get_lab, refresh_labs
from grader.rubric import RubricError, load_rubric
from grader.sandbox import ExerciseRun, SandboxReport

REPO = Path(__file__).resolve().parent.parent
TOY_DIST = REPO / "tests" / "labs" / "toy_labs"
TOY = TOY_DIST / "toylab"


# ---------------------------------------------------------------- discovery


def test_the_toy_lab_is_found_through_its_entry_point_beside_the_shipped_lab():
    labs = available_labs()
    assert {"lab3", "toy"} <= set(labs)
    assert type(labs["toy"]).__module__ == "toylab" and labs["toy"].files_root == TOY


def test_an_unknown_lab_names_the_labs_there_are():
    with pytest.raises(UnknownLabError, match=r"unknown lab 'lab9'; available labs: .*lab3.*toy"):
        get_lab("lab9")


def test_a_lab_that_fails_to_import_is_reported_not_fatal(tmp_path, monkeypatch):
    dist = tmp_path / "broken_lab-1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-lab\nVersion: 1\n")
    (dist / "entry_points.txt").write_text("[labgrader.labs]\nbroken = no_such_module_here:lab\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    refresh_labs()
    try:
        assert "toy" in available_labs() and "broken" not in available_labs()
        with pytest.raises(UnknownLabError, match="failed to load: entry point 'broken'.*ModuleNotFoundError"):
            get_lab("broken")
    finally:
        monkeypatch.undo()
        refresh_labs()


def test_the_cli_lists_the_installed_lab_in_a_fresh_process():
    env = {"PYTHONPATH": str(TOY_DIST), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "grader", "labs"], capture_output=True, text=True, env=env, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "toy" in done.stdout and "3 exercises, 12 points" in done.stdout


# ---------------------------------------------------------------- no lab in the engine


GRADER = REPO / "grader"
LAB_PACKAGES = [p for p in (GRADER / "labs").iterdir() if (p / "__init__.py").is_file()]


def _generic_modules():
    return [p for p in GRADER.rglob("*.py") if not any(p.is_relative_to(lab) for lab in LAB_PACKAGES)]


def test_no_generic_module_imports_a_lab_package():
    for path in _generic_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.startswith("grader.labs."), f"{path.relative_to(REPO)} imports {name}"
                assert not name.startswith("harness.lab."), f"{path.relative_to(REPO)} imports {name}"


def test_no_generic_module_names_a_lab():
    for path in _generic_modules():
        names = sorted(set(available_labs()) | {"toylab"})
        found = re.findall(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b", path.read_text())
        assert not found, f"{path.relative_to(REPO)} names a lab: {found}"


# ---------------------------------------------------------------- rubric resolution


def test_rubric_names_resolve_in_the_lab_first_then_in_the_generic_catalogue(tmp_path):
    def float_dtype(obs, keys):  # the lab's own check, shadowing the generic one
        return CheckOutcome(True, "the lab's own float_dtype")

    class Shadowing(Lab):
        name = "shadowing"
        checks = {"float_dtype": float_dtype}

    lab = Shadowing()
    assert lab.resolve_check("float_dtype") is float_dtype
    assert lab.resolve_check("returns_ndarray").__module__ == "grader.checks"
    assert lab.resolve_check("no_such_check") is None
    rubric_text = (TOY / "rubrics" / "toy.toml").read_text().replace('check = "value_equals"', 'check = "float_dtype"')
    path = tmp_path / "toy.toml"
    path.write_text(rubric_text)
    load_rubric(path, resolve_check=lab.resolve_check)
    path.write_text(rubric_text.replace('check = "float_dtype"', 'check = "float_dtyp"'))
    with pytest.raises(RubricError, match=r"unknown checks: count_parameters\.count: float_dtyp"):
        load_rubric(path, resolve_check=lab.resolve_check)


# ---------------------------------------------------------------- authoring


def test_solution_markers_give_the_stub_and_the_solution():
    source = "def f(x):\n    \"\"\"Doc.\"\"\"\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
    assert student_source(source) == "def f(x):\n    \"\"\"Doc.\"\"\"\n    # YOUR CODE HERE\n    raise NotImplementedError\n"
    assert solution_source(source) == "def f(x):\n    \"\"\"Doc.\"\"\"\n    return x + 1\n"
    helper = "### BEGIN SOLUTION ONLY\ndef _h():\n    return 1\n### END SOLUTION ONLY\ndef g():\n    ### BEGIN SOLUTION\n    return _h()\n    ### END SOLUTION"
    assert "_h" not in student_source(helper) and "def _h" in solution_source(helper)
    for broken in ("### BEGIN SOLUTION\nx = 1", "x = 1\n### END SOLUTION", "### BEGIN SOLUTION\n### BEGIN SOLUTION ONLY\n"):
        with pytest.raises(MasterNotebookError, match="line|not closed"):
            student_source(broken, "master.ipynb, cell 3")


def test_a_master_notebook_with_mistakes_gets_a_message_naming_the_cell(tmp_path):
    master = nbformat.read(str(TOY / "reference" / "toy" / "master.ipynb"), as_version=4)
    master.cells[4].source += "\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"  # markers outside an exercise cell
    path = tmp_path / "master.ipynb"
    nbformat.write(master, str(path))
    with pytest.raises(MasterNotebookError, match=r"master.ipynb, cell 5: solution markers outside an exercise cell"):
        MasterNotebook.read(path)


@pytest.mark.parametrize("lab_name", ["lab3", "convnets", "toy"])
def test_the_committed_generated_files_are_what_the_master_notebook_gives(lab_name):
    """`grader author build` reproduces the committed student notebook, solution and reference byte for byte."""
    assert check_lab(get_lab(lab_name), grade=False).stale == []


def _toy_copy(tmp_path) -> Lab:
    shutil.copytree(TOY, tmp_path / "toylab", ignore=shutil.ignore_patterns("__pycache__"))

    class Copy(type(get_lab("toy"))):
        files_root = tmp_path / "toylab"
        sandbox_package = tmp_path / "toylab" / "sandbox"

    return Copy()


def test_a_sentence_changed_in_the_master_reaches_every_generated_file_with_one_build(tmp_path):
    lab = _toy_copy(tmp_path)
    master = nbformat.read(str(lab.master_notebook), as_version=4)
    master.cells[2].source = master.cells[2].source.replace("should end up with", "must end up with")
    master.cells[3].source = master.cells[3].source.replace("every column scaled", "each column scaled")
    nbformat.write(master, str(lab.master_notebook))
    assert check_lab(lab, grade=False).stale  # the generated files are now out of date
    written = {p.name for p in build_lab(lab)}
    assert {"toy.ipynb", "toy_solution.ipynb", "solution.py"} <= written
    assert "must end up with" in lab.exercise_notebook.read_text() and "must end up with" in (lab.reference_dir / "toy_solution.ipynb").read_text()
    assert "each column scaled" in (lab.reference_dir / "solution.py").read_text()
    assert "Instructor note" not in lab.exercise_notebook.read_text()  # master_only cells stay in the master
    assert check_lab(lab, grade=False).ok and build_lab(lab) == []


def test_a_new_exercise_without_a_rubric_entry_gets_a_skeleton(tmp_path):
    lab = _toy_copy(tmp_path)
    master = nbformat.read(str(lab.master_notebook), as_version=4)
    cell = nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                                     metadata={"labgrader": {"exercise": "double"}})
    cell.id = "exercise-double"
    master.cells.append(cell)
    nbformat.write(master, str(lab.master_notebook))
    build_lab(lab)
    skeleton = (lab.reference_dir / "rubric_skeleton.toml").read_text()
    assert 'name = "double"' in skeleton and 'name = "standardize"' not in skeleton


# ---------------------------------------------------------------- the engine, without a sandbox


def _fake_sandbox(runs):
    def run_in_sandbox(job, limits, use_bwrap=None, isolation=None):
        assert job.lab_sandbox == TOY / "sandbox"
        return SandboxReport(runs={e.name: runs[e.name](e) for e in job.exercises}, isolation={"mechanism": "fake"})

    return run_in_sandbox


def test_the_engine_scores_declared_checks_from_observations(monkeypatch):
    """Probe inputs, secrets, reference output, check resolution and scoring, with the sandbox faked."""
    seen = {}

    def standardize(job):
        seen["inputs"] = job.inputs
        x = job.inputs["x"]
        return ExerciseRun("standardize", "ok", values={"output.type": "ndarray", "input_changed": False},
                           arrays={"output": (x - x.mean(axis=0)) / x.std(axis=0)})

    def classifier(job):
        seen["classifier_inputs"] = job.inputs
        model = {"is_keras_model": True, "input_shapes": [[None, 4]], "output_shapes": [[None, 2]], "params": 50,
                 "layers": [{"class": "InputLayer", "config": {}}, {"class": "Dense", "config": {"units": 8}, "activation": "relu"},
                            {"class": "Dense", "config": {"units": 2}, "activation": "sigmoid"}]}
        return ExerciseRun("build_tiny_classifier", "ok", values={"model": model}, arrays={"test_predictions": np.full((200, 2), 0.5, np.float32)})

    monkeypatch.setattr("grader.engine.run_in_sandbox", _fake_sandbox({
        "standardize": standardize, "build_tiny_classifier": classifier,
        "count_parameters": lambda job: ExerciseRun("count_parameters", "not_implemented"),
    }))
    result = grade_submission(TOY / "exercises" / "toy" / "toy.ipynb", "toy")
    by_name = {e.name: e for e in result.exercises}
    assert by_name["standardize"].status == "passed" and by_name["standardize"].score == 5
    assert set(seen["inputs"]) == {"x"}
    assert set(seen["classifier_inputs"]) == {"x_train", "y_train", "x_test"}  # the test labels stay in the grader
    failed = {c.name: c.message for c in by_name["build_tiny_classifier"].checks if not c.passed}
    assert set(failed) == {"layers", "learns"}, failed
    assert re.match(r"accuracy 0\.\d+ on held-out data; expected at least 0.85; chance is 0.5", failed["learns"]), failed["learns"]
    assert next(c for c in by_name["build_tiny_classifier"].checks if c.name == "parameters").message == \
        "50 parameters: the reading without biases in the hidden layer"
    assert by_name["count_parameters"].status == "not_implemented"
    assert (result.score, result.max_score) == (7, 12)


def test_a_failing_reference_computation_is_the_grader_s_fault_not_the_student_s(monkeypatch, tmp_path):
    lab = _toy_copy(tmp_path)
    (lab.reference_dir / "solution.py").write_text("def standardize(x):\n    raise RuntimeError('instructor bug')\n")
    rubric = load_rubric(lab.rubric_path, resolve_check=lab.resolve_check)
    _, secrets = lab.probe_inputs(rubric.exercise("standardize"), dict(rubric.exercise("standardize").probe_params), None)
    assert "instructor bug" in secrets["reference_output_error"]


# ---------------------------------------------------------------- the engine, through the sandbox

MIXED = '''
import numpy as np
import keras
from keras import layers


def standardize(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


def build_tiny_classifier(n_features=4):
    inputs = keras.Input(shape=(n_features,))
    x = layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))  # one output, not two


def count_parameters(model):
    raise NotImplementedError
'''


@pytest.fixture(scope="module")
def graded_mixed(tmp_path_factory):
    path = tmp_path_factory.mktemp("toy") / "mixed.py"
    path.write_text(MIXED)
    return grade_submission(path, "toy")


def test_a_real_sandbox_run_passes_fails_and_finds_the_unfinished(graded_mixed):
    by_name = {e.name: e for e in graded_mixed.exercises}
    assert by_name["standardize"].status == "passed"
    failed = {c.name for c in by_name["build_tiny_classifier"].checks if not c.passed}
    assert {"shapes", "parameters", "layers"} <= failed, by_name["build_tiny_classifier"].feedback
    assert by_name["count_parameters"].status == "not_implemented"
    assert graded_mixed.lab == "toy" and graded_mixed.isolation


def test_reports_render_for_a_lab_without_figures(graded_mixed):
    from grader.report import render_html, render_markdown

    html = render_html(graded_mixed)
    assert "standardize" in html and "<img" not in html
    assert "build_tiny_classifier" in render_markdown(graded_mixed)


@pytest.mark.slow
def test_author_check_grades_the_toy_solution_and_handout():
    report = check_lab(get_lab("toy"))
    assert report.ok, report.problems


# ---------------------------------------------------------------- a lab published as its own distribution

DECLARATIVE = REPO / "tests" / "labs" / "toy_declarative"


def test_the_lab_written_as_data_has_up_to_date_files_and_no_python_beyond_its_declaration():
    sys.path.insert(0, str(DECLARATIVE))
    try:
        from toy_declarative_lab import lab
    finally:
        sys.path.remove(str(DECLARATIVE))
    assert check_lab(lab, grade=False).stale == []
    assert lab.sandbox_package is None and not lab.checks
    python = sorted(p.relative_to(DECLARATIVE).as_posix() for p in DECLARATIVE.rglob("*.py") if "__pycache__" not in p.parts)
    assert python == ["toy_declarative_lab/__init__.py", "toy_declarative_lab/reference/toydecl/solution.py"]  # the latter generated


@pytest.mark.slow
def test_a_lab_installed_with_pip_is_found_and_grades(tmp_path):
    """pip-install the declarative toy lab (its own pyproject, entry point labgrader.labs) and use it from the CLI."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(DECLARATIVE)],
                   check=True, timeout=300, capture_output=True)
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "COLUMNS": "200", "TF_CPP_MIN_LOG_LEVEL": "2"}

    def grader(*args):
        return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)

    listed = grader("labs")
    assert "toydecl" in listed.stdout, listed.stderr
    installed = site / "toy_declarative_lab"
    checked = grader("check", "toydecl", str(installed / "reference" / "toydecl" / "solution.py"), "--json", "-")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    import json

    result = json.loads(checked.stdout)
    assert result["score"] == result["max_score"] == 8 and result["lab"] == "toydecl"
    handout = grader("check", "toydecl", str(installed / "exercises" / "toydecl" / "toydecl.ipynb"), "--json", "-")
    assert {e["status"] for e in json.loads(handout.stdout)["exercises"]} == {"not_implemented"}


def test_author_commands_exit_codes():
    from typer.testing import CliRunner

    from grader.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["author", "check", "toy", "--files-only"])
    assert ok.exit_code == 0 and "up to date" in ok.output
    unknown = runner.invoke(app, ["author", "build", "lab9"])
    assert unknown.exit_code == 2 and "unknown lab 'lab9'" in unknown.output


def test_what_is_copied_into_the_sandbox_imports_nothing_of_the_grader():
    """The harness and every lab's sandbox half: plain Python that never reaches the grader's package."""
    folders = [GRADER / "harness"] + [lab.sandbox_package for lab in available_labs().values() if lab.sandbox_package]
    assert TOY / "sandbox" in folders and len(folders) >= 3
    for folder in folders:
        for path in Path(folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not any(n == "grader" or n.startswith("grader.") for n in names), f"{path} imports {names}"


def test_grader_check_in_jupyter_finds_the_lab_a_notebook_belongs_to(tmp_path):
    from grader.notebook import lab_of

    assert lab_of(REPO / "exercises" / "convnets" / "convnets.ipynb", None) == "convnets"  # its metadata
    cells = tmp_path / "notebook_cells.py"  # what a kernel's history gives: no metadata
    cells.write_text("x = 1\n")
    assert lab_of(cells, None, "add_noise") == "lab3" and lab_of(cells, None, "conv2d") == "convnets"
    cells.write_text("def conv2d(image, kernel, bias=0.0):\n    pass\n\ndef same_conv2d(image, kernel):\n    pass\n")
    assert lab_of(cells, None) == "convnets"
    cells.write_text("x = 1\n")
    with pytest.raises(RuntimeError, match="does not say which lab it is.*lab=NAME.*convnets.*lab3"):
        lab_of(cells, None)
    assert lab_of(cells, "lab3") == "lab3"
