"""Probe inputs declared in a rubric, so that a simple lab needs no input code of its own.

A rubric's ``probe_params.inputs`` is a table of named arrays. Each is one of::

    x = { normal = [8, 4], seed = 0 }                  # N(mean, std) floats (mean, std optional)
    u = { uniform = [8, 4], seed = 1, low = -1, high = 1 }
    w = { value = [[1, 2], [3, 4]] }                   # a literal array
    images = { dataset = "mnist.x_train", count = 256, scale = 255, channel_axis = true }
    labels = { dataset = "mnist.y_test", count = 100, secret = true }
    noisy = { dataset = "mnist.x_test", count = 256, scale = 255, channel_axis = true, noise = 0.5, seed = 3 }
    flat = { dataset = "mnist.x_train", count = 4000, scale = 255, flatten = true }
    onehot = { dataset = "mnist.y_train", count = 4000, one_hot = 10 }

``dataset`` names an array of a dataset the rubric's ``[data]`` table loads
(:func:`grader.data.load_named_datasets`); ``scale`` divides it (uint8 pixels
to [0, 1]), ``channel_axis`` appends an axis of 1, ``flatten`` makes each sample one
vector, ``one_hot = K`` turns integer labels into rows of K with a single 1, ``noise`` adds Gaussian
noise of that standard deviation (drawn with ``seed``; not clipped). An array marked
``secret = true`` stays in the grader for the checks (labels, targets) and
never enters the sandbox. Every array is a secret too, under its name, so a
check can compare what the student's code returned with what it was given.

Some generic probes need inputs with a derived secret that no declaration can
express; :data:`GENERIC_PROBE_INPUTS` builds them by probe name (see
:meth:`grader.lab.Lab.probe_inputs`).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from grader.data import DataError
from grader.rubric import RubricError


class InputSpecError(RubricError):
    """A declared input the grader cannot build; the message names the input and the fix."""


def _array(name: str, spec: Mapping[str, Any], data: Any) -> np.ndarray:
    dtype = spec.get("dtype", "float32")
    if "normal" in spec:
        rng = np.random.default_rng(spec.get("seed", 0))
        return rng.normal(spec.get("mean", 0.0), spec.get("std", 1.0), tuple(spec["normal"])).astype(dtype)
    if "uniform" in spec:
        rng = np.random.default_rng(spec.get("seed", 0))
        return rng.uniform(spec.get("low", 0.0), spec.get("high", 1.0), tuple(spec["uniform"])).astype(dtype)
    if "value" in spec:
        return np.asarray(spec["value"], dtype=dtype)
    if "dataset" in spec:
        if not hasattr(data, "array"):
            raise InputSpecError(f"input {name!r} reads {spec['dataset']!r}, but the lab's data has no named datasets; "
                                 "add datasets = [...] to the rubric's [data] table")
        try:
            array = np.asarray(data.array(spec["dataset"]))
        except DataError as exc:
            raise InputSpecError(f"input {name!r}: {exc}") from None
        start = int(spec.get("start", 0))
        array = array[start:start + int(spec["count"])] if "count" in spec else array[start:]
        if "scale" in spec:
            array = array.astype(np.float32) / float(spec["scale"])
        if spec.get("channel_axis"):
            array = array[..., None]
        if spec.get("flatten"):
            array = array.reshape(len(array), -1)
        if "one_hot" in spec:
            array = np.eye(int(spec["one_hot"]), dtype=np.float32)[array.astype(np.int64)]
        if "noise" in spec:
            rng = np.random.default_rng(spec.get("seed", 0))
            array = (array + float(spec["noise"]) * rng.standard_normal(array.shape)).astype(np.float32)
        return array.astype(spec["dtype"]) if "dtype" in spec else array
    raise InputSpecError(f"input {name!r} ({dict(spec)}) has none of normal, uniform, value or dataset")


def declared_inputs(specs: Mapping[str, Mapping[str, Any]], data: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``(inputs, secrets)`` for a rubric's ``probe_params.inputs`` table (see the module docstring)."""
    inputs: dict[str, np.ndarray] = {}
    secrets: dict[str, Any] = {}
    for name, spec in specs.items():
        if not isinstance(spec, Mapping):
            raise InputSpecError(f"input {name!r} must be a table such as {{ normal = [8, 4], seed = 0 }}, not {spec!r}")
        array = _array(name, spec, data)
        secrets[name] = array
        if not spec.get("secret"):
            inputs[name] = array
    return inputs, secrets


def batch_normalized_layer_inputs(params: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Inputs of the generic ``batch_normalized_layer`` probe, and the secret pre-activation ``x @ kernel + bias``.

    Args:
        params: the exercise's ``probe_params``; ``seed`` (default 0) draws the arrays.

    Returns:
        ``(inputs, secrets)``: a (10, 4) batch ``x``, the wrapped Dense layer's
        ``kernel`` (4, 5) and ``bias``, ``images``/``targets`` for one training
        step; the secret ``pre_activation`` is the wrapped layer's output.
    """
    rng = np.random.default_rng(params.get("seed", 0))
    x = rng.normal(0, 1, (10, 4)).astype(np.float32)
    # A large kernel and offset make the batch statistics far from (0, 1), so
    # normalized and unnormalized outputs cannot be mistaken for each other.
    kernel = rng.normal(0, 3, (4, 5)).astype(np.float32)
    bias = rng.normal(2, 1, (5,)).astype(np.float32)
    images = rng.normal(0, 1, (6, 8, 8, 3)).astype(np.float32)
    targets = rng.normal(0, 1, (6, 1)).astype(np.float32)
    z = x @ kernel + bias
    return (
        {"x": x, "kernel": kernel, "bias": bias, "images": images, "targets": targets},
        {"pre_activation": z},
    )


#: Inputs built in code for the generic probes that need them, by probe name.
GENERIC_PROBE_INPUTS = {"batch_normalized_layer": batch_normalized_layer_inputs}
