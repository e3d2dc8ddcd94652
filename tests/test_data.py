"""grader.data (bundled MNIST, the stratified split, loading .npz files) and lab 3's rotations and scenes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader import data
from grader.data import DataError, load_bundled_mnist, load_mnist, stratified_split
from grader.labs.lab3.data import make_scenes, random_angles, rotate_digits


@pytest.fixture(scope="module")
def mnist():
    return load_bundled_mnist()


# ---------------------------------------------------------------- bundled MNIST


def test_bundled_mnist_sizes_and_dtypes(mnist):
    assert mnist.x_train.shape == (4000, 28, 28)
    assert mnist.x_test.shape == (1000, 28, 28)
    assert mnist.y_train.shape == (4000,) and mnist.y_test.shape == (1000,)
    assert mnist.x_train.dtype == np.uint8 and mnist.x_test.dtype == np.uint8
    assert set(np.unique(mnist.y_train)) == set(range(10)) == set(np.unique(mnist.y_test))
    assert np.array_equal(np.bincount(mnist.y_test, minlength=10), np.full(10, 100))
    assert np.array_equal(np.bincount(mnist.y_train, minlength=10), np.full(10, 400))
    assert mnist.x_train.max() == 255 and mnist.x_train.min() == 0
    assert len(mnist.sha256) == 64
    assert "bundled" in mnist.name


def test_bundled_mnist_is_shuffled(mnist):
    """The source is sorted by class; the split must not keep that order."""
    assert len(np.unique(mnist.y_train[:50])) > 5
    assert len(np.unique(mnist.y_test[:50])) > 5


def test_load_mnist_without_full_prefers_bundled(mnist):
    loaded = load_mnist(prefer_full=False)
    assert loaded.sha256 == mnist.sha256
    assert np.array_equal(loaded.x_train, mnist.x_train) and np.array_equal(loaded.y_test, mnist.y_test)


def test_scaled_images(mnist):
    x_train, x_test = mnist.scaled()
    assert x_train.shape == (4000, 28, 28, 1) and x_test.shape == (1000, 28, 28, 1)
    assert x_train.dtype == np.float32
    assert float(x_train.min()) == 0.0 and float(x_train.max()) == 1.0


# ---------------------------------------------------------------- stratified split


def test_stratified_split_deterministic_and_disjoint():
    with np.load(data.BUNDLED_MNIST) as f:
        y = f["y"]
    train_a, test_a = stratified_split(y, 100, seed=0)
    train_b, test_b = stratified_split(y, 100, seed=0)
    assert np.array_equal(train_a, train_b) and np.array_equal(test_a, test_b)
    assert len(np.intersect1d(train_a, test_a)) == 0
    assert np.array_equal(np.sort(np.concatenate([train_a, test_a])), np.arange(len(y)))
    assert np.array_equal(np.bincount(y[test_a], minlength=10), np.full(10, 100))
    train_c, test_c = stratified_split(y, 100, seed=1)
    assert not np.array_equal(np.sort(test_a), np.sort(test_c))


def test_stratified_split_small():
    y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    train, test = stratified_split(y, 1, seed=3)
    assert sorted(y[test].tolist()) == [0, 1, 2]
    assert sorted(y[train].tolist()) == [0, 0, 1, 1, 2, 2]


# ---------------------------------------------------------------- load_mnist from a path


def fake_mnist_npz(path: Path, n_train=20, n_test=10, **override) -> Path:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    arrays.update(override)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


def test_load_mnist_fake_keras_layout(tmp_path: Path):
    path = fake_mnist_npz(tmp_path / "mnist.npz")
    loaded = load_mnist(path)
    assert loaded.x_train.shape == (20, 28, 28) and loaded.x_test.shape == (10, 28, 28)
    assert loaded.x_train.dtype == np.uint8 and loaded.y_train.dtype == np.uint8
    assert loaded.name == "MNIST from mnist.npz"
    assert loaded.sha256 == data.file_sha256(path)
    with np.load(path) as f:
        assert np.array_equal(loaded.x_train, f["x_train"])


def test_load_mnist_missing_path(tmp_path: Path):
    with pytest.raises(DataError, match=r"does not exist.*mnist\.npz layout"):
        load_mnist(tmp_path / "nope.npz")
    with pytest.raises(DataError, match="does not exist"):
        load_mnist(tmp_path)  # a directory is not a data file


def test_load_mnist_not_an_npz(tmp_path: Path):
    path = tmp_path / "mnist.npz"
    path.write_text("x_train,y_train\n1,2\n")
    with pytest.raises(DataError, match="not a readable .npz"):
        load_mnist(path)


def test_load_mnist_missing_array(tmp_path: Path):
    path = fake_mnist_npz(tmp_path / "partial.npz", y_test=None)
    with pytest.raises(DataError, match="expected arrays x_train, y_train, x_test, y_test.*missing.*y_test"):
        load_mnist(path)


def test_load_mnist_flat_images(tmp_path: Path):
    path = fake_mnist_npz(tmp_path / "flat.npz", x_train=np.zeros((20, 784), np.uint8))
    with pytest.raises(DataError, match=r"x_train has shape \(20, 784\), expected \(n, 28, 28\)"):
        load_mnist(path)


# ---------------------------------------------------------------- angles and rotation


def test_random_angles():
    angles = random_angles(5000, seed=0)
    assert angles.shape == (5000,) and angles.dtype == np.float32
    assert np.all(angles == np.round(angles))
    assert angles.min() >= -30 and angles.max() < 30
    assert angles.min() == -30 and angles.max() == 29  # the whole range is used
    assert np.array_equal(angles, random_angles(5000, seed=0))
    assert not np.array_equal(angles, random_angles(5000, seed=1))


def test_rotate_by_zero_is_identity(mnist):
    x = mnist.x_test[:20]
    assert np.array_equal(rotate_digits(x, np.zeros(20)), x)
    xf = mnist.scaled()[1][:20]
    out = rotate_digits(xf, np.zeros(20, np.float32))
    assert out.shape == (20, 28, 28, 1) and out.dtype == np.float32
    assert np.allclose(out, xf)


def test_rotate_by_90_moves_mass():
    bar = np.zeros((1, 28, 28, 1), np.float32)
    bar[0, 4:24, 13:15, 0] = 1.0  # a vertical stroke, like a "1"
    out = rotate_digits(bar, np.array([90.0]))[0, :, :, 0]
    assert out.shape == (28, 28)
    assert out.sum() == pytest.approx(bar.sum(), rel=0.1)
    rows_with_ink = np.flatnonzero(out.sum(axis=1) > 0.5)
    cols_with_ink = np.flatnonzero(out.sum(axis=0) > 0.5)
    assert len(cols_with_ink) > 15 and len(rows_with_ink) <= 4  # now horizontal
    assert out[4:24, 13:15].sum() < 0.3 * bar.sum()


def test_rotate_real_digit_changes_it_but_keeps_ink(mnist):
    x = mnist.x_test[:5].astype(np.float32) / 255
    out = rotate_digits(x, np.array([30, -30, 90, 15, -15], np.float32))
    assert out.shape == x.shape
    for before, after in zip(x, out):
        assert not np.allclose(before, after)
        assert after.sum() == pytest.approx(before.sum(), rel=0.15)


# ---------------------------------------------------------------- scenes


@pytest.fixture(scope="module")
def scenes(mnist):
    return make_scenes(mnist.x_test[:200], mnist.y_test[:200], 50, seed=7)


def test_make_scenes_shapes(scenes):
    assert scenes.images.shape == (50, 64, 64, 1) and scenes.images.dtype == np.float32
    assert scenes.boxes.shape == (50, 2, 4)
    assert scenes.labels.shape == (50, 2)
    assert scenes.masks.shape == (50, 64, 64)
    assert scenes.detector_targets.shape == (50, 2, 2, 15)
    assert 0.0 <= scenes.images.min() and scenes.images.max() <= 1.0


def test_make_scenes_deterministic(mnist, scenes):
    again = make_scenes(mnist.x_test[:200], mnist.y_test[:200], 50, seed=7)
    for field in ("images", "boxes", "labels", "masks", "detector_targets"):
        assert np.array_equal(getattr(scenes, field), getattr(again, field)), field
    other = make_scenes(mnist.x_test[:200], mnist.y_test[:200], 50, seed=8)
    assert not np.array_equal(scenes.images, other.images)


def test_make_scenes_accepts_float_digits(mnist, scenes):
    floats = mnist.scaled()[1][:200]
    again = make_scenes(floats, mnist.y_test[:200], 50, seed=7)
    assert np.allclose(again.images, scenes.images, atol=1e-6)


def test_one_digit_in_each_half(scenes):
    half = 32
    for i in range(50):
        top, bottom = scenes.boxes[i]
        assert 0 <= top[1] and top[3] <= half, top  # y0, y1 of the top digit
        assert half <= bottom[1] and bottom[3] <= 64, bottom
        for x0, y0, x1, y1 in (top, bottom):
            assert x1 - x0 == 28 and y1 - y0 == 28
            assert 0 <= x0 and x1 <= 64
        image = scenes.images[i, :, :, 0]
        assert image[:half].sum() > 10 and image[half:].sum() > 10
        # all ink lies inside the two boxes
        inside = np.zeros((64, 64), bool)
        for x0, y0, x1, y1 in scenes.boxes[i].astype(int):
            inside[y0:y1, x0:x1] = True
        assert image[~inside].max() == 0.0


def test_scene_labels_match_the_digits_placed(mnist, scenes):
    assert scenes.labels.min() >= 0 and scenes.labels.max() <= 9
    # the labels of all scenes come from the digits given
    assert set(np.unique(scenes.labels)) <= set(np.unique(mnist.y_test[:200]))


def test_detector_targets(scenes):
    t = scenes.detector_targets
    confidence = t[..., 0]
    assert set(np.unique(confidence)) <= {0.0, 1.0}
    assert np.all(confidence.reshape(50, -1).sum(axis=1) == 2)
    # exactly one confident cell in the top row and one in the bottom row
    assert np.all(confidence[:, 0, :].sum(axis=1) == 1) and np.all(confidence[:, 1, :].sum(axis=1) == 1)
    classes = t[..., 5:]
    assert np.all(classes[confidence == 1].sum(axis=-1) == 1)
    assert set(np.unique(classes)) <= {0.0, 1.0}
    assert np.all(t[confidence == 0] == 0)  # empty cells carry nothing
    boxes = t[..., 1:5][confidence == 1]
    assert boxes.min() >= 0 and boxes.max() <= 1
    for i in range(50):
        for row in (0, 1):
            col = int(np.argmax(confidence[i, row]))
            cell = t[i, row, col]
            assert int(np.argmax(cell[5:])) == scenes.labels[i, row]
            x0, y0, x1, y1 = scenes.boxes[i, row]
            assert np.allclose(cell[1:5] * 32 + [col * 32, row * 32, col * 32, row * 32], [x0, y0, x1, y1])


def test_masks_hold_only_placed_labels(scenes):
    for i in range(50):
        values = set(np.unique(scenes.masks[i]).tolist())
        assert -1 in values
        assert values - {-1} <= set(scenes.labels[i].tolist())
        assert len(values - {-1}) >= 1
        # labelled pixels are ink
        assert scenes.images[i, :, :, 0][scenes.masks[i] >= 0].min() > 0.5
        # each half is labelled with its own digit
        top = set(np.unique(scenes.masks[i, :32]).tolist()) - {-1}
        bottom = set(np.unique(scenes.masks[i, 32:]).tolist()) - {-1}
        assert top == {int(scenes.labels[i, 0])} and bottom == {int(scenes.labels[i, 1])}


def test_the_bundled_fashion_mnist_subset_is_stratified_and_named():
    from grader.data import load_bundled_fashion_mnist, load_named_datasets

    fashion = load_bundled_fashion_mnist()
    assert fashion.x_train.shape == (4000, 28, 28) and fashion.x_test.shape == (1000, 28, 28) and fashion.x_train.dtype == np.uint8
    assert list(np.bincount(fashion.y_test)) == [100] * 10 and list(np.bincount(fashion.y_train)) == [400] * 10
    named = load_named_datasets({"datasets": ["mnist", "fashion_mnist"]})
    assert named.array("fashion_mnist.x_test").shape == (1000, 28, 28) and "Fashion-MNIST" in named.name


def test_fashion_mnist_reads_a_folder_of_idx_files(tmp_path):
    import gzip

    from grader.data import DataError, load_fashion_mnist

    def idx(array):
        header = b"\x00\x00\x08" + bytes([array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
        return header + array.astype(np.uint8).tobytes()

    images, labels = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256, np.array([1, 2, 3])
    for stem, array in (("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels),
                        ("t10k-images-idx3-ubyte", images[:2]), ("t10k-labels-idx1-ubyte", labels[:2])):
        with gzip.open(tmp_path / f"{stem}.gz", "wb") as f:
            f.write(idx(array))
    loaded = load_fashion_mnist(tmp_path)
    assert np.array_equal(loaded.x_train, images) and list(loaded.y_test) == [1, 2]
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        load_fashion_mnist(tmp_path)
