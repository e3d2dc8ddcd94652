"""The ``grader`` command: a thin layer over :mod:`grader.engine`.

Exit codes: 0 everything passed, 1 something did not pass, 2 the input could
not be graded at all (unreadable or unsupported file, unknown lab, bad option).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from grader.lab import UnknownLabError, available_labs, get_lab

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Check and grade Keras/TensorFlow lab notebooks.",
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _fail_usage(message: str) -> None:
    # soft_wrap: a long path in the message stays on one line, as a terminal wraps it, so it can be copied
    errors.print(f"[bold red]error:[/bold red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def _lab(name: str):
    """The lab called ``name``, or a usage error that lists the labs there are."""
    try:
        return get_lab(name)
    except UnknownLabError as exc:
        _fail_usage(str(exc))


@app.command()
def check(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")],
    submission: Annotated[Path, typer.Argument(help="Your notebook (.ipynb) or script (.py).")],
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Also write the result as JSON to this file ('-' for stdout).")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Structural checks only: skip the checks that train models.")] = False,
    exercise: Annotated[Optional[list[str]], typer.Option("--exercise", "-e", help="Check only this exercise (repeatable).")] = None,
    data: Annotated[Optional[Path], typer.Option("--data", help="MNIST .npz (Keras layout) to use instead of the bundled subset.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every check and your code's output.")] = False,
    html_path: Annotated[Optional[Path], typer.Option("--html", help="Also write a feedback report with figures as a self-contained HTML page.")] = None,
    md_path: Annotated[Optional[Path], typer.Option("--md", help="Also write the feedback as Markdown (for LMS comments).")] = None,
) -> None:
    """Check a lab submission and show what is right and what is wrong."""
    from grader.data import DataError
    from grader.engine import grade_submission
    from grader.render import render_terminal, result_json, write_atomic
    from grader.rubric import RubricError
    from grader.submission import SubmissionError

    try:
        with console.status(f"Checking {submission.name} against {lab}…", spinner="dots") if sys.stdout.isatty() else _nullcontext():
            result = grade_submission(submission, lab, quick=quick, data_path=data, only=exercise)
    except (SubmissionError, UnknownLabError, DataError, RubricError) as exc:
        _fail_usage(str(exc))
    if json_path is not None and str(json_path) == "-":
        print(result_json(result))
    else:
        render_terminal(result, console, verbose=verbose)
        if json_path is not None:
            write_atomic(json_path, result_json(result) + "\n")
            console.print(f"JSON written to {json_path}")
    _write_reports(result, html_path, md_path, errors if json_path is not None and str(json_path) == "-" else console)
    raise typer.Exit(EXIT_PASSED if result.all_passed else EXIT_FAILED)


def _write_reports(result, html_path: Path | None, md_path: Path | None, out: Console) -> None:
    """The --html and --md reports (messages go to ``out``: stderr when stdout carries JSON)."""
    from grader.render import write_atomic
    from grader.report import render_html, render_markdown

    if html_path is not None:
        write_atomic(html_path, render_html(result))
        out.print(f"HTML report written to {html_path}")
    if md_path is not None:
        write_atomic(md_path, render_markdown(result))
        out.print(f"Markdown report written to {md_path}")


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@app.command()
def init(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")],
    directory: Annotated[Path, typer.Argument(help="Where to put the notebook.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing notebook.")] = False,
) -> None:
    """Copy a lab's student notebook into a folder (default: here)."""
    source = _lab(lab).exercise_notebook
    if not source.is_file():
        _fail_usage(f"lab {lab!r} has no student notebook ({source} does not exist); run `grader author build {lab}`")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / source.name
    if target.exists() and not force:
        _fail_usage(f"{target} already exists; pass --force to overwrite it (your answers in it would be lost)")
    shutil.copyfile(source, target)
    console.print(f"Wrote {target}. Fill in the exercises, then run: grader check {lab} {target}")


@app.command()
def grade(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")],
    submissions: Annotated[Path, typer.Argument(help="Folder of .ipynb/.py files or per-student folders, or a Canvas/Gradescope download zip.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for results (<student>.json) and exports.")],
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Submissions graded at once (default: number of cores).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Regrade submissions that already have an up-to-date result.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Structural checks only.")] = False,
    roster: Annotated[Optional[Path], typer.Option("--roster", help="CSV mapping ids in file names to students (columns: student[, key, name, sis_id, login_id, section]).")] = None,
    data: Annotated[Optional[Path], typer.Option("--data", help="MNIST .npz (Keras layout) instead of the bundled subset.")] = None,
    assignment_name: Annotated[str, typer.Option(help="Assignment name for the Canvas export.")] = "",
    assignment_id: Annotated[Optional[str], typer.Option(help="Canvas assignment id for the Canvas export.")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Grade on a running Dask cluster: its scheduler's address (tcp://HOST:8786) or scheduler file. Needs labgrader[cluster].")] = None,
    cluster: Annotated[Optional[str], typer.Option("--cluster", help="Start a Dask cluster on this machine: local:N for N worker processes. Needs labgrader[cluster].")] = None,
) -> None:
    """Grade a whole class in parallel, here or on a Dask cluster; results are kept as they finish and reruns resume."""
    import os
    import signal
    import threading

    from grader.batch import BatchError, grade_batch
    from grader.cluster import ClusterError
    from grader.engine import UnknownLabError
    from grader.sandbox import terminate_all_sandboxes

    stop = threading.Event()
    if scheduler and cluster:
        _fail_usage("give --scheduler (a running cluster) or --cluster local:N (one started here), not both")
    if (scheduler or cluster) and workers is not None:
        _fail_usage("--workers is for grading on this machine; on a cluster the workers' resources decide (--cluster local:N sets N)")
    if workers is None:  # not given: one per core (min=1 applies only to a given value)
        workers = os.cpu_count() or 1
    pool = _cluster_pool(scheduler, cluster)

    def interrupt(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        errors.print("[yellow]Stopping: finishing nothing new, keeping every result already written (Ctrl-C again to quit at once)[/yellow]")
        terminate_all_sandboxes()

    previous = signal.signal(signal.SIGINT, interrupt)
    reporter = _BatchReporter(console, sys.stdout.isatty())
    try:
        with reporter:
            summary = grade_batch(submissions, out, lab, workers=workers, force=force, quick=quick, roster=roster,
                                  data_path=data, on_event=reporter.event, on_found=reporter.found, stop=stop, pool=pool)
    except (BatchError, UnknownLabError, ClusterError) as exc:
        _fail_usage(str(exc))
    finally:
        signal.signal(signal.SIGINT, previous)
        if pool is not None:
            pool.close()
    if pool is not None:
        console.print(f"graded on a Dask cluster ({scheduler or cluster})")
    _export(lab, out, assignment_name or lab, assignment_id)
    _print_summary(summary)
    raise typer.Exit(130 if summary.interrupted else EXIT_PASSED)


@app.command("review")
def review(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")],
    results: Annotated[Path, typer.Argument(help="The --out folder of `grader grade`.")],
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free one).")] = 8765,
    names: Annotated[bool, typer.Option("--names", help="Show students' names instead of anonymised, shuffled answers.")] = False,
) -> None:
    """Score the written answers by hand in the browser; scores go to RESULTS/manual_scores.csv as they are entered."""
    from grader.engine import load_lab_rubric
    from grader.review import ReviewFolder, create_app

    _lab(lab)
    if not results.is_dir():
        _fail_usage(f"{results} is not a folder of results (the --out folder of `grader grade`)")
    folder = ReviewFolder(results, load_lab_rubric(lab), names=names)
    if not folder.questions:
        _fail_usage(f"the {lab} rubric has no questions with points to score by hand")
    try:
        app = create_app(folder)
    except RuntimeError as exc:  # Flask is not installed
        _fail_usage(str(exc))
    from werkzeug.serving import make_server  # Flask's own server library

    server = make_server("127.0.0.1", port, app, threaded=True)
    console.print(f"Reviewing {len(folder.students())} submissions of {lab}: open http://127.0.0.1:{server.server_port}/ "
                  f"(scores are saved in {folder.scores_path}; Ctrl-C to stop)", highlight=False, soft_wrap=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    console.print("Stopped. Run `grader export` to put the scores in every export.")


@app.command("similarity")
def similarity(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`); its exercise notebook is the default handout.")],
    submissions: Annotated[Path, typer.Argument(help="The class's submissions, as for `grader grade` (folder or LMS zip).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report (index.html, pairs.csv, a page per pair).")],
    handout: Annotated[Optional[list[Path]], typer.Option("--handout", help="A template the course handed out (repeatable); replaces the lab's exercise notebook.")] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Pairs scoring at least this are flagged.")] = 0.5,
) -> None:
    """Rank pairs of submissions by shared code beyond the handout: evidence for a person, never a grade change."""
    import tempfile

    from grader.batch import BatchError, discover_submissions
    from grader.similarity import similarity_report

    chosen = _lab(lab)
    templates = list(handout or [chosen.exercise_notebook])
    for path in templates:
        if not path.is_file():
            _fail_usage(f"--handout {path}: no such file (give the notebook or script the course handed out)")
    with tempfile.TemporaryDirectory(prefix="labgrader-similarity-") as work:
        try:
            entries = discover_submissions(submissions, Path(work))
        except BatchError as exc:
            _fail_usage(str(exc))
        pairs = similarity_report(entries, templates, out, chosen.name, threshold=threshold)
    flagged = [p for p in pairs if p.score >= threshold]
    console.print(f"{len(entries)} submissions, {len(pairs)} pairs share code beyond the handout; {len(flagged)} at or above {threshold:.0%}:")
    for pair in flagged[:20]:
        console.print(f"  {pair.score:5.0%}  {pair.a} / {pair.b}", highlight=False, soft_wrap=True)
    console.print(f"Report: {out / 'index.html'}")


@app.command("export")
def export_results(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")],
    results: Annotated[Path, typer.Argument(help="The --out folder of `grader grade`.")],
    assignment_name: Annotated[str, typer.Option(help="Assignment name for the Canvas export.")] = "",
    assignment_id: Annotated[Optional[str], typer.Option(help="Canvas assignment id for the Canvas export.")] = None,
) -> None:
    """(Re)write gradebook.csv and the LMS exports from a folder of results."""
    if not results.is_dir():
        _fail_usage(f"{results} is not a folder of results (the --out folder of `grader grade`)")
    written = _export(lab, results, assignment_name or lab, assignment_id)
    console.print(f"Wrote {len(written)} export files in {results}")


def _cluster_pool(scheduler: str | None, cluster: str | None):
    """The DaskPool that --scheduler or --cluster asks for, or None for this machine's thread pool."""
    if not (scheduler or cluster):
        return None
    from grader.cluster import ClusterError, DaskPool, parse_local_cluster

    try:
        return DaskPool.connect(scheduler) if scheduler else DaskPool.local(parse_local_cluster(cluster))
    except ClusterError as exc:
        _fail_usage(str(exc))


def _export(lab: str, out: Path, assignment_name: str, assignment_id: str | None) -> dict:
    from grader.results_folder import ResultsFolder
    from grader.engine import load_lab_rubric
    from grader.exports import GradedSubmission, write_exports
    from grader.manual_scores import ManualScoresError, merge_manual_scores, scored_questions

    rubric = load_lab_rubric(lab)
    graded = ResultsFolder(out).load_graded()
    try:
        for problem in merge_manual_scores(graded, rubric, out):
            errors.print(f"[yellow]warning:[/yellow] {problem}", highlight=False, soft_wrap=True)
    except ManualScoresError as exc:
        _fail_usage(str(exc))
    rows = [
        GradedSubmission(
            # a submission that could not be graded at all is an error row, with its reason
            student=row["student"], result=None if _ungradable(row["loaded"]) else row["loaded"],
            error=_why_ungradable(row),
            display_name=row.get("display_name", ""), sis_id=row.get("sis_id", ""), section=row.get("section", ""),
        )
        for row in graded
    ]
    columns = ([e.name for e in rubric.exercises] + [f"model:{m.name}" for m in (rubric.trained_models.models if rubric.trained_models else [])]
               + [f"manual:{q.id}" for q in scored_questions(rubric)])
    written = write_exports(rows, out, columns, assignment_name=assignment_name, assignment_id=assignment_id)
    try:  # the review pages are a convenience too; the scores live in manual_scores.csv
        from grader.review import ReviewFolder

        for path in ReviewFolder(out, rubric).write_static():
            written[path.relative_to(out).as_posix()] = path
    except Exception as exc:  # noqa: BLE001
        errors.print(f"[yellow]warning:[/yellow] could not write the review pages in {out / 'review'}: {exc}", highlight=False)
    try:  # the class overview is a convenience: it must not fail the exports
        from grader.report import write_class_overview

        written = {**written, "index.html": write_class_overview(out)}
    except Exception as exc:  # noqa: BLE001
        errors.print(f"[yellow]warning:[/yellow] could not write {out / 'index.html'}: {exc}", highlight=False)
    return written


def _ungradable(result) -> bool:
    from grader.batch import is_error_result

    return result is None or is_error_result(result)


def _why_ungradable(row: dict) -> str:
    result = row["loaded"]
    if result is None:
        return f"result file {row['result']} is missing or unreadable"
    return result.notes[0] if _ungradable(result) and result.notes else ""


class _BatchReporter:
    """A progress bar with counts and ETA on a terminal; plain log lines otherwise."""

    def __init__(self, console: Console, interactive: bool) -> None:
        self.console, self.interactive = console, interactive
        self.progress = None
        self.task = None
        self.total = 0

    def __enter__(self):
        if self.interactive:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=self.console)
            self.progress.start()
            self.task = self.progress.add_task("grading", total=None)
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()
        return False

    def found(self, count: int) -> None:
        self.total = count
        if self.progress is not None:
            self.progress.update(self.task, total=count)
        else:
            print(f"found {count} submissions", flush=True)

    def event(self, kind: str, entry, result) -> None:
        if kind == "start":
            return
        line = f"{kind:5s} {entry.student}: " + (f"{result.score:g}/{result.max_score:g}" if result else entry.problem)
        if self.progress is not None:
            self.progress.update(self.task, advance=1)
            self.progress.console.print(line, highlight=False)
        else:
            print(line, flush=True)


def _print_summary(summary) -> None:
    n = len(summary.results)
    console.print(
        f"[bold]{n} submissions[/bold]: {summary.graded} graded now, {summary.skipped} up to date, {summary.errors} could not be graded; "
        f"mean score {summary.mean_score:.1f}/{summary.max_score:g}; {summary.seconds:.0f} s"
    )
    if summary.pass_rates:
        console.print("pass rates: " + ", ".join(f"{k} {v:.0%}" for k, v in summary.pass_rates.items()))
    if summary.interrupted:
        console.print("[yellow]Interrupted: rerun the same command to grade the rest.[/yellow]")


@app.command()
def autograder(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Zip to write.")] = Path("autograder.zip"),
) -> None:
    """Build the Gradescope autograder zip (setup.sh + run_autograder) for a lab."""
    from grader.gradescope import build_autograder_zip

    _lab(lab)
    console.print(f"Wrote {build_autograder_zip(lab, out)}: upload it as the assignment's autograder in Gradescope")


@app.command("labs")
def list_labs() -> None:
    """List the labs this grader knows."""
    from grader.engine import load_lab_rubric

    for name, lab in sorted(available_labs().items()):
        try:
            rubric = load_lab_rubric(lab)
        except Exception as exc:  # noqa: BLE001 - one broken lab is listed with its problem, not fatal
            console.print(f"[bold]{name}[/bold]  [red]cannot be loaded: {exc}[/red]", highlight=False)
            continue
        console.print(f"[bold]{name}[/bold]  {rubric.title}  ({len(rubric.exercises)} exercises, {rubric.max_score:g} points)")


author_app = typer.Typer(no_args_is_help=True, help="Build a lab's notebooks and reference from its master notebook, and check them.")
app.add_typer(author_app, name="author")


@author_app.command("build")
def author_build(lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")]) -> None:
    """Write the student notebook, solution notebook, reference module, given code and a rubric skeleton."""
    from grader.authoring import MasterNotebookError, build_lab

    try:
        written = build_lab(_lab(lab))
    except MasterNotebookError as exc:
        _fail_usage(str(exc))
    for path in written:
        console.print(f"wrote {path}", highlight=False)
    console.print(f"{lab}: {len(written)} file(s) written" if written else f"{lab}: every generated file is up to date")


@author_app.command("check")
def author_check(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")],
    files_only: Annotated[bool, typer.Option("--files-only", help="Only check that the generated files are up to date (fast; for CI).")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Skip the trained checks when grading the reference solution.")] = False,
) -> None:
    """Check the generated files are up to date, the solution gets full marks and the handout is not_implemented."""
    from grader.authoring import MasterNotebookError, check_lab
    from grader.rubric import RubricError

    try:
        report = check_lab(_lab(lab), grade=not files_only, quick=quick)
    except (MasterNotebookError, RubricError) as exc:
        _fail_usage(str(exc))
    for path in report.stale:
        console.print(f"[red]out of date:[/red] {path} (run `grader author build {lab}`)", highlight=False)
    for problem in report.problems:
        console.print(f"[red]problem:[/red] {problem}", highlight=False)
    if report.ok:
        console.print(f"{lab}: the generated files are up to date" + ("" if files_only else "; the solution gets full marks and the handout is not implemented anywhere"))
    raise typer.Exit(EXIT_PASSED if report.ok else EXIT_FAILED)


dist_app = typer.Typer(no_args_is_help=True, help="Build what an instructor hands out.")
app.add_typer(dist_app, name="dist")


@dist_app.command("student")
def dist_student(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write (pip install it, or build a wheel from it).")],
    force: Annotated[bool, typer.Option("--force", help="Replace the folder if it exists.")] = False,
) -> None:
    """A student distribution: `grader check` for one lab, without its reference solutions, models or solution notebooks."""
    from grader.distribution import DistributionError, build_student_distribution

    try:
        dist = build_student_distribution(_lab(lab), out, force=force)
    except DistributionError as exc:
        _fail_usage(str(exc))
    console.print(f"Wrote {dist.root} ({len(dist.files)} files; {len(dist.derived)} reference outputs stored as derived facts). "
                  f"Students: pip install {dist.root}, then grader check {lab} NOTEBOOK", highlight=False)


from grader.reference import app as _reference_app  # noqa: E402

app.add_typer(_reference_app, name="reference")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
