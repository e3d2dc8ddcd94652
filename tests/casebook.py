"""Answer libraries (tests/cases/<lab>) and a way to grade many answers at once.

Each file there answers one exercise, correctly or with one realistic
mistake. Starting a sandbox costs seconds (TensorFlow), so tests and the
calibration script merge one answer per exercise into a single submission
and grade each exercise of it separately.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

CASES_ROOT = Path(__file__).resolve().parent / "cases"
CASES = CASES_ROOT / "lab3"


@dataclass(frozen=True)
class Case:
    path: Path
    exercise: str
    correct: bool
    label: str

    @property
    def id(self) -> str:
        stem = self.path.stem
        if "__" in stem:
            return f"{self.exercise}__{stem.split('__', 1)[1]}"
        return f"{self.exercise}__{stem}"

    @property
    def summary(self) -> str:
        return (ast.get_docstring(ast.parse(self.path.read_text())) or "").splitlines()[0]


def all_cases(lab: str = "lab3") -> list[Case]:
    """Every case of ``lab``; a file named ``a+b__correct_x.py`` answers exercises a and b (one case each)."""
    cases = []
    for path in sorted((CASES_ROOT / lab).glob("*__*.py")):
        exercises, rest = path.stem.split("__", 1)
        verdict, _, label = rest.partition("_")
        cases.extend(Case(path, exercise, verdict == "correct", label) for exercise in exercises.split("+"))
    return cases


def cases_for(exercise: str, correct: bool) -> list[Case]:
    return [c for c in all_cases() if c.exercise == exercise and c.correct == correct]


def merge_sources(paths: list[Path]) -> str:
    """Concatenate answer files, renaming each file's private helpers so they cannot clash.

    Files that answer several exercises (a whole solution) go first, so the
    single-exercise answers after them win for their own exercise.
    """
    paths = sorted(paths, key=lambda p: "__" in p.stem)
    parts = []
    for index, path in enumerate(paths):
        source = path.read_text()
        private = {
            node.name if hasattr(node, "name") else node.targets[0].id
            for node in ast.parse(source).body
            if (isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_"))
            or (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id.startswith("_"))
        }
        for name in sorted(private, key=len, reverse=True):
            source = re.sub(rf"\b{re.escape(name)}\b", f"{name}_{index}", source)
        parts.append(f"# ---- {path.name}\n{source}")
    return "\n\n".join(parts)


@functools.lru_cache(maxsize=None)
def defined_names(case: Case) -> frozenset[str]:
    """The public functions and classes a case file defines (an exercise's answer, or several it needs)."""
    return frozenset(node.name for node in ast.parse(case.path.read_text()).body
                     if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"))


def rounds(cases: list[Case]) -> list[list[Case]]:
    """Group cases so that each group has at most one case per exercise and no two define the same name.

    (A case for an exercise that trains an earlier exercise's models defines those too; one file
    answering several exercises, a whole solution, is one case per exercise and shares its group.)
    """
    groups: list[list[Case]] = []
    for case in cases:
        names = defined_names(case) | {case.exercise}
        for group in groups:
            if all(c.exercise != case.exercise and (c.path == case.path or not names & (defined_names(c) | {c.exercise})) for c in group):
                group.append(case)
                break
        else:
            groups.append([case])
    return groups


WORKERS = 2


def grade_at_once(jobs: dict, workers: int = WORKERS) -> dict:
    """Grade several submissions at once, as ``grader grade`` does: ``jobs`` maps a key to
    ``(path, lab, grade_submission keyword arguments)``; the SubmissionResult by key.

    Each sandbox gets the cores divided between the gradings (one thread each on a
    2-core machine), as batch grading gives them.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    from grader.engine import grade_submission, load_lab_rubric

    threads = max(1, (os.cpu_count() or 1) // workers)

    def grade(job):
        path, lab, kwargs = job
        rubric = (kwargs.pop("rubric", None) or load_lab_rubric(lab)).model_copy(deep=True)
        rubric.limits.threads = min(rubric.limits.threads, threads)
        return grade_submission(path, lab, rubric=rubric, **kwargs)

    with ThreadPoolExecutor(workers) as pool:
        futures = {key: pool.submit(grade, (path, lab, dict(kwargs))) for key, (path, lab, kwargs) in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def case_jobs(cases: list[Case], tmp_dir: Path, name: str, lab: str = "lab3", **grade_kwargs) -> tuple[dict, list[list[Case]]]:
    """The submissions that grade ``cases`` in as few sandbox runs as possible: ``(jobs for grade_at_once, groups)``."""
    jobs, groups = {}, rounds(cases)
    for number, group in enumerate(groups):
        path = Path(tmp_dir) / f"{name}_{number}.py"
        path.write_text(merge_sources([c.path for c in group]))
        jobs[(name, number)] = (path, lab, {"only": [c.exercise for c in group], **grade_kwargs})
    return jobs, groups


def case_results(graded: dict, groups: list[list[Case]], name: str) -> dict[str, "object"]:
    """ExerciseResult by case id, from what ``grade_at_once`` returned for ``case_jobs``."""
    results = {}
    for number, group in enumerate(groups):
        by_exercise = {e.name: e for e in graded[(name, number)].exercises}
        for case in group:
            results[case.id] = by_exercise[case.exercise]
    return results


def grade_cases(cases: list[Case], tmp_dir: Path, name: str, lab: str = "lab3", **grade_kwargs) -> dict[str, "object"]:
    """Grade ``cases`` in as few sandbox runs as possible, two at once; ExerciseResult by case id."""
    jobs, groups = case_jobs(cases, tmp_dir, name, lab, **grade_kwargs)
    return case_results(grade_at_once(jobs), groups, name)


def assert_full_marks(case: Case, result) -> None:
    """A correct answer's exercise result: passed, with every point, or a message naming the checks that failed."""
    failing = [f"{c.name}: {c.message}" for c in result.checks if not c.passed]
    assert result.status == "passed" and result.score == result.max_score, f"{case.summary}\n{result.feedback}\n{failing}"


def assert_fails_at(case: Case, result, check: str, words: str) -> None:
    """A wrong answer's exercise result: points lost, ``check`` among the failures, its message holding ``words``."""
    assert result.status != "passed" and result.score < result.max_score, case.summary
    failed = {c.name: c.message for c in result.checks if not c.passed}
    assert check in failed, f"{case.summary}: expected {check} to fail; failed: {failed}; feedback: {result.feedback}"
    assert words in failed[check], failed[check]


def assert_covers(lab: str, correct: list[Case], wrong: list[Case], expected_failures: dict, min_correct: int, min_wrong: int) -> None:
    """Every exercise of ``lab``'s rubric has enough correct and wrong cases, and every wrong case an expected failure."""
    from grader.engine import load_lab_rubric

    for exercise in load_lab_rubric(lab).exercises:
        assert len([c for c in correct if c.exercise == exercise.name]) >= min_correct, exercise.name
        assert len([c for c in wrong if c.exercise == exercise.name]) >= min_wrong, exercise.name
    assert {c.id for c in wrong} == set(expected_failures)
