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

import statistics

from calibration import arguments, calibrate, write

LAB, EXERCISE = "autoencoders", "trained_autoencoder"
FIGURES = {"reconstruction": ("mse", "mse"), "codes_separate_digits": ("accuracy", "accuracy")}


def main() -> None:
    from grader.engine import load_lab_rubric

    args = arguments(__doc__, [0, 1, 2, 3, 4], LAB)
    rows, seconds = calibrate(LAB, EXERCISE, FIGURES, args)
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
    write(args, rows, summary, seconds, args.epochs or load_lab_rubric(LAB).exercise(EXERCISE).probe_params["epochs"])


if __name__ == "__main__":
    main()
