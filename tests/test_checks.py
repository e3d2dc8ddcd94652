"""Checks of grader/checks.py on hand-made observations, with the parameters of rubrics/lab3.toml.

Every registered check has at least one observation it must pass (what a correct
solution produces) and one it must fail (a realistic mistake). The failure
messages must say what was expected and what was found.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

from grader.checks import CHECKS as GENERIC_CHECKS
from grader.checks import NotObserved, Observed
from grader.engine import load_lab_rubric
from grader.lab import get_lab
from grader.labs.lab3 import inputs as tasks
from grader.rubric import RubricError, load_rubric

REPO = Path(__file__).resolve().parent.parent
LAB = get_lab("lab3")
RUBRIC = load_lab_rubric(LAB)
#: Every check lab 3's rubric can name: its own, then the generic catalogue's.
CHECKS = {**GENERIC_CHECKS, **LAB.checks}


class _NoData:
    """Probes that do not use MNIST get this instead of LabData."""


def spec(exercise: str, check_id: str):
    return next(c for c in RUBRIC.exercise(exercise).checks if c.id == check_id)


def run_check(exercise: str, check_id: str, obs: Observed):
    s = spec(exercise, check_id)
    return CHECKS[s.check](obs, **s.params)


def obs(values=None, arrays=None, secrets=None) -> Observed:
    return Observed(dict(values or {}), dict(arrays or {}), dict(secrets or {}))


# ---------------------------------------------------------------- shared inputs


@pytest.fixture(scope="module")
def lab_data():
    from grader.data import load_bundled_mnist

    return tasks.LabData(load_bundled_mnist())


def params(exercise: str) -> dict:
    return dict(RUBRIC.exercise(exercise).probe_params)


# ---------------------------------------------------------------- 1. extract_W

W_KEYS = ["W.dense_then_activation", "W.dense_softmax_l2"]


@pytest.fixture(scope="module")
def w_secrets(lab_data):
    _, secrets = tasks.prepare_extract_W(params("extract_W"), lab_data)
    return secrets


def w_obs(secrets, make) -> Observed:
    values, arrays = {}, {}
    for key in W_KEYS:
        value = make(secrets[key])
        values[f"{key}.type"] = type(value).__name__ if isinstance(value, np.ndarray) else value.__class__.__name__
        arrays[key] = np.asarray(value)
    return obs(values, arrays, secrets)


def test_extract_W_kernel_passes_all_checks(w_secrets):
    o = w_obs(w_secrets, lambda s: s["kernel"].copy())
    for check_id in ("returns_ndarray", "shape_784x10", "equals_dense_kernel"):
        outcome = run_check("extract_W", check_id, o)
        assert outcome.passed, (check_id, outcome.message)


def test_extract_W_bias_is_named(w_secrets):
    o = w_obs(w_secrets, lambda s: s["bias"])
    shape = run_check("extract_W", "shape_784x10", o)
    assert not shape.passed
    assert "(10,)" in shape.message and "(784, 10)" in shape.message
    kernel = run_check("extract_W", "equals_dense_kernel", o)
    assert not kernel.passed
    assert "bias vector b" in kernel.message and "dense_then_activation" in kernel.message


def test_extract_W_transposed_kernel(w_secrets):
    o = w_obs(w_secrets, lambda s: s["kernel"].T.copy())
    shape = run_check("extract_W", "shape_784x10", o)
    assert not shape.passed
    assert "shape (10, 784), expected (784, 10)" in shape.message and "transposed" in shape.message
    kernel = run_check("extract_W", "equals_dense_kernel", o)
    assert not kernel.passed
    assert "transposed kernel (10, 784)" in kernel.message and "(784, 10)" in kernel.message


def test_extract_W_reshaped_kernel(w_secrets):
    o = w_obs(w_secrets, lambda s: s["kernel"].reshape(28, 28, 10))
    shape = run_check("extract_W", "shape_784x10", o)
    assert not shape.passed
    assert "(28, 28, 10)" in shape.message and "(784, 10)" in shape.message and "reshape" in shape.message
    kernel = run_check("extract_W", "equals_dense_kernel", o)
    assert not kernel.passed
    assert "right values but shape (28, 28, 10)" in kernel.message and "(784, 10)" in kernel.message


def test_extract_W_wrong_values_and_one_form_only(w_secrets):
    """Right for the Dense-then-Activation model, but the first layer's (empty) weights for the other."""
    rng = np.random.default_rng(5)
    o = w_obs(w_secrets, lambda s: s["kernel"])
    o.arrays["W.dense_softmax_l2"] = rng.normal(0, 0.05, (784, 10)).astype(np.float32)
    outcome = run_check("extract_W", "equals_dense_kernel", o)
    assert not outcome.passed
    assert "differ" in outcome.message and "dense_softmax_l2" in outcome.message
    assert run_check("extract_W", "shape_784x10", o).passed


def test_extract_W_returns_tensor_not_ndarray(w_secrets):
    o = w_obs(w_secrets, lambda s: s["kernel"])
    o.values["W.dense_softmax_l2.type"] = "keras.src.backend.tensorflow.core.Variable"
    outcome = run_check("extract_W", "returns_ndarray", o)
    assert not outcome.passed
    assert "Variable for dense_softmax_l2" in outcome.message and "np.ndarray" in outcome.message
    o.values["W.dense_softmax_l2.type"] = "list"
    assert "list for dense_softmax_l2" in run_check("extract_W", "returns_ndarray", o).message


# ---------------------------------------------------------------- Observed / NotObserved


def test_not_observed_names_the_error_a_step_raised(w_secrets):
    o = w_obs(w_secrets, lambda s: s["kernel"])
    del o.arrays["W.dense_then_activation"], o.values["W.dense_then_activation.type"]
    o.values["W.dense_then_activation.error"] = {"type": "IndexError", "message": "list index out of range", "frames": []}
    for check_id in ("returns_ndarray", "shape_784x10", "equals_dense_kernel"):
        with pytest.raises(NotObserved) as info:
            run_check("extract_W", check_id, o)
        assert str(info.value) == "your code raised IndexError: list index out of range"


def test_not_observed_reasons():
    with pytest.raises(NotObserved, match="could not be turned into an array .*ragged"):
        obs({"noisy.0.5.unconvertible": "an object array (ragged or mixed values)"}).array("noisy.0.5")
    with pytest.raises(NotObserved, match="not trained because Flatten gives 288 values per image"):
        obs({"training.skipped": "Flatten gives 288 values per image"}).array("test_probabilities")
    with pytest.raises(NotObserved, match="returned a list, not a keras.Model"):
        obs({"model": {"type": "list", "is_keras_model": False}}).value("last_layer")
    with pytest.raises(NotObserved, match="returned a NoneType, not a keras.Model"):
        obs({"model": {"type": "NoneType", "is_keras_model": False}}).model("model")
    with pytest.raises(NotObserved, match="returned a ndarray, not a Keras tensor"):
        run_check("bottleneck_2d", "two_values_after_flatten", obs({"encoded.type": "ndarray"}))
    with pytest.raises(NotObserved, match="earlier step did not complete"):
        obs().value("anything")
    # the error of the whole step (base key) explains a missing sub-key
    err = {"type": "ValueError", "message": "Input 0 of layer 'conv2d' is incompatible", "frames": []}
    with pytest.raises(NotObserved, match="your code raised ValueError: Input 0 of layer"):
        run_check("BatchNormalizedLayer", "trains_in_sequential", obs({"sequential.error": err}))


# ---------------------------------------------------------------- 2. bottleneck_2d


@pytest.fixture(scope="module")
def y_test(lab_data):
    _, secrets = tasks.prepare_bottleneck_2d(params("bottleneck_2d"), lab_data)
    return secrets["y_test"]


def probabilities(y: np.ndarray, accuracy: float, seed: int = 0) -> np.ndarray:
    """Softmax-like outputs whose argmax is right for a fraction ``accuracy`` of ``y``."""
    rng = np.random.default_rng(seed)
    n = len(y)
    predicted = np.where(rng.random(n) < accuracy, y, (y + rng.integers(1, 10, n)) % 10)
    logits = rng.normal(0, 0.3, (n, 10))
    logits[np.arange(n), predicted] += 3
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def test_bottleneck_flatten_size():
    assert run_check("bottleneck_2d", "two_values_after_flatten", obs({"flatten.size": 2})).passed
    outcome = run_check("bottleneck_2d", "two_values_after_flatten", obs({"flatten.size": 288}))
    assert not outcome.passed
    assert "found 288, expected 2" in outcome.message and "Flatten" in outcome.message


def test_classification_accuracy(y_test):
    assert len(y_test) == 1000
    trained = {"training.epochs": 3, "training.samples": 4000}
    good = obs({**trained}, {"test_probabilities": probabilities(y_test, 0.6)}, {"y_test": y_test})
    outcome = run_check("bottleneck_2d", "trained_accuracy", good)
    assert outcome.passed, outcome.message
    assert 0.55 < outcome.details["accuracy"] < 0.65
    assert "after 3 epochs on 4,000 images" in outcome.message

    poor = obs({**trained}, {"test_probabilities": probabilities(y_test, 0.1, seed=1)}, {"y_test": y_test})
    outcome = run_check("bottleneck_2d", "trained_accuracy", poor)
    assert not outcome.passed
    assert f"test accuracy {outcome.details['accuracy']:.3f}" in outcome.message
    threshold = spec("bottleneck_2d", "trained_accuracy").params["min_accuracy"]
    assert f"expected at least {threshold:.2f}" in outcome.message and "chance is 0.10" in outcome.message


def test_classification_accuracy_wrong_prediction_count(y_test):
    o = obs({}, {"test_probabilities": probabilities(y_test[:500], 0.9)}, {"y_test": y_test})
    with pytest.raises(NotObserved, match=r"\(500, 10\)"):
        run_check("bottleneck_2d", "trained_accuracy", o)


# ---------------------------------------------------------------- 3. add_noise


@pytest.fixture(scope="module")
def noise_inputs(lab_data):
    inputs, secrets = tasks.prepare_add_noise(params("add_noise"), lab_data)
    return inputs, secrets


def noise_obs(noise_inputs, add_noise, changed=False) -> Observed:
    """What the add_noise probe records for a student function ``add_noise(x, noise_factor=0.5)``."""
    inputs, secrets = noise_inputs
    values, arrays = {}, {}
    for factor in params("add_noise")["noise_factors"]:
        out = add_noise(inputs["flat"].copy(), noise_factor=factor)
        values[f"noisy.{factor}.type"] = type(out).__name__
        arrays[f"noisy.{factor}"] = np.asarray(out)
        values[f"input_changed.{factor}"] = changed
    out = add_noise(inputs["digits"].copy())
    values["noisy.default.type"] = type(out).__name__
    arrays["noisy.default"] = np.asarray(out)
    values["input_changed.default"] = changed
    return obs(values, arrays, secrets)


_rng = np.random.default_rng(0)


def correct_noise(x, noise_factor=0.5):
    return np.clip(x + noise_factor * _rng.normal(0, 1, x.shape), 0.0, 1.0).astype(x.dtype)


def uniform_noise(x, noise_factor=0.5):
    return np.clip(x + noise_factor * _rng.random(x.shape), 0.0, 1.0).astype(x.dtype)


def unclipped_noise(x, noise_factor=0.5):
    return x + noise_factor * _rng.normal(0, 1, x.shape)


def ignores_factor(x, noise_factor=0.5):
    return np.clip(x + 0.5 * _rng.normal(0, 1, x.shape), 0.0, 1.0)


def shifted_noise(x, noise_factor=0.5):
    return np.clip(x + noise_factor * _rng.normal(0.2, 1, x.shape), 0.0, 1.0)


def no_noise(x, noise_factor=0.5):
    return x.copy()


def integer_noise(x, noise_factor=0.5):
    return np.clip(np.round(x + noise_factor * _rng.normal(0, 1, x.shape)), 0, 1).astype(np.int64)


ADD_NOISE_IDS = [c.id for c in RUBRIC.exercise("add_noise").checks_for("stub")]


def test_add_noise_correct_passes_every_check(noise_inputs):
    o = noise_obs(noise_inputs, correct_noise)
    for check_id in ADD_NOISE_IDS:
        outcome = run_check("add_noise", check_id, o)
        assert outcome.passed, (check_id, outcome.message)
    assert "std about 0.5" in run_check("add_noise", "gaussian_spread", o).message


def test_add_noise_uniform_noise(noise_inputs):
    outcome = run_check("add_noise", "gaussian_spread", noise_obs(noise_inputs, uniform_noise))
    assert not outcome.passed
    assert "noise_factor=0.5" in outcome.message and "expected about 0.5" in outcome.message
    assert "spread (std) about 0.1" in outcome.message  # found: IQR of U(0, 0.5) / 1.349 ~ 0.185


def test_add_noise_without_clipping(noise_inputs):
    o = noise_obs(noise_inputs, unclipped_noise)
    outcome = run_check("add_noise", "values_in_0_1", o)
    assert not outcome.passed
    assert "expected within [0, 1]" in outcome.message and "clip" in outcome.message
    lo, hi = float(o.arrays["noisy.0.5"].min()), float(o.arrays["noisy.0.5"].max())
    assert f"[{lo:.3g}, {hi:.3g}]" in outcome.message
    # the spread is estimated from quartiles, so missing clipping is only one check's business
    assert run_check("add_noise", "gaussian_spread", o).passed


def test_add_noise_ignoring_the_factor(noise_inputs):
    outcome = run_check("add_noise", "gaussian_spread", noise_obs(noise_inputs, ignores_factor))
    assert not outcome.passed
    assert "noise_factor=0.2" in outcome.message and "expected about 0.2" in outcome.message
    assert "about 0.5" in outcome.message  # what was found
    assert "noise_factor=0.5" not in outcome.message  # that one is right


def test_add_noise_shifted_mean(noise_inputs):
    outcome = run_check("add_noise", "gaussian_spread", noise_obs(noise_inputs, shifted_noise))
    assert not outcome.passed
    assert "mean 0" in outcome.message and "shifts values by +0.1" in outcome.message


def test_add_noise_no_noise(noise_inputs):
    outcome = run_check("add_noise", "gaussian_spread", noise_obs(noise_inputs, no_noise))
    assert not outcome.passed
    assert "no noise added" in outcome.message


def test_add_noise_integer_output(noise_inputs):
    outcome = run_check("add_noise", "floating_dtype", noise_obs(noise_inputs, integer_noise))
    assert not outcome.passed
    assert "dtype int64" in outcome.message and "float" in outcome.message


def test_add_noise_in_place(noise_inputs):
    outcome = run_check("add_noise", "input_unchanged", noise_obs(noise_inputs, correct_noise, changed=True))
    assert not outcome.passed
    assert "in place" in outcome.message and "[0.5]" in outcome.message


def test_add_noise_flattened_output(noise_inputs):
    o = noise_obs(noise_inputs, lambda x, noise_factor=0.5: correct_noise(x, noise_factor).reshape(len(x), -1))
    outcome = run_check("add_noise", "shape_kept", o)
    assert not outcome.passed
    assert "output shape (100, 784)" in outcome.message and "(100, 28, 28, 1)" in outcome.message


def test_values_in_range_rejects_nan_and_non_numeric(noise_inputs):
    o = noise_obs(noise_inputs, correct_noise)
    o.arrays["noisy.0.2"] = o.arrays["noisy.0.2"].copy()
    o.arrays["noisy.0.2"][0, 0, 0, 0] = np.nan
    outcome = run_check("add_noise", "values_in_0_1", o)
    assert not outcome.passed and "[0.2]" in outcome.message
    o.arrays["noisy.0.2"] = np.array(["a", "b"])
    with pytest.raises(NotObserved, match="not numeric"):
        run_check("add_noise", "values_in_0_1", o)


# ---------------------------------------------------------------- 4. build_sr_network


def keras_model_info(inputs, outputs, params=10_000, trainable=None, layers=None, **extra) -> dict:
    """What describe_model records (after a JSON round trip) for a functional model."""
    return {
        "type": "keras.src.models.functional.Functional", "is_keras_model": True,
        "input_shapes": inputs, "output_shapes": outputs, "graph_kind": "functional",
        "params": params, "trainable_params": params if trainable is None else trainable, "non_trainable_params": 0,
        "layers": layers or [], **extra,
    }


def test_sr_shapes_and_weights():
    good = obs({"model": keras_model_info([[None, 14, 14, 1]], [[None, 28, 28, 1]], params=3_000)})
    assert run_check("build_sr_network", "input_output_shapes", good).passed
    outcome = run_check("build_sr_network", "has_trainable_weights", good)
    assert outcome.passed and "3,000" in outcome.message

    no_upsampling = obs({"model": keras_model_info([[None, 14, 14, 1]], [[None, 14, 14, 1]])})
    outcome = run_check("build_sr_network", "input_output_shapes", no_upsampling)
    assert not outcome.passed
    assert outcome.message == "output shape (None, 14, 14, 1), expected (None, 28, 28, 1)"

    layers = [{"class": "InputLayer", "name": "input_layer"}, {"class": "UpSampling2D", "name": "up_sampling2d"}]
    bare = obs({"model": keras_model_info([[None, 14, 14, 1]], [[None, 28, 28, 1]], params=0, layers=layers)})
    assert run_check("build_sr_network", "input_output_shapes", bare).passed
    outcome = run_check("build_sr_network", "has_trainable_weights", bare)
    assert not outcome.passed
    assert "no trainable weights (UpSampling2D)" in outcome.message


def test_model_io_shapes_without_input():
    info = {"type": "keras.src.models.sequential.Sequential", "is_keras_model": True, "graph_kind": "sequential",
            "shape_error": "ValueError: The layer sequential has never been called"}
    outcome = run_check("build_sr_network", "input_output_shapes", obs({"model": info}))
    assert not outcome.passed and "keras.Input" in outcome.message and "never been called" in outcome.message


@pytest.fixture(scope="module")
def sr_secrets(lab_data):
    _, secrets = tasks.prepare_build_sr_network(params("build_sr_network"), lab_data)
    return secrets


def test_super_resolution_psnr(sr_secrets):
    x = sr_secrets["x_test"]
    rng = np.random.default_rng(0)
    trained = {"training.epochs": 3, "training.samples": 2000}

    good_prediction = np.clip(x + rng.normal(0, 0.05, x.shape), 0, 1).reshape(len(x), -1).astype(np.float32)
    good = obs(trained, {"prediction.seed0": good_prediction}, sr_secrets)
    outcome = run_check("build_sr_network", "trained_psnr", good)
    assert outcome.passed, outcome.message
    gain = spec("build_sr_network", "trained_psnr").params["min_gain_db"]
    assert outcome.details["psnr"] > outcome.details["mean_image_psnr"] + gain
    assert "dB" in outcome.message and "after 3 epochs on 2,000 images" in outcome.message

    mean_image = np.broadcast_to(sr_secrets["train_mean_image"], x.shape).reshape(len(x), -1)
    collapsed = obs(trained, {"prediction.seed0": mean_image, "prediction.seed1": mean_image * 0.9}, sr_secrets)
    outcome = run_check("build_sr_network", "trained_psnr", collapsed)
    assert not outcome.passed
    needed = outcome.details["mean_image_psnr"] + spec("build_sr_network", "trained_psnr").params["min_gain_db"]
    assert f"PSNR {outcome.details['psnr']:.1f} dB" in outcome.message
    assert f"expected at least {needed:.1f} dB" in outcome.message and "mean-image baseline" in outcome.message
    assert set(outcome.details["psnr_runs"]) == {"prediction.seed0", "prediction.seed1"}

    # the best seed counts: a collapsed first seed and a good second one pass
    retried = obs(trained, {"prediction.seed0": mean_image, "prediction.seed1": good_prediction}, sr_secrets)
    assert run_check("build_sr_network", "trained_psnr", retried).passed


def test_super_resolution_psnr_not_trained(sr_secrets):
    o = obs({"training.skipped": "the model's shapes or weights are not those of a super-resolution network"}, {}, sr_secrets)
    with pytest.raises(NotObserved, match="not trained because the model's shapes"):
        run_check("build_sr_network", "trained_psnr", o)


# ---------------------------------------------------------------- 5. build_angle_cnn


@pytest.fixture(scope="module")
def angles_test():
    from grader.labs.lab3.data import random_angles

    p = params("build_angle_cnn")
    return random_angles(p["test_samples"], seed=p["seed"] + 1)


def test_angle_model_shapes_and_head():
    good = obs({"model": keras_model_info([[None, 28, 28, 1]], [[None, 1]]),
                "last_layer": {"class": "Dense", "units": 1, "activation": "linear"}})
    assert run_check("build_angle_cnn", "input_output_shapes", good).passed
    assert run_check("build_angle_cnn", "linear_dense_1_head", good).passed

    classifier = obs({"model": keras_model_info([[None, 28, 28, 1]], [[None, 60]]),
                      "last_layer": {"class": "Dense", "units": 60, "activation": "softmax"}})
    outcome = run_check("build_angle_cnn", "input_output_shapes", classifier)
    assert not outcome.passed and "output shape (None, 60), expected (None, 1)" in outcome.message
    outcome = run_check("build_angle_cnn", "linear_dense_1_head", classifier)
    assert not outcome.passed
    assert "has 60 units, expected 1" in outcome.message and "activation is softmax, expected linear" in outcome.message

    relu_head = obs({"last_layer": {"class": "Dense", "units": 1, "activation": "relu"}})
    outcome = run_check("build_angle_cnn", "linear_dense_1_head", relu_head)
    assert not outcome.passed and "relu, expected linear" in outcome.message and "negative" in outcome.message

    activation_layer = obs({"last_layer": {"class": "Activation", "units": None, "activation": "tanh"}})
    outcome = run_check("build_angle_cnn", "linear_dense_1_head", activation_layer)
    assert not outcome.passed and "the last layer is a Activation, expected Dense(1)" in outcome.message


def test_angle_mae(angles_test):
    rng = np.random.default_rng(0)
    trained = {"training.epochs": 3, "training.samples": 4000}
    good = obs(trained, {"predicted_angles": (angles_test + rng.normal(0, 4, angles_test.shape)).astype(np.float32)},
               {"angles_test": angles_test})
    outcome = run_check("build_angle_cnn", "trained_mae", good)
    assert outcome.passed, outcome.message
    assert outcome.details["mae"] < 4

    zeros = obs(trained, {"predicted_angles": np.zeros_like(angles_test)}, {"angles_test": angles_test})
    outcome = run_check("build_angle_cnn", "trained_mae", zeros)
    assert not outcome.passed
    mae = float(np.mean(np.abs(angles_test)))
    assert f"mean absolute error {mae:.1f}°" in outcome.message
    threshold = spec("build_angle_cnn", "trained_mae").params["max_mae"]
    assert f"expected at most {threshold:.1f}°" in outcome.message and f"always predicting 0° gives {mae:.1f}°" in outcome.message

    nan = obs(trained, {"predicted_angles": np.full_like(angles_test, np.nan)}, {"angles_test": angles_test})
    assert not run_check("build_angle_cnn", "trained_mae", nan).passed

    wrong_shape = obs(trained, {"predicted_angles": np.zeros((len(angles_test), 2))}, {"angles_test": angles_test})
    with pytest.raises(NotObserved, match="shape"):
        run_check("build_angle_cnn", "trained_mae", wrong_shape)


# ---------------------------------------------------------------- 6. detector_channels


def test_channel_counts():
    outcome = run_check("detector_channels", "channel_counts", obs({"counts": [1, 4, 10]}))
    assert outcome.passed and outcome.message == "confidence 1, box 4, classes 10"

    outcome = run_check("detector_channels", "channel_counts", obs({"counts": [10, 4, 1]}))
    assert not outcome.passed
    assert "wrong order" in outcome.message and "(10, 4, 1)" in outcome.message and "(1, 4, 10)" in outcome.message

    outcome = run_check("detector_channels", "channel_counts", obs({"counts": [1, 2, 10]}))
    assert not outcome.passed and outcome.message == "box: 2, expected 4"

    outcome = run_check("detector_channels", "channel_counts", obs({"counts": [1, 4]}))
    assert not outcome.passed and "returned 2 counts (1, 4)" in outcome.message and "expected 3" in outcome.message

    with pytest.raises(NotObserved, match="returned None"):
        run_check("detector_channels", "channel_counts", obs({"counts.type": "NoneType", "counts.repr": "None"}))


def test_detector_shape_and_parameters():
    good = obs({"detector": keras_model_info([[None, 64, 64, 1]], [[None, 2, 2, 15]], params=24_275)})
    assert run_check("detector_channels", "detector_output_shape", good).passed
    assert run_check("detector_channels", "detector_parameters", good).passed

    # (1, 2, 10): one box channel short of corners
    wrong = obs({"detector": keras_model_info([[None, 64, 64, 1]], [[None, 2, 2, 13]], params=24_265)})
    outcome = run_check("detector_channels", "detector_output_shape", wrong)
    assert not outcome.passed and "(None, 2, 2, 13), expected (None, 2, 2, 15)" in outcome.message
    outcome = run_check("detector_channels", "detector_parameters", wrong)
    assert not outcome.passed and outcome.message == "24,265 parameters, expected 24,275"

    unbuilt = obs({"detector": {**keras_model_info([[None, 64, 64, 1]], [[None, 2, 2, 15]]), "params": None,
                                "params_error": "ValueError: unbuilt"}})
    outcome = run_check("detector_channels", "detector_parameters", unbuilt)
    assert not outcome.passed and "unavailable" in outcome.message and "unbuilt" in outcome.message


# ---------------------------------------------------------------- 7. build_unet_no_skips


def layer(name, cls, max_inputs=1, config=None, activation=None, **extra):
    """One entry of describe_model's layer list."""
    return {"name": name, "class": cls, "builtin": True, "opaque": False, "max_inputs": max_inputs,
            "inbound": [[]] if max_inputs == 0 else [["x"] * max_inputs], "config": config or {},
            "activation": activation, **extra}


def conv(name, filters, activation="linear", kernel_size=(3, 3)):
    return layer(name, "Conv2D", config={"filters": filters, "kernel_size": list(kernel_size), "padding": "same"},
                 activation=activation)


def unet_layers(skip_class: str | None = None, relu_in_conv: bool = False, bn_after_relu: bool = False,
                upsample_first: bool = False) -> list[dict]:
    """The lab's light U-Net without skips (optionally with one merge layer, or other block spellings).

    As in the lab, each decoder block is followed by its upsampling; ``upsample_first``
    puts the upsampling before each block instead (labgrader's earlier handout).
    """
    layers = [layer("input_layer", "InputLayer", 0)]
    n = 0

    def block(filters):
        nonlocal n
        if relu_in_conv:  # Conv2D(f, 3, activation='relu') then BN: relu before BN
            out = [conv(f"conv2d_{n}", filters, "relu"), layer(f"batch_normalization_{n}", "BatchNormalization")]
        elif bn_after_relu:
            out = [conv(f"conv2d_{n}", filters), layer(f"re_lu_{n}", "ReLU"),
                   layer(f"batch_normalization_{n}", "BatchNormalization")]
        else:
            out = [conv(f"conv2d_{n}", filters), layer(f"batch_normalization_{n}", "BatchNormalization"),
                   layer(f"activation_{n}", "Activation", activation="relu")]
        n += 1
        return out

    for filters in (8, 16, 32, 64):
        layers += block(filters)
        if filters != 64:
            layers.append(layer(f"max_pooling2d_{n}", "MaxPooling2D", config={"pool_size": [2, 2]}))
    for i, filters in enumerate((32, 16, 8)):
        up = layer(f"up_sampling2d_{i}", "UpSampling2D", config={"size": [2, 2]})
        if upsample_first:
            layers.append(up)
        layers += block(filters)
        if not upsample_first:
            layers.append(up)
        if skip_class and i == 0:
            layers.append(layer(skip_class.lower(), skip_class, 2))
    layers.append(conv("conv2d_out", 10, "softmax", kernel_size=(1, 1)))
    return layers


def unet_info(layers, **extra):
    return keras_model_info([[None, 64, 64, 1]], [[None, 64, 64, 10]], params=49_426, layers=layers, **extra)


def softmax(logits, axis=-1):
    e = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def other_arguments(input_shape=(32, 32, 1), num_classes=3) -> dict:
    """describe_model of build_unet_no_skips(input_shape=..., num_classes=...) as the probe records it."""
    return keras_model_info([[None, *input_shape]], [[None, input_shape[0], input_shape[1], num_classes]], params=49_318)


UNET_IDS = [c.id for c in RUBRIC.exercise("build_unet_no_skips").checks_for("stub")]


def test_unet_chain_passes():
    rng = np.random.default_rng(0)
    o = obs({"model": unet_info(unet_layers()), "other_arguments.model": other_arguments()},
            {"forward": softmax(rng.normal(0, 2, (4, 64, 64, 10))).astype(np.float32)})
    assert len(UNET_IDS) >= 5
    for check_id in UNET_IDS:
        outcome = run_check("build_unet_no_skips", check_id, o)
        assert outcome.passed, (check_id, outcome.message)


@pytest.mark.parametrize("merge", ["Concatenate", "Add"])
def test_unet_with_a_merge_layer_fails(merge):
    outcome = run_check("build_unet_no_skips", "no_skip_connections", obs({"model": unet_info(unet_layers(merge))}))
    assert not outcome.passed
    assert "1 layer(s) combine several tensors" in outcome.message
    assert f"{merge} '{merge.lower()}' (2 inputs)" in outcome.message


def test_unet_subclassed_or_opaque_fails():
    outcome = run_check("build_unet_no_skips", "no_skip_connections",
                        obs({"model": unet_info([], graph_kind="subclassed")}))
    assert not outcome.passed and "subclassed" in outcome.message
    layers = unet_layers() + [{**layer("my_block", "MyBlock"), "builtin": False, "opaque": True}]
    outcome = run_check("build_unet_no_skips", "no_skip_connections", obs({"model": unet_info(layers)}))
    assert not outcome.passed and "my_block" in outcome.message and "hide" in outcome.message


def test_inline_unet_judged_against_the_notebooks_own():
    """Inline form: the notebook's own U-Net minus its skips is the yardstick, whatever its style."""
    own = {**unet_info(unet_layers()), "params": 31_234}  # e.g. another course year's U-Net, skips removed
    same = obs({"model": {**unet_info(unet_layers()), "params": 31_234}, "notebook_unet_without_skips": own})
    for check_id in ("parameter_count_as_notebook_unet", "blocks_as_notebook_unet"):
        outcome = run_check("build_unet_no_skips", check_id, same)
        assert outcome.passed, (check_id, outcome.message)
    # 49,426 is right for the stub form's U-Net but not for this notebook's.
    stub_sized = obs({"model": unet_info(unet_layers()), "notebook_unet_without_skips": own})
    outcome = run_check("build_unet_no_skips", "parameter_count_as_notebook_unet", stub_sized)
    assert not outcome.passed and outcome.message == "49,426 parameters, expected 31,234 (the notebook's own U-Net with its skips left out)"
    reordered = obs({"model": unet_info(unet_layers(bn_after_relu=True)), "notebook_unet_without_skips": own})
    outcome = run_check("build_unet_no_skips", "blocks_as_notebook_unet", reordered)
    assert not outcome.passed and outcome.message.startswith("the layers differ from the notebook's own U-Net at layer 2")
    with pytest.raises(NotObserved):
        run_check("build_unet_no_skips", "parameter_count_as_notebook_unet", obs({"model": unet_info(unet_layers())}))


def test_a_failed_grader_step_costs_the_student_nothing_and_is_flagged():
    """When the grader cannot derive the notebook's U-Net without skips, its checks are left out, not failed."""
    from grader.engine import run_checks

    failure = {"type": "TypeError", "message": "Could not locate function 'softMaxAxis3'", "frames": []}
    o = obs({"model": {**unet_info(unet_layers()), "params": 31_234}, "notebook_unet_without_skips.grader_error": failure})
    specs = RUBRIC.exercise("build_unet_no_skips").checks_for("inline")
    results = {r.name: r for r in run_checks(specs, o, LAB)}
    for check_id in ("parameter_count_as_notebook_unet", "blocks_as_notebook_unet"):
        r = results[check_id]
        assert r.grader_error and not r.passed and r.points == 0 and r.max_points == 0, r
        assert "flagged for review" in r.message and "softMaxAxis3" in r.message and r.details["points_not_judged"] == 2
    assert not results["no_skip_connections"].grader_error and results["no_skip_connections"].passed
    # A missing observation of the student's own still fails, with points at stake.
    plain = {r.name: r for r in run_checks(specs, obs({"model": {**unet_info(unet_layers()), "params": 31_234}}), LAB)}
    assert not plain["parameter_count_as_notebook_unet"].grader_error and plain["parameter_count_as_notebook_unet"].max_points == 2


def test_unet_parameter_count_with_skips():
    o = obs({"model": {**unet_info(unet_layers("Concatenate")), "params": 55_266}})
    outcome = run_check("build_unet_no_skips", "parameter_count", o)
    assert not outcome.passed and outcome.message == "55,266 parameters, expected 49,426"


def test_unet_softmax_over_wrong_axis_or_sigmoid():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, (4, 64, 64, 10))
    for wrong in (1 / (1 + np.exp(-logits)), softmax(logits, axis=1), logits):
        outcome = run_check("build_unet_no_skips", "softmax_over_channels", obs({}, {"forward": wrong.astype(np.float32)}))
        assert not outcome.passed
        assert "expected a softmax over the channel axis (sums of 1)" in outcome.message and "sum to between" in outcome.message


def test_unet_arguments_ignored():
    fixed = obs({"other_arguments.model": other_arguments((64, 64, 1), 10)})
    outcome = run_check("build_unet_no_skips", "arguments_respected", fixed)
    assert not outcome.passed
    assert "build_unet_no_skips(input_shape=(32, 32, 1), num_classes=3)" in outcome.message
    assert "the input is (None, 64, 64, 1): input_shape is ignored" in outcome.message
    assert "the output has 10 channels: num_classes is ignored" in outcome.message

    classes_only = obs({"other_arguments.model": other_arguments((32, 32, 1), 10)})
    outcome = run_check("build_unet_no_skips", "arguments_respected", classes_only)
    assert not outcome.passed and "input_shape" not in outcome.message.split(":", 1)[1]
    assert "10 channels: num_classes is ignored" in outcome.message

    err = {"type": "TypeError", "message": "build_unet_no_skips() got an unexpected keyword argument 'num_classes'", "frames": []}
    with pytest.raises(NotObserved, match="your code raised TypeError: .*'num_classes'"):
        run_check("build_unet_no_skips", "arguments_respected", obs({"other_arguments.error": err}))


def test_unet_block_spellings_are_equivalent():
    """Conv2D(..., activation='relu') after BN is not the lab's order; ReLU() vs Activation('relu') is the same."""
    relu_layer = [layer(l["name"], "ReLU") if l["class"] == "Activation" else l for l in unet_layers()]
    assert run_check("build_unet_no_skips", "blocks_as_in_the_lab", obs({"model": unet_info(relu_layer)})).passed
    with_dropout = unet_layers()
    with_dropout.insert(8, layer("dropout", "Dropout", config={"rate": 0.1}))
    assert run_check("build_unet_no_skips", "blocks_as_in_the_lab", obs({"model": unet_info(with_dropout)})).passed


@pytest.mark.parametrize("variant", ["relu_in_conv", "bn_after_relu"])
def test_unet_blocks_in_the_wrong_order(variant):
    o = obs({"model": unet_info(unet_layers(**{variant: True}))})
    outcome = run_check("build_unet_no_skips", "blocks_as_in_the_lab", o)
    assert not outcome.passed
    assert "differ from the lab's at layer 2" in outcome.message
    assert "found conv8 → relu → BN" in outcome.message and "expected conv8 → BN → relu" in outcome.message


def test_unet_blocks_accept_upsampling_before_each_block():
    """The lab upsamples after each decoder block; the earlier handout's order (before) has the same layers."""
    for upsample_first in (False, True):
        outcome = run_check("build_unet_no_skips", "blocks_as_in_the_lab", obs({"model": unet_info(unet_layers(upsample_first=upsample_first))}))
        assert outcome.passed, outcome.message
    assert "upsampling before each decoder block" in outcome.message
    # An upsampling left out of one stage is still wrong, in either order.
    layers = [l for l in unet_layers() if l["name"] != "up_sampling2d_1"]
    outcome = run_check("build_unet_no_skips", "blocks_as_in_the_lab", obs({"model": unet_info(layers)}))
    assert not outcome.passed and "expected" in outcome.message and "up" in outcome.message


def test_unet_missing_decoder_block():
    layers = unet_layers()
    del layers[-5:-2]  # the last decoder block (conv8, BN, relu)
    outcome = run_check("build_unet_no_skips", "blocks_as_in_the_lab", obs({"model": unet_info(layers)}))
    assert not outcome.passed
    assert "found" in outcome.message and "conv10" in outcome.message and "expected" in outcome.message and "conv8" in outcome.message


# ---------------------------------------------------------------- 8. BatchNormalizedLayer

EPS = 0.001


@pytest.fixture(scope="module")
def z():
    from grader.probe_inputs import batch_normalized_layer_inputs

    _, secrets = batch_normalized_layer_inputs(params("BatchNormalizedLayer"))
    return secrets["pre_activation"]


def numpy_batchnorm(z, eps=EPS):
    z = np.asarray(z, np.float64)
    return (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + eps)


def bn_obs(z, train_linear=None, train_relu=None, infer_linear=None, values=None) -> Observed:
    arrays = {k: np.asarray(v, np.float32) for k, v in
              {"train_linear": train_linear, "train_relu": train_relu, "infer_linear": infer_linear}.items() if v is not None}
    return obs(values or {}, arrays, {"pre_activation": z})


def test_batchnorm_correct(z):
    o = bn_obs(z, train_linear=numpy_batchnorm(z), train_relu=np.maximum(numpy_batchnorm(z), 0),
               infer_linear=z / np.sqrt(1 + EPS),
               values={"trainable_weights": 4, "non_trainable_weights": 2,
                       "sequential.output_shape": [None, 1], "sequential.loss": 1.37,
                       "sequential.trainable_tensors": 10, "sequential.changed_tensors": 10})
    for check in RUBRIC.exercise("BatchNormalizedLayer").checks:
        outcome = CHECKS[check.check](o, **check.params)
        assert outcome.passed, (check.id, outcome.message)


def test_batchnorm_activation_before_normalization(z):
    o = bn_obs(z, train_relu=numpy_batchnorm(np.maximum(z, 0)))
    outcome = run_check("BatchNormalizedLayer", "activation_after_normalization", o)
    assert not outcome.passed and "before batch normalization" in outcome.message


def test_batchnorm_no_normalization(z):
    o = bn_obs(z, train_linear=z, train_relu=np.maximum(z, 0))
    outcome = run_check("BatchNormalizedLayer", "normalizes_in_training", o)
    assert not outcome.passed and "not normalized" in outcome.message
    outcome = run_check("BatchNormalizedLayer", "activation_after_normalization", o)
    assert not outcome.passed and "without batch normalization" in outcome.message


def test_batchnorm_activation_ignored(z):
    o = bn_obs(z, train_relu=numpy_batchnorm(z))
    outcome = run_check("BatchNormalizedLayer", "activation_after_normalization", o)
    assert not outcome.passed and "activation='relu' is ignored" in outcome.message


def test_batchnorm_unrecognized_output(z):
    o = bn_obs(z, train_linear=numpy_batchnorm(z) * 2 + 1)
    outcome = run_check("BatchNormalizedLayer", "normalizes_in_training", o)
    assert not outcome.passed
    assert "per-feature mean [1.0" in outcome.message and "std [2.0" in outcome.message
    assert "expected batch-normalized layer outputs (mean 0, std 1)" in outcome.message


def test_batchnorm_training_statistics_at_inference(z):
    o = bn_obs(z, infer_linear=numpy_batchnorm(z))
    outcome = run_check("BatchNormalizedLayer", "inference_uses_moving_statistics", o)
    assert not outcome.passed
    assert "batch's own statistics" in outcome.message and "moving mean and variance" in outcome.message
    o = bn_obs(z, infer_linear=np.maximum(z, 0) * 3)
    outcome = run_check("BatchNormalizedLayer", "inference_uses_moving_statistics", o)
    assert not outcome.passed and "differ" in outcome.message


def test_batchnorm_wrong_output_shape(z):
    o = bn_obs(z, train_linear=numpy_batchnorm(z)[:, :3])
    outcome = run_check("BatchNormalizedLayer", "output_shape", o)
    assert not outcome.passed and "shape (10, 3), expected (10, 5)" in outcome.message
    with pytest.raises(NotObserved, match=r"\(10, 3\).*\(10, 5\)"):
        run_check("BatchNormalizedLayer", "normalizes_in_training", o)


def test_batchnorm_weights_not_tracked(z):
    o = bn_obs(z, values={"trainable_weights": 2, "non_trainable_weights": 0})
    outcome = run_check("BatchNormalizedLayer", "tracks_weights", o)
    assert not outcome.passed
    assert "trainable weights (kernel, bias, gamma, beta): found 2, expected 4" in outcome.message
    assert "non-trainable weights (moving mean, variance): found 0, expected 2" in outcome.message


def test_batchnorm_in_sequential(z):
    base = {"sequential.output_shape": [None, 1], "sequential.loss": 1.37,
            "sequential.trainable_tensors": 10, "sequential.changed_tensors": 10}
    frozen = bn_obs(z, values={**base, "sequential.changed_tensors": 6})
    outcome = run_check("BatchNormalizedLayer", "trains_in_sequential", frozen)
    assert not outcome.passed and "updated 6 of 10" in outcome.message
    diverged = bn_obs(z, values={**base, "sequential.loss": float("nan")})
    assert not run_check("BatchNormalizedLayer", "trains_in_sequential", diverged).passed
    wrong_shape = bn_obs(z, values={**base, "sequential.output_shape": [None, 4, 4, 2]})
    outcome = run_check("BatchNormalizedLayer", "trains_in_sequential", wrong_shape)
    assert not outcome.passed and "(None, 4, 4, 2), expected (None, 1)" in outcome.message


# ---------------------------------------------------------------- coverage of the registry

# Each registered check and the tests above that make it pass and fail.
# ---------------------------------------------------------------- add_noise, original notebooks
#
# The lab asks for x_train_noisy = x_train + noise: no noise factor, clipping
# optional. The cell is replayed on grey images (noisy.flat) and the notebook's
# own noisy test images are compared in shape with its clean ones.


def inline_noise_obs(cell, level=0.5, clean_shape=(64, 28, 28, 1)):
    flat = np.full((100, 28, 28, 1), level, np.float32)
    clean = _rng.random(clean_shape).astype(np.float32)
    noisy_nb = cell(clean)
    return obs({"input_changed.flat": False}, {"noisy.flat": cell(flat), "noisy.notebook": noisy_nb, "clean.notebook": clean},
               {"flat_level": level})


INLINE_NOISE_CELLS = {
    # every reading of the lab a careful student could make
    "normal_loc_is_x_clipped": lambda x: np.clip(np.random.normal(x, 0.5), 0, 1),
    "factor_times_standard_normal": lambda x: np.clip(x + 0.2 * np.random.normal(0.0, 1.0, x.shape), 0.0, 1.0),
    "not_clipped": lambda x: x + np.random.normal(0, 0.3, x.shape),
    "float64_result": lambda x: np.clip(x.astype(np.float64) + np.random.normal(0, 0.4, x.shape), 0, 1),
}


@pytest.mark.parametrize("name", sorted(INLINE_NOISE_CELLS))
def test_inline_add_noise_accepts_every_reading_of_the_lab(name):
    o = inline_noise_obs(INLINE_NOISE_CELLS[name])
    for c in RUBRIC.exercise("add_noise").checks_for("inline"):
        outcome = CHECKS[c.check](o, **c.params)
        assert outcome.passed, (name, c.id, outcome.message)


@pytest.mark.parametrize("cell, check_id, expected", [
    (lambda x: x.copy(), "noise_added", "no noise added"),
    (lambda x: np.random.normal(0, 0.5, x.shape), "noise_added", "shifts values"),  # noise only, the images forgotten
    (lambda x: np.clip(x + np.random.random(x.shape), 0, 1), "noise_added", "shifts values"),  # uniform in [0, 1): not zero-mean
    (lambda x: x + np.random.normal(0, 0.01, x.shape), "noise_added", "spread"),  # too faint to see
    (lambda x: np.clip(x + np.random.normal(0, 0.5, x.shape), 0, 1)[:, ::2, ::2], "noisy_shape_kept", "expected the clean images' shape"),
    (lambda x: np.round(np.clip(x + np.random.normal(0, 0.5, x.shape), 0, 1)).astype(np.uint8), "noisy_floating_dtype", "floating dtype"),
])
def test_inline_add_noise_wrong_cells_fail(cell, check_id, expected):
    o = inline_noise_obs(cell)
    c = next(c for c in RUBRIC.exercise("add_noise").checks_for("inline") if c.id == check_id)
    outcome = CHECKS[c.check](o, **c.params)
    assert not outcome.passed and expected in outcome.message, outcome.message


COVERED = {
    "returns_ndarray": ("test_extract_W_kernel_passes_all_checks", "test_extract_W_returns_tensor_not_ndarray"),
    "array_shape": ("test_extract_W_kernel_passes_all_checks", "test_extract_W_transposed_kernel"),
    "matches_secret_array": ("test_extract_W_kernel_passes_all_checks", "test_extract_W_bias_is_named"),
    "float_dtype": ("test_add_noise_correct_passes_every_check", "test_add_noise_integer_output"),
    "same_shape_as_input": ("test_add_noise_correct_passes_every_check", "test_add_noise_flattened_output"),
    "values_in_range": ("test_add_noise_correct_passes_every_check", "test_add_noise_without_clipping"),
    "flags_false": ("test_add_noise_correct_passes_every_check", "test_add_noise_in_place"),
    "gaussian_noise_spread": ("test_add_noise_correct_passes_every_check", "test_add_noise_uniform_noise"),
    "same_shape_as_observed": ("test_inline_add_noise_accepts_every_reading_of_the_lab", "test_inline_add_noise_wrong_cells_fail"),
    "zero_mean_noise": ("test_inline_add_noise_accepts_every_reading_of_the_lab", "test_inline_add_noise_wrong_cells_fail"),
    "value_equals": ("test_bottleneck_flatten_size", "test_bottleneck_flatten_size"),
    "values_equal": ("test_batchnorm_correct", "test_batchnorm_weights_not_tracked"),
    "channel_counts": ("test_channel_counts", "test_channel_counts"),
    "model_io_shapes": ("test_sr_shapes_and_weights", "test_sr_shapes_and_weights"),
    "model_has_trainable_weights": ("test_sr_shapes_and_weights", "test_sr_shapes_and_weights"),
    "model_param_count": ("test_detector_shape_and_parameters", "test_unet_parameter_count_with_skips"),
    "last_layer_is": ("test_angle_model_shapes_and_head", "test_angle_model_shapes_and_head"),
    "softmax_over_channels": ("test_unet_chain_passes", "test_unet_softmax_over_wrong_axis_or_sigmoid"),
    "respects_arguments": ("test_unet_chain_passes", "test_unet_arguments_ignored"),
    "layer_sequence": ("test_unet_chain_passes", "test_unet_blocks_in_the_wrong_order", "test_unet_blocks_accept_upsampling_before_each_block"),
    "param_count_as_observed": ("test_inline_unet_judged_against_the_notebooks_own",),
    "layer_sequence_as_observed": ("test_inline_unet_judged_against_the_notebooks_own",),
    "graph_without_skips": ("test_unet_chain_passes", "test_unet_with_a_merge_layer_fails"),
    "classification_accuracy": ("test_classification_accuracy", "test_classification_accuracy"),
    "super_resolution_psnr": ("test_super_resolution_psnr", "test_super_resolution_psnr"),
    "angle_mae": ("test_angle_mae", "test_angle_mae"),
    "normalized_in_training": ("test_batchnorm_correct", "test_batchnorm_activation_before_normalization"),
    "inference_uses_moving_statistics": ("test_batchnorm_correct", "test_batchnorm_training_statistics_at_inference"),
    "trains_in_sequential": ("test_batchnorm_correct", "test_batchnorm_in_sequential"),
    "model_file_loads": ("test_trained_model_loads", "test_trained_model_load_errors_are_explained"),
    "metric_vs_reference": ("test_metric_vs_reference_rules", "test_metric_vs_reference_rules"),
}


# ---------------------------------------------------------------- trained models


def test_trained_model_loads():
    outcome = CHECKS["model_file_loads"](obs({"model": {"is_keras_model": True, "params": 1234}}))
    assert outcome.passed and "1,234 parameters" in outcome.message


def test_trained_model_load_errors_are_explained():
    error = {"type": "NotAKerasFile", "message": "the file is not a Keras .keras archive", "frames": []}
    outcome = CHECKS["model_file_loads"](obs({"load.error": error}))
    assert not outcome.passed and "could not be loaded" in outcome.message and "NotAKerasFile" in outcome.message


def test_metric_vs_reference_rules():
    from grader.evaluation import HeldOutTask, reconstruction
    from grader.labs.lab3.evaluation import angle_error

    angles = np.linspace(-30, 29, 100)
    task = HeldOutTask(np.zeros((100, 28, 28, 1)), angles, angle_error, "angles")
    ref = {"mae_degrees": 4.0}
    good = obs({}, {"prediction": (angles + 5).astype(np.float32)}, {"task": task, "reference_metrics": ref})
    bad = obs({}, {"prediction": (angles + 7).astype(np.float32)}, {"task": task, "reference_metrics": ref})
    params = dict(metric="mae_degrees", rule="max_ratio", value=1.5)
    assert CHECKS["metric_vs_reference"](good, **params).passed
    outcome = CHECKS["metric_vs_reference"](bad, **params)
    assert not outcome.passed and "mae_degrees 7" in outcome.message and "at most 1.5 × the reference's 4 = 6" in outcome.message

    x = np.random.default_rng(0).random((10, 28, 28, 1))
    sr = HeldOutTask(x[:, ::2, ::2], x, reconstruction, "sr")
    ref_psnr = reconstruction(np.clip(x + 0.05, 0, 1), x)["psnr"]
    close = obs({}, {"prediction": np.clip(x + 0.055, 0, 1)}, {"task": sr, "reference_metrics": {"psnr": ref_psnr}})
    far = obs({}, {"prediction": np.full_like(x, 0.5)}, {"task": sr, "reference_metrics": {"psnr": ref_psnr}})
    assert CHECKS["metric_vs_reference"](close, metric="psnr", rule="min_delta", value=-1.0).passed
    assert not CHECKS["metric_vs_reference"](far, metric="psnr", rule="min_delta", value=-1.0).passed
    wrong_shape = obs({"model": {"output_shapes": [[None, 5]]}}, {"prediction": np.zeros((10, 5))}, {"task": sr, "reference_metrics": {"psnr": 20.0}})
    with pytest.raises(NotObserved, match="do not fit the task"):
        CHECKS["metric_vs_reference"](wrong_shape, metric="psnr", rule="min_delta", value=-1.0)
    no_reference = obs({}, {"prediction": x}, {"task": sr, "reference_metrics": None})
    with pytest.raises(NotObserved, match="grader reference train"):
        CHECKS["metric_vs_reference"](no_reference, metric="psnr", rule="min_delta", value=-1.0)


def test_every_check_lab3_uses_is_tested():
    sections = list(RUBRIC.exercises) + list(RUBRIC.trained_models.models)
    used = {c.check for e in sections for c in e.checks}
    assert used == set(COVERED), f"untested checks: {sorted(used - set(COVERED))}"
    module = globals()
    for name, tests in COVERED.items():
        for test in tests:
            assert callable(module.get(test)), (name, test)


def test_every_check_of_lab3_s_own_is_used_by_its_rubric():
    sections = list(RUBRIC.exercises) + list(RUBRIC.trained_models.models)
    used = {c.check for e in sections for c in e.checks}
    assert set(LAB.checks) <= used, f"lab 3 checks its rubric never names: {sorted(set(LAB.checks) - used)}"


# ---------------------------------------------------------------- the rubric itself


def test_rubric_names_existing_checks_with_valid_parameters():
    for exercise in RUBRIC.exercises:
        for c in exercise.checks:
            assert c.check in CHECKS, f"{exercise.name}.{c.id}: unknown check {c.check}"
            # the rubric's params must bind to the check's signature (after the observation)
            inspect.signature(CHECKS[c.check]).bind(None, **c.params)
            assert c.hint, f"{exercise.name}.{c.id} has no hint"


def test_rubric_points_add_up():
    for exercise in RUBRIC.exercises:
        assert all(c.points > 0 for c in exercise.checks), exercise.name
        for form in ("stub", "inline"):  # both forms of a submission are graded out of the same points
            assert sum(c.points for c in exercise.checks_for(form)) == exercise.max_score == 10, (exercise.name, form)
    assert RUBRIC.max_score == 10 * len(RUBRIC.exercises) == 80
    assert [e.name for e in RUBRIC.exercises] == [
        "extract_W", "bottleneck_2d", "add_noise", "build_sr_network", "build_angle_cnn",
        "detector_channels", "build_unet_no_skips", "BatchNormalizedLayer",
    ]


def test_rubric_probes_have_prepare_functions():
    from grader.probe_inputs import GENERIC_PROBE_INPUTS

    for exercise in RUBRIC.exercises:
        assert callable(getattr(tasks, f"prepare_{exercise.probe}", GENERIC_PROBE_INPUTS.get(exercise.probe))), exercise.probe


MINIMAL = '''
lab = "labx"
title = "t"
version = "1"

[[exercises]]
name = "add_noise"
title = "noise"

[[exercises.checks]]
id = "a"
check = "{check_a}"
points = 1
params = {{ keys = ["x"] }}

[[exercises.checks]]
id = "{id_b}"
check = "float_dtype"
points = 1
params = {{ keys = ["x"] }}
'''


def test_load_rubric_accepts_a_minimal_rubric(tmp_path: Path):
    path = tmp_path / "ok.toml"
    path.write_text(MINIMAL.format(check_a="float_dtype", id_b="b"))
    rubric = load_rubric(path)
    assert rubric.exercise("add_noise").probe == "add_noise"
    assert rubric.max_score == 2


def test_load_rubric_rejects_unknown_check(tmp_path: Path):
    path = tmp_path / "unknown.toml"
    path.write_text(MINIMAL.format(check_a="float_dtyp", id_b="b"))
    with pytest.raises(RubricError, match=r"unknown checks: add_noise\.a: float_dtyp"):
        load_rubric(path)


def test_load_rubric_rejects_duplicate_check_id(tmp_path: Path):
    path = tmp_path / "dup.toml"
    path.write_text(MINIMAL.format(check_a="float_dtype", id_b="a"))
    with pytest.raises(RubricError, match="duplicate check ids"):
        load_rubric(path)


def test_load_rubric_rejects_missing_invalid_and_misspelled(tmp_path: Path):
    with pytest.raises(RubricError, match="not found"):
        load_rubric(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("lab = [unclosed")
    with pytest.raises(RubricError, match="not valid TOML"):
        load_rubric(bad)
    extra = tmp_path / "extra.toml"
    extra.write_text(MINIMAL.format(check_a="float_dtype", id_b="b").replace('points = 1\nparams', 'pionts = 1\nparams', 1))
    with pytest.raises(RubricError, match="invalid"):
        load_rubric(extra)
