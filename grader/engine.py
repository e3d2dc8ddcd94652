"""Grading one submission: load it, run its code in the sandbox, check, score.

This is the library API the CLI and the tests call. Everything that decides
a score happens here, in the grader's process, from the observations the
sandbox returned and the secrets that never left this process.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from grader import __version__
from grader.checks import GraderStepFailed, NotObserved, Observed
from grader.data import file_sha256
from grader.lab import Lab, UnknownLabError, get_lab
from grader.hints import format_error
from grader.results import CheckResult, ExerciseResult, SubmissionResult
from grader.written_answers import collect_answers
from grader.rubric import ExerciseSpec, Rubric, load_rubric
from grader.sandbox import ExerciseJob, ExerciseRun, SandboxJob, SandboxReport, run_in_sandbox
from grader.submission import Submission, SubmissionError, gradable_files, load_submission, runnable_source, safe_extract_zip


__all__ = ["UnknownLabError", "grade_submission", "load_lab_rubric"]


def load_lab_rubric(lab: str | Lab) -> Rubric:
    """The rubric of ``lab`` (a name or a :class:`~grader.lab.Lab`), its check names resolved lab first."""
    lab = get_lab(lab) if isinstance(lab, str) else lab
    if not lab.rubric_path.is_file():
        raise UnknownLabError(f"lab {lab.name!r} has no rubric: {lab.rubric_path} does not exist")
    return load_rubric(lab.rubric_path, resolve_check=lab.resolve_check)


def grade_submission(
    path: str | Path,
    lab: str | Lab,
    *,
    quick: bool = False,
    data_path: str | Path | None = None,
    only: list[str] | None = None,
    rubric: Rubric | None = None,
    use_bwrap: bool | None = None,
    isolation: str | None = None,
) -> SubmissionResult:
    """Grade the submission at ``path`` against ``lab``'s rubric.

    ``quick`` skips the checks that train models. ``only`` limits grading to
    the named exercises. Raises SubmissionError / UnknownLabError for input
    that cannot be graded at all.
    """
    started = time.perf_counter()
    rubric = rubric or load_lab_rubric(lab)
    plugin = lab if isinstance(lab, Lab) else get_lab(rubric.lab)
    path = Path(path)
    if path.suffix.lower() == ".zip" and path.is_file():
        # A notebook zipped with its trained-models folder.
        with tempfile.TemporaryDirectory(prefix="labgrader-zip-") as unpacked:
            inner = submission_in_zip(path, Path(unpacked))
            result = grade_submission(inner, lab, quick=quick, data_path=data_path, only=only, rubric=rubric, use_bwrap=use_bwrap, isolation=isolation)
            result.submission = path.name
            return result
    submission = load_submission(path)
    exercises = [e for e in rubric.exercises if not only or e.name in only]
    if only:
        unknown = sorted(set(only) - {e.name for e in rubric.exercises})
        if unknown:
            raise UnknownLabError(f"{rubric.lab} has no exercise named {', '.join(unknown)}; exercises: {', '.join(e.name for e in rubric.exercises)}")

    data = plugin.load_data(Path(data_path) if data_path is not None else None, rubric.data)

    secrets: dict[str, dict] = {}
    jobs: list[ExerciseJob] = []
    for exercise in exercises:
        params = dict(exercise.probe_params)
        if quick:
            params["skip_training"] = True
        inputs, secrets[exercise.name] = plugin.probe_inputs(exercise, params, data)
        jobs.append(ExerciseJob(exercise.name, exercise.probe, params, inputs, exercise.timeout_s or rubric.limits.exercise_timeout_s,
                                targets=exercise.target_names))

    model_results, model_notes = _plan_trained_models(rubric, plugin, submission, data, jobs, secrets) if not only else ([], [])

    form = submission_form(submission, rubric, plugin)
    if form == "inline":
        # An original notebook filled in place: every cell runs, in order.
        blocks = [{"source": runnable_source(source), "filename": where, "first_line": 1} for where, source in submission.code_cells]
        datasets = plugin.notebook_datasets(data)
        job = SandboxJob(rubric.lab, plugin.sandbox_package, blocks, [where for where, _ in submission.code_cells], jobs, form="inline", datasets=datasets,
                         cell_budget_s=rubric.limits.cell_budget_s)
    else:
        blocks = [{"source": b.source, "filename": b.filename, "first_line": b.first_line} for b in submission.definitions]
        job = SandboxJob(rubric.lab, plugin.sandbox_package, blocks, sorted({b.filename for b in submission.definitions}), jobs)
    report = run_in_sandbox(job, rubric.limits, use_bwrap=use_bwrap, isolation=isolation)

    results = [_score_exercise(e, report.runs[e.name], secrets[e.name], submission, report, quick, form, plugin) for e in exercises]
    trained = _score_trained_models(rubric, plugin, model_results, report, secrets)
    notes = list(submission.notes) + model_notes
    if form == "inline":
        notes.append("Graded as an original fill-in notebook (it does not define the exercise notebook's functions): every code cell ran in order, "
                     "with the notebook's own training capped and its datasets served by the grader; each exercise was found by what the notebook built.")
        notes.extend(_inline_notes(report))
    else:
        for problem in submission.problems:
            line = f", line {problem.line}" if problem.line else ""
            notes.append(f"{problem.where}{line}: {problem.message} — this cell was skipped")
        for problem in report.load_problems:
            notes.append(f"{problem['where']}: running this definition raised {format_error(problem['error'])}")
    for skipped in report.skipped_blocks:
        notes.append(skipped["reason"])
    if "warning" in report.isolation:
        notes.append(f"Sandbox: {report.isolation['warning']}; student code ran with reduced isolation")
    if quick:
        notes.append("Quick check: checks that train models were skipped; run without --quick for the full grade.")
    unjudged = [f"{e.name}/{c.name}" for e in results for c in e.checks if c.grader_error]
    if unjudged:
        notes.append(f"Needs review: the grader could not judge {', '.join(unjudged)}; those checks are left out of the score "
                     "(the maximum is lower by their points) until an instructor looks at them.")

    result = SubmissionResult(
        lab=rubric.lab,
        written_answers=collect_answers(submission.path, rubric.questions, rubric.question_prompt) if submission.path else [],
        submission=submission.name,
        score=round(sum(r.score for r in results + trained), 4),
        max_score=round(sum(r.max_score for r in results + trained), 4),
        exercises=results,
        trained_models=trained,
        grader_version=__version__,
        rubric_version=rubric.version,
        quick=quick,
        form=form,
        isolation=report.isolation,
        notes=notes,
        logs={"stdout": report.stdout, "stderr": report.stderr},
        data=str(getattr(data, "name", "") or ""),
        seconds=round(time.perf_counter() - started, 3),
        sandbox_seconds=round(report.seconds, 3),
        submission_sha256=file_sha256(submission.path),
        rubric_sha256=rubric_fingerprint(rubric),
    )
    for name, run in report.runs.items():  # exercises, and trained models as "trained:<name>"
        result.observations[name] = Observed(run.values, run.arrays, secrets.get(name, {}))
    return result


def submission_form(submission: Submission, rubric: Rubric, lab: Lab | None = None) -> str:
    """``inline`` for an original fill-in notebook, else ``stub``.

    A notebook is in the stub form when it is the grader's exercise notebook
    (its metadata names the lab) or defines one of the lab's functions other
    than ``lab.original_names``; an original fill-in notebook defines none.
    """
    if submission.form != "notebook" or not submission.code_cells or submission.lab_metadata:
        return "stub"  # a script, or the grader's own exercise notebook (its metadata names the lab)
    lab = lab if lab is not None else get_lab(rubric.lab)
    functions = {n for e in rubric.exercises if e.kind == "function" for n in e.target_names}
    # Names the original handout itself gives (its given code calls them) do not mark the stub form.
    return "stub" if (functions - set(lab.original_names)) & submission.defined_names() else "inline"


def _inline_notes(report: SandboxReport) -> list[str]:
    """What running an original notebook met: cells that failed (and why), and the Keras-2 shims used."""
    notes = []
    for cell in report.load_problems:
        if cell.get("status") == "blank":
            notes.append(f"{cell['where']}: a blank is not filled in ({cell.get('blank_line')}); the statements that depend on it were skipped")
        elif cell.get("blamed_on"):
            notes.append(f"{cell['where']} failed because the blank in {cell['blamed_on']} is not filled in ({format_error(cell['error'])})")
        elif cell.get("error"):
            notes.append(f"{cell['where']} failed, and execution went on with the next cell: {format_error(cell['error'])}")
    not_needed = [cell["where"] for cell in report.load_problems if cell.get("status") == "not_needed"]
    if not_needed:
        notes.append(f"Not run, since no exercise needs what they compute (training runs, plots, other experiments): {_cell_list(not_needed)}")
    for message in report.compat:
        notes.append(f"{'OpenCV 4' if message.startswith('cv2.') else 'Keras 2'} compatibility: {message}")
    return notes


def _cell_list(wheres: list[str]) -> str:
    """'cells 3, 5, 8' from ['cell 3', 'cell 5', 'cell 8']."""
    numbers = [w.removeprefix("cell ") for w in wheres]
    return ("cell " if len(numbers) == 1 else "cells ") + ", ".join(numbers)


def rubric_fingerprint(rubric: Rubric) -> str:
    """SHA-256 of the rubric's content (limits, budgets, thresholds, points), thread count aside."""
    return hashlib.sha256(rubric.model_dump_json(exclude={"limits": {"threads"}}).encode()).hexdigest()


def error_result(rubric: Rubric, submission_name: str, message: str, status: str = "error", sha256: str = "") -> SubmissionResult:
    """A result for a submission that could not be graded at all: every exercise errored, nothing lost."""
    return SubmissionResult(
        lab=rubric.lab,
        submission=submission_name,
        score=0,
        max_score=rubric.max_score,
        exercises=[
            ExerciseResult(name=e.name, title=e.title, score=0, max_score=e.max_score, status=status, feedback=f"{status}: {message}")
            for e in rubric.exercises
        ],
        grader_version=__version__,
        rubric_version=rubric.version,
        notes=[message],
        submission_sha256=sha256,
        rubric_sha256=rubric_fingerprint(rubric),
    )


def _failed_definition(name: str, submission: Submission, report: SandboxReport) -> dict | None:
    """The load problem of the definition block that defines ``name``, if running it raised."""
    for problem in report.load_problems:
        for block in submission.definitions:
            if (block.filename, block.first_line) == (problem.get("where"), problem.get("line")) and re.search(
                rf"^\s*(?:async\s+def|def|class)\s+{re.escape(name)}\b", block.source, re.MULTILINE
            ):
                return problem
    return None


def _missing_feedback(exercise: ExerciseSpec, submission: Submission, report: SandboxReport) -> str:
    """Why the definition an exercise needs is not there: an unreadable cell, a skipped or failed definition, or none."""
    names = exercise.target_names
    defined = submission.defined_names()
    # The first definition that is not there (for an exercise that uses several, the others may be fine).
    name = next((n for n in names if n not in defined or _failed_definition(n, submission, report)), names[0])
    needs = f" ({exercise.name} needs {', '.join(names)})" if names != [exercise.name] else ""
    problem = submission.problem_for(name)
    skipped = next((s for s in report.skipped_blocks if name in s.get("names", [])), None)
    failed = _failed_definition(name, submission, report)
    if problem:
        at = f" at line {problem.line}" if problem.line else ""
        return f"{name} is in {problem.where}, which could not be read ({problem.message}{at}); fix that cell{needs}"
    if skipped:
        return skipped["reason"] + needs
    if failed:
        return f"defining {name} failed: {format_error(failed['error'])}{needs}"
    return f"{name} is not defined in {submission.name}; define it with exactly this name{needs}"


NOT_IMPLEMENTED_FEEDBACK = "not implemented yet: the stub still raises NotImplementedError"


def run_checks(specs: list, observed: Observed, lab: Lab, counted: bool = True) -> list[CheckResult]:
    """Run each check of ``specs`` on ``observed``; a check that cannot run fails with the reason.

    Check names resolve in ``lab``'s own checks first, then in the generic
    catalogue. ``counted=False`` keeps the verdicts but gives no points
    (checks shown, not graded).
    """
    results = []
    for spec in specs:
        try:
            outcome = lab.resolve_check(spec.check)(observed, **spec.params)
            passed, message, details = outcome.passed, outcome.message, outcome.details
        except GraderStepFailed as exc:
            results.append(_grader_failure(spec, str(exc)))
            continue
        except NotObserved as exc:
            passed, message, details = False, f"not checked: {exc}", {}
        except Exception as exc:  # noqa: BLE001 - a grader bug must not lose the submission's other results
            results.append(_grader_failure(spec, f"internal grader error in check {spec.id} ({type(exc).__name__}: {exc}); please report it"))
            continue
        max_points = spec.points if counted else 0.0
        results.append(CheckResult(
            name=spec.id, passed=passed, message=message, points=max_points if passed else 0.0,
            max_points=max_points, hint="" if passed else spec.hint, details=details,
        ))
    return results


def _grader_failure(spec, reason: str) -> CheckResult:
    """A check the grader could not judge: it costs the student nothing and is flagged for the instructor."""
    return CheckResult(name=spec.id, passed=False, message=f"not judged, flagged for review: {reason}", points=0.0,
                       max_points=0.0, grader_error=True, details={"points_not_judged": spec.points})


def _score_exercise(
    exercise: ExerciseSpec, run: ExerciseRun, secrets: dict, submission: Submission, report: SandboxReport, quick: bool, form: str,
    lab: Lab,
) -> ExerciseResult:
    checks = [c for c in exercise.checks_for(form) if not (quick and c.trained)]
    max_score = sum(c.points for c in checks)
    base = {"name": exercise.name, "title": exercise.title, "max_score": max_score, "seconds": round(run.seconds, 3)}

    if form == "inline":
        unlocated = _score_inline_status(exercise, run, base)
        if unlocated is not None:
            return unlocated
    if run.status == "missing":
        return ExerciseResult(**base, score=0, status="missing", feedback=_missing_feedback(exercise, submission, report))
    if run.status == "not_implemented":
        return ExerciseResult(**base, score=0, status="not_implemented", feedback=NOT_IMPLEMENTED_FEEDBACK)
    if run.status == "tampered":
        return ExerciseResult(**base, score=0, status="error", feedback=f"error: {run.error['message']}; this exercise gets no points")
    if run.status in ("timeout", "memory", "crashed"):
        status = "timeout" if run.status == "timeout" else "error"
        prefix = "timeout" if run.status == "timeout" else "error"
        return ExerciseResult(**base, score=0, status=status, feedback=f"{prefix}: {run.error['message']}")

    results = run_checks(checks, Observed(run.values, run.arrays, secrets), lab)
    score = sum(r.points for r in results)
    unjudged = [r for r in results if r.grader_error]
    if unjudged:
        base["max_score"] = max_score = sum(r.max_points for r in results)
    if run.status == "error":
        status, feedback = "error", f"error: {format_error(run.error)}"
    else:
        failed = [r for r in results if not r.passed and not r.grader_error]
        status = "passed" if not failed and score == max_score else "failed"
        feedback = "all checks passed" if not failed else failed[0].message
    if unjudged:
        feedback += (f"\n  ({len(unjudged)} check(s) worth {sum(r.details['points_not_judged'] for r in unjudged):g} point(s) could not be"
                     f" judged by the grader and are left out of the score; the instructor is asked to review: {', '.join(r.name for r in unjudged)})")
    if run.compat:
        feedback += "\n  (ran with Keras 2 compatibility: " + "; ".join(run.compat) + ")"
    if "NameError" in feedback or any("NameError" in r.message for r in results):
        # An undefined name is usually an import that failed earlier: say which.
        for problem in report.load_problems:
            if problem["error"]["type"] in ("ImportError", "ModuleNotFoundError"):
                feedback += f"\n  (an import failed earlier, in {problem['where']}: {format_error(problem['error'])})"
                break
    return ExerciseResult(**base, score=score, status=status, feedback=feedback, checks=results)


def _score_inline_status(exercise: ExerciseSpec, run: ExerciseRun, base: dict) -> ExerciseResult | None:
    """The result of an inline-form exercise whose answer was not found (None when it was, and was probed)."""
    message = (run.error or {}).get("message", "")
    cause = (run.error or {}).get("cause")
    if run.status == "not_in_notebook":
        if exercise.inline_optional:
            return ExerciseResult(**{**base, "max_score": 0.0}, score=0, status="not_in_notebook", feedback=f"not counted: {message}")
        # Deleting an exercise must not shrink the total: unless the rubric says some years lack it, it is missing.
        return ExerciseResult(**base, score=0, status="missing", feedback=f"missing: {message.replace('mentions this exercise or makes', 'makes')}")
    if run.status == "not_implemented":
        return ExerciseResult(**base, score=0, status="not_implemented", feedback=f"not implemented yet: {message}")
    if run.status == "missing":
        return ExerciseResult(**base, score=0, status="missing", feedback=f"missing: {message}")
    if run.status == "error" and run.error and run.error.get("type") == "error":
        detail = f": {format_error(cause)}" if cause else ""
        return ExerciseResult(**base, score=0, status="error", feedback=f"error: {message}{detail}")
    return None


# ---------------------------------------------------------------- trained models


MAX_MODEL_FILE_BYTES = 200 * 1024**2  # the lab's largest reference model is under 1 MB


def submission_in_zip(archive: Path, into: Path) -> Path:
    """The notebook (or script) inside a zipped submission, extracted with its models folder."""
    safe_extract_zip(archive, into)
    found = gradable_files(into)
    if not found:
        raise SubmissionError(f"{archive.name} holds no .ipynb or .py file; zip your notebook together with its models folder")
    return found[0]


def reference_metrics(lab: Lab) -> dict[str, dict]:
    """Per model, the metrics the reference reached (reference/<lab>/metrics.json), or {} if not trained yet."""
    path = lab.reference_dir / "metrics.json"
    try:
        return {name: entry.get("metrics", {}) for name, entry in json.loads(path.read_text()).get("models", {}).items()}
    except (OSError, ValueError):
        return {}


def _plan_trained_models(rubric: Rubric, lab: Lab, submission: Submission, data, jobs: list[ExerciseJob], secrets: dict):
    """Jobs for the saved models that are present; placeholders for the rest."""
    spec = rubric.trained_models
    if spec is None or not spec.models or submission.path is None:
        return [], []
    folder = submission.path.parent / spec.folder
    counted = folder.is_dir() or spec.required
    notes = [] if folder.is_dir() else [
        f"Trained models: no {spec.folder}/ folder next to {submission.name}; "
        + ("they count as not submitted." if spec.required else "their checks were not counted. Run the notebook's last cell and hand in the folder with the notebook to have them graded.")
    ]
    heldout = lab.heldout_tasks(data)
    reference = reference_metrics(lab)
    preview_file = lab.reference_dir / "heldout_preview.npz"
    previews = dict(np.load(preview_file)) if preview_file.is_file() else {}
    planned = []
    for model in spec.models:
        key = f"trained:{model.name}"
        file = folder / f"{model.name}.keras"
        planned.append((model, key, file.is_file(), counted))
        if file.is_file() and file.stat().st_size > MAX_MODEL_FILE_BYTES:
            notes.append(f"{spec.folder}/{file.name} is {file.stat().st_size / 1024**2:.0f} MB, more than the "
                         f"{MAX_MODEL_FILE_BYTES // 1024**2} MB a lab model needs; it was not loaded")
            secrets[key] = {}
            continue
        if file.is_file():
            task = heldout[model.name]
            secrets[key] = {"task": task, "reference_metrics": reference.get(model.name), "reference_preview": previews.get(model.name)}
            jobs.append(ExerciseJob(key, "load_and_predict", {}, {"inputs": task.inputs}, model.timeout_s or rubric.limits.exercise_timeout_s, model_file=file))
    return planned, notes


def _score_trained_models(rubric: Rubric, lab: Lab, planned, report: SandboxReport, secrets: dict) -> list[ExerciseResult]:
    results = []
    folder = rubric.trained_models.folder if rubric.trained_models else ""
    for model, key, present, counted in planned:
        max_score = model.max_score if counted else 0.0
        base = {"name": model.name, "title": model.title, "max_score": max_score}
        if not present:
            results.append(ExerciseResult(**base, score=0, status="not_submitted", feedback=f"not submitted: {folder}/{model.name}.keras was not found"))
            continue
        run = report.runs.get(key)
        if run is None:  # not loaded (too large): see the notes
            results.append(ExerciseResult(**base, score=0, status="error", feedback=f"error: {folder}/{model.name}.keras is too large to be a lab model; it was not loaded"))
            continue
        if run.status != "ok":
            message = run.error["message"] if run.error else run.status
            results.append(ExerciseResult(**base, score=0, status="timeout" if run.status == "timeout" else "error", feedback=f"error: {message}", seconds=round(run.seconds, 3)))
            continue
        checks = run_checks(model.checks, Observed(run.values, run.arrays, secrets[key]), lab, counted=counted)
        failed = [c for c in checks if not c.passed]
        status = "passed" if not failed else ("error" if "load.error" in run.values else "failed")
        results.append(ExerciseResult(**base, score=sum(c.points for c in checks), status=status,
                                      feedback="all checks passed" if not failed else failed[0].message, checks=checks, seconds=round(run.seconds, 3)))
    return results
