"""The classification lab's checks on hand-made observations (no sandbox): each reading and each mistake named."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks import NotObserved, Observed
from grader.labs.classification import checks
from grader.probe_inputs import declared_inputs

RNG = np.random.default_rng(0)
LABELS = RNG.integers(0, 10, 2000)
ONE_HOT = np.eye(10, dtype=np.float32)[LABELS]


def test_declared_inputs_flatten_images_and_one_hot_labels():
    class Data:
        def array(self, reference):
            return {"d.x": np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28), "d.y": np.array([3, 7])}[reference]

    inputs, _ = declared_inputs({"x": {"dataset": "d.x", "scale": 255, "flatten": True}, "y": {"dataset": "d.y", "one_hot": 10}}, Data())
    assert inputs["x"].shape == (2, 784) and inputs["x"].max() <= 1
    assert inputs["y"].tolist()[0] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0] and inputs["y"].shape == (2, 10)


def _noisy(rows_fraction, forced, replace=False):
    noisy = ONE_HOT.copy()
    rows = RNG.choice(len(noisy), int(rows_fraction * len(noisy)), replace=replace)
    new = (LABELS[rows] + RNG.integers(1, 10, len(rows))) % 10 if forced else RNG.integers(0, 10, len(rows))
    noisy[rows] = np.eye(10)[new]
    return noisy


@pytest.mark.parametrize("forced", [True, False], ids=["forced_to_differ", "redrawn_over_all_classes"])
def test_noisy_fraction_accepts_both_readings(forced):
    obs = Observed({}, {"output.p": _noisy(0.2, forced)}, {"y": ONE_HOT})
    assert checks.noisy_fraction(obs, cases={"p": 0.2}, clean="y").passed


def test_noisy_fraction_names_sampling_with_replacement_and_percentages():
    replaced = Observed({}, {"output.p": _noisy(0.5, False, replace=True)}, {"y": ONE_HOT})
    outcome = checks.noisy_fraction(replaced, cases={"p": 0.5}, clean="y")
    assert not outcome.passed and "with replacement" in outcome.message
    percent = Observed({}, {"output.p": _noisy(0.005, True)}, {"y": ONE_HOT})
    outcome = checks.noisy_fraction(percent, cases={"p": 0.5}, clean="y")
    assert not outcome.passed and "not a percentage" in outcome.message


def test_one_hot_labels_names_integer_labels_and_a_shift():
    obs = Observed({}, {"y": LABELS, "shifted": np.eye(10)[(LABELS + 1) % 10]}, {"labels": LABELS})
    assert "still one integer per image" in checks.one_hot_labels(obs, keys={"y": "labels"}).message
    assert "position 1+k" in checks.one_hot_labels(obs, keys={"shifted": "labels"}).message
    assert checks.one_hot_labels(Observed({}, {"y": ONE_HOT}, {"labels": LABELS}), keys={"y": "labels"}).passed


IMAGES = np.where(RNG.random((200, 784)) < 0.5, 0.0, RNG.random((200, 784)))


@pytest.mark.parametrize("clip", [False, True], ids=["unclipped", "clipped"])
def test_gaussian_input_noise_finds_the_variance_clipped_or_not(clip):
    noisy = IMAGES + RNG.normal(0, np.sqrt(0.5), IMAGES.shape)
    obs = Observed({}, {"output.v": np.clip(noisy, 0, 1) if clip else noisy}, {"x": IMAGES})
    outcome = checks.gaussian_input_noise(obs, cases={"v": 0.5}, clean="x")
    assert outcome.passed, outcome.message
    assert ("clipped" in outcome.message) == clip


def test_misclassified_needs_the_observed_predictions():
    obs = Observed({}, {"indices": np.array([1, 2])}, {"labels": LABELS})
    with pytest.raises(NotObserved):
        checks.misclassified(obs)


def test_describe_compiled_and_regularizers_in_the_sandbox_helpers():
    import keras

    from grader.harness.observe import describe_compiled, describe_model

    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.l1_l2(l1=0, l2=0.01)),
                              keras.layers.Dense(10, activation="softmax")])
    assert describe_compiled(model) == {"compiled": False}
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy", metrics=["accuracy"])
    info = describe_compiled(model)
    assert info["optimizer"] == "SGD" and abs(info["learning_rate"] - 0.1) < 1e-6
    assert info["loss"] == ["categorical_crossentropy"] and info["metrics"] == ["accuracy"]
    dense = describe_model(model)["layers"][0]
    assert dense["config"]["kernel_regularizer"] == {"class": "L1L2", "l1": 0.0, "l2": pytest.approx(0.01)}
