"""The "autoencoders" lab: a convolutional autoencoder on MNIST, then denoising (course material 002).

Its parts:

- :mod:`.checks`: scaling, the loss, what ``fit`` was given, the 2-D codes;
- :mod:`.figures`: the trained autoencoder's reconstructions and codes;
- ``sandbox/``: the probes (a stand-in autoencoder whose ``fit`` is recorded;
  the student's encoder and decoder trained through the lab's given
  ``build_autoencoder``), original-notebook locators, and the given code;
- the lab's files (rubric, notebooks, reference) under the shipped files root.

Inputs come from the rubric's declarative ``probe_params.inputs`` (digits,
noisy digits; labels and clean test digits kept as secrets), so the lab needs
no input code of its own.
"""

from __future__ import annotations

from pathlib import Path

from grader.lab import Lab
from grader.labs import shipped_files_root
from grader.labs.autoencoders import checks, figures

HERE = Path(__file__).resolve().parent


class AutoencodersLab(Lab):
    name = "autoencoders"
    title = "Autoencoders: compressing MNIST digits to two numbers, and denoising them"
    files_root = shipped_files_root()
    sandbox_package = HERE / "sandbox"
    checks = checks.CHECKS
    figures = figures.FIGURES
    layer_tables = frozenset({"build_encoder", "build_decoder"})
    # The handout's own given code calls build_decoder, and students name the encoder's builder after it.
    original_names = frozenset({"build_encoder", "build_decoder", "build_autoencoder"})

    def notebook_datasets(self, data) -> dict:
        mnist = data.datasets["mnist"]
        return {"mnist.x_train": mnist.x_train, "mnist.y_train": mnist.y_train, "mnist.x_test": mnist.x_test,
                "mnist.y_test": mnist.y_test}


lab = AutoencodersLab()
