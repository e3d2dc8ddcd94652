"""Calibrate the thresholds of the batchnorm lab's trained checks.

Grades the reference solution, the casebook's answers to the two exercises
that train (``get_improved_model``: the training loss must fall; ``decoder``:
the denoiser's validation MSE) and the deliberately broken answers in
bench/calibration_cases/batchnorm, under the rubric's budget, once per seed,
and records the loss ratio (last epoch / first) and the MSE. Each threshold
must sit between the worst correct answer and the best broken one, with margin.
It also prints the baselines (the noisy digits themselves, the mean training
digit) and the time of each graded run.

    python bench/calibrate_batchnorm.py [--seeds 0 1 2] [--out reference/batchnorm/calibration.json]
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

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from casebook import Case, all_cases, grade_cases  # noqa: E402

# exercise -> (check id, the metric in its details)
TRAINED = {"get_improved_model": ("loss_falls", "ratio"), "decoder": ("denoises", "mse")}


def baselines(rubric) -> dict:
    from grader.lab import get_lab

    lab = get_lab("batchnorm")
    spec = rubric.exercise("decoder")
    inputs, secrets = lab.probe_inputs(spec, spec.probe_params, lab.load_data(None, rubric.data))
    clean, noisy = secrets["clean_test"], secrets["noisy_test"]
    return {"noisy_input_mse": float(np.mean((noisy - clean) ** 2)),
            "mean_training_digit_mse": float(np.mean((inputs["clean_train"].mean(axis=0) - clean) ** 2))}


def main() -> None:
    from grader.engine import load_lab_rubric

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=REPO / "reference" / "batchnorm" / "calibration.json")
    args = parser.parse_args()

    cases = [c for c in all_cases("batchnorm") if c.exercise in TRAINED]
    for exercise in TRAINED:
        cases.append(Case(REPO / "reference" / "batchnorm" / "solution.py", exercise, True, "reference"))
    for path in sorted((REPO / "bench" / "calibration_cases" / "batchnorm").glob("*.py")):
        exercise, rest = path.stem.split("__", 1)
        cases.append(Case(path, exercise, False, rest.split("_", 1)[1]))

    base = load_lab_rubric("batchnorm")
    rows = []
    started = time.perf_counter()
    for seed in args.seeds:
        rubric = base.model_copy(deep=True)
        for exercise in TRAINED:
            rubric.exercise(exercise).probe_params["seed"] = seed
        with tempfile.TemporaryDirectory() as tmp:
            results = grade_cases(cases, Path(tmp), f"seed{seed}", lab="batchnorm", rubric=rubric)
        for case in cases:
            result = results[case.id]
            check_id, metric = TRAINED[case.exercise]
            check = next(c for c in result.checks if c.name == check_id)
            row = {"exercise": case.exercise, "case": case.id if case.label != "reference" else f"{case.exercise}:reference",
                   "correct": case.correct, "seed": seed, "status": result.status, metric: check.details.get(metric),
                   "passed": check.passed, "seconds": result.seconds}
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {}
    for row in rows:
        metric = TRAINED[row["exercise"]][1]
        entry = summary.setdefault(row["case"], {"correct": row["correct"], "metric": metric, "values": [], "seconds": []})
        if row.get(metric) is not None:
            entry["values"].append(row[metric])
        entry["seconds"].append(row["seconds"])
    for name, entry in summary.items():
        values = entry["values"] or [float("nan")]
        print(f"{name:60s} {'correct' if entry['correct'] else 'broken':8s} {entry['metric']} "
              f"{min(values):.4f}..{max(values):.4f} (median {statistics.median(values):.4f}), "
              f"{statistics.median(entry['seconds']):.1f} s")
    found = baselines(base)
    print("baselines:", json.dumps(found))
    args.out.write_text(json.dumps({
        "machine": f"{platform.machine()}, {platform.python_version()}", "seeds": args.seeds,
        "budgets": {e: {k: base.exercise(e).probe_params.get(k) for k in ("epochs", "batch_size", "train_samples", "test_samples", "noise")}
                    for e in TRAINED},
        "baselines": found, "seconds": round(time.perf_counter() - started, 1), "rows": rows, "summary": summary,
    }, indent=1) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
