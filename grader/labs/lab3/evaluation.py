"""The held-out tasks of lab 3's trained models, and the metrics that are only lab 3's."""

from __future__ import annotations

import numpy as np

from grader.data import MNIST
from grader.evaluation import HeldOutTask, accuracy, reconstruction
from grader.labs.lab3 import data as lab_data

HELDOUT_DIGITS = 1000
HELDOUT_SCENES = 300
NOISE_FACTOR = 0.5
SEED = 1234  # differs from every training seed


def angle_error(prediction: np.ndarray, angles: np.ndarray) -> dict[str, float]:
    p = np.asarray(prediction, np.float64).reshape(len(angles))
    return {"mae_degrees": float(np.mean(np.abs(p - angles)))}


def detection(prediction: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """Per grid cell: confidence right at 0.5; box corner error (cell units) and class accuracy where a digit is."""
    p = np.asarray(prediction, np.float64).reshape(targets.shape)
    has = targets[..., 0] > 0.5
    return {
        "confidence_accuracy": float(np.mean((p[..., 0] > 0.5) == has)),
        "box_error": float(np.mean(np.abs(p[..., 1:5][has] - targets[..., 1:5][has]))),
        "class_accuracy": float(np.mean(np.argmax(p[..., 5:][has], axis=-1) == np.argmax(targets[..., 5:][has], axis=-1))),
    }


def segmentation(prediction: np.ndarray, masks: np.ndarray) -> dict[str, float]:
    """Accuracy and mean IoU over the 10 classes, on the digits' pixels (background is not a class)."""
    predicted = np.argmax(np.asarray(prediction).reshape(masks.shape + (-1,)), axis=-1)
    ink = masks >= 0
    truth, guess = masks[ink], predicted[ink]
    ious = []
    for k in range(10):
        union = np.sum((truth == k) | (guess == k))
        if union:
            ious.append(np.sum((truth == k) & (guess == k)) / union)
    return {"pixel_accuracy": float(np.mean(truth == guess)), "mean_iou": float(np.mean(ious)) if ious else 0.0}


def heldout_tasks(mnist: MNIST) -> dict[str, HeldOutTask]:
    """The held-out task of every trained lab 3 model, keyed by its saved file's stem."""
    _, x_test = mnist.scaled()
    x, y = x_test[:HELDOUT_DIGITS], mnist.y_test[:HELDOUT_DIGITS]
    angles = lab_data.random_angles(len(x), seed=SEED)
    scenes = lab_data.make_scenes(mnist.x_test, mnist.y_test, HELDOUT_SCENES, seed=SEED)
    return {
        "softmax_regression": HeldOutTask(x, y, accuracy, "classify test digits"),
        "bottleneck_cnn": HeldOutTask(x, y, accuracy, "classify test digits through the 2-D bottleneck"),
        "denoising_autoencoder": HeldOutTask(lab_data.add_gaussian_noise(x, NOISE_FACTOR, seed=SEED), x, reconstruction,
                                             f"clean test digits with Gaussian noise (factor {NOISE_FACTOR})"),
        "sr_network": HeldOutTask(lab_data.downsample(x), x, reconstruction, "upsample 14x14 test digits to 28x28"),
        "angle_cnn": HeldOutTask(lab_data.rotate_digits(x, angles), angles, angle_error, "angle of rotated test digits, in degrees"),
        "detector": HeldOutTask(scenes.images, scenes.detector_targets, detection, "find two digits in 64x64 test scenes"),
        "unet": HeldOutTask(scenes.images, scenes.masks, segmentation, "label the digits' pixels in 64x64 test scenes"),
        "unet_no_skips": HeldOutTask(scenes.images, scenes.masks, segmentation, "the same without skip connections"),
    }
