"""Probes any lab's rubric can name, so that a simple lab needs no probe code of its own.

- ``call_function``: call the student's function (once, or once per declared
  case) and keep what it returns.
- ``build_model``: call the student's model builder, describe the model and,
  when ``params["train"]`` says so, train it on a fixed budget and predict.
- ``batch_normalized_layer``: a layer wrapper class adding batch normalization
  and an activation to the layer it wraps (``cls(layer, activation=...)``),
  run on fixed weights in training and inference mode and trained inside a
  ``Sequential``; its inputs come from
  :func:`grader.probe_inputs.batch_normalized_layer_inputs`.

Their parameters come from the rubric's ``probe_params``; see each docstring.
"""

from __future__ import annotations

import json

import numpy as np

from harness.observe import describe_model

MAX_JSON_CHARS = 10_000


def _json_value(result):
    """``result`` as JSON-able data (dicts, lists, numbers, strings), or None when it is not that."""
    def plain(value):
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise TypeError(type(value).__name__)

    try:
        value = plain(result)
        text = json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return None
    return value if len(text) <= MAX_JSON_CHARS else None


def _call(fn, inputs, call, obs, key, changed_key):
    specs = list(call.get("args", []))
    # A string names a prepared input (the function gets a copy); anything else is passed as it is.
    arguments = [np.array(inputs[a], copy=True) if isinstance(a, str) else a for a in specs]
    result = obs.step(key, fn, *arguments, **call.get("kwargs", {}))
    if f"{key}.error" in obs.values:
        return
    obs.put_array(key, result)
    if isinstance(result, (dict, list, tuple, int, float, np.generic)):
        value = _json_value(result)
        if value is not None:
            obs.put(f"{key}.value", value)
    named = [(copy, inputs[name]) for copy, name in zip(arguments, specs) if isinstance(name, str)]
    obs.put(changed_key, any(not np.array_equal(copy, original) for copy, original in named))


def call_function(fn, inputs, params, obs):
    """Call ``fn`` and keep what it returns.

    One call: ``fn(*params["args"], **params["kwargs"])``, kept as ``output``.
    Several: ``params["cases"] = {name: {"args": [...], "kwargs": {...}}}``,
    each kept as ``output.<name>``. A string argument names a prepared input
    (a copy is passed, and ``input_changed[.<name>]`` records whether the
    function wrote into it); any other value is passed as it is. A result
    that is a dict, list, tuple or number is also kept as data,
    ``output[.<name>].value``, for ``answers_equal``.
    """
    if params.get("cases"):
        for case, call in params["cases"].items():
            _call(fn, inputs, call, obs, f"output.{case}", f"input_changed.{case}")
    else:
        _call(fn, inputs, params, obs, "output", "input_changed")
def build_model(fn, inputs, params, obs):
    """``fn(**params.get("kwargs", {}))`` is described as ``model``; then, optionally, trained.

    With ``params["cases"] = {name: {"args": [...], "kwargs": {...}}}`` the
    builder is called once per case instead, each model described as
    ``model.<name>`` (a builder whose argument must change the model: a
    latent dimension, a number of classes); cases are not trained.

    ``params["train"]`` (optional) is a table: ``x``, ``y`` (input names of the
    training arrays), ``x_test`` (inputs predicted after training, kept as
    ``test_predictions``), ``loss``, ``optimizer`` (default "adam"),
    ``learning_rate`` (default 1e-3), ``epochs``, ``batch_size`` and ``seed``. A ``--quick`` check skips it.
    """
    import keras

    # Seeded before the student's code builds the model: its initial weights
    # decide the accuracy after a short training, and the same submission
    # must get the same score each time it is graded.
    train = params.get("train") or {}
    keras.utils.set_random_seed(int(train.get("seed", 0)))
    if params.get("cases"):
        for case, call in params["cases"].items():
            key = f"model.{case}"
            built = obs.step(key, fn, *call.get("args", []), **call.get("kwargs", {}))
            if f"{key}.error" not in obs.values:
                obs.put(key, describe_model(built))
        return
    model = obs.step("model", fn, **params.get("kwargs", {}))
    if "model.error" in obs.values:
        return
    obs.put("model", describe_model(model))
    if not train or params.get("skip_training") or not isinstance(model, keras.Model):
        return
    optimizer = keras.optimizers.get({"class_name": train.get("optimizer", "adam"),
                                      "config": {"learning_rate": float(train.get("learning_rate", 1e-3))}})
    model.compile(optimizer=optimizer, loss=train["loss"])
    model.fit(inputs[train["x"]], inputs[train["y"]], epochs=int(train["epochs"]), batch_size=int(train.get("batch_size", 32)), verbose=0)
    predictions = model.predict(inputs[train["x_test"]], batch_size=256, verbose=0)
    obs.put_array("test_predictions", np.asarray(predictions, np.float32))
    obs.put("training.epochs", int(train["epochs"]))
    obs.put("training.samples", int(len(inputs[train["x"]])))


def _dense_with(inputs):
    import keras

    return keras.layers.Dense(
        inputs["kernel"].shape[1],
        kernel_initializer=keras.initializers.Constant(inputs["kernel"]),
        bias_initializer=keras.initializers.Constant(inputs["bias"]),
    )


def batch_normalized_layer(cls, inputs, params, obs):
    """Probe a ``BatchNormalizedLayer``-style wrapper class ``cls(layer, activation=None)``.

    Records, wrapping ``Dense`` with the grader's fixed kernel and bias on the
    batch ``x``: ``train_linear`` (no activation, training mode; with the
    counts ``trainable_weights`` and ``non_trainable_weights``), ``train_relu``
    (``activation="relu"``) and ``infer_linear`` (``training=False``); then one
    training step of a small ``Sequential`` of wrapped ``Conv2D`` layers on
    ``images``/``targets`` (``sequential.*``: output shape, loss, how many
    weight tensors changed). The activation is always passed by keyword.
    """
    import keras

    from harness.observe import shape_list

    x = inputs["x"]

    def linear_in_training():
        layer = cls(_dense_with(inputs))
        out = layer(x, training=True)
        obs.put("trainable_weights", len(layer.trainable_weights))
        obs.put("non_trainable_weights", len(layer.non_trainable_weights))
        return out

    for key, run in [
        ("train_linear", linear_in_training),
        ("train_relu", lambda: cls(_dense_with(inputs), activation="relu")(x, training=True)),
        ("infer_linear", lambda: cls(_dense_with(inputs))(x, training=False)),
    ]:
        out = obs.step(key, run)
        if out is not None:
            obs.put_array(key, out, dtype=np.float32)

    def train_in_sequential():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([
            keras.Input(inputs["images"].shape[1:]),
            cls(keras.layers.Conv2D(4, 3), activation="relu"),
            cls(keras.layers.Conv2D(2, 3)),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ])
        before = [np.array(w) for w in model.trainable_weights]
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        loss = float(np.ravel(model.train_on_batch(inputs["images"], inputs["targets"]))[0])
        after = [np.array(w) for w in model.trainable_weights]
        obs.put("sequential.output_shape", shape_list(model.outputs[0].shape))
        obs.put("sequential.loss", loss)
        obs.put("sequential.trainable_tensors", len(before))
        obs.put("sequential.changed_tensors", sum(not np.array_equal(a, b) for a, b in zip(before, after)))
        return True

    obs.step("sequential", train_in_sequential)


GENERIC_PROBES = {"call_function": call_function, "build_model": build_model,
                  "batch_normalized_layer": batch_normalized_layer}
