"""``grader dist student LAB``: what an instructor hands to students, without the answers.

A student distribution is an installable folder (``pip install DIR``) with:

- the ``grader`` package (engine, sandbox, checks) and the lab's own package;
- the lab's exercise notebook and rubric;
- the *derived facts* the checks need, in ``reference/<lab>/``: the reference
  outputs of the exercises whose rubric compares with the reference solution
  (``probe_params.reference``), computed here on the grader's own inputs
  (``derived_facts.npz``), and the reference models' metrics (``metrics.json``).

It leaves out the reference solution module, the master and solution
notebooks, the training script, the trained models and the figures' reference
predictions, and every other lab. ``grader check LAB`` then runs the same
structural and trained checks as the instructor's install; the authoritative
grade still comes from the instructor's install or the Gradescope bundle.

What a determined student can still read in it: the rubric (points, thresholds,
hints, expected parameter counts and layer lists), the lab's check code, and the
reference outputs on the grader's fixed inputs. Those say *what* is expected,
which the feedback says anyway; none of them is code that solves an exercise
(a lab whose check computes the expected answer with code of its own exposes
that code: the README names the shipped lab that does).
"""

from __future__ import annotations

import importlib.metadata
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader import __version__
from grader.lab import DERIVED_FACTS, Lab

GRADER_PACKAGE = Path(__file__).resolve().parent
#: Files of ``reference/<lab>/`` a student distribution keeps: facts about the reference, not the reference.
KEPT_REFERENCE_FILES = ("metrics.json",)


class DistributionError(Exception):
    """A student distribution that cannot be built (the output folder is in use, the lab is not shipped)."""


@dataclass
class StudentDistribution:
    root: Path
    lab: str
    files: list[Path] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)  # the reference outputs stored, "<exercise>/<key>"


def derived_reference_facts(lab: Lab) -> dict[str, np.ndarray]:
    """The reference outputs every ``probe_params.reference`` exercise compares with, keyed ``<exercise>/<secret>``."""
    from grader.engine import load_lab_rubric

    rubric = load_lab_rubric(lab)
    data = lab.load_data(None, rubric.data)
    facts: dict[str, np.ndarray] = {}
    for exercise in rubric.exercises:
        params = dict(exercise.probe_params)
        if not params.get("reference"):
            continue
        _, secrets = lab.probe_inputs(exercise, params, data)
        for key, value in secrets.items():
            if key.endswith("_error"):
                raise DistributionError(f"{lab.name}/{exercise.name}: the reference solution failed ({value}); fix it before building a distribution")
            if key.startswith("reference_output"):
                facts[f"{exercise.name}/{key}"] = np.asarray(value)
    return facts


def _ignore_for(lab: Lab):
    """copytree's ignore function: caches, the bundled lab files of an install, and the other labs' packages."""
    labs_dir = GRADER_PACKAGE / "labs"

    def ignore(folder: str, names: list[str]) -> set[str]:
        ignored = {n for n in names if n in ("__pycache__", "_lab_files") or n.endswith((".pyc", ".pyo"))}
        if Path(folder).resolve() == labs_dir:
            ignored |= {n for n in names if (labs_dir / n).is_dir() and n != _package_name(lab)}
        return ignored

    return ignore


def _package_name(lab: Lab) -> str:
    module = type(lab).__module__
    if not module.startswith("grader.labs."):
        raise DistributionError(f"{lab.name} is not a lab shipped with the grader ({module}); a student distribution is built for shipped labs")
    return module.split(".")[2]


def _requirements() -> list[str]:
    try:
        requirements = importlib.metadata.requires("labgrader") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return [r for r in requirements if "extra ==" not in r]


def build_student_distribution(lab: Lab, out: Path, force: bool = False) -> StudentDistribution:
    """Write the student distribution of ``lab`` into ``out`` (see the module docstring)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise DistributionError(f"{out} exists and is not empty; choose another folder or pass --force to replace it")
        shutil.rmtree(out)
    package = _package_name(lab)
    files_root = out / "grader" / "_lab_files"
    shutil.copytree(GRADER_PACKAGE, out / "grader", ignore=_ignore_for(lab))

    exercises = files_root / "exercises" / lab.name
    exercises.mkdir(parents=True)
    shutil.copy2(lab.exercise_notebook, exercises / lab.exercise_notebook.name)
    (files_root / "rubrics").mkdir()
    shutil.copy2(lab.rubric_path, files_root / "rubrics" / lab.rubric_path.name)
    reference = files_root / "reference" / lab.name
    reference.mkdir(parents=True)
    for name in KEPT_REFERENCE_FILES:
        if (lab.reference_dir / name).is_file():
            shutil.copy2(lab.reference_dir / name, reference / name)
    facts = derived_reference_facts(lab)
    if facts:
        np.savez_compressed(reference / DERIVED_FACTS, **facts)

    dependencies = ",\n    ".join(f'"{r}"' for r in _requirements())
    (out / "pyproject.toml").write_text(f'''[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "labgrader-student-{lab.name}"
version = "{__version__}"
description = "grader check for the {lab.name} lab (student distribution: no reference solutions)"
requires-python = ">=3.10"
dependencies = [
    {dependencies}
]

[project.scripts]
grader = "grader.cli:main"

[tool.hatch.build.targets.wheel]
packages = ["grader"]
''')
    (out / "README.md").write_text(
        f"# grader check for {lab.title}\n\n"
        f"```bash\npip install .\ngrader init {lab.name}\ngrader check {lab.name} {lab.name}.ipynb\n```\n\n"
        "This distribution has no reference solutions: your instructor grades the final version with the full grader.\n")
    result = StudentDistribution(root=out, lab=lab.name, derived=sorted(facts))
    result.files = sorted(p for p in out.rglob("*") if p.is_file())
    if not (out / "grader" / "labs" / package).is_dir():
        raise DistributionError(f"the lab package {package} was not copied")
    return result
