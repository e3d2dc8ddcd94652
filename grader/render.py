"""Showing results: a rich table for terminals, JSON for machines."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.results import SubmissionResult

STATUS_STYLE = {
    "passed": "bold green",
    "failed": "bold red",
    "error": "bold magenta",
    "timeout": "bold magenta",
    "not_implemented": "yellow",
    "missing": "yellow",
    "not_submitted": "dim",
    "not_in_notebook": "dim",
}


def _points(value: float) -> str:
    return f"{value:g}"


def render_terminal(result: SubmissionResult, console: Console, verbose: bool = False) -> None:
    """A table of exercises (status, points, first feedback line) and the total."""
    table = Table(title=f"{result.lab} — {result.submission}", title_justify="left", expand=False)
    table.add_column("Exercise", style="bold")
    table.add_column("Status")
    table.add_column("Points", justify="right")
    table.add_column("Feedback", overflow="fold")
    submitted_models = [m for m in result.trained_models if m.status != "not_submitted" or m.max_score > 0]
    for index, ex in enumerate(result.exercises + submitted_models):
        if index == len(result.exercises) and submitted_models:
            table.add_section()
        feedback = Text(ex.feedback.splitlines()[0] if ex.feedback else "")
        if verbose or ex.status != "passed":
            for check in ex.checks:
                if verbose or not check.passed:
                    mark = "✓" if check.passed else "✗"
                    line = f"\n{mark} {check.name}: {check.message}"
                    feedback.append(line, style="green" if check.passed else "red")
                    if check.hint and not check.passed:
                        feedback.append(f"\n   hint: {check.hint}", style="dim")
            if "\n" in ex.feedback:
                feedback.append("\n" + "\n".join(ex.feedback.splitlines()[1:]), style="dim")
        name = ex.name if index < len(result.exercises) else f"model: {ex.name}"
        table.add_row(name, Text(ex.status, style=STATUS_STYLE.get(ex.status, "")), f"{_points(ex.score)}/{_points(ex.max_score)}", feedback)
    console.print(table)
    passed = sum(e.status == "passed" for e in result.exercises)
    console.print(
        f"[bold]Total: {_points(result.score)}/{_points(result.max_score)}[/bold]  "
        f"({passed}/{len(result.exercises)} exercises passed, {result.seconds:.1f} s)"
    )
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    line = isolation_line(result.isolation)
    if line:
        console.print(line, style="dim", highlight=False, markup=False)
    if verbose and result.isolation:
        console.print("[dim]" + "; ".join(f"{k}: {v}" for k, v in result.isolation.items()) + "[/dim]", highlight=False)
    if result.written_answers:
        answered = sum(a.answered for a in result.written_answers)
        points = sum(a.max_points for a in result.written_answers)
        worth = f", worth {points:g} points scored by your instructor" if points else ""
        console.print(f"For the instructor (not graded here): {answered} of {len(result.written_answers)} written answers given{worth}"
                       + "".join(f"\n  {'✓' if a.answered else '·'} {a.title}" + (f" ({a.max_points:g} pts)" if a.max_points else "")
                                 + ("" if a.answered else f" — {a.where}")
                                 for a in result.written_answers), highlight=False, markup=False)
    if verbose:
        for stream in ("stdout", "stderr"):
            text = result.logs.get(stream, "").strip()
            if text:
                console.print(f"[dim]--- {stream} of your code (log only) ---[/dim]")
                console.print(text, markup=False, highlight=False)


def isolation_line(isolation: dict) -> str:
    """One plain line for a student on how their code was isolated ("" when nothing was recorded, or
    when the isolation was reduced: the result's notes already say so)."""
    how = {"bubblewrap": "bubblewrap", "namespaces": "Linux namespaces"}.get(isolation.get("mechanism"))
    if how is None:
        return ""
    return f"Sandbox: your code ran isolated ({how}): no network, none of the grader's files, its own /tmp"


def result_json(result: SubmissionResult) -> str:
    return json.dumps(result.model_dump(mode="json"), indent=2)


def write_atomic(path: str | Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide results from the instructor's other tools
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
