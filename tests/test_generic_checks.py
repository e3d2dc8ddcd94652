"""The generic catalogue's declarative checks, on hand-made observations: each passes a right answer and fails a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks import CHECKS, GraderStepFailed, Observed


def obs(values=None, arrays=None, secrets=None) -> Observed:
    return Observed(dict(values or {}), dict(arrays or {}), dict(secrets or {}))


MODEL = {"is_keras_model": True, "input_shapes": [[None, 28, 28, 1]], "output_shapes": [[None, 28, 28, 1]], "params": 5786}


def test_output_shape_alone_or_with_the_input_shape():
    check = CHECKS["model_io_shapes"]
    assert check(obs({"model": MODEL}), key="model", outputs=[[0, 28, 28, 1]]).message == "output (None, 28, 28, 1)"
    wrong = check(obs({"model": {**MODEL, "output_shapes": [[None, 27, 27, 1]]}}), key="model", outputs=[[0, 28, 28, 1]])
    assert not wrong.passed and wrong.message == "output shape (None, 27, 27, 1), expected (None, 28, 28, 1)"
    assert not check(obs({"model": MODEL}), key="model", outputs=[[0, 28, 28, 1]], inputs=[[0, 28, 28]]).passed


def test_parameter_count_accepts_the_other_readings_and_says_which():
    check = CHECKS["model_param_count"]
    readings = [{"count": 5786, "as": "the padding='same' reading"}]
    same = check(obs({"model": MODEL}), key="model", expected=4250, also_accepted=readings)
    assert same.passed and same.message == "5,786 parameters: the padding='same' reading"
    assert check(obs({"model": {**MODEL, "params": 4250}}), key="model", expected=4250, also_accepted=readings).details["reading"] == "expected"
    wrong = check(obs({"model": {**MODEL, "params": 5723}}), key="model", expected=4250, also_accepted=readings)
    assert not wrong.passed and wrong.message == "5,723 parameters, expected 4,250 or 5,786 (the padding='same' reading)"


def test_trained_metric_bounds_and_baseline():
    check = CHECKS["trained_metric"]
    labels = np.array([0, 1, 2, 1])
    right = np.eye(3)[labels]
    values = {"training.epochs": 3, "training.samples": 1000}
    passed = check(obs(values, {"test_predictions": right}, {"y": labels}), metric="accuracy", target="y", minimum=0.9)
    assert passed.passed and passed.message == "accuracy 1 on held-out data after 3 epochs on 1,000 images (at least 0.9 needed)"
    failed = check(obs({}, {"test_predictions": np.eye(3)[[0, 0, 0, 0]]}, {"y": labels}), metric="accuracy", target="y",
                   minimum=0.9, baseline="chance is 0.33")
    assert not failed.passed and failed.message == "accuracy 0.25 on held-out data; expected at least 0.9; chance is 0.33"
    mse = check(obs({}, {"test_predictions": np.ones((2, 3))}, {"x": np.zeros((2, 3))}), metric="mse", target="x", maximum=0.1)
    assert not mse.passed and "mse 1" in mse.message
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        check(obs(), metric="f1", target="y")


def test_equals_reference_names_how_far_off_and_blames_the_grader_for_its_own_failure():
    check = CHECKS["equals_reference"]
    expected = np.arange(6.0).reshape(2, 3)
    assert check(obs({}, {"output": expected.copy()}, {"reference_output": expected})).passed
    off = check(obs({}, {"output": expected + np.array([[0, 0, 0.5], [0, 0, 0]])}, {"reference_output": expected}))
    assert not off.passed and off.message == "1 of 6 values differ from the expected result (largest difference 0.5)"
    transposed = check(obs({}, {"output": expected.T}, {"reference_output": expected}))
    assert not transposed.passed and transposed.message.startswith("shape (3, 2), expected (2, 3)")
    with pytest.raises(GraderStepFailed, match="instructor bug"):
        check(obs({}, {"output": expected}, {"reference_output_error": "RuntimeError: instructor bug"}))


def test_answers_equal_names_each_wrong_answer_and_accepts_declared_readings():
    check = CHECKS["answers_equal"]
    expected = {"one": 148, "shape": [16, 16, 8]}
    readings = [{"values": {"one": 147}, "as": "counted without the bias"}]
    assert check(obs({"output.value": {"one": 148, "shape": (16, 16, 8)}}), expected=expected).passed  # tuples read as lists
    other = check(obs({"output.value": {"one": 147, "shape": [16, 16, 8]}}), expected=expected, also_accepted=readings)
    assert other.passed and other.message == "all 2 answers right, counted without the bias"
    wrong = check(obs({"output.value": {"one": 50}}), expected=expected, also_accepted=readings)
    assert not wrong.passed and wrong.message == "2 of 2 answers wrong: one: 50, expected 148; no answer for shape"
    assert "expected a dict" in check(obs({"output.value": [148, [16, 16, 8]]}), expected=expected).message


def test_layer_outputs_walks_the_layers_skipping_padding_and_activations():
    check = CHECKS["layer_outputs"]
    layers = [{"name": "input", "class": "InputLayer", "output_shape": [None, 32, 32, 3], "params": 0},
              {"name": "pad", "class": "ZeroPadding2D", "output_shape": [None, 34, 34, 3], "params": 0},
              {"name": "conv", "class": "Conv2D", "output_shape": [None, 16, 16, 8], "params": 224},
              {"name": "gap", "class": "GlobalAveragePooling2D", "output_shape": [None, 8], "params": 0}]
    model = {"is_keras_model": True, "layers": layers}
    expected = [{"layer": "Conv2D", "shape": [16, 16, 8], "params": 224}, {"layer": "GlobalAveragePooling2D", "shape": [8], "params": 0}]
    assert check(obs({"model": model}), key="model", expected=expected, ignore=["ZeroPadding2D"]).passed
    wrong = check(obs({"model": model}), key="model", expected=[{**expected[0], "params": 216}, expected[1]], ignore=["ZeroPadding2D"])
    assert not wrong.passed and wrong.message == "layer 1 (conv): 224 parameters, expected 216"
    short = check(obs({"model": model}), key="model", expected=expected[:1], ignore=["ZeroPadding2D"])
    assert not short.passed and short.message.startswith("2 layers (Conv2D, GlobalAveragePooling2D), expected 1")
