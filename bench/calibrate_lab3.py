"""Calibrate the thresholds of lab 3's trained checks.

Grades the reference solution and every answer in tests/cases/lab3 for the
exercises whose checks train a model (bottleneck_2d, build_sr_network,
build_angle_cnn), plus deliberately broken answers that pass the structural
checks, under the rubric's fixed budgets and seeds, and records the metric
each reached. Thresholds in rubrics/lab3.toml must sit between the worst
correct answer and the best broken one, with margin.

    python bench/calibrate_lab3.py [--out reference/lab3/calibration.json]
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

TRAINED = {"bottleneck_2d": "accuracy", "build_sr_network": "psnr", "build_angle_cnn": "mae"}
CALIBRATION_ONLY = REPO / "bench" / "calibration_cases"


def _metric(exercise_result, key):
    for check in exercise_result.checks:
        if key in check.details:
            return check.details[key], check.passed, check.details
    return None, None, {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "reference" / "lab3" / "calibration.json")
    args = parser.parse_args()

    cases = [c for c in all_cases() if c.exercise in TRAINED]
    reference = REPO / "reference" / "lab3" / "solution.py"
    cases += [Case(reference, ex, True, "reference") for ex in TRAINED]
    for path in sorted(CALIBRATION_ONLY.glob("*.py")):
        exercise, rest = path.stem.split("__", 1)
        cases.append(Case(path, exercise, rest.startswith("correct"), rest))

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        # The reference is one file holding every exercise: grade its exercises together.
        results = grade_cases(cases, Path(tmp), "calibration")
    rows = []
    for case in cases:
        result = results[case.id]
        value, passed, details = _metric(result, TRAINED[case.exercise])
        rows.append({
            "exercise": case.exercise, "case": case.id if case.label != "reference" else "reference",
            "correct": case.correct, TRAINED[case.exercise]: value, "status": result.status, "trained_check_passed": passed,
            "details": {k: v for k, v in details.items() if k != TRAINED[case.exercise]}, "seconds": result.seconds,
        })
    summary = {}
    for exercise, metric in TRAINED.items():
        good = [r[metric] for r in rows if r["exercise"] == exercise and r["correct"] and r[metric] is not None]
        bad = [r[metric] for r in rows if r["exercise"] == exercise and not r["correct"] and r[metric] is not None]
        summary[exercise] = {"metric": metric, "correct": sorted(good), "broken_but_trained": sorted(bad)}
    out = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
        "seconds": round(time.perf_counter() - started, 1),
        "summary": summary,
        "rows": rows,
    }
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    for exercise, s in summary.items():
        print(f"{exercise:18s} {s['metric']:9s} correct: {[round(v, 3) for v in s['correct']]}  broken: {[round(v, 3) for v in s['broken_but_trained']]}")
    print(f"wrote {args.out} in {out['seconds']} s")


if __name__ == "__main__":
    main()
