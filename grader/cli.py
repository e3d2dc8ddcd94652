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

from grader import labs

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
    errors.print(f"[bold red]error:[/bold red] {message}", highlight=False)
    raise typer.Exit(EXIT_USAGE)


@app.command()
def check(
    lab: Annotated[str, typer.Argument(help="Lab name, e.g. lab3.")],
    submission: Annotated[Path, typer.Argument(help="Your notebook (.ipynb) or script (.py).")],
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Also write the result as JSON to this file ('-' for stdout).")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Structural checks only: skip the checks that train models.")] = False,
    exercise: Annotated[Optional[list[str]], typer.Option("--exercise", "-e", help="Check only this exercise (repeatable).")] = None,
    data: Annotated[Optional[Path], typer.Option("--data", help="MNIST .npz (Keras layout) to use instead of the bundled subset.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every check and your code's output.")] = False,
) -> None:
    """Check a lab submission and show what is right and what is wrong."""
    from grader.data import DataError
    from grader.engine import UnknownLabError, grade_submission
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
    raise typer.Exit(EXIT_PASSED if result.all_passed else EXIT_FAILED)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@app.command()
def init(
    lab: Annotated[str, typer.Argument(help="Lab name, e.g. lab3.")],
    directory: Annotated[Path, typer.Argument(help="Where to put the notebook.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing notebook.")] = False,
) -> None:
    """Copy a lab's student notebook into a folder (default: here)."""
    source = labs.exercise_notebook(lab)
    if not source.is_file():
        _fail_usage(f"unknown lab {lab!r}; available labs: {', '.join(labs.available_labs()) or 'none'}")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / source.name
    if target.exists() and not force:
        _fail_usage(f"{target} already exists; pass --force to overwrite it (your answers in it would be lost)")
    shutil.copyfile(source, target)
    console.print(f"Wrote {target}. Fill in the exercises, then run: grader check {lab} {target}")


@app.command("labs")
def list_labs() -> None:
    """List the labs this grader knows."""
    from grader.engine import load_lab_rubric

    for name in labs.available_labs():
        rubric = load_lab_rubric(name)
        console.print(f"[bold]{name}[/bold]  {rubric.title}  ({len(rubric.exercises)} exercises, {rubric.max_score:g} points)")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
