"""Checks: pure functions from observations (and hidden targets) to a verdict.

Each check is registered under the name a rubric uses. It receives an
:class:`Observed` view of what the probe recorded in the sandbox plus the
secrets that never left the grader, and the rubric's parameters. It returns a
:class:`CheckOutcome` whose message says what was expected and what was found,
in the student's terms. A check that cannot find what it needs raises
:class:`NotObserved`; the engine turns that into a failed check that says why.
When the grader's own step failed (:class:`GraderStepFailed`) the check is
left out of the score and flagged for the instructor instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class CheckOutcome:
    passed: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


class NotObserved(Exception):
    """The observation a check needs is not there (an earlier step failed or was skipped)."""


class GraderStepFailed(NotObserved):
    """A step of the grader's own failed, so the check cannot judge: never the student's fault."""


@dataclass
class Observed:
    """What the sandbox reported for one exercise, plus the grader's secrets."""

    values: dict[str, Any]
    arrays: dict[str, np.ndarray]
    secrets: dict[str, Any]

    def _why_missing(self, key: str) -> str:
        base = key.split(".")[0]
        for candidate in (key, base):
            err = self.values.get(f"{candidate}.error")
            if err:
                if err["type"] == "WrongModel":  # the grader's own finding, not an exception of the student's code
                    return err["message"]
                return f"your code raised {err['type']}: {err['message']}" + _keras3_hint(err)
        if key + ".unconvertible" in self.values:
            return f"the value returned could not be turned into an array ({self.values[key + '.unconvertible']})"
        if "training.skipped" in self.values:
            return f"not trained because {self.values['training.skipped']}"
        if "model" in self.values and not self.values["model"].get("is_keras_model", True):
            return f"the function returned a {self.values['model']['type']}, not a keras.Model"
        if "encoded.type" in self.values:
            return f"the function returned a {self.values['encoded.type']}, not a Keras tensor"
        return "not observed (an earlier step did not complete)"

    def _missing(self, key: str) -> NotObserved:
        for candidate in (key, key.split(".")[0]):
            failure = self.values.get(f"{candidate}.grader_error")
            if failure:
                return GraderStepFailed(f"the grader could not derive {candidate} ({failure['type']}: {failure['message'][:300]})")
        return NotObserved(self._why_missing(key))

    def value(self, key: str):
        if key not in self.values:
            raise self._missing(key)
        return self.values[key]

    def array(self, key: str) -> np.ndarray:
        if key not in self.arrays:
            raise self._missing(key)
        return self.arrays[key]

    def model(self, key: str = "model") -> dict:
        info = self.value(key)
        if not info.get("is_keras_model"):
            raise NotObserved(f"the function returned a {info.get('type')}, not a keras.Model")
        return info

    def secret(self, key: str):
        return self.secrets[key]


def _keras3_hint(error: dict) -> str:
    """' (Keras 3: ...)' when the error looks like Keras 2 code (see :mod:`grader.hints`), else ''."""
    from grader.hints import keras3_hint

    code = " ".join(f.get("code", "") for f in error.get("frames") or [])
    hint = keras3_hint(error.get("type", ""), error.get("message", ""), code)
    return f" (Keras 3: {hint})" if hint else ""


CheckFunction = Callable[..., CheckOutcome]
#: The generic catalogue: checks any lab's rubric may name.
CHECKS: dict[str, CheckFunction] = {}


def registrar(catalogue: dict[str, CheckFunction]) -> Callable[[CheckFunction], CheckFunction]:
    """A decorator that registers checks in ``catalogue`` under their function names.

    Example (a lab's own checks)::

        LAB_CHECKS = {}
        check = registrar(LAB_CHECKS)

        @check
        def my_check(obs, key): ...
    """

    def register(fn: CheckFunction) -> CheckFunction:
        catalogue[fn.__name__] = fn
        return fn

    return register


check = registrar(CHECKS)


def fmt_shape(shape) -> str:
    if shape is None:
        return "unknown"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def rubric_shape(shape) -> list:
    """TOML has no null: rubrics write the batch dimension of (None, 28, 28, 1) as 0."""
    return [None if d in (0, None) else int(d) for d in shape]


def _label(key: str) -> str:
    """'W.dense_softmax_l2' -> 'dense_softmax_l2' for messages about one of several calls."""
    return key.split(".", 1)[1] if "." in key else key


# ---------------------------------------------------------------- arrays


@check
def returns_ndarray(obs: Observed, keys: list[str]) -> CheckOutcome:
    wrong = []
    for key in keys:
        type_name = obs.value(f"{key}.type") if f"{key}.type" in obs.values else obs.value(key)
        if type_name != "ndarray":
            wrong.append(f"{type_name} for {_label(key)}")
    if wrong:
        return CheckOutcome(False, f"returned {', '.join(wrong)}; expected a NumPy array (np.ndarray)")
    return CheckOutcome(True, "returns a NumPy array")


def _shape_diagnosis(found: tuple, expected: tuple) -> str:
    if found == tuple(reversed(expected)):
        return " (transposed?)"
    if int(np.prod(found)) == int(np.prod(expected)):
        return " (same number of values, different layout: reshape it)"
    return ""


@check
def array_shape(obs: Observed, keys: list[str], expected: list[int]) -> CheckOutcome:
    expected_t = tuple(expected)
    for key in keys:
        found = obs.array(key).shape
        if found != expected_t:
            return CheckOutcome(
                False,
                f"shape {fmt_shape(found)}, expected {fmt_shape(expected_t)}{_shape_diagnosis(found, expected_t)} [{_label(key)}]",
            )
    return CheckOutcome(True, f"shape {fmt_shape(expected_t)}")


@check
def matches_secret_array(obs: Observed, keys: list[str], field: str, alternatives: dict[str, str], atol: float = 1e-6) -> CheckOutcome:
    """The array equals the secret ``field``; near misses are named (bias, transposed, ...)."""
    for key in keys:
        found = np.asarray(obs.array(key), dtype=np.float64)
        secrets = obs.secret(key)
        target = np.asarray(secrets[field], dtype=np.float64)
        if found.shape == target.shape and np.allclose(found, target, atol=atol):
            continue
        diagnosis = "values differ from the Dense layer's kernel"
        for other, description in alternatives.items():
            alt = np.asarray(secrets[other], dtype=np.float64)
            if found.shape == alt.shape and np.allclose(found, alt, atol=atol):
                diagnosis = f"you returned {description}"
                break
        else:
            if found.size == target.size and found.shape != target.shape:
                if found.shape == target.T.shape and np.allclose(found, target.T, atol=atol):
                    diagnosis = f"you returned the transposed kernel {fmt_shape(found.shape)}; W should be {fmt_shape(target.shape)}"
                elif np.allclose(found.reshape(target.shape), target, atol=atol):
                    diagnosis = f"right values but shape {fmt_shape(found.shape)}; return them as {fmt_shape(target.shape)}"
        return CheckOutcome(False, f"{diagnosis} [{_label(key)}]")
    return CheckOutcome(True, "equals the Dense kernel for every model form")


@check
def float_dtype(obs: Observed, keys: list[str]) -> CheckOutcome:
    for key in keys:
        dtype = obs.array(key).dtype
        if not np.issubdtype(dtype, np.floating):
            return CheckOutcome(False, f"dtype {dtype}, expected a floating dtype such as float32 [{_label(key)}]")
    return CheckOutcome(True, "floating dtype")


@check
def same_shape_as_input(obs: Observed, keys: dict[str, str]) -> CheckOutcome:
    """``keys`` maps an output key to the input secret it must match in shape."""
    for key, secret in keys.items():
        found, expected = obs.array(key).shape, np.shape(obs.secret(secret))
        if found != expected:
            return CheckOutcome(False, f"output shape {fmt_shape(found)}, expected the input's shape {fmt_shape(expected)} [{_label(key)}]")
    return CheckOutcome(True, "shape kept")


@check
def same_shape_as_observed(obs: Observed, keys: dict[str, str]) -> CheckOutcome:
    """``keys`` maps an output key to the observed array it must match in shape (e.g. a notebook's clean images)."""
    for key, other in keys.items():
        found, expected = obs.array(key).shape, obs.array(other).shape
        if found != expected:
            return CheckOutcome(False, f"shape {fmt_shape(found)}, expected the clean images' shape {fmt_shape(expected)} [{_label(key)}]")
    return CheckOutcome(True, "shape kept")


@check
def zero_mean_noise(obs: Observed, key: str, level_secret: str, min_std: float, max_std: float, mean_tolerance: float) -> CheckOutcome:
    """Noise was added to a flat grey image: a visible spread and no shift of the mean.

    Spread and shift are estimated from quartiles and the median, which
    clipping to [0, 1] leaves almost untouched on a 0.5 grey level.
    """
    level = float(obs.secret(level_secret))
    noisy = np.asarray(obs.array(key), dtype=np.float64)
    if not np.issubdtype(obs.array(key).dtype, np.number) or noisy.size == 0:
        raise NotObserved("the noisy images are not numeric")
    q1, median, q3 = np.percentile(noisy, [25, 50, 75])
    std = (q3 - q1) / 1.349
    if float(np.std(noisy)) < 1e-6:
        return CheckOutcome(False, "no noise added: on a grey image the result is constant")
    if std < min_std or std > max_std:
        return CheckOutcome(False, f"noise spread (std) about {std:.3f}, expected between {min_std:g} and {max_std:g} [{_label(key)}]")
    if abs(median - level) > mean_tolerance:
        return CheckOutcome(False, f"the noise shifts values by {median - level:+.3f} on average; the noisy images should be x + noise with zero-mean noise [{_label(key)}]")
    return CheckOutcome(True, f"zero-mean noise with std about {std:.3f} added")


@check
def scaled_to_unit_range(obs: Observed, key: str, raw: str) -> CheckOutcome:
    """The images are the raw pixels divided by 255 (or, equally right here, by each image's or the batch's maximum)."""
    found = np.asarray(obs.array(key), np.float64)
    pixels = np.asarray(obs.secret(raw), np.float64)
    if found.size != pixels.size:
        raise NotObserved(f"the result has shape {fmt_shape(found.shape)}, so its values cannot be compared with the {pixels.shape[0]} images given")
    found = found.reshape(pixels.shape)
    if not np.issubdtype(obs.array(key).dtype, np.floating):
        return CheckOutcome(False, f"the images are {obs.array(key).dtype} values; convert them to floats (astype('float32')) before dividing")
    if np.allclose(found, pixels / 255.0, atol=1e-6):
        return CheckOutcome(True, "pixels divided by 255: values in [0, 1]")
    per_image = pixels / np.maximum(pixels.max(axis=(1, 2), keepdims=True), 1)
    if np.allclose(found, per_image, atol=1e-6):
        return CheckOutcome(True, "each image divided by its brightest pixel: values in [0, 1] (dividing by 255 is the usual choice)")
    if found.min() < -1e-6:
        return CheckOutcome(False, f"values go down to {found.min():.3g}: the lab asks for [0, 1] (divide by 255), not standardized pixels")
    if found.max() > 1.0 + 1e-6:
        return CheckOutcome(False, f"values go up to {found.max():.4g}: scale the pixels (0 to 255) into [0, 1] by dividing by 255")
    if np.allclose(found, pixels / 256.0, atol=1e-6):
        return CheckOutcome(False, "pixels divided by 256: the brightest pixel, 255, must become exactly 1, so divide by 255")
    return CheckOutcome(False, f"values in [{found.min():.3g}, {found.max():.3g}], but not the pixels divided by 255")


@check
def values_in_range(obs: Observed, keys: list[str], low: float, high: float) -> CheckOutcome:
    for key in keys:
        a = obs.array(key)
        if not np.issubdtype(a.dtype, np.number):
            raise NotObserved(f"the output is not numeric ({a.dtype})")
        lo, hi = float(np.min(a)), float(np.max(a))
        if lo < low or hi > high or not np.all(np.isfinite(a)):
            return CheckOutcome(False, f"values range over [{lo:.3g}, {hi:.3g}], expected within [{low:g}, {high:g}] (clip them) [{_label(key)}]")
    return CheckOutcome(True, f"values within [{low:g}, {high:g}]")


@check
def flags_false(obs: Observed, keys: list[str], message: str) -> CheckOutcome:
    for key in keys:
        if obs.value(key):
            return CheckOutcome(False, f"{message} [{_label(key)}]")
    return CheckOutcome(True, "input left unchanged")


# ---------------------------------------------------------------- scalars


@check
def value_equals(obs: Observed, key: str, expected: Any, what: str) -> CheckOutcome:
    found = obs.value(key)
    if found != expected:
        return CheckOutcome(False, f"{what}: found {found}, expected {expected}")
    return CheckOutcome(True, f"{what}: {expected}")


@check
def values_equal(obs: Observed, expected: dict[str, Any], what: dict[str, str]) -> CheckOutcome:
    wrong = [f"{what[k]}: found {obs.value(k)}, expected {v}" for k, v in expected.items() if obs.value(k) != v]
    if wrong:
        return CheckOutcome(False, "; ".join(wrong))
    return CheckOutcome(True, "; ".join(f"{what[k]}: {v}" for k, v in expected.items()))


# ---------------------------------------------------------------- models


@check
def model_io_shapes(obs: Observed, key: str, outputs: list, inputs: list | None = None) -> CheckOutcome:
    """The model's output shapes (and input shapes, when given) are these; TOML writes None as 0.

    Example (rubric): ``params = { key = "model", outputs = [[0, 28, 28, 1]] }``.
    """
    info = obs.model(key)
    if "shape_error" in info:
        return CheckOutcome(False, f"the model has no defined input/output shapes ({info['shape_error']}); start it with keras.Input(shape=...)")
    outputs = [rubric_shape(s) for s in outputs]
    expectations = [("output", info["output_shapes"], outputs)]
    if inputs is not None:
        inputs = [rubric_shape(s) for s in inputs]
        expectations.insert(0, ("input", info["input_shapes"], inputs))
    problems = []
    for what, found, expected in expectations:
        if [list(s) for s in found] != [list(s) for s in expected]:
            problems.append(f"{what} shape {', '.join(fmt_shape(s) for s in found)}, expected {', '.join(fmt_shape(s) for s in expected)}")
    if problems:
        return CheckOutcome(False, "; ".join(problems))
    if inputs is None:
        return CheckOutcome(True, f"output {fmt_shape(outputs[0])}")
    return CheckOutcome(True, f"input {fmt_shape(inputs[0])} -> output {fmt_shape(outputs[0])}")


@check
def model_has_trainable_weights(obs: Observed, key: str) -> CheckOutcome:
    info = obs.model(key)
    n = info.get("trainable_params", 0)
    if n == 0:
        classes = ", ".join(l["class"] for l in info.get("layers", []) if l["class"] != "InputLayer") or "no layers"
        return CheckOutcome(False, f"the model has no trainable weights ({classes}); it cannot learn anything — add convolutional layers")
    return CheckOutcome(True, f"{n:,} trainable parameters")


@check
def model_param_count(obs: Observed, key: str, expected: int, also_accepted: list[dict] = ()) -> CheckOutcome:
    """The model has ``expected`` parameters, or one of the other readings the lab's text allows.

    ``also_accepted`` lists them as ``{"count": 5786, "as": "the padding='same' reading"}``; the
    message says which reading was seen.
    """
    info = obs.model(key)
    found = info.get("params")
    if not isinstance(found, int):
        return CheckOutcome(False, f"parameter count unavailable ({info.get('params_error')})")
    if found == expected:
        return CheckOutcome(True, f"{expected:,} parameters", {"reading": "expected"})
    for other in also_accepted:
        if found == int(other["count"]):
            return CheckOutcome(True, f"{found:,} parameters: {other['as']}", {"reading": other["as"]})
    accepted = [f"{expected:,}"] + [f"{int(o['count']):,} ({o['as']})" for o in also_accepted]
    return CheckOutcome(False, f"{found:,} parameters, expected {' or '.join(accepted)}")


@check
def last_layer_is(obs: Observed, key: str, layer_class: str, units: int, activation: str) -> CheckOutcome:
    last = obs.value(key)
    found_act = last.get("activation")
    problems = []
    if last.get("class") != layer_class:
        problems.append(f"the last layer is a {last.get('class')}, expected {layer_class}({units})")
    else:
        if last.get("units") != units:
            problems.append(f"the last Dense layer has {last.get('units')} units, expected {units}")
        if found_act != activation:
            problems.append(f"the last layer's activation is {found_act}, expected {activation} (no activation) — an angle can be negative and is not a probability")
    if problems:
        return CheckOutcome(False, "; ".join(problems))
    return CheckOutcome(True, f"last layer {layer_class}({units}) with {activation} activation")


@check
def softmax_over_channels(obs: Observed, key: str, atol: float = 1e-3) -> CheckOutcome:
    out = np.asarray(obs.array(key), dtype=np.float64)
    if out.ndim < 2:
        raise NotObserved(f"the model output has shape {out.shape}")
    sums = out.sum(axis=-1)
    if out.min() < -atol or np.max(np.abs(sums - 1.0)) > atol:
        return CheckOutcome(False, f"per-pixel outputs sum to between {sums.min():.3g} and {sums.max():.3g} over the channels (min value {out.min():.3g}); expected a softmax over the channel axis (sums of 1)")
    return CheckOutcome(True, "softmax over the channel axis")


_TOKEN_OF_CLASS = {
    "BatchNormalization": "BN", "MaxPooling2D": "pool", "UpSampling2D": "up",
    "ReLU": "relu", "Softmax": "softmax",
}
_IGNORED_CLASSES = {"InputLayer", "Dropout", "SpatialDropout2D", "GaussianNoise"}


def layer_tokens(info: dict) -> list[str]:
    """A model's layers as a sequence of tokens that equivalent spellings share.

    Tokens: ``conv<filters>``, ``convtranspose<filters>``, ``dense<units>``, ``BN``,
    ``pool``, ``up``, an activation's name (``relu``, ``softmax``, ...), and any
    other layer's class name (``Flatten``, ``Reshape``, ``Concatenate``).

    ``Conv2D(8, 3, activation='relu')`` and ``Conv2D(8, 3)`` + ``Activation('relu')``
    (or ``ReLU()``) both become ``conv8``, ``relu``; dropout is ignored.
    """
    tokens = []
    for layer in info.get("layers", []):
        cls = layer["class"]
        if cls in _IGNORED_CLASSES or layer.get("nested"):
            continue
        if cls in ("Conv2D", "Conv2DTranspose", "Dense"):
            size = layer["config"].get("filters", layer["config"].get("units"))
            tokens.append(f"{cls.lower().replace('2d', '')}{size}")
        elif cls == "Activation":
            pass  # its activation is appended below
        else:
            tokens.append(_TOKEN_OF_CLASS.get(cls, cls))
        activation = layer.get("activation")
        if activation and activation != "linear" and cls not in ("ReLU", "Softmax"):
            tokens.append(activation)
    return tokens


@check
def layer_sequence(obs: Observed, key: str, expected: list[str], what: str, also_accepted: list[dict] = ()) -> CheckOutcome:
    """The layers, in order, match ``expected`` tokens (see :func:`layer_tokens`).

    ``also_accepted`` lists other sequences that are right too, each as
    ``{"expected": [...], "as": "why it is accepted"}``.
    """
    found = layer_tokens(obs.model(key))
    if found == expected:
        return CheckOutcome(True, f"{what} as in the lab")
    for other in also_accepted:
        if found == other["expected"]:
            return CheckOutcome(True, f"{what} as {other['as']}")
    return CheckOutcome(False, f"{what} differ from the lab's at {_first_difference(found, expected)}")


def _first_difference(found: list[str], expected: list[str]) -> str:
    """'layer N: found a → b → c; expected a → x → c', around the first token that differs."""
    i = next((i for i, (a, b) in enumerate(zip(found, expected)) if a != b), min(len(found), len(expected)))
    window = lambda seq: " → ".join(seq[max(0, i - 2) : i + 3]) or "(end)"  # noqa: E731
    return f"layer {i + 1}: found {window(found)}; expected {window(expected)}"


@check
def param_count_as_observed(obs: Observed, key: str, reference: str, what: str) -> CheckOutcome:
    """The model has as many parameters as another observed model (e.g. the notebook's own U-Net minus its skips)."""
    found, expected = obs.model(key).get("params"), obs.model(reference).get("params")
    if not isinstance(found, int) or not isinstance(expected, int):
        raise NotObserved("a parameter count is unavailable")
    if found != expected:
        return CheckOutcome(False, f"{found:,} parameters, expected {expected:,} ({what})")
    return CheckOutcome(True, f"{expected:,} parameters, as {what}")


@check
def layer_sequence_as_observed(obs: Observed, key: str, reference: str, what: str) -> CheckOutcome:
    """The layers, in order, match those of another observed model (see :func:`layer_tokens`)."""
    found, expected = layer_tokens(obs.model(key)), layer_tokens(obs.model(reference))
    if found == expected:
        return CheckOutcome(True, f"the same layers as {what}")
    return CheckOutcome(False, f"the layers differ from {what} at {_first_difference(found, expected)}")


def _merge_layers(info: dict) -> list[dict]:
    return [l for l in info.get("layers", []) if l.get("max_inputs", 0) > 1]


@check
def graph_without_skips(obs: Observed, key: str) -> CheckOutcome:
    """No layer of the graph combines two tensors: every layer has one input.

    This judges the graph rather than class names, so a skip made with Add,
    Multiply, a custom layer or a nested model counts as a skip too.
    """
    info = obs.model(key)
    if info.get("graph_kind") == "subclassed":
        return CheckOutcome(False, "the model is a subclassed keras.Model whose graph cannot be inspected; build it with the functional API or keras.Sequential")
    merges = _merge_layers(info)
    if merges:
        names = ", ".join(f"{l['class']} '{l['name']}' ({l['max_inputs']} inputs)" for l in merges[:4])
        return CheckOutcome(False, f"{len(merges)} layer(s) combine several tensors, i.e. skip connections remain: {names}")
    opaque = [l for l in info.get("layers", []) if l.get("opaque")]
    if opaque:
        return CheckOutcome(False, f"custom layer(s) {', '.join(l['name'] for l in opaque)} hide their inner graph; build the U-Net from Keras layers so it can be checked")
    return CheckOutcome(True, "no skip connections: every layer takes a single input")


# ---------------------------------------------------------------- trained behaviour


def training_context(obs: Observed) -> str:
    epochs, samples = obs.values.get("training.epochs"), obs.values.get("training.samples")
    return f" after {epochs} epochs on {samples:,} images" if epochs and samples else ""


@check
def classification_accuracy(obs: Observed, key: str, labels: str, min_accuracy: float, chance: float = 0.1,
                            what: str = "test accuracy") -> CheckOutcome:
    """The argmax of the predictions ``key`` matches the secret integer ``labels`` often enough."""
    probs = obs.array(key)
    y = np.asarray(obs.secret(labels))
    if probs.shape != (len(y), probs.shape[-1]):
        raise NotObserved(f"predictions have shape {probs.shape}")
    acc = float(np.mean(np.argmax(probs, axis=-1) == y))
    msg = f"{what} {acc:.3f}{training_context(obs)}"
    if acc < min_accuracy:
        return CheckOutcome(False, f"{msg}; expected at least {min_accuracy:.2f} (chance is {chance:.2f})", {"accuracy": acc})
    return CheckOutcome(True, f"{msg} (at least {min_accuracy:.2f} needed)", {"accuracy": acc})


def per_image_mse(prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Mean squared error of each image, predictions clipped to [0, 1]."""
    p = np.clip(np.asarray(prediction, np.float64).reshape(len(target), -1), 0.0, 1.0)
    t = np.asarray(target, np.float64).reshape(len(target), -1)
    return np.mean((p - t) ** 2, axis=1)


def psnr(prediction: np.ndarray, target: np.ndarray) -> float:
    """Mean over images of the PSNR in dB, images in [0, 1]."""
    return float(np.mean(10 * np.log10(1.0 / np.maximum(per_image_mse(prediction, target), 1e-10))))


# ---------------------------------------------------------------- BatchNormalizedLayer


def _batchnorm(z: np.ndarray, eps: float) -> np.ndarray:
    return (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + eps)


@check
def normalized_in_training(obs: Observed, key: str, pre_activation: str, activation: str | None, eps: float, atol: float) -> CheckOutcome:
    out = np.asarray(obs.array(key), np.float64)
    z = np.asarray(obs.secret(pre_activation), np.float64)
    if out.shape != z.shape:
        raise NotObserved(f"the output has shape {fmt_shape(out.shape)}, expected {fmt_shape(z.shape)}")
    normalized = _batchnorm(z, eps)
    activation = activation or None
    expected = np.maximum(normalized, 0) if activation == "relu" else normalized
    if np.allclose(out, expected, atol=atol):
        return CheckOutcome(True, "batch-normalized per feature" + (" then relu" if activation else ""))
    if activation == "relu":
        if np.allclose(out, _batchnorm(np.maximum(z, 0), eps), atol=atol):
            return CheckOutcome(False, "the activation is applied before batch normalization; apply it after")
        if np.allclose(out, normalized, atol=atol):
            return CheckOutcome(False, "activation='relu' is ignored: outputs are negative")
        if np.allclose(out, np.maximum(z, 0), atol=atol):
            return CheckOutcome(False, "outputs are relu(layer(x)) without batch normalization")
    else:
        if np.allclose(out, z, atol=atol) or np.allclose(out, z / np.sqrt(1 + eps), atol=atol):
            return CheckOutcome(False, "in training mode the outputs are not normalized (they equal the wrapped layer's output): is batch normalization applied, with training passed on?")
    mean, std = out.mean(axis=0), out.std(axis=0)
    return CheckOutcome(False, f"in training mode with activation={activation!r}, per-feature mean {np.round(mean, 2).tolist()} and std {np.round(std, 2).tolist()}; expected batch-normalized layer outputs{' then relu' if activation else ' (mean 0, std 1)'}")


@check
def inference_uses_moving_statistics(obs: Observed, key: str, pre_activation: str, eps: float, atol: float) -> CheckOutcome:
    out = np.asarray(obs.array(key), np.float64)
    z = np.asarray(obs.secret(pre_activation), np.float64)
    if out.shape != z.shape:
        raise NotObserved(f"the output has shape {fmt_shape(out.shape)}")
    # A fresh BatchNormalization has moving mean 0 and variance 1.
    if np.allclose(out, z / np.sqrt(1 + eps), atol=atol):
        return CheckOutcome(True, "inference uses the moving statistics")
    if np.allclose(out, _batchnorm(z, eps), atol=atol):
        return CheckOutcome(False, "with training=False the outputs are normalized with the batch's own statistics; inference must use the moving mean and variance (pass `training` on to BatchNormalization)")
    return CheckOutcome(False, "with training=False the outputs differ from layer(x) normalized by the moving statistics")


@check
def trains_in_sequential(obs: Observed, output_shape: list) -> CheckOutcome:
    shape, output_shape = obs.value("sequential.output_shape"), rubric_shape(output_shape)
    loss = obs.value("sequential.loss")
    changed, total = obs.value("sequential.changed_tensors"), obs.value("sequential.trainable_tensors")
    if shape != output_shape:
        return CheckOutcome(False, f"in a Sequential of Conv2D layers the output shape is {fmt_shape(shape)}, expected {fmt_shape(output_shape)}")
    if not math.isfinite(loss) or changed < total:
        return CheckOutcome(False, f"one training step updated {changed} of {total} trainable weight tensors (loss {loss:.3g}); all should change")
    return CheckOutcome(True, f"trains inside a Sequential of Conv2D layers ({total} weight tensors updated)")


# ---------------------------------------------------------------- trained models


@check
def model_file_loads(obs: Observed) -> CheckOutcome:
    error = obs.values.get("load.error")
    if error:
        return CheckOutcome(False, f"the saved model could not be loaded: {error['type']}: {error['message']}")
    info = obs.model("model")
    return CheckOutcome(True, f"loaded ({info.get('params', 0):,} parameters)")


_RULES = {
    "min_ratio": lambda found, ref, x: (found >= x * ref, f"at least {x:g} × the reference's {ref:.4g} = {x * ref:.4g}"),
    "max_ratio": lambda found, ref, x: (found <= x * ref, f"at most {x:g} × the reference's {ref:.4g} = {x * ref:.4g}"),
    "min_delta": lambda found, ref, x: (found >= ref + x, f"at least the reference's {ref:.4g} {x:+g} = {ref + x:.4g}"),
}


@check
def metric_vs_reference(obs: Observed, metric: str, rule: str, value: float) -> CheckOutcome:
    """The model's held-out ``metric`` compared with the reference model's, by ``rule``."""
    prediction = obs.array("prediction")
    task = obs.secret("task")
    reference = obs.secret("reference_metrics")
    if reference is None or metric not in reference:
        raise NotObserved("no reference metric to compare with: run `grader reference train` first")
    try:
        metrics = task.metric(prediction, task.targets)
    except (ValueError, IndexError) as exc:
        found = obs.values.get("model", {}).get("output_shapes")
        raise NotObserved(f"its predictions do not fit the task ({task.description}): output shape {found}; {exc}") from None
    found_value = metrics[metric]
    passed, bar = _RULES[rule](found_value, float(reference[metric]), value)
    message = f"{metric} {found_value:.4g} on held-out data ({task.description}); needed {bar}"
    return CheckOutcome(bool(passed and math.isfinite(found_value)), message, {"metrics": metrics, "reference": reference})


# ---------------------------------------------------------------- declarative: trained metric, reference output


def _metric(name: str, predictions: np.ndarray, targets: np.ndarray) -> float:
    p = np.asarray(predictions, np.float64)
    t = np.asarray(targets)
    if name == "accuracy":
        return float(np.mean(np.argmax(p.reshape(len(t), -1), axis=-1) == t.reshape(len(t))))
    if name == "binary_accuracy":
        return float(np.mean((p.reshape(len(t)) > 0.5) == (t.reshape(len(t)) > 0.5)))
    if p.size != t.size:
        raise NotObserved(f"predictions of shape {p.shape} do not match targets of shape {t.shape}")
    p, t = p.reshape(t.shape), t.astype(np.float64)
    if name == "mse":
        return float(np.mean((p - t) ** 2))
    if name == "mae":
        return float(np.mean(np.abs(p - t)))
    if name == "psnr":
        return psnr(p, t)
    raise ValueError(f"unknown metric {name!r}; known: {', '.join(TRAINED_METRICS)}")


TRAINED_METRICS = ("accuracy", "binary_accuracy", "mse", "mae", "psnr")


@check
def trained_metric(obs: Observed, metric: str, target: str, key: str = "test_predictions", minimum: float | None = None,
                   maximum: float | None = None, baseline: str = "") -> CheckOutcome:
    """After the probe's fixed training budget, ``metric`` of the predictions on held-out inputs is in bounds.

    ``target`` names the secret that holds the true values (labels never enter
    the sandbox); ``baseline`` (optional) says in words what a model that
    learned nothing scores. Example (rubric)::

        check = "trained_metric"
        params = { metric = "accuracy", target = "y_test", minimum = 0.8, baseline = "chance is 0.5" }
    """
    if metric not in TRAINED_METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(TRAINED_METRICS)}")
    value = _metric(metric, obs.array(key), obs.secret(target))
    bounds = [f"at least {minimum:g}" if minimum is not None else "", f"at most {maximum:g}" if maximum is not None else ""]
    needed = " and ".join(b for b in bounds if b)
    message = f"{metric} {value:.4g} on held-out data{training_context(obs)}"
    passed = math.isfinite(value) and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    extra = f"; {baseline}" if baseline else ""
    if not passed:
        return CheckOutcome(False, f"{message}; expected {needed}{extra}", {metric: value})
    return CheckOutcome(True, f"{message} ({needed} needed)", {metric: value})


def _compare_with_reference(obs: Observed, key: str, reference: str, atol: float, rtol: float) -> str | None:
    """None when the array ``key`` equals the secret ``reference``, else what differs."""
    if f"{reference}_error" in obs.secrets:
        raise GraderStepFailed(f"the reference computation failed: {obs.secrets[reference + '_error']}")
    expected = np.asarray(obs.secret(reference), np.float64)
    found = np.asarray(obs.array(key), np.float64)
    if found.shape != expected.shape:
        if expected.ndim == 0 or found.ndim == 0 or max(found.size, expected.size) <= 4:
            return f"returned {_short(found)}, expected {_short(expected)}"
        return f"shape {fmt_shape(found.shape)}, expected {fmt_shape(expected.shape)}{_shape_diagnosis(found.shape, expected.shape)}"
    if not np.allclose(found, expected, atol=atol, rtol=rtol, equal_nan=True):
        if expected.size <= 4:
            return f"returned {_short(found)}, expected {_short(expected)}"
        worst = float(np.nanmax(np.abs(found - expected)))
        wrong = int(np.sum(~np.isclose(found, expected, atol=atol, rtol=rtol, equal_nan=True)))
        return f"{wrong} of {found.size} values differ from the expected result (largest difference {worst:.3g})"
    return None


def _short(array: np.ndarray) -> str:
    values = np.asarray(array).ravel().tolist()
    text = ", ".join(f"{v:g}" for v in values)
    return text if np.ndim(array) == 0 else f"({text}{',' if len(values) == 1 else ''})"


@check
def equals_reference(obs: Observed, key: str = "output", reference: str = "reference_output", cases: list[str] | None = None,
                     atol: float = 1e-5, rtol: float = 1e-5) -> CheckOutcome:
    """The returned array equals the reference solution's, computed in the grader on the same inputs.

    The reference output is the secret ``reference`` (see ``probe_params.reference``
    in :meth:`grader.lab.Lab.probe_inputs`). With ``cases`` (the probe's
    ``probe_params.cases``), each case's ``output.<case>`` is compared with
    ``reference_output.<case>``. The message names the case and how it differs.
    """
    pairs = [(f"{key}.{case}", f"{reference}.{case}", case) for case in cases] if cases else [(key, reference, "")]
    for found_key, reference_key, case in pairs:
        problem = _compare_with_reference(obs, found_key, reference_key, atol, rtol)
        if problem:
            return CheckOutcome(False, f"{case + ': ' if case else ''}{problem}")
    if cases:
        return CheckOutcome(True, f"the expected result in every case ({', '.join(cases)})")
    return CheckOutcome(True, f"equals the expected result, shape {fmt_shape(np.shape(obs.secret(reference)))}")


def _plain(value: Any) -> Any:
    """Tuples as lists and NumPy scalars as Python numbers, so that answers compare as JSON does."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@check
def answers_equal(obs: Observed, expected: dict[str, Any], key: str = "output.value", also_accepted: list[dict] = ()) -> CheckOutcome:
    """A returned dict of answers (numbers, shapes, rows of a table) equals ``expected``, key by key.

    ``also_accepted`` lists other readings, ``{"values": {key: answer, ...}, "as": "why"}``:
    answers that differ from ``expected`` only at those keys, by those values, pass with that
    reason. The message names each wrong answer.
    """
    if key not in obs.values:
        found_type = obs.values.get(key.rsplit(".", 1)[0] + ".type")
        raise NotObserved(f"returned a {found_type}, not a dict of answers" if found_type else obs._why_missing(key))
    found = _plain(obs.value(key))
    if not isinstance(found, dict):
        return CheckOutcome(False, f"returned a {type(found).__name__}, expected a dict with the keys {', '.join(expected)}")
    expected = _plain(expected)
    wrong = {k: v for k, v in expected.items() if found.get(k) != v}
    if not wrong:
        return CheckOutcome(True, f"all {len(expected)} answers right")
    for other in also_accepted:
        values = _plain(other["values"])
        if set(wrong) <= set(values) and all(found.get(k) == values[k] for k in wrong):
            return CheckOutcome(True, f"all {len(expected)} answers right, {other['as']}", {"reading": other["as"]})
    missing = [k for k in wrong if k not in found]
    parts = [f"{k}: {found[k]!r}, expected {v!r}" for k, v in wrong.items() if k in found]
    if missing:
        parts.append(f"no answer for {', '.join(missing)}")
    return CheckOutcome(False, f"{len(wrong)} of {len(expected)} answers wrong: " + "; ".join(parts))


@check
def layer_outputs(obs: Observed, key: str, expected: list[dict], ignore: list[str] = ("InputLayer",)) -> CheckOutcome:
    """Layer by layer, the model's output shapes (without the batch axis) and parameter counts.

    ``expected`` lists ``{"layer": class name, "shape": [...], "params": n}`` in order;
    layers of the classes in ``ignore`` (padding, activations, dropout) are skipped.
    """
    skipped = set(ignore) | {"InputLayer"}
    layers = [l for l in obs.model(key).get("layers", []) if l["class"] not in skipped and not l.get("nested")]
    for number, (want, layer) in enumerate(zip(expected, layers), 1):
        shape = (layer.get("output_shape") or [None])[1:]
        problems = []
        if layer["class"] != want["layer"]:
            problems.append(f"a {layer['class']}, expected a {want['layer']}")
        if list(shape) != list(want["shape"]):
            problems.append(f"output {fmt_shape(shape)}, expected {fmt_shape(want['shape'])}")
        if "params" in want and layer.get("params") != want["params"]:
            problems.append(f"{layer.get('params'):,} parameters, expected {want['params']:,}")
        if problems:
            return CheckOutcome(False, f"layer {number} ({layer['name']}): " + "; ".join(problems))
    if len(layers) != len(expected):
        names = ", ".join(l["class"] for l in layers)
        return CheckOutcome(False, f"{len(layers)} layers ({names}), expected {len(expected)}: {', '.join(w['layer'] for w in expected)}")
    return CheckOutcome(True, "every layer's output shape and parameter count as expected")
