"""Probes for the classification lab. Each takes (student_object, inputs, params, obs).

Inputs are arrays the grader chose (flattened images, one-hot labels,
validation *inputs*); the validation labels stay in the grader. A probe never
decides pass/fail: it records what the student's code did (the models it
built and how they were compiled, the arrays it returned, the predictions of
the models it trained on the grader's budget).
"""

from __future__ import annotations

import numpy as np

from harness.generic_probes import call_function
from harness.lab_api import LabProbes
from harness.observe import describe_compiled, describe_model

from .inline import inline_probes, inline_targets, inline_cell_needed


def _keras():
    import keras

    return keras


def _wrong_return(obs, key: str, message: str) -> None:
    # "WrongModel" errors are the grader's own findings: checks show the message as it is.
    obs.put(f"{key}.error", {"type": "WrongModel", "message": message, "frames": []})


# ---------------------------------------------------------------- 1. the data


def record_prepared(obs, case: str, result) -> None:
    """Keep the ``(x, y)`` pair a preparation returned as ``x.<case>`` and ``y.<case>``."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        what = f"a {type(result).__name__}" + (f" of {len(result)} items" if isinstance(result, (tuple, list)) else "")
        message = f"prepare_data returned {what}, not the pair (x, y)"
        _wrong_return(obs, f"x.{case}", message)
        _wrong_return(obs, f"y.{case}", message)
        return
    obs.put_array(f"x.{case}", result[0])
    obs.put_array(f"y.{case}", result[1])


def prepare_data(fn, inputs, params, obs):
    """``fn(images, labels)`` on a few raw images and labels of each dataset: the pair it returns."""
    for case in params.get("datasets", ["mnist", "fashion"]):
        images, labels = inputs[f"{case}_images"], inputs[f"{case}_labels"]
        result = obs.step(f"x.{case}", fn, images.copy(), labels.copy())
        if f"x.{case}.error" in obs.values:
            obs.put(f"y.{case}.error", obs.values[f"x.{case}.error"])
            continue
        record_prepared(obs, case, result)


# ---------------------------------------------------------------- 2. the model builder


def describe_built(obs, key: str, model) -> None:
    """Structure and compilation of a model the student's code built, as ``<key>`` and ``<key>.compile``."""
    obs.put(key, describe_model(model))
    keras = _keras()
    if isinstance(model, keras.Model):
        obs.put(f"{key}.compile", describe_compiled(model))


def build_model(fn, inputs, params, obs):
    """``fn(*args, **kwargs)`` once per case: each model's layers and how it was compiled, as ``model.<case>``."""
    keras = _keras()
    for case, call in params["cases"].items():
        keras.utils.set_random_seed(int(params.get("seed", 0)))
        key = f"model.{case}"
        model = obs.step(key, fn, *call.get("args", []), **call.get("kwargs", {}))
        if f"{key}.error" not in obs.values:
            describe_built(obs, key, model)


def _builder(targets):
    """The student's build_model: an exercise with one target gets it as it is."""
    return targets["build_model"] if isinstance(targets, dict) else targets


def regularization(targets, inputs, params, obs):
    """The builder with ``l2`` or ``dropout`` set (and with neither): the layers of each model."""
    build_model(_builder(targets), inputs, params, obs)


# ---------------------------------------------------------------- 3. training configuration


def describe_callbacks(obs, key: str, returned) -> None:
    """Each callback in what the function returned: its class and, for EarlyStopping, what it watches."""
    keras = _keras()
    found = returned if isinstance(returned, (list, tuple)) else [returned]
    described = []
    for callback in found:
        entry = {"class": type(callback).__name__, "is_callback": isinstance(callback, keras.callbacks.Callback)}
        if isinstance(callback, keras.callbacks.EarlyStopping):
            entry.update(monitor=callback.monitor, mode=getattr(callback, "mode", None), patience=int(callback.patience))
        described.append(entry)
    obs.put(key, described)


def early_stopping(fn, inputs, params, obs):
    """``fn()``: the callback(s) it returns."""
    returned = obs.step("callbacks", fn)
    if "callbacks.error" not in obs.values:
        describe_callbacks(obs, "callbacks", returned)


def describe_learning_rates(obs, rates) -> None:
    """The rates as numbers, and whether Keras' SGD takes each one (Keras 3 refuses an int such as 10**0)."""
    keras = _keras()
    if isinstance(rates, np.ndarray):
        rates = rates.tolist()
    if not isinstance(rates, (list, tuple)):
        _wrong_return(obs, "rates", f"the learning rates are a {type(rates).__name__}, not a list of numbers")
        return
    described = []
    for rate in rates:
        entry = {"repr": repr(rate)[:40], "type": type(rate).__name__}
        try:
            entry["value"] = float(rate)
        except (TypeError, ValueError):
            entry["value"] = None
        try:
            keras.optimizers.SGD(learning_rate=rate)
            entry["sgd_error"] = None
        except Exception as exc:  # noqa: BLE001 - what Keras says is what the student will see
            entry["sgd_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        described.append(entry)
    obs.put("rates", described)


def sgd_learning_rates(fn, inputs, params, obs):
    """``fn()``: the learning rates it returns, and whether SGD accepts each."""
    rates = obs.step("rates", fn)
    if "rates.error" not in obs.values:
        describe_learning_rates(obs, rates)


# ---------------------------------------------------------------- 4. trained models


def train_and_predict(model, inputs, dataset: str, params, obs, key: str) -> None:
    """Fit the student's compiled model on the grader's budget and keep its validation predictions as ``<key>``."""
    keras = _keras()
    if not isinstance(model, keras.Model):
        _wrong_return(obs, key, f"the builder returned a {type(model).__name__}, not a keras.Model")
        return
    if not getattr(model, "compiled", False):
        _wrong_return(obs, key, "the model the builder returned is not compiled; call model.compile(...) before returning it")
        return
    x_train, y_train = inputs[f"{dataset}_x_train"], inputs[f"{dataset}_y_train"]
    obs.step(f"{key}.fit", model.fit, x_train, y_train, epochs=int(params["epochs"]), batch_size=int(params.get("batch_size", 32)),
             verbose=0, shuffle=True)
    if f"{key}.fit.error" in obs.values:
        obs.put(f"{key}.error", obs.values[f"{key}.fit.error"])
        return
    obs.put_array(key, model.predict(inputs[f"{dataset}_x_val"], batch_size=500, verbose=0), dtype=np.float32)


def trained_models(targets, inputs, params, obs):
    """Each run: the student's builder called as the run says, trained on the grader's budget; its validation predictions."""
    keras = _keras()
    if params.get("skip_training"):  # --quick: these runs are all this exercise does
        return
    fn = _builder(targets)
    for run, call in params["runs"].items():
        keras.utils.set_random_seed(int(params.get("seed", 0)))
        key = f"predictions.{run}"
        model = obs.step(key, fn, *call.get("args", []), **call.get("kwargs", {}))
        if f"{key}.error" not in obs.values:
            train_and_predict(model, inputs, call["dataset"], params, obs, key)
    obs.put("training.epochs", int(params["epochs"]))
    obs.put("training.samples", int(len(inputs["mnist_x_train"])))


# ---------------------------------------------------------------- 5. misclassified images


def stand_in_classifier(inputs, params):
    """A softmax regression briefly trained on the grader's images: it gets some of them wrong."""
    keras = _keras()
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")], name="stand_in_classifier")
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(inputs["x"], inputs["y"], epochs=1, batch_size=32, verbose=0)
    return model


def record_indices(obs, returned) -> None:
    """The indices a function returned (a list, tuple or array of integers), or what it returned instead."""
    obs.put("returned.type", type(returned).__name__)
    try:
        array = np.asarray(returned)
    except Exception as exc:  # noqa: BLE001
        obs.put("indices.unconvertible", f"{type(exc).__name__}: {exc}"[:300])
        return
    obs.put("returned.shape", list(array.shape))
    obs.put("returned.dtype", str(array.dtype))
    if array.dtype != object:
        obs.put_array("indices", array)


def misclassified_indices(fn, inputs, params, obs):
    """``fn(model, x, y)`` on a stand-in classifier: the indices returned, and the classes the model predicts."""
    model = stand_in_classifier(inputs, params)
    predicted = np.argmax(model.predict(inputs["x"], batch_size=500, verbose=0), axis=-1)
    obs.put_array("predicted", predicted.astype(np.int64))
    returned = obs.step("indices", fn, model, inputs["x"].copy(), inputs["y"].copy())
    if "indices.error" not in obs.values:
        record_indices(obs, returned)


# ---------------------------------------------------------------- 6. convolutional networks


def short_training(model, inputs, params, obs, key: str = "training") -> None:
    """One short epoch of the student's compiled CNN: its loss on those images before and after."""
    keras = _keras()
    if not isinstance(model, keras.Model) or not getattr(model, "compiled", False):
        return
    images = inputs["images"]
    shape = model.inputs[0].shape[1:] if getattr(model, "inputs", None) else None
    if shape is not None and None not in shape and int(np.prod(shape)) == int(np.prod(images.shape[1:])):
        images = images.reshape((len(images), *[int(d) for d in shape]))
    labels = inputs["labels"]
    before = obs.step(f"{key}.before", model.evaluate, images, labels, batch_size=64, verbose=0, return_dict=True)
    if before is None:
        return
    obs.step(f"{key}.fit", model.fit, images, labels, epochs=int(params.get("epochs", 1)), batch_size=int(params.get("batch_size", 32)),
             verbose=0)
    after = obs.step(f"{key}.after", model.evaluate, images, labels, batch_size=64, verbose=0, return_dict=True)
    if after is not None:
        obs.put(f"{key}.loss.before", float(before["loss"]))
        obs.put(f"{key}.loss.after", float(after["loss"]))


def build_cnn(fn, inputs, params, obs):
    """``fn()``: the CNN's layers and compilation; then one short epoch on the grader's images."""
    keras = _keras()
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    model = obs.step("model", fn)
    if "model.error" in obs.values:
        return
    describe_built(obs, "model", model)
    if not params.get("skip_training"):
        short_training(model, inputs, params, obs)


PROBES = LabProbes(
    probes={
        "prepare_data": prepare_data, "build_model": build_model, "regularization": regularization,
        "early_stopping": early_stopping, "sgd_learning_rates": sgd_learning_rates, "trained_models": trained_models,
        "misclassified_indices": misclassified_indices, "build_cnn": build_cnn,
        # Both the generic call_function on the rubric's cases; named here for their original-notebook twins.
        "add_input_noise": call_function,
    },
    inline_probes=inline_probes(),
    locate_inline=inline_targets,
    inline_cell_needed=inline_cell_needed,
)
