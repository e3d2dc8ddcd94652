"""Calibrate the thresholds of the autoencoders lab's trained checks.

Grades the reference solution, the trained_autoencoder answers of
tests/cases/autoencoders and the deliberately broken answers in
bench/calibration_cases/autoencoders under the rubric's budget, once per
training seed, and records the reconstruction error and the 5-nearest-
neighbour accuracy of the 2-D codes. The rubric's thresholds must sit between
the worst correct answer and the best broken one, with margin.

    python bench/calibrate_autoencoders.py [--seeds 0 1 2 3 4] [--out reference/autoencoders/calibration.json]
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

EXERCISE = "trained_autoencoder"
METRICS = {"reconstruction": "mse", "codes_separate_digits": "accuracy"}


def main() -> None:
    from grader.engine import load_lab_rubric

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=None, help="override the rubric's epochs (to try another budget)")
    parser.add_argument("--out", type=Path, default=REPO / "reference" / "autoencoders" / "calibration.json")
    args = parser.parse_args()

    cases = [c for c in all_cases("autoencoders") if c.exercise == EXERCISE]
    cases.append(Case(REPO / "reference" / "autoencoders" / "solution.py", EXERCISE, True, "reference"))
    for path in sorted((REPO / "bench" / "calibration_cases" / "autoencoders").glob("*.py")):
        cases.append(Case(path, EXERCISE, False, path.stem.split("__", 1)[1]))

    base = load_lab_rubric("autoencoders")
    rows = []
    started = time.perf_counter()
    for seed in args.seeds:
        rubric = base.model_copy(deep=True)
        rubric.exercise(EXERCISE).probe_params["seed"] = seed
        if args.epochs is not None:
            rubric.exercise(EXERCISE).probe_params["epochs"] = args.epochs
        with tempfile.TemporaryDirectory() as tmp:
            results = grade_cases(cases, Path(tmp), f"seed{seed}", lab="autoencoders", rubric=rubric)
        for case in cases:
            result = results[case.id]
            row = {"case": case.label if case.label == "reference" else case.id, "correct": case.correct, "seed": seed, "status": result.status}
            for check in result.checks:
                if check.name in METRICS:
                    row[METRICS[check.name]] = check.details.get(METRICS[check.name])
                    row[f"{check.name}_passed"] = check.passed
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {}
    for row in rows:
        entry = summary.setdefault(row["case"], {"correct": row["correct"], "mse": [], "accuracy": []})
        for metric in ("mse", "accuracy"):
            if row.get(metric) is not None:
                entry[metric].append(row[metric])
    for name, entry in summary.items():
        print(f"{name:55s} {'correct' if entry['correct'] else 'broken':8s} "
              f"mse {min(entry['mse']):.4f}..{max(entry['mse']):.4f} (median {statistics.median(entry['mse']):.4f})  "
              f"5-NN {min(entry['accuracy']):.3f}..{max(entry['accuracy']):.3f}")
    args.out.write_text(json.dumps({
        "machine": f"{platform.machine()}, {platform.python_version()}", "seeds": args.seeds,
        "epochs": args.epochs or base.exercise(EXERCISE).probe_params["epochs"],
        "seconds": round(time.perf_counter() - started, 1), "rows": rows, "summary": summary,
    }, indent=1) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
