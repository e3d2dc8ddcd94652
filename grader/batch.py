"""Batch grading for instructors: a folder or LMS zip in, one result per student out.

``grade_batch`` finds the submissions (a folder of files, a folder of
per-student folders, or a Canvas / Gradescope download zip), grades them in
parallel — each exactly as ``grader check`` would, in its own sandbox — and
writes ``<out>/<student>.json`` atomically the moment a submission is done.
Where each result goes is :mod:`grader.results_folder`'s business, and
where the grading runs is the pool's: :class:`LocalPool` (threads on this
machine, the default) or :class:`grader.cluster.DaskPool` (a Dask cluster).
A rerun skips results whose fingerprint (grader version, rubric, submission
hash) is unchanged. A file that cannot be graded still gets a result (every
exercise ``error``), so no student is ever missing from the gradebook.
"""

from __future__ import annotations

import csv
import hashlib
import os
import json
import re
import shutil
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager
from typing import Callable, Iterator

import logging

from grader import __version__
from grader.engine import error_result, grade_submission, load_lab_rubric, rubric_fingerprint
from grader.render import write_atomic
from grader.results import SubmissionResult
from grader.results_folder import ResultsFolder, load_result
from grader.rubric import Rubric
from grader.submission import SUPPORTED_SUFFIXES, SubmissionError, gradable_files, safe_extract_zip

# Canvas names downloaded files  name[_LATE]_userid_submissionid_original-name
CANVAS_NAME = re.compile(r"^(?P<name>[^_]+)(?:_(?P<late>LATE|late))?_(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
log = logging.getLogger(__name__)
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini", "submission_metadata.yml", "roster.csv"}


class BatchError(Exception):
    """The batch input itself cannot be used (missing, not a folder or zip, unsafe zip)."""


@dataclass
class Entry:
    """One student's submission as found in the batch input."""

    student: str
    path: Path | None  # None when nothing gradable was found for this student
    display_name: str = ""
    sis_id: str = ""
    login_id: str = ""
    section: str = ""
    problem: str = ""  # why it cannot be graded, when path is None
    notes: list[str] = field(default_factory=list)


@dataclass
class BatchSummary:
    graded: int = 0
    skipped: int = 0
    errors: int = 0
    interrupted: bool = False
    scores: list[float] = field(default_factory=list)
    max_score: float = 0.0
    pass_rates: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    entries: list[Entry] = field(default_factory=list)
    results: dict[str, SubmissionResult] = field(default_factory=dict)

    @property
    def mean_score(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0


# ---------------------------------------------------------------- finding submissions


def _is_gradable(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "__")) and path.name not in IGNORED_NAMES


def extract_zip(archive: Path, into: Path) -> Path:
    """Extract an LMS download safely (see submission.safe_extract_zip)."""
    try:
        return safe_extract_zip(archive, into)
    except SubmissionError as exc:
        raise BatchError(str(exc)) from None


def _entry_for_file(path: Path) -> Entry:
    match = CANVAS_NAME.match(path.name)
    if match:
        entry = Entry(student=match["user"], path=path, display_name=match["name"])
        if match["late"]:
            entry.notes.append("submitted late (Canvas)")
        return entry
    return Entry(student=path.stem, path=path)


def _entry_for_folder(folder: Path) -> Entry:
    candidates = [p for p in gradable_files(folder) if _visible(p)]
    if not candidates:
        return Entry(student=folder.name, path=None, problem=f"no .ipynb or .py file in {folder.name}/")
    entry = Entry(student=folder.name, path=candidates[0])
    if len(candidates) > 1:
        entry.notes.append(f"{len(candidates)} gradable files; graded {candidates[0].relative_to(folder)}")
    return entry


def discover_submissions(source: Path, workdir: Path) -> list[Entry]:
    """Every student's submission in ``source`` (folder or zip), one Entry per student."""
    source = Path(source)
    if not source.exists():
        raise BatchError(f"{source} does not exist; give a folder of submissions or an LMS download zip")
    if source.is_file():
        if source.suffix.lower() != ".zip":
            raise BatchError(f"{source.name} is neither a folder nor a .zip; for a single file use `grader check`")
        source = extract_zip(source, workdir / "extracted")
        inner = [p for p in source.iterdir() if _visible(p)]
        if len(inner) == 1 and inner[0].is_dir() and not any(_is_gradable(p) for p in inner[0].iterdir() if p.is_file()) and any(p.is_dir() for p in inner[0].iterdir()):
            source = inner[0]  # Gradescope: assignment_123_export/submission_456/...
    entries = []
    for path in sorted(p for p in source.iterdir() if _visible(p)):
        if path.is_dir():
            entries.append(_entry_for_folder(path))
        elif _is_gradable(path):
            entries.append(_entry_for_file(path))
        else:
            entries.append(Entry(student=path.stem, path=None, problem=f"{path.name}: unsupported file type {path.suffix or '(none)'!r}; expected .ipynb or .py"))
    seen: dict[str, int] = {}
    for entry in entries:  # two files for one student: keep both, apart
        seen[entry.student] = seen.get(entry.student, 0) + 1
        if seen[entry.student] > 1:
            entry.notes.append(f"second submission for {entry.student}")
            entry.student = f"{entry.student}-{seen[entry.student]}"
    return entries


def apply_roster(entries: list[Entry], roster: Path) -> None:
    """Fill names and ids from a roster CSV with a ``student`` column (and optionally
    ``key`` — the id found in file names — ``name``, ``sis_id``, ``login_id``, ``section``)."""
    try:
        with open(roster, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise BatchError(f"roster {roster}: cannot be read ({exc.strerror or exc})") from None
    if not rows or "student" not in rows[0]:
        raise BatchError(f"roster {roster}: expected a CSV with a 'student' column (optional: key, name, sis_id, login_id, section)")
    by_key = {(row.get("key") or row["student"]).strip(): row for row in rows}
    for entry in entries:
        row = by_key.get(entry.student) or by_key.get(entry.display_name)
        if row:
            entry.student = row["student"].strip()
            entry.display_name = (row.get("name") or entry.display_name).strip()
            entry.sis_id = (row.get("sis_id") or "").strip()
            entry.login_id = (row.get("login_id") or "").strip()
            entry.section = (row.get("section") or "").strip()


# ---------------------------------------------------------------- grading


def is_error_result(result: SubmissionResult) -> bool:
    """A submission that could not be graded at all (see engine.error_result)."""
    return result.score == 0 and all(e.status == "error" and not e.checks for e in result.exercises)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _up_to_date(existing: SubmissionResult | None, entry: Entry, rubric: Rubric) -> bool:
    if existing is None or existing.grader_version != __version__ or existing.rubric_sha256 != rubric_fingerprint(rubric):
        return False
    if entry.path is None:  # nothing gradable: up to date if the same problem was recorded
        return existing.notes[:1] == [entry.problem]
    try:
        return existing.submission_sha256 == _sha256(entry.path)
    except OSError:
        return False


def grade_entry(entry: Entry, rubric: Rubric, quick: bool = False, data_path: Path | None = None) -> SubmissionResult:
    """Grade one entry; any failure becomes an error result, never an exception."""
    if entry.path is None:
        return error_result(rubric, entry.student, entry.problem)
    try:
        result = grade_submission(entry.path, rubric.lab, rubric=rubric, quick=quick, data_path=data_path)
    except SubmissionError as exc:
        return error_result(rubric, entry.path.name, str(exc), sha256=_sha256(entry.path))
    except Exception as exc:  # noqa: BLE001 - a grader bug on one file must not stop the batch
        return error_result(rubric, entry.path.name, f"internal grader error ({type(exc).__name__}: {exc}); please report it")
    result.notes.extend(entry.notes)
    return result


class GradingCancelled(Exception):
    """A submission's grading was called off (Ctrl-C); nothing is written for it, so a rerun grades it."""


class LocalPool:
    """Grades on this machine: ``workers`` submissions at once, each in its own sandbox.

    A pool is what :func:`grade_batch` hands submissions to. Another pool
    (:class:`grader.cluster.DaskPool`) only has to provide the same five
    members: ``running`` (a context for one batch), ``prepare``,
    ``capacity``, ``submit`` and ``cancel_running``.
    """

    def __init__(self, workers: int = 2) -> None:
        self.workers = max(1, workers)
        self._executor: ThreadPoolExecutor | None = None

    @contextmanager
    def running(self) -> Iterator["LocalPool"]:
        """The threads, for one batch."""
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="grade")
        try:
            yield self
        finally:
            self._executor.shutdown(wait=True)
            self._executor = None

    def prepare(self, rubric: Rubric) -> None:
        """Share the cores between workers instead of oversubscribing them: small
        models train faster on one thread each than on two threads fighting."""
        rubric.limits.threads = max(1, min(rubric.limits.threads, (os.cpu_count() or 1) // self.workers))

    def capacity(self) -> int:
        """How many submissions may be in flight at once."""
        return self.workers

    def submit(self, entry: Entry, rubric: Rubric, *, quick: bool, data_path: Path | None,
               on_start: Callable[[Entry], None] | None = None) -> Future:
        """Start grading ``entry``; the future's result is its SubmissionResult, never an exception."""
        def work() -> SubmissionResult:
            if on_start:
                on_start(entry)
            return grade_entry(entry, rubric, quick=quick, data_path=data_path)

        assert self._executor is not None, "submit inside pool.running()"
        return self._executor.submit(work)

    def cancel_running(self) -> None:
        """Nothing to do here: Ctrl-C already stops this machine's sandboxes (see the CLI)."""


def _write_report(folder: ResultsFolder, student: str, result: SubmissionResult) -> None:
    """The student's HTML report; a failure is logged, never raised (the JSON is already written).

    The observations (arrays, secrets) are dropped afterwards: reports were
    their only use, and a class's worth of them would fill the memory.
    """
    try:
        from grader.report import write_html_report

        write_html_report(result, folder.report_path(student))
    except Exception:  # noqa: BLE001
        log.warning("could not write the HTML report for %s", student, exc_info=True)
    finally:
        result.observations.clear()


def grade_batch(
    source: Path,
    out_dir: Path,
    lab: str | None = None,
    *,
    workers: int = 2,
    force: bool = False,
    quick: bool = False,
    roster: Path | None = None,
    data_path: Path | None = None,
    on_event: Callable[[str, Entry, SubmissionResult | None], None] | None = None,
    on_found: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    rubric: Rubric | None = None,
    reports: bool = True,
    pool=None,
) -> BatchSummary:
    """Grade every submission in ``source`` into ``out_dir``; see the module docstring.

    ``on_event(kind, entry, result)`` is called with kind "start", "done" or
    "skip" (from worker threads for "start"). Setting ``stop`` (Ctrl-C) stops
    starting new submissions; finished results are kept.

    With ``reports``, each graded result also gets an HTML feedback report
    (``out_dir/reports/<student>.html``, with figures) right after its JSON,
    and ``out_dir/index.html`` gives the class overview at the end. A report
    that fails is logged and skipped; the result itself is already saved.

    ``pool`` says where grading runs (default: ``LocalPool(workers)``, this
    machine); results are written here, as they arrive, whatever the pool.
    """
    started = time.perf_counter()
    if lab is None and rubric is None:
        raise BatchError("name the lab to grade against (or pass its rubric)")
    rubric = (rubric or load_lab_rubric(lab)).model_copy(deep=True)
    pool = pool if pool is not None else LocalPool(workers)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workdir = out_dir / ".work"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    stop = stop or threading.Event()
    summary = BatchSummary(max_score=rubric.max_score)
    try:
        entries = discover_submissions(Path(source), workdir)
        if roster is not None:
            apply_roster(entries, roster)
        summary.entries = entries
        folder = ResultsFolder(out_dir)
        folder.assign(entry.student for entry in entries)
        if on_found:
            on_found(len(entries))
        todo = []
        for entry in entries:
            existing = load_result(folder.result_path(entry.student))
            if not force and _up_to_date(existing, entry, rubric):
                summary.skipped += 1
                summary.results[entry.student] = existing
                if on_event:
                    on_event("skip", entry, existing)
            else:
                todo.append(entry)

        def on_start(entry: Entry) -> None:
            if on_event:
                on_event("start", entry, None)

        with pool.running():
            pool.prepare(rubric)
            pending: dict[Future, Entry] = {}
            queue = list(todo)
            while queue or pending:
                while queue and len(pending) < max(1, pool.capacity()) and not stop.is_set():
                    entry = queue.pop(0)
                    pending[pool.submit(entry, rubric, quick=quick, data_path=data_path, on_start=on_start)] = entry
                if not pending:
                    break
                if stop.is_set():
                    pool.cancel_running()
                done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    entry = pending.pop(future)
                    try:
                        result = future.result()
                    except GradingCancelled:
                        queue.insert(0, entry)  # not graded: counts as interrupted, and a rerun grades it
                        continue
                    write_atomic(folder.result_path(entry.student), json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
                    if reports:
                        _write_report(folder, entry.student, result)
                    summary.results[entry.student] = result
                    summary.graded += 1
                    if on_event:
                        on_event("done", entry, result)
            summary.interrupted = stop.is_set() and bool(queue)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    folder.write_manifest([{"student": e.student, "display_name": e.display_name, "sis_id": e.sis_id, "login_id": e.login_id,
                            "section": e.section, "file": e.path.name if e.path else "", "problem": e.problem} for e in summary.entries])
    if reports:
        try:
            from grader.report import write_class_overview

            write_class_overview(out_dir)
        except Exception:  # noqa: BLE001 - the overview is a convenience; results and exports do not depend on it
            log.warning("could not write %s", out_dir / "index.html", exc_info=True)
    for result in summary.results.values():
        if is_error_result(result):
            summary.errors += 1
        summary.scores.append(result.score)
    if summary.results:  # --quick results have a smaller maximum than the rubric
        summary.max_score = max(r.max_score for r in summary.results.values())
    names = [e.name for e in rubric.exercises]
    if summary.results:
        summary.pass_rates = {
            name: sum(any(e.name == name and e.status == "passed" for e in r.exercises) for r in summary.results.values()) / len(summary.results)
            for name in names
        }
    summary.seconds = time.perf_counter() - started
    return summary
