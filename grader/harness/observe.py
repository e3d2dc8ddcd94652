"""Observations the harness takes of student objects: models, arrays, errors."""

from __future__ import annotations

import re
import traceback

import numpy as np

MAX_MESSAGE = 2000
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Observations:
    """What a probe saw: JSON-able values and NumPy arrays, by key."""

    def __init__(self) -> None:
        self.values: dict = {}
        self.arrays: dict[str, np.ndarray] = {}

    def put(self, key: str, value) -> None:
        if isinstance(value, np.ndarray):
            self.arrays[key] = value
        else:
            self.values[key] = value

    def put_array(self, key: str, value, dtype=None) -> None:
        """Store ``value`` as an array (with its original type name) if NumPy can convert it."""
        self.values[f"{key}.type"] = _type_name(value)
        try:
            array = np.asarray(value) if dtype is None else np.asarray(value, dtype=dtype)
        except Exception as exc:  # noqa: BLE001
            self.values[f"{key}.unconvertible"] = f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE]
            return
        if array.dtype == object:
            self.values[f"{key}.unconvertible"] = "an object array (ragged or mixed values)"
            return
        self.arrays[key] = array

    def step(self, key: str, fn, *args, **kwargs):
        """Run one probe step; record an error under ``key.error`` instead of aborting.

        NotImplementedError still propagates: it marks the exercise unfinished.
        """
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001
            self.values[f"{key}.error"] = describe_exception(exc, None)
            return None

    def grader_step(self, key: str, fn, *args, **kwargs):
        """Run a step of the grader's own (deriving a reference, say); record a failure under ``key.grader_error``.

        The checks then report that the grader could not judge, instead of
        blaming the student's code.
        """
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            self.values[f"{key}.grader_error"] = describe_exception(exc, None)
            return None

    def split(self) -> tuple[dict, dict[str, np.ndarray]]:
        return self.values, self.arrays


def _type_name(value) -> str:
    t = type(value)
    return t.__name__ if t.__module__ in ("builtins", "numpy") else f"{t.__module__}.{t.__name__}"


def describe_exception(exc: BaseException, student_files) -> dict:
    """Type, message and the student's own frames of an exception."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if student_files is None or f.filename in student_files]
    if student_files is None:  # step errors: keep the student frames only if we can tell them apart
        own = [f for f in frames if f.filename.startswith("cell ") or not f.filename.startswith("/")]
    where = [{"file": f.filename, "line": f.lineno, "function": f.name, "code": (f.line or "")[:200]} for f in own[-5:]]
    message = _ANSI.sub("", str(exc))  # Keras colours its messages for terminals
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " ..."
    return {"type": type(exc).__name__, "message": message, "frames": where}


# ---------------------------------------------------------------- models


def shape_list(shape) -> list | None:
    if shape is None:
        return None
    return [None if d is None else int(d) for d in shape]


def single_io_shapes(model) -> tuple[list, list]:
    """(input shape, output shape) of a model with one input and one output; ([], []) for any other model."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return [], []
    return shape_list(model.inputs[0].shape), shape_list(model.outputs[0].shape)


_KNOWN_ACTIVATIONS = {"linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "softplus", "swish", "silu",
                      "leaky_relu", "relu6", "hard_sigmoid", "exponential", "mish", "log_softmax"}


def _activation_name(layer) -> str | None:
    act = getattr(layer, "activation", None)
    if act is None:
        return None
    name = str(getattr(act, "__name__", None) or type(act).__name__)
    return name if name in _KNOWN_ACTIVATIONS else _behaves_like(act) or name


def _behaves_like(act) -> str | None:
    """The standard activation a custom function computes, if any (the lab's softMaxAxis3 is a softmax)."""
    x = np.random.default_rng(0).normal(0, 2, (2, 3, 3, 5)).astype(np.float32)
    try:
        y = np.asarray(act(x), dtype=np.float64)
    except Exception:  # noqa: BLE001 - a function that needs other inputs: leave its name as it is
        return None
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    candidates = {"softmax": e / e.sum(axis=-1, keepdims=True), "relu": np.maximum(x, 0), "sigmoid": 1 / (1 + np.exp(-x)),
                  "tanh": np.tanh(x), "linear": x}
    for name, expected in candidates.items():
        if y.shape == expected.shape and np.allclose(y, expected, atol=1e-5):
            return name
    return None


def final_activation(model) -> str | None:
    """Activation of the last layer that has one (skipping reshapes, crops, ...)."""
    for layer in reversed(_all_layers(model)):
        name = _activation_name(layer)
        if name is not None:
            return name
        if type(layer).__name__ in ("Softmax", "ReLU"):
            return type(layer).__name__.lower()
    return None


def _all_layers(model) -> list:
    layers = []
    for layer in getattr(model, "layers", []):
        if hasattr(layer, "layers") and getattr(layer, "layers", None) and _is_keras_graph(layer):
            layers.extend(_all_layers(layer))
        else:
            layers.append(layer)
    return layers


def _is_keras_graph(model) -> bool:
    return type(model).__name__ in ("Functional", "Sequential") or hasattr(model, "_functional") or type(model).__name__ == "Model" and hasattr(model, "_operations")


def _is_builtin(layer) -> bool:
    return type(layer).__module__.startswith("keras.")


def _layer_entry(layer, prefix: str) -> dict:
    config = {}
    try:
        raw = layer.get_config()
        for key in ("units", "filters", "kernel_size", "strides", "padding", "pool_size", "size", "axis", "rate", "use_bias"):
            if key in raw:
                config[key] = raw[key]
        for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            described = describe_regularizer(getattr(layer, key, None))
            if described:
                config[key] = described
    except Exception:  # noqa: BLE001 - custom layers may not implement get_config
        pass
    inbound = []
    max_inputs = 0
    for node in getattr(layer, "_inbound_nodes", []):
        parents = [prefix + p.operation.name for p in getattr(node, "parent_nodes", [])]
        inbound.append(parents)
        max_inputs = max(max_inputs, len(getattr(getattr(node, "arguments", None), "keras_tensors", []) or parents))
    try:
        out_shape = shape_list(layer.output.shape)
    except Exception:  # noqa: BLE001 - layer used several times, or never
        out_shape = None
    sublayers = [s for s in getattr(layer, "_layers", []) or []]
    return {
        "name": prefix + layer.name,
        "class": type(layer).__name__,
        "builtin": _is_builtin(layer),
        "opaque": not _is_builtin(layer) and bool(sublayers),
        "output_shape": out_shape,
        "params": int(layer.count_params()) if layer.built else 0,
        "trainable_params": int(sum(np.prod(w.shape) for w in layer.trainable_weights)),
        "activation": _activation_name(layer),
        "config": config,
        "inbound": inbound,
        "max_inputs": int(max_inputs),
    }


def describe_model(model) -> dict:
    """Structure of a Keras model: shapes, parameter counts and its layer graph.

    Nested functional models are expanded (their layers prefixed with the
    model's name) so that a skip hidden inside a sub-model is still seen.
    """
    import keras

    info: dict = {"type": _type_name(model), "is_keras_model": isinstance(model, keras.Model)}
    if not isinstance(model, keras.Model):
        return info
    try:
        info["input_shapes"] = [shape_list(t.shape) for t in model.inputs]
        info["output_shapes"] = [shape_list(t.shape) for t in model.outputs]
    except Exception as exc:  # noqa: BLE001 - e.g. a Sequential without an Input
        info["shape_error"] = f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE]
    info["graph_kind"] = "sequential" if type(model).__name__ == "Sequential" else ("functional" if _is_keras_graph(model) else "subclassed")
    try:
        info["params"] = int(model.count_params())
        info["trainable_params"] = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        info["non_trainable_params"] = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
    except Exception as exc:  # noqa: BLE001 - an unbuilt model
        info["params_error"] = f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE]
    layers = []

    def walk(m, prefix):
        for layer in getattr(m, "layers", []):
            if isinstance(layer, keras.Model) and _is_keras_graph(layer):
                entry = _layer_entry(layer, prefix)
                entry["nested"] = True
                layers.append(entry)
                walk(layer, prefix + layer.name + "/")
            else:
                layers.append(_layer_entry(layer, prefix))

    walk(model, "")
    info["layers"] = layers
    info["final_activation"] = final_activation(model)
    return info


def describe_regularizer(regularizer) -> dict | None:
    """A weight regularizer as ``{"class": ..., "l1": ..., "l2": ...}`` (None for none); L1L2(l1=0, l2=x) is an L2."""
    if regularizer is None:
        return None
    try:
        config = regularizer.get_config()
    except Exception:  # noqa: BLE001 - a plain function used as a regularizer
        config = {}
    l1, l2 = float(config.get("l1", 0.0) or 0.0), float(config.get("l2", 0.0) or 0.0)
    return {"class": type(regularizer).__name__, "l1": l1, "l2": l2}


def describe_loss(loss) -> list[str]:
    """Names a compiled loss goes by: a string as given, a Loss object's class and name, a function's name."""
    if loss is None:
        return []
    if isinstance(loss, str):
        return [loss]
    if isinstance(loss, (list, tuple)):
        return [n for item in loss for n in describe_loss(item)]
    if isinstance(loss, dict):
        return [n for item in loss.values() for n in describe_loss(item)]
    names = [type(loss).__name__, getattr(loss, "name", None), getattr(loss, "__name__", None)]
    inner = getattr(loss, "fn", None)  # a LossFunctionWrapper around a function
    if inner is not None:
        names.append(getattr(inner, "__name__", None))
    return [str(n) for n in names if n and n not in ("function", "LossFunctionWrapper")]


def describe_compiled(model) -> dict:
    """How a model was compiled: optimizer class and learning rate, loss names, metric names (``compiled`` False if not)."""
    if not getattr(model, "compiled", False):
        return {"compiled": False}
    config = getattr(getattr(model, "_compile_config", None), "config", None) or {}
    optimizer = getattr(model, "optimizer", None)
    info: dict = {"compiled": True, "optimizer": type(optimizer).__name__ if optimizer is not None else None,
                  "loss": describe_loss(config.get("loss", getattr(model, "loss", None)))}
    rate = getattr(optimizer, "learning_rate", None)
    try:
        info["learning_rate"] = float(np.asarray(rate))
    except Exception:  # noqa: BLE001 - a schedule: its class says enough
        info["learning_rate_schedule"] = type(getattr(optimizer, "_learning_rate", rate)).__name__
    metrics = config.get("metrics") or []
    if isinstance(metrics, dict):
        metrics = [m for value in metrics.values() for m in (value if isinstance(value, (list, tuple)) else [value])]
    if not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    info["metrics"] = [m if isinstance(m, str) else str(getattr(m, "name", None) or getattr(m, "__name__", None) or type(m).__name__)
                       for m in metrics]
    return info
