"""Probes any lab's rubric can name, so that a simple lab needs no probe code of its own.

- ``call_function``: call the student's function on prepared arrays and keep what it returns.
- ``build_model``: call the student's model builder, describe the model and,
  when ``params["train"]`` says so, train it on a fixed budget and predict.

Their parameters come from the rubric's ``probe_params``; see each docstring.
"""

from __future__ import annotations

import numpy as np

from harness.observe import describe_model


def call_function(fn, inputs, params, obs):
    """``fn(*[inputs[name] for name in params["args"]], **params.get("kwargs", {}))`` is kept as ``output``.

    Copies of the arrays are passed, and ``input_changed`` records whether
    the function wrote into them.
    """
    names = list(params.get("args", []))
    arguments = [np.array(inputs[name], copy=True) for name in names]
    result = obs.step("output", fn, *arguments, **params.get("kwargs", {}))
    if "output.error" in obs.values:
        return
    obs.put_array("output", result)
    obs.put("input_changed", any(not np.array_equal(a, inputs[n]) for a, n in zip(arguments, names)))


def build_model(fn, inputs, params, obs):
    """``fn(**params.get("kwargs", {}))`` is described as ``model``; then, optionally, trained.

    ``params["train"]`` (optional) is a table: ``x``, ``y`` (input names of the
    training arrays), ``x_test`` (inputs predicted after training, kept as
    ``test_predictions``), ``loss``, ``optimizer`` (default "adam"),
    ``learning_rate`` (default 1e-3), ``epochs``, ``batch_size`` and ``seed``. A ``--quick`` check skips it.
    """
    import keras

    model = obs.step("model", fn, **params.get("kwargs", {}))
    if "model.error" in obs.values:
        return
    obs.put("model", describe_model(model))
    train = params.get("train")
    if not train or params.get("skip_training") or not isinstance(model, keras.Model):
        return
    keras.utils.set_random_seed(int(train.get("seed", 0)))
    optimizer = keras.optimizers.get({"class_name": train.get("optimizer", "adam"),
                                      "config": {"learning_rate": float(train.get("learning_rate", 1e-3))}})
    model.compile(optimizer=optimizer, loss=train["loss"])
    model.fit(inputs[train["x"]], inputs[train["y"]], epochs=int(train["epochs"]), batch_size=int(train.get("batch_size", 32)), verbose=0)
    predictions = model.predict(inputs[train["x_test"]], batch_size=256, verbose=0)
    obs.put_array("test_predictions", np.asarray(predictions, np.float32))
    obs.put("training.epochs", int(train["epochs"]))
    obs.put("training.samples", int(len(inputs[train["x"]])))


GENERIC_PROBES = {"call_function": call_function, "build_model": build_model}
