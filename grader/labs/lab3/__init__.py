"""Lab 3, "Fun with MNIST": CNNs bent to many vision tasks, as a grader plugin.

Its parts:

- :mod:`.inputs`: the inputs each probe receives and the secrets it never sees;
- :mod:`.checks`, :mod:`.figures`: the lab's own checks and report figures;
- :mod:`.data`, :mod:`.evaluation`: derived data (rotations, scenes) and the
  held-out tasks of its trained models;
- ``sandbox/``: the probes and original-notebook locators, copied into the sandbox;
- the lab's files (rubric, notebooks, reference) under the shipped files root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from grader.lab import Lab, load_file_module
from grader.labs import shipped_files_root
from grader.labs.lab3 import checks, evaluation, figures, inputs

HERE = Path(__file__).resolve().parent


class Lab3(Lab):
    name = "lab3"
    title = "Lab 3: convolutional networks for many vision tasks on MNIST"
    files_root = shipped_files_root()
    sandbox_package = HERE / "sandbox"
    checks = checks.CHECKS
    figures = figures.FIGURES
    layer_tables = frozenset({"build_unet_no_skips"})
    trainable_models = ("softmax_regression", "bottleneck_cnn", "denoising_autoencoder", "sr_network", "angle_cnn",
                        "detector", "unet", "unet_no_skips")

    def load_data(self, data_path: Path | None, options: Mapping[str, Any]) -> inputs.LabData:
        from grader.data import load_mnist

        return inputs.LabData(load_mnist(data_path, prefer_full=bool(options.get("prefer_full_mnist", False))))

    def probe_inputs(self, exercise, params, data: inputs.LabData):
        prepare = inputs.PREPARE.get(exercise.probe)
        if prepare is None:
            return super().probe_inputs(exercise, params, data)
        return prepare(params, data)

    def heldout_tasks(self, data: inputs.LabData) -> dict:
        return evaluation.heldout_tasks(data.mnist)

    def notebook_datasets(self, data: inputs.LabData) -> dict:
        return inputs.notebook_datasets(data)

    def train_reference(self, data: inputs.LabData, out_dir: Path, device: str, *, epochs_scale: float = 1.0,
                        only: list[str] | None = None, log: Callable[[str], None] = print) -> dict:
        training = load_file_module(self.reference_dir / "train.py", "labgrader_reference_lab3_train")
        return training.train_all(data.mnist, out_dir, device, epochs_scale=epochs_scale, only=only, log=log)


lab = Lab3()
