"""The "batchnorm" lab: batch normalization, a denoising autoencoder and VGG19 features (course material 001).

Its parts:

- :mod:`.checks`: the batch-norm equations, the improved CNN's layers and
  training, the decoders' layer patterns, frozen VGG19 sub-models;
- ``sandbox/``: the probes (the generic ``call_function`` and
  ``batch_normalized_layer``, shared with lab 3, and the lab's own for the
  models), original-notebook locators, and the given code (the encoder);
- the lab's files (rubric, notebooks, reference) under the shipped files root.

Inputs come from the rubric's declarative ``probe_params.inputs``, except the
salt-and-pepper digits of the denoiser, made here (:meth:`BatchnormLab.probe_inputs`).
The course text's CIFAR-10 is replaced by Fashion-MNIST (same code, 28×28×1
inputs); ImageNet weights are not used (VGG19 is built with ``weights=None``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.lab import Lab
from grader.labs import shipped_files_root
from grader.labs.batchnorm import checks

HERE = Path(__file__).resolve().parent
#: Served to original notebooks as their "test" split: the first training images (the hidden test set stays here).
NOTEBOOK_TEST_BASE = 1_000


def salt_and_pepper(images: np.ndarray, amount: float, seed: int) -> np.ndarray:
    """``images`` with a fraction ``amount`` of pixels set to 1 and another ``amount`` set to 0."""
    draw = np.random.default_rng(seed).random(images.shape)
    noisy = np.array(images, np.float32, copy=True)
    noisy[draw > 1 - amount] = 1.0
    noisy[draw < amount] = 0.0
    return noisy


class BatchnormLab(Lab):
    name = "batchnorm"
    title = "Batch normalization, a denoising autoencoder and VGG19 features"
    files_root = shipped_files_root()
    sandbox_package = HERE / "sandbox"
    checks = checks.CHECKS
    layer_tables = frozenset({"get_improved_model", "decoder", "segmentation_decoder"})
    # Names the original handout itself defines (it defines decoder() twice: the denoiser's, then the
    # segmentation network's), so a notebook defining only these is still graded in the original form.
    original_names = frozenset({"BatchNormalizedLayer", "get_improved_model", "decoder", "encoder", "get_baseline_model"})

    def probe_inputs(self, exercise, params, data):
        if exercise.probe != "denoising_decoder":
            return super().probe_inputs(exercise, params, data)
        mnist = data.datasets["mnist"]
        train = mnist.x_train[: int(params["train_samples"])].astype(np.float32)[..., None] / 255.0
        test = mnist.x_test[: int(params["test_samples"])].astype(np.float32)[..., None] / 255.0
        amount = float(params["noise"])
        noisy_train = salt_and_pepper(train, amount, params.get("seed", 0) + 1)
        noisy_test = salt_and_pepper(test, amount, params.get("seed", 0) + 2)
        inputs = {"noisy_train": noisy_train, "clean_train": train, "noisy_test": noisy_test}
        return inputs, {"clean_test": test, "noisy_test": noisy_test}

    def notebook_datasets(self, data) -> dict:
        """What an original notebook's ``keras.datasets`` calls get: training images only, never the hidden test digits.

        The handout loads CIFAR-10 (colour images, labels of shape (n, 1)) and
        plots them with ``imshow``: Fashion-MNIST is served in its place as
        28×28 images in three equal channels, labels (n, 1). (The grader probes
        ``get_improved_model()`` with ``x_train`` bound to 28×28×1 images, so
        its verdict does not depend on this.) The denoising cells draw noise of
        MNIST's real sizes, (60000, 28, 28) and (10000, 28, 28): the digits are
        repeated up to those sizes.
        """
        fashion, mnist = data.datasets["fashion_mnist"], data.datasets["mnist"]
        served = {}
        colour = np.repeat(fashion.x_train[..., None], 3, axis=-1)
        cifar_like = {"x_train": colour, "y_train": fashion.y_train[:, None]}
        for name, x, y in (("cifar10", cifar_like["x_train"], cifar_like["y_train"]),
                           ("fashion_mnist", fashion.x_train, fashion.y_train), ("mnist", mnist.x_train, mnist.y_train)):
            served.update({f"{name}.x_train": x, f"{name}.y_train": y,
                           f"{name}.x_test": x[:NOTEBOOK_TEST_BASE], f"{name}.y_test": y[:NOTEBOOK_TEST_BASE]})
        served["mnist.sizes"] = np.array([60_000, 10_000])
        return served


lab = BatchnormLab()
