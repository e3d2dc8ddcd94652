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

from calibration import arguments, calibrate, write

LAB, EXERCISE = "classification", "trained_models"
RUNS = ("mnist_softmax", "fashion_softmax", "mnist_hidden", "fashion_hidden")


def main() -> None:
    from grader.engine import load_lab_rubric

    args = arguments(__doc__, [0, 1, 2], LAB)
    rows, seconds = calibrate(LAB, EXERCISE, {run: (run, "accuracy") for run in RUNS}, args)
    summary = {}
    for row in rows:
        entry = summary.setdefault(row["case"], {"correct": row["correct"], **{run: [] for run in RUNS}})
        for run in RUNS:
            if row.get(run) is not None:
                entry[run].append(row[run])
    for name, entry in summary.items():
        print(f"{name:60s} {'correct' if entry['correct'] else 'other':8s} " + "  ".join(
            f"{run} {min(entry[run]):.3f}..{max(entry[run]):.3f}" if entry[run] else f"{run} -" for run in RUNS))
    write(args, rows, summary, seconds, args.epochs or load_lab_rubric(LAB).exercise(EXERCISE).probe_params["epochs"])


if __name__ == "__main__":
    main()
