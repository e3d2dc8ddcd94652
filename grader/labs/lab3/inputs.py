"""Lab 3: the inputs each probe receives and the targets it never sees.

``prepare_<probe>(params, data)`` returns ``(inputs, secrets)``: ``inputs``
are arrays written into the sandbox; ``secrets`` (labels, clean targets,
true angles, the weights to compare against) stay in the grader process and
are handed to the checks.
"""

from __future__ import annotations

import numpy as np

from grader.data import MNIST
from grader.labs.lab3 import data as lab_data


class LabData:
    """MNIST and derived arrays, loaded once per grading run."""

    def __init__(self, mnist: MNIST) -> None:
        self.mnist = mnist
        self.name = mnist.name
        self.x_train, self.x_test = mnist.scaled()

    def train_subset(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return self.x_train[:n], self.mnist.y_train[:n]

    def test_subset(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return self.x_test[:n], self.mnist.y_test[:n]


def prepare_extract_W(params, data: LabData):
    rng = np.random.default_rng(params.get("seed", 0))
    arrays = {
        "W_a": rng.normal(0, 0.05, (784, 10)).astype(np.float32),
        "b_a": rng.normal(0, 0.5, (10,)).astype(np.float32),
        "W_b": rng.normal(0, 0.05, (784, 10)).astype(np.float32),
        "b_b": rng.normal(0, 0.5, (10,)).astype(np.float32),
    }
    # The weights are random, not secret: the child sets them into the models.
    # A few training digits let the probe also train one model for the report's figure.
    arrays["x_train"], arrays["y_train"] = data.train_subset(params.get("figure_train_samples", 2000))
    return arrays, {
        "W.dense_then_activation": {"kernel": arrays["W_a"], "bias": arrays["b_a"]},
        "W.dense_softmax_l2": {"kernel": arrays["W_b"], "bias": arrays["b_b"]},
    }


def prepare_bottleneck_2d(params, data: LabData):
    x_train, y_train = data.train_subset(params["train_samples"])
    x_test, y_test = data.test_subset(params["test_samples"])
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test}, {"y_test": y_test}


def prepare_add_noise(params, data: LabData):
    digits, _ = data.test_subset(params["digit_samples"])
    flat = np.full((params["flat_samples"], 28, 28, 1), 0.5, np.float32)
    return {"digits": digits, "flat": flat}, {"digits": digits, "flat": flat, "flat_level": 0.5}


def prepare_build_sr_network(params, data: LabData):
    x_train, _ = data.train_subset(params["train_samples"])
    x_test, _ = data.test_subset(params["test_samples"])
    inputs = {
        "x_train_low": lab_data.downsample(x_train),
        "x_train": x_train,
        "x_test_low": lab_data.downsample(x_test),
    }
    return inputs, {"x_test": x_test, "x_test_low": inputs["x_test_low"], "train_mean_image": x_train.mean(axis=0)}


def prepare_build_angle_cnn(params, data: LabData):
    x_train, _ = data.train_subset(params["train_samples"])
    x_test, _ = data.test_subset(params["test_samples"])
    angles_train = lab_data.random_angles(len(x_train), seed=params["seed"])
    angles_test = lab_data.random_angles(len(x_test), seed=params["seed"] + 1)
    inputs = {
        "x_train": lab_data.rotate_digits(x_train, angles_train),
        "angles_train": angles_train,
        "x_test": lab_data.rotate_digits(x_test, angles_test),
    }
    # The rotated test digits stay with the secrets too, for the report's figure.
    return inputs, {"angles_test": angles_test, "x_test_rotated": inputs["x_test"]}


def prepare_detector_channels(params, data: LabData):
    return {}, {}


def prepare_build_unet_no_skips(params, data: LabData):
    x, y = data.test_subset(200)
    scenes = lab_data.make_scenes(x, y, params["forward_samples"], seed=params.get("seed", 0))
    return {"scenes": scenes.images}, {}


# Original fill-in notebooks call keras.datasets.mnist.load_data() themselves;
# the sandbox serves them digits from the grader's *training* split only, so
# that no hidden test label ever enters the student's process. The given code
# relies on MNIST's real sizes (it samples np.random.randint(0, 5000) positions
# among each class's training images), so the digits are repeated up to
# 60,000 / 10,000 inside the sandbox; the notebook's own training is capped
# anyway, so repeating them costs nothing.
NOTEBOOK_TRAIN_SIZE = 60_000
NOTEBOOK_TEST_SIZE = 10_000
NOTEBOOK_TEST_BASE = 1_000


def notebook_datasets(data: LabData) -> dict[str, np.ndarray]:
    x, y = data.mnist.x_train, data.mnist.y_train
    return {"mnist.x_train": x, "mnist.y_train": y, "mnist.x_test": x[:NOTEBOOK_TEST_BASE], "mnist.y_test": y[:NOTEBOOK_TEST_BASE],
            "mnist.sizes": np.array([NOTEBOOK_TRAIN_SIZE, NOTEBOOK_TEST_SIZE])}


#: The input preparer of each of the lab's probes.
PREPARE = {
    "extract_W": prepare_extract_W,
    "bottleneck_2d": prepare_bottleneck_2d,
    "add_noise": prepare_add_noise,
    "build_sr_network": prepare_build_sr_network,
    "build_angle_cnn": prepare_build_angle_cnn,
    "detector_channels": prepare_detector_channels,
    "build_unet_no_skips": prepare_build_unet_no_skips,
}
# BatchNormalizedLayer uses the generic batch_normalized_layer probe and its inputs
# (grader.probe_inputs.batch_normalized_layer_inputs), shared with the batchnorm lab.
