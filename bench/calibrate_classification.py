"""Calibrate the thresholds of the classification lab's trained checks.

Grades the reference solution, the trained_models answers of
tests/cases/classification and the builders in
bench/calibration_cases/classification under the rubric's budget, once per
training seed, and records the validation accuracy of each of the four runs
(softmax regression with SGD 0.01 and one hidden layer of 128 with Adam, on
MNIST and Fashion-MNIST). The rubric's thresholds must sit between the worst
correct answer and the best broken one, with margin.

    python bench/calibrate_classification.py [--seeds 0 1 2] [--out reference/classification/calibration.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from casebook import Case, all_cases, grade_cases  # noqa: E402

EXERCISE = "trained_models"
RUNS = ("mnist_softmax", "fashion_softmax", "mnist_hidden", "fashion_hidden")


def main() -> None:
    from grader.engine import load_lab_rubric

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=None, help="override the rubric's epochs (to try another budget)")
    parser.add_argument("--out", type=Path, default=REPO / "reference" / "classification" / "calibration.json")
    args = parser.parse_args()

    cases = [c for c in all_cases("classification") if c.exercise == EXERCISE]
    cases.append(Case(REPO / "reference" / "classification" / "solution.py", EXERCISE, True, "reference"))
    for path in sorted((REPO / "bench" / "calibration_cases" / "classification").glob("*.py")):
        cases.append(Case(path, EXERCISE, False, path.stem.split("__", 1)[1]))

    base = load_lab_rubric("classification")
    rows = []
    started = time.perf_counter()
    for seed in args.seeds:
        rubric = base.model_copy(deep=True)
        rubric.exercise(EXERCISE).probe_params["seed"] = seed
        if args.epochs is not None:
            rubric.exercise(EXERCISE).probe_params["epochs"] = args.epochs
        with tempfile.TemporaryDirectory() as tmp:
            results = grade_cases(cases, Path(tmp), f"seed{seed}", lab="classification", rubric=rubric)
        for case in cases:
            result = results[case.id]
            row = {"case": case.label if case.label == "reference" else case.id, "correct": case.correct, "seed": seed, "status": result.status}
            for check in result.checks:
                if check.name in RUNS:
                    row[check.name] = check.details.get("accuracy")
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {}
    for row in rows:
        entry = summary.setdefault(row["case"], {"correct": row["correct"], **{run: [] for run in RUNS}})
        for run in RUNS:
            if row.get(run) is not None:
                entry[run].append(row[run])
    for name, entry in summary.items():
        print(f"{name:60s} {'correct' if entry['correct'] else 'other':8s} " + "  ".join(
            f"{run} {min(entry[run]):.3f}..{max(entry[run]):.3f}" if entry[run] else f"{run} -" for run in RUNS))
    args.out.write_text(json.dumps({
        "machine": f"{platform.machine()}, {platform.python_version()}", "seeds": args.seeds,
        "epochs": args.epochs or base.exercise(EXERCISE).probe_params["epochs"],
        "seconds": round(time.perf_counter() - started, 1), "rows": rows, "summary": summary,
    }, indent=1) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
