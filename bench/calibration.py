"""The loop both calibration scripts share: grade the answers of one trained exercise once per seed.

Each script lists its answers (the casebook's cases for the exercise, the
reference solution, and the builders in bench/calibration_cases/<lab>), names
the figures to keep from each check's details, and prints its own summary.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from casebook import Case, all_cases, grade_cases  # noqa: E402


def arguments(doc: str, default_seeds: list[int], lab: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=default_seeds)
    parser.add_argument("--epochs", type=int, default=None, help="override the rubric's epochs (to try another budget)")
    parser.add_argument("--out", type=Path, default=REPO / "reference" / lab / "calibration.json")
    return parser.parse_args()


def calibration_cases(lab: str, exercise: str) -> list[Case]:
    """The casebook's answers to ``exercise``, the reference solution, and the lab's calibration builders."""
    cases = [c for c in all_cases(lab) if c.exercise == exercise]
    cases.append(Case(REPO / "reference" / lab / "solution.py", exercise, True, "reference"))
    for path in sorted((REPO / "bench" / "calibration_cases" / lab).glob("*.py")):
        cases.append(Case(path, exercise, False, path.stem.split("__", 1)[1]))
    return cases


def calibrate(lab: str, exercise: str, figures: dict[str, tuple[str, str]], args: argparse.Namespace) -> tuple[list[dict], float]:
    """One row per case and seed: its status and, per check named in ``figures`` (check -> (column, detail)), that detail
    of the check's result under that column, and whether the check passed."""
    from grader.engine import load_lab_rubric

    cases = calibration_cases(lab, exercise)
    base = load_lab_rubric(lab)
    rows, started = [], time.perf_counter()
    for seed in args.seeds:
        rubric = base.model_copy(deep=True)
        rubric.exercise(exercise).probe_params["seed"] = seed
        if args.epochs is not None:
            rubric.exercise(exercise).probe_params["epochs"] = args.epochs
        with tempfile.TemporaryDirectory() as tmp:
            results = grade_cases(cases, Path(tmp), f"seed{seed}", lab=lab, rubric=rubric)
        for case in cases:
            result = results[case.id]
            row = {"case": case.label if case.label == "reference" else case.id, "correct": case.correct, "seed": seed, "status": result.status}
            for check in result.checks:
                if check.name in figures:
                    column, detail = figures[check.name]
                    row[column] = check.details.get(detail)
                    row[f"{check.name}_passed"] = check.passed
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows, time.perf_counter() - started


def write(args: argparse.Namespace, rows: list[dict], summary: dict, seconds: float, epochs) -> None:
    args.out.write_text(json.dumps({
        "machine": f"{platform.machine()}, {platform.python_version()}", "seeds": args.seeds, "epochs": epochs,
        "seconds": round(seconds, 1), "rows": rows, "summary": summary,
    }, indent=1) + "\n")
    print("wrote", args.out)
