"""The toy lab of labgrader's tests: three tiny exercises that grade in seconds.

Written by following the README's "Writing a lab": a Lab subclass, a rubric,
one probe of its own, and a master notebook (reference/toy/master.ipynb) from
which `grader author build toy` makes the rest. It is found through the
``labgrader.labs`` entry point that ``labgrader_toy_labs-0.1.dist-info`` declares.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.lab import Lab

HERE = Path(__file__).resolve().parent


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs in 4-D, 5 standard deviations apart: a problem any classifier learns at once."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 1, (n, 4)) + 5.0 * y[:, None] * np.array([1, -1, 1, -1]) / 2
    return x.astype(np.float32), y.astype(np.int64)


class ToyLab(Lab):
    name = "toy"
    title = "Toy lab: standardize, a tiny classifier, counting parameters"
    files_root = HERE
    sandbox_package = HERE / "sandbox"

    def probe_inputs(self, exercise, params, data):
        if exercise.name != "build_tiny_classifier":
            return super().probe_inputs(exercise, params, data)
        x_train, y_train = blobs(params["train_samples"], seed=0)
        x_test, y_test = blobs(params["test_samples"], seed=1)
        return {"x_train": x_train, "y_train": y_train, "x_test": x_test}, {"y_test": y_test}


lab = ToyLab()
