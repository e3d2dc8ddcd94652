"""Lab 3's derived data: low-resolution digits, rotations, noise and two-digit scenes.

Everything here is deterministic given a seed, so the grader, the reference
training script and the lab notebook all see the same digits, rotations and
scenes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def downsample(x: np.ndarray) -> np.ndarray:
    """The lab's low-resolution input: every other pixel, (n, 28, 28, 1) -> (n, 14, 14, 1)."""
    return x[:, ::2, ::2, :]


def random_angles(n: int, seed: int) -> np.ndarray:
    """Integer rotation angles in [-30, 30) degrees."""
    return np.random.default_rng(seed).integers(-30, 30, size=n).astype(np.float32)


def rotate_digits(x: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Rotate each (28, 28[, 1]) image about its centre by its angle in degrees (OpenCV), as the lab's generator does."""
    import cv2

    out = np.empty_like(x)
    for i, (img, angle) in enumerate(zip(x, angles)):
        h, w = img.shape[:2]
        # The centre of the pixel grid, ((w - 1) / 2, (h - 1) / 2), as in the lab's RotNetDataGenerator.
        m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), float(angle), 1.0)
        out[i] = cv2.warpAffine(img, m, (w, h)).reshape(img.shape)
    return out


def add_gaussian_noise(x: np.ndarray, noise_factor: float, seed: int) -> np.ndarray:
    """Reference noising (used by demos and reference training), clipped to [0, 1]."""
    rng = np.random.default_rng(seed)
    return np.clip(x + noise_factor * rng.standard_normal(x.shape).astype(x.dtype), 0.0, 1.0)


@dataclass(frozen=True)
class Scenes:
    """64x64 scenes holding two digits each, for detection and segmentation.

    ``boxes`` are (n, 2, 4) corner boxes (x0, y0, x1, y1) in pixels, one per
    digit (top digit first); ``labels`` are (n, 2) classes; ``masks`` are
    (n, 64, 64) per-pixel class maps with -1 for background;
    ``detector_targets`` are (n, 2, 2, 15) grid targets: per cell
    [confidence, x0, y0, x1, y1 (relative to the cell, in cell units), one-hot class].
    """

    images: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    masks: np.ndarray
    detector_targets: np.ndarray


SCENE_SIZE = 64
GRID = 2


def make_scenes(x: np.ndarray, y: np.ndarray, n: int, seed: int) -> Scenes:
    """Place one random digit in a random top quadrant and one in a random bottom quadrant.

    ``x`` are uint8 or float (m, 28, 28[, 1]) digits, ``y`` their labels. Each
    digit sits at a random offset of 0-4 px inside its 32x32 quadrant.
    """
    rng = np.random.default_rng(seed)
    digits = np.asarray(x, dtype=np.float32).reshape(len(x), 28, 28)
    if digits.max() > 1.0:
        digits = digits / 255.0
    cell = SCENE_SIZE // GRID
    images = np.zeros((n, SCENE_SIZE, SCENE_SIZE, 1), np.float32)
    boxes = np.zeros((n, 2, 4), np.float32)
    labels = np.zeros((n, 2), np.int64)
    masks = np.full((n, SCENE_SIZE, SCENE_SIZE), -1, np.int64)
    targets = np.zeros((n, GRID, GRID, 15), np.float32)
    for i in range(n):
        for slot, row in enumerate((0, 1)):  # top digit, then bottom digit
            col = int(rng.integers(0, 2))
            k = int(rng.integers(0, len(digits)))
            dx, dy = (int(v) for v in rng.integers(0, 5, size=2))
            x0, y0 = col * cell + dx, row * cell + dy
            digit = digits[k]
            images[i, y0:y0 + 28, x0:x0 + 28, 0] = np.maximum(images[i, y0:y0 + 28, x0:x0 + 28, 0], digit)
            masks[i, y0:y0 + 28, x0:x0 + 28][digit > 0.5] = y[k]
            boxes[i, slot] = (x0, y0, x0 + 28, y0 + 28)
            labels[i, slot] = y[k]
            t = targets[i, row, col]
            t[0] = 1.0
            t[1:5] = np.array([x0 - col * cell, y0 - row * cell, x0 + 28 - col * cell, y0 + 28 - row * cell]) / cell
            t[5 + int(y[k])] = 1.0
    return Scenes(images, boxes, labels, masks, targets)
