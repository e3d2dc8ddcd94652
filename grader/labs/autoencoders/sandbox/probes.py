"""Probes for the autoencoders lab. Each takes (student_object, inputs, params, obs).

Inputs are arrays the grader chose (digits, noisy digits, test *inputs*);
labels and clean test targets stay in the grader. A probe never decides
pass/fail: it records what the student's code did.

The compile and fit exercises are probed on a small stand-in autoencoder
built here (not the lab's architecture, which is the student's answer), whose
``fit`` is replaced on the instance by a recorder: it notes what it was given
(which array is the input, which the label, the epochs and batch size asked
for) and then trains on the grader's budget.
"""

from __future__ import annotations

import numpy as np

from harness.lab_api import LabProbes
from harness.observe import describe_model

from .given import build_autoencoder  # the lab's given code, defined once in its master notebook


def _keras():
    import keras

    return keras


# ---------------------------------------------------------------- stand-ins and the fit recorder


def stand_in_autoencoder():
    """A small dense autoencoder from (28, 28, 1) images to (28, 28, 1) images."""
    keras = _keras()
    from keras import layers

    return keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(16, activation="relu"),
                             layers.Dense(784, activation="sigmoid"), layers.Reshape((28, 28, 1))], name="stand_in_autoencoder")


def role_of(value, named: dict) -> str:
    """Which of the ``named`` arrays ``value`` is (the same object, or equal values), else a description."""
    if value is None:
        return "nothing"
    for name, array in named.items():
        if value is array:
            return name
    try:
        candidate = np.asarray(value)
    except Exception:  # noqa: BLE001 - a generator or dataset: not one of the arrays
        return type(value).__name__
    for name, array in named.items():
        if candidate.shape == array.shape and np.allclose(candidate, array, atol=1e-6):
            return name
    return f"an array of shape {tuple(candidate.shape)}"


class FitRecorder:
    """Replaces ``model.fit`` on one instance: records each call, then trains on the grader's budget."""

    def __init__(self, model, named: dict, epochs: int, batch_size: int = 32) -> None:
        self.model, self.named, self.epochs, self.batch_size = model, named, epochs, batch_size
        self.calls: list[dict] = []
        self._fit = model.fit
        model.fit = self

    def __call__(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", **kwargs):
        self.calls.append({"x": role_of(x, self.named), "y": role_of(y, self.named), "epochs": epochs,
                           "batch_size": batch_size, "validation": "validation_data" in kwargs or "validation_split" in kwargs})
        if len(self.calls) > 1 or self.epochs <= 0:
            return None  # the first call is the one graded; later ones (a second fit) cost nothing
        # The student's own choices of data stay (they are what is graded); the budget is the grader's.
        return self._fit(x, y, batch_size=self.batch_size, epochs=self.epochs, verbose=0, shuffle=kwargs.get("shuffle", True))

    def record(self, obs, prefix: str) -> None:
        obs.put(f"{prefix}.calls", len(self.calls))
        if self.calls:
            first = self.calls[0]
            for field in ("x", "y", "epochs", "batch_size", "validation"):
                obs.put(f"{prefix}.{field}", first[field] if isinstance(first[field], (bool, int, str)) or first[field] is None else str(first[field]))


def _mse(model, images) -> float:
    predictions = np.asarray(model.predict(images, batch_size=256, verbose=0), np.float64)
    return float(np.mean((predictions.reshape(images.shape) - images) ** 2))


# ---------------------------------------------------------------- exercises


def prepare_images(fn, inputs, params, obs):
    """``fn(digits)`` on raw uint8 digits; the result and whether the input was changed."""
    digits = inputs["digits"].copy()
    result = obs.step("output", fn, digits)
    if "output.error" in obs.values:
        return
    obs.put_array("output", result)
    obs.put("input_changed", not np.array_equal(digits, inputs["digits"]))


def compile_autoencoder(fn, inputs, params, obs):
    """``fn(model)`` on the stand-in: the loss and optimizer it set, and whether a short training lowers the error."""
    keras = _keras()
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    model = stand_in_autoencoder()
    returned = fn(model)
    compiled = returned if isinstance(returned, keras.Model) else model
    obs.put("returned", type(returned).__name__)
    obs.put("compiled", bool(getattr(compiled, "compiled", False)))
    if not getattr(compiled, "compiled", False):
        return
    loss = getattr(compiled, "loss", None)
    obs.put("loss", describe_loss(loss))
    optimizer = getattr(compiled, "optimizer", None)
    obs.put("optimizer", type(optimizer).__name__ if optimizer is not None else None)
    if params.get("skip_training"):
        return
    compiled.run_eagerly = True
    images = inputs["images"]
    before = _mse(compiled, images)
    history = obs.step("fit", compiled.fit, images, images, epochs=int(params.get("epochs", 2)), batch_size=32, verbose=0)
    if history is not None:
        obs.put("mse.before", before)
        obs.put("mse.after", _mse(compiled, images))


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


def train_autoencoder(fn, inputs, params, obs):
    """``fn(autoencoder, images)`` on a compiled stand-in: what its ``fit`` was given, and what the error became."""
    keras = _keras()
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    model = stand_in_autoencoder()
    model.compile(optimizer="adam", loss="mse")
    model.run_eagerly = True  # a few steps: tracing a graph would cost more than running them
    images = inputs["images"].copy()
    recorder = FitRecorder(model, {"images": images}, epochs=int(params.get("epochs", 1)))
    obs.step("call", fn, model, images)
    recorder.record(obs, "fit")


def train_denoising_autoencoder(fn, inputs, params, obs):
    """``fn(autoencoder, noisy_images, clean_images)`` on a compiled stand-in: what its ``fit`` was given."""
    keras = _keras()
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    model = stand_in_autoencoder()
    model.compile(optimizer="adam", loss="mse")
    model.run_eagerly = True  # a few steps: tracing a graph would cost more than running them
    noisy, clean = inputs["noisy_images"].copy(), inputs["clean_images"].copy()
    recorder = FitRecorder(model, {"noisy images": noisy, "clean images": clean}, epochs=int(params.get("epochs", 1)))
    obs.step("call", fn, model, noisy, clean)
    recorder.record(obs, "fit")


def _student_autoencoder(targets, obs, key, params):
    """The given build_autoencoder on the student's encoder and decoder, compiled with the grader's Adam and MSE."""
    keras = _keras()
    latent = int(params.get("latent_dimension", 2))
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    parts = {}
    for part in ("encoder", "decoder"):
        parts[part] = obs.step(f"{key}.{part}", targets[f"build_{part}"], latent)
        error = obs.values.get(f"{key}.{part}.error")
        if error or not isinstance(parts[part], keras.Model):
            found = f"raised {error['type']}: {error['message'][:300]}" if error else f"returned a {type(parts[part]).__name__}, not a keras.Model"
            obs.put("training.skipped", f"build_{part}({latent}) {found}")
            return None, None
    encoder, decoder = parts["encoder"], parts["decoder"]
    autoencoder = obs.step(f"{key}.build", build_autoencoder, encoder, decoder)
    if autoencoder is None:
        error = obs.values[f"{key}.build.error"]
        obs.put("training.skipped", f"the lab's build_autoencoder could not chain your encoder and decoder ({error['type']}: {error['message'][:300]})")
        return None, None
    autoencoder.compile(optimizer=keras.optimizers.Adam(float(params.get("learning_rate", 1e-3))), loss="mse")
    return autoencoder, encoder


def trained_autoencoder(targets, inputs, params, obs):
    """The student's encoder and decoder, chained by the given build_autoencoder and trained to reproduce digits.

    Kept: the reconstructions of the test digits (``test_predictions``) and
    the 2-D codes of the training and test digits (``codes.train``,
    ``codes.test``); the grader scores them against the clean digits and the
    labels it kept.
    """
    autoencoder, encoder = _student_autoencoder(targets, obs, "autoencoder", params)
    if autoencoder is None:
        return
    obs.put("model", describe_model(autoencoder))
    if params.get("skip_training"):
        return
    x_train = inputs["x_train"]
    obs.step("fit", autoencoder.fit, x_train, x_train, epochs=int(params["epochs"]), batch_size=int(params.get("batch_size", 32)), verbose=0)
    if "fit.error" in obs.values:
        return
    obs.put_array("test_predictions", autoencoder.predict(inputs["x_test"], batch_size=256, verbose=0), dtype=np.float32)
    obs.put_array("codes.train", encoder.predict(x_train, batch_size=256, verbose=0), dtype=np.float32)
    obs.put_array("codes.test", encoder.predict(inputs["x_test"], batch_size=256, verbose=0), dtype=np.float32)
    obs.put("training.epochs", int(params["epochs"]))
    obs.put("training.samples", int(len(x_train)))


PROBES = LabProbes(
    probes={
        "prepare_images": prepare_images, "compile_autoencoder": compile_autoencoder, "train_autoencoder": train_autoencoder,
        "trained_autoencoder": trained_autoencoder, "train_denoising_autoencoder": train_denoising_autoencoder,
    },
)
