"""Held-out evaluation of trained models, shared by reference training and grading.

A lab gives each of its trained models a :class:`HeldOutTask`
(:meth:`grader.lab.Lab.heldout_tasks`): inputs built from its test split with
fixed seeds, and the metric that scores predictions. Reference training
records these metrics in ``reference/<lab>/metrics.json``; grading a student's
saved model sends only the inputs into the sandbox and computes the metrics
here, in the grader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from grader.checks import per_image_mse, psnr



@dataclass
class HeldOutTask:
    """Inputs a model receives, targets it never sees, and how its predictions are scored."""

    inputs: np.ndarray
    targets: np.ndarray
    metric: Callable[[np.ndarray, np.ndarray], dict[str, float]]
    description: str
    extra: dict = field(default_factory=dict)


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    probabilities = np.asarray(probabilities).reshape(len(labels), -1)
    return {"accuracy": float(np.mean(np.argmax(probabilities, axis=-1) == labels))}


def reconstruction(prediction: np.ndarray, target: np.ndarray) -> dict[str, float]:
    return {"mse": float(np.mean(per_image_mse(prediction, target))), "psnr": psnr(prediction, target)}
