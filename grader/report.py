"""Feedback reports people want to look at: HTML per submission, Markdown for LMS comments,
and an HTML overview of a whole class.

The HTML pages are self-contained (inline CSS, figures as PNG data URIs, no
external URLs) so they can be mailed, uploaded or opened offline. All the
deciding is done here, in Python; the Jinja2 templates in
``grader/templates/`` only lay out the prepared values, with autoescaping on,
so anything the student controls (file name, feedback quoting their errors,
their code's output) shows as text.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from grader.results import ExerciseResult, SubmissionResult
from grader.results_folder import REPORTS_DIR, ResultsFolder, safe_stem

log = logging.getLogger(__name__)

STATUS_LABEL = {
    "passed": "passed",
    "failed": "failed",
    "error": "error",
    "timeout": "timeout",
    "not_implemented": "not implemented",
    "missing": "missing",
    "not_submitted": "not submitted",
    "not_in_notebook": "not in this notebook",
}
INDEX_NAME = "index.html"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("grader", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["points"] = _points
    return env


def _points(value: float) -> str:
    return f"{value:g}"


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# ---------------------------------------------------------------- one submission


def layer_table(observed: Any) -> list[dict] | None:
    """Rows of the student's U-Net layers (name, class, output shape, params); skips flagged."""
    model = (getattr(observed, "values", None) or {}).get("model") if observed is not None else None
    if not isinstance(model, dict) or not model.get("layers"):
        return None
    rows = []
    for layer in model["layers"]:
        shape = layer.get("output_shape")
        inbound = layer.get("inbound") or []
        sources = sorted({name for node in inbound for name in (node or [])})
        rows.append({
            "name": str(layer.get("name", "")),
            "cls": str(layer.get("class", "")),
            "shape": "?" if shape is None else "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")",
            "params": layer.get("params", ""),
            "inputs": ", ".join(sources),
            "skip": (layer.get("max_inputs") or 0) > 1,
        })
    return rows


def _lab_or_none(name: str):
    """The result's lab, for its figures; None (no figures) when it is not installed here."""
    from grader.lab import UnknownLabError, get_lab

    try:
        return get_lab(name)
    except UnknownLabError:
        return None


def _exercise_context(exercise: ExerciseResult, observed: Any, lab: Any, figure_key: str | None = None) -> dict:
    from grader.figures import figure_for

    key = figure_key or exercise.name
    figure = figure_for(lab.figure(key), observed, key) if observed is not None and lab is not None else None
    table = None
    if lab is not None and exercise.name in lab.layer_tables and observed is not None:
        try:
            table = layer_table(observed)
        except Exception:  # noqa: BLE001 - a table must never break a report
            log.warning("layer table for %s failed", exercise.name, exc_info=True)
    model = (getattr(observed, "values", None) or {}).get("model") if observed is not None else None
    return {
        "name": exercise.name,
        "title": exercise.title or exercise.name,
        "status": exercise.status,
        "status_label": STATUS_LABEL.get(exercise.status, exercise.status),
        "score": exercise.score,
        "max_score": exercise.max_score,
        "feedback": exercise.feedback,
        "seconds": exercise.seconds,
        "checks": [
            {"name": c.name, "passed": c.passed, "mark": "✓" if c.passed else "✗", "message": c.message,
             "hint": "" if c.passed else c.hint, "points": c.points, "max_points": c.max_points, "skipped": c.skipped}
            for c in exercise.checks
        ],
        "figure": png_data_uri(figure) if figure else None,
        "table": table,
        "table_params": model.get("params") if isinstance(model, dict) else None,
        "table_skips": sum(r["skip"] for r in table) if table else 0,
    }


def report_context(result: SubmissionResult) -> dict:
    """Everything the submission template shows, as plain values."""
    observations = result.observations or {}
    lab = _lab_or_none(result.lab)
    exercises = [_exercise_context(e, observations.get(e.name), lab) for e in result.exercises]
    # Trained models judged separately (labs that have them; none submitted: not shown); no figures for those.
    trained = [m for m in getattr(result, "trained_models", None) or [] if not (m.status == "not_submitted" and not m.max_score)]
    exercises += [_exercise_context(m, observations.get(f"trained:{m.name}"), lab, figure_key=f"trained:{m.name}") for m in trained]
    passed = sum(e.status == "passed" for e in result.exercises)
    isolation = ", ".join(f"{k}: {v}" for k, v in sorted(result.isolation.items()))
    return {
        "r": result,
        "title": f"{result.lab} — {result.submission}",
        "passed": passed,
        "percent": 100 * result.score / result.max_score if result.max_score else 0,
        "isolation": isolation,
        "exercises": exercises,
        "logs": [(stream, text) for stream in ("stdout", "stderr") if (text := result.logs.get(stream, "").strip())],
        "has_observations": bool(observations),
    }


def render_html(result: SubmissionResult) -> str:
    """One self-contained HTML page of feedback for ``result`` (figures when it carries observations)."""
    return _environment().get_template("report.html.j2").render(**report_context(result))


def write_html_report(result: SubmissionResult, path: str | Path) -> Path:
    from grader.render import write_atomic

    write_atomic(path, render_html(result))
    return Path(path)


# ---------------------------------------------------------------- Markdown


_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]#|])")


def _md(text: str) -> str:
    """Text safe in Markdown: no HTML (angle brackets become entities), Markdown syntax escaped."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def render_markdown(result: SubmissionResult) -> str:
    """Feedback for an LMS comment field: total, one line per exercise, failed checks with hints. No HTML."""
    lines = [
        f"**{_md(result.lab)} — {_md(result.submission)}: {_points(result.score)}/{_points(result.max_score)} points**",
        "",
    ]
    for exercise in result.exercises:
        first = exercise.feedback.splitlines()[0] if exercise.feedback else ""
        mark = "✓" if exercise.status == "passed" else "✗"
        lines.append(f"- {mark} **{_md(exercise.name)}** ({STATUS_LABEL.get(exercise.status, exercise.status)}, "
                     f"{_points(exercise.score)}/{_points(exercise.max_score)}): {_md(first)}")
        for check in exercise.checks:
            if not check.passed:
                lines.append(f"    - ✗ {_md(check.name)}: {_md(check.message)}")
                if check.hint:
                    lines.append(f"      *hint:* {_md(check.hint)}")
    if result.notes:
        lines += ["", "Notes:"] + [f"- {_md(note)}" for note in result.notes]
    if result.written_answers:
        lines += ["", "For the instructor (written answers, not graded automatically):"]
        lines += [f"- {_md(a.title)}: " + (_md(a.answer.replace(chr(10), ' ')) if a.answered else f"*no answer* ({_md(a.where)})")
                  for a in result.written_answers]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- a whole class


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def failure_key(exercise: ExerciseResult, message: str, check: str = "") -> tuple[str, str, str]:
    """(exercise, check, message with numbers replaced by #), to count similar failures together."""
    first = message.splitlines()[0] if message else ""
    return exercise.name, check or exercise.status, _NUMBER.sub("#", first).strip()


def _failures(results: list[SubmissionResult]) -> Counter:
    counts: Counter = Counter()
    for result in results:
        for exercise in result.exercises:
            failed = [c for c in exercise.checks if not c.passed]
            if failed:
                for check in failed:
                    counts[failure_key(exercise, check.message, check.name)] += 1
            elif exercise.status != "passed":
                counts[failure_key(exercise, exercise.feedback)] += 1
    return counts


def _histogram(scores: list[float], max_score: float) -> str | None:
    if not scores:
        return None
    from matplotlib.figure import Figure

    import grader.figures  # noqa: F401 - selects the Agg backend

    fig = Figure(figsize=(5.0, 2.2))
    ax = fig.subplots()
    top = max(max_score, max(scores), 1)
    ax.hist(scores, bins=min(20, max(5, int(top))), range=(0, top), color="#3b6ea8", edgecolor="white")
    ax.set_xlabel("score", fontsize=7)
    ax.set_ylabel("students", fontsize=7)
    ax.tick_params(labelsize=6)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return png_data_uri(buffer.getvalue())


def render_class_overview(rows: list[dict], title: str = "", top_failures: int = 15) -> str:
    """The batch's index.html from :meth:`grader.results_folder.ResultsFolder.load_graded` rows."""
    results = [row["loaded"] for row in rows if row.get("loaded") is not None]
    names: list[str] = []
    for result in results:
        names += [e.name for e in result.exercises if e.name not in names]
    max_score = max((r.max_score for r in results), default=0.0)
    scores = [r.score for r in results]
    rates = []
    for name in names:
        statuses = [e.status for r in results for e in r.exercises if e.name == name]
        rates.append({"name": name, "passed": statuses.count("passed"), "total": len(statuses),
                      "percent": 100 * statuses.count("passed") / len(statuses) if statuses else 0})
    students = []
    for row in rows:
        result = row.get("loaded")
        by_name = {e.name: e for e in result.exercises} if result else {}
        students.append({
            "student": row["student"],
            "display_name": row.get("display_name", ""),
            "href": row.get("report") or f"{REPORTS_DIR}/{safe_stem(row['student'])}.html",
            "score": result.score if result else None,
            "max_score": result.max_score if result else None,
            "statuses": [(by_name[n].status, STATUS_LABEL.get(by_name[n].status, by_name[n].status)) if n in by_name else ("", "") for n in names],
            "problem": "" if result else f"result file {row.get('result', '?')} is missing or unreadable",
        })
    labs = sorted({r.lab for r in results})
    return _environment().get_template("overview.html.j2").render(
        title=title or f"{', '.join(labs) or 'Batch'} — class overview",
        count=len(rows), graded=len(results), names=names, rates=rates, students=students,
        mean=sum(scores) / len(scores) if scores else 0.0, max_score=max_score,
        histogram=_histogram(scores, max_score),
        failures=[{"exercise": k[0], "check": k[1], "message": k[2], "count": n} for k, n in _failures(results).most_common(top_failures)],
    )


def write_class_overview(out_dir: str | Path, fill_missing_reports: bool = True) -> Path:
    """(Re)write ``out_dir/index.html`` from the results in ``out_dir``.

    With ``fill_missing_reports``, a student whose report is missing gets one
    made from the saved result (without figures: those need the observations,
    which are not saved), so every link in the overview works.
    """
    from grader.render import write_atomic

    out_dir = Path(out_dir)
    rows = ResultsFolder(out_dir).load_graded()
    if fill_missing_reports:
        for row in rows:
            target = out_dir / row["report"]
            if row.get("loaded") is not None and not target.exists():
                try:
                    write_html_report(row["loaded"], target)
                except Exception:  # noqa: BLE001 - one bad report must not stop the overview
                    log.warning("report for %s failed", row["student"], exc_info=True)
    path = out_dir / INDEX_NAME
    write_atomic(path, render_class_overview(rows))
    return path


def render_inline(result: SubmissionResult, source: str) -> str:
    """A compact HTML fragment of ``result`` for display in a notebook (see grader.notebook)."""
    return _environment().get_template("inline.html.j2").render(source=source, **report_context(result))
