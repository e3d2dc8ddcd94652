"""The "classification" lab: MNIST and Fashion-MNIST, from softmax regression to CNNs (course material 003).

Its parts:

- :mod:`.checks`: one-hot labels, the dense classifiers the builder makes
  and how it compiles them, early stopping, the learning rates, the
  misclassified indices, label and input noise, regularization, the CNNs;
- ``sandbox/``: the probes (the student's builder called per case and its
  models described; its models trained on the grader's budget; a stand-in
  classifier for the misclassified indices) and original-notebook locators;
- the lab's files (rubric, notebooks, reference) under the shipped files root.

Inputs come from the rubric's declarative ``probe_params.inputs`` (flattened
images and one-hot labels of both datasets; validation labels kept as
secrets), so the lab needs no input code of its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.lab import Lab
from grader.labs import shipped_files_root
from grader.labs.classification import checks

HERE = Path(__file__).resolve().parent

#: What original notebooks' ``keras.datasets`` calls return: the grader's images, repeated up to the real sizes.
NOTEBOOK_SIZES = np.array([60_000, 10_000])


class ClassificationLab(Lab):
    name = "classification"
    title = "Image classification: MNIST and Fashion-MNIST, from softmax regression to CNNs"
    files_root = shipped_files_root()
    sandbox_package = HERE / "sandbox"
    checks = checks.CHECKS
    layer_tables = frozenset({"build_model", "build_naive_cnn", "build_tuned_cnn"})
    # Filled notebooks of the original handout name their label-noise function so (after the text's own).
    original_names = frozenset({"noise_labels"})

    def notebook_datasets(self, data) -> dict:
        served = {}
        for name, dataset in data.datasets.items():
            served.update({f"{name}.x_train": dataset.x_train, f"{name}.y_train": dataset.y_train,
                           f"{name}.x_test": dataset.x_test, f"{name}.y_test": dataset.y_test, f"{name}.sizes": NOTEBOOK_SIZES})
        return served


lab = ClassificationLab()
