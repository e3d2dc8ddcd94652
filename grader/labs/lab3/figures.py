"""Lab 3's report figures: what the student's code produced, next to what was expected.

See :mod:`grader.figures` for the contract (one exercise's observations in,
PNG bytes or None out) and the drawing helpers used here.
"""

from __future__ import annotations

import matplotlib.patches
import numpy as np
from matplotlib.figure import Figure

from grader.figures import arrays_of, as_images, blank, png, registrar, secrets_of, show, values_of

FIGURES: dict = {}
figure = registrar(FIGURES)


# ---------------------------------------------------------------- 1. extract_W


@figure("extract_W")
def extract_w(observed) -> bytes | None:
    """The 10 columns of W as 28x28 images: each of the student's answers, then the kernel the model holds."""
    arrays, secrets = arrays_of(observed), secrets_of(observed)
    rows = []
    for key, label in (("W.dense_then_activation", "yours (Dense + Activation)"), ("W.dense_softmax_l2", "yours (Dense softmax, L2)")):
        if key in arrays:
            rows.append((label, arrays[key]))
    if not rows:
        return None
    reference = secrets.get("W.dense_then_activation", {}).get("kernel")
    trained, trained_kernel = arrays.get("W.trained"), arrays.get("W.trained.kernel")
    if trained is not None and trained_kernel is not None:
        # Weights of a briefly trained model look like digits; random ones only like noise.
        rows = [("yours, on a trained model", trained), ("the trained model's kernel", trained_kernel)]
        reference = trained_kernel
    elif reference is not None:
        rows.append(("reference kernel (Dense + Activation)", reference))
    limit = float(np.max(np.abs(reference))) if reference is not None else 0.15
    fig = Figure(figsize=(6.5, 0.72 * len(rows) + 0.25))
    axes = fig.subplots(len(rows), 10, squeeze=False)
    for r, (label, w) in enumerate(rows):
        w = np.asarray(w, dtype=np.float32) if np.asarray(w).dtype.kind in "fiub" else None
        ok = w is not None and w.size == 784 * 10
        for k in range(10):
            ax = axes[r, k]
            if ok:
                show(ax, w.reshape(28, 28, 10)[:, :, k], vmin=-limit, vmax=limit, cmap="RdBu_r")
            else:
                blank(ax, "—" if k else f"shape\n{None if w is None else w.shape}")
            if r == 0:
                ax.set_title(str(k), fontsize=7)
        axes[r, 0].text(-0.15, 0.5, label, fontsize=6, ha="right", va="center", transform=axes[r, 0].transAxes)
    fig.subplots_adjust(left=0.3, right=0.99, top=0.9, bottom=0.02, wspace=0.05, hspace=0.08)
    return png(fig)


# ---------------------------------------------------------------- 2. bottleneck_2d


@figure("bottleneck_2d")
def bottleneck_codes(observed) -> bytes | None:
    """The 2-D codes of test digits, coloured by their true class."""
    codes = arrays_of(observed).get("test_codes")
    labels = secrets_of(observed).get("y_test")
    if codes is None or labels is None:
        return None
    codes = np.asarray(codes, dtype=np.float32)
    if codes.ndim != 2 or codes.shape[1] != 2:
        return None
    labels = np.asarray(labels)[: len(codes)]
    fig = Figure(figsize=(4.6, 3.4))
    ax = fig.subplots()
    cmap = matplotlib.colormaps["tab10"]
    for digit in range(10):
        chosen = labels == digit
        ax.scatter(codes[chosen, 0], codes[chosen, 1], s=5, color=cmap(digit), label=str(digit), alpha=0.8, linewidths=0)
    ax.legend(fontsize=6, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, title="digit", title_fontsize=6)
    ax.set_title("your 2-D bottleneck: test digits by class", fontsize=8)
    ax.tick_params(labelsize=6)
    fig.tight_layout()
    return png(fig)


# ---------------------------------------------------------------- 3. add_noise


@figure("add_noise")
def noise_pairs(observed) -> bytes | None:
    """Clean digits above their noisy versions; uniform grey images noised at two factors, with a histogram."""
    arrays, secrets = arrays_of(observed), secrets_of(observed)
    noisy = as_images(arrays.get("noisy.default")) if "noisy.default" in arrays else None
    clean = as_images(secrets.get("digits")) if secrets.get("digits") is not None else None
    greys = {f: as_images(arrays[f"noisy.{f}"]) for f in ("0.5", "0.2") if f"noisy.{f}" in arrays}
    if noisy is None and not greys:
        return None
    n = 6
    fig = Figure(figsize=(7.5, 2.3))
    grid = fig.add_gridspec(2, n + 3, width_ratios=[1] * n + [0.3, 1, 2.2])
    for i in range(n):
        top, bottom = fig.add_subplot(grid[0, i]), fig.add_subplot(grid[1, i])
        if clean is not None and i < len(clean):
            show(top, clean[i], "clean" if i == 0 else "")
        else:
            blank(top)
        if noisy is not None and i < len(noisy):
            show(bottom, noisy[i], "yours (default)" if i == 0 else "")
        else:
            blank(bottom)
    hist = fig.add_subplot(grid[:, n + 2])
    for row, factor in enumerate(("0.5", "0.2")):
        ax = fig.add_subplot(grid[row, n + 1])
        images = greys.get(factor)
        if images is None:
            blank(ax)
            continue
        show(ax, images[0], f"grey, factor {factor}")
        hist.hist(images.ravel(), bins=40, range=(-0.5, 1.5), histtype="step", label=f"factor {factor}")
    hist.axvline(0, color="grey", lw=0.5)
    hist.axvline(1, color="grey", lw=0.5)
    hist.set_title("noised grey: pixel values", fontsize=7)
    hist.tick_params(labelsize=6)
    hist.set_yticks([])
    if greys:
        hist.legend(fontsize=6, frameon=False)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.88, bottom=0.1, wspace=0.08, hspace=0.25)
    return png(fig)


# ---------------------------------------------------------------- 4. build_sr_network


def _bicubic(low: np.ndarray) -> np.ndarray:
    import cv2

    return np.stack([cv2.resize(img.reshape(14, 14), (28, 28), interpolation=cv2.INTER_CUBIC) for img in low])


@figure("build_sr_network")
def super_resolution(observed) -> bytes | None:
    """Rows: low-res input, bicubic upsampling, the student's network, the true digit; PSNR in the titles."""
    from grader.checks import psnr

    arrays, secrets = arrays_of(observed), secrets_of(observed)
    target, low = secrets.get("x_test"), secrets.get("x_test_low")
    runs = {k: v for k, v in arrays.items() if k.startswith("prediction.seed")}
    if not runs or target is None or low is None:
        return None
    target = np.asarray(target, np.float32)
    scored = {k: psnr(v, target) for k, v in runs.items() if np.asarray(v).size == target.size}
    if not scored:
        return None
    best = max(scored, key=scored.get)
    prediction = np.clip(np.asarray(runs[best], np.float32).reshape(-1, 28, 28), 0, 1)
    n = 6
    bicubic = _bicubic(np.asarray(low[:n], np.float32))
    bicubic_db = psnr(_bicubic(np.asarray(low, np.float32)), target)
    rows = [("low-res input", np.asarray(low[:n]).reshape(-1, 14, 14)), ("bicubic", np.clip(bicubic, 0, 1)),
            ("your network", prediction[:n]), ("target", target[:n].reshape(-1, 28, 28))]
    fig = Figure(figsize=(4.6, 3.4))
    axes = fig.subplots(4, n, squeeze=False)
    for r, (label, images) in enumerate(rows):
        for i in range(n):
            show(axes[r, i], images[i])
        axes[r, 0].text(-0.1, 0.5, label, fontsize=7, ha="right", va="center", transform=axes[r, 0].transAxes)
    fig.suptitle(f"PSNR: yours {scored[best]:.1f} dB ({best.split('.')[-1]}), bicubic {bicubic_db:.1f} dB", fontsize=8)
    fig.subplots_adjust(left=0.22, right=0.99, top=0.9, bottom=0.01, wspace=0.05, hspace=0.08)
    return png(fig)


# ---------------------------------------------------------------- 5. build_angle_cnn


def _rotate(image: np.ndarray, angle: float) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), float(angle), 1.0)
    return cv2.warpAffine(image, m, (w, h))


@figure("build_angle_cnn")
def angles(observed) -> bytes | None:
    """Predicted vs true angle, and rotated test digits turned back by the predicted angle."""
    predicted = arrays_of(observed).get("predicted_angles")
    truth = secrets_of(observed).get("angles_test")
    if predicted is None or truth is None:
        return None
    predicted = np.asarray(predicted, np.float32).reshape(-1)
    truth = np.asarray(truth, np.float32).reshape(-1)
    if predicted.shape != truth.shape:
        return None
    rotated = secrets_of(observed).get("x_test_rotated")
    n = 6 if rotated is not None else 0
    fig = Figure(figsize=(7.0, 2.8))
    grid = fig.add_gridspec(2, 1 + n, width_ratios=[3.2] + [1] * n)
    ax = fig.add_subplot(grid[:, 0])
    ax.scatter(truth, predicted, s=4, alpha=0.6, linewidths=0)
    ax.plot([-30, 30], [-30, 30], color="black", lw=0.8, label="perfect")
    mae = float(np.mean(np.abs(predicted - truth)))
    ax.set_title(f"predicted vs true angle (MAE {mae:.1f}°)", fontsize=8)
    ax.set_xlabel("true angle (°)", fontsize=7)
    ax.set_ylabel("your prediction (°)", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.legend(fontsize=6, frameon=False)
    if n:
        images = np.asarray(rotated, np.float32).reshape(-1, 28, 28)
        for i in range(min(n, len(images))):
            show(fig.add_subplot(grid[0, 1 + i]), images[i], f"true {truth[i]:+.0f}°")
            show(fig.add_subplot(grid[1, 1 + i]), _rotate(images[i], -predicted[i]), f"back by {predicted[i]:+.0f}°")
    fig.subplots_adjust(left=0.08, right=0.99, top=0.88, bottom=0.16, wspace=0.15, hspace=0.3)
    return png(fig)


# ---------------------------------------------------------------- 6. detector_channels

CHANNEL_LAYOUT = "per cell, 15 channels: [0] confidence (sigmoid) · [1:5] box x0, y0, x1, y1 · [5:15] class (softmax)"


def _example_scene():
    from grader.data import load_bundled_mnist
    from grader.labs.lab3 import data as lab_data

    mnist = load_bundled_mnist()
    return lab_data.make_scenes(mnist.x_test[:20], mnist.y_test[:20], 1, seed=3)


@figure("detector_channels")
def detector_layout(observed) -> bytes | None:
    """One detection scene with its 2x2 grid, each cell's target, and the expected channel layout."""
    values = values_of(observed)
    if "counts" not in values and "counts.type" not in values:
        return None
    from grader.labs.lab3.data import GRID, SCENE_SIZE

    scene = _example_scene()
    image, targets = scene.images[0, :, :, 0], scene.detector_targets[0]
    cell = SCENE_SIZE // GRID
    fig = Figure(figsize=(6.4, 3.0))
    grid = fig.add_gridspec(1, 2, width_ratios=[1, 1.4])
    ax = fig.add_subplot(grid[0, 0])
    show(ax, image, "a scene and its 2x2 grid")
    for k in range(1, GRID):
        ax.axhline(k * cell - 0.5, color="orange", lw=1)
        ax.axvline(k * cell - 0.5, color="orange", lw=1)
    for (x0, y0, x1, y1) in scene.boxes[0]:
        ax.add_patch(matplotlib.patches.Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor="lime", lw=1))
    for row in range(GRID):
        for col in range(GRID):
            t = targets[row, col]
            label = f"conf {t[0]:.0f}" + (f", class {int(np.argmax(t[5:]))}" if t[0] else "")
            ax.text(col * cell + 2, row * cell + cell - 3, label, color="yellow", fontsize=6)
    text = fig.add_subplot(grid[0, 1])
    text.set_axis_off()
    counts = values.get("counts")
    yours = f"yours: {counts} → {sum(counts)} channels" if isinstance(counts, list) else f"yours: a {values.get('counts.type', '?')}, not 3 numbers"
    lines = ["expected output: (2, 2, 15)", "one vector per grid cell:", "  channel 0: confidence (sigmoid)",
             "  channels 1-4: box x0, y0, x1, y1", "     (relative to the cell)", "  channels 5-14: digit class (softmax)",
             "", "expected counts: [1, 4, 10]", yours]
    text.text(0.0, 0.95, "\n".join(lines), fontsize=8, va="top", family="monospace", transform=text.transAxes)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.02, wspace=0.05)
    return png(fig)


# ---------------------------------------------------------------- 8. BatchNormalizedLayer


@figure("BatchNormalizedLayer")
def batch_statistics(observed) -> bytes | None:
    """Per-feature mean and standard deviation before normalization and of the student's training output."""
    before = secrets_of(observed).get("pre_activation")
    after = arrays_of(observed).get("train_linear")
    if before is None or after is None:
        return None
    before = np.asarray(before, np.float64)
    after = np.asarray(after, np.float64)
    if after.ndim != 2 or after.shape[1] != before.shape[1]:
        return None
    features = np.arange(before.shape[1])
    fig = Figure(figsize=(6.0, 2.4))
    axes = fig.subplots(1, 2)
    for ax, stat, name, ideal in ((axes[0], np.mean, "mean", 0.0), (axes[1], np.std, "standard deviation", 1.0)):
        ax.bar(features - 0.2, stat(before, axis=0), width=0.4, label="Dense output (before BN)")
        ax.bar(features + 0.2, stat(after, axis=0), width=0.4, label="your layer, training=True")
        ax.axhline(ideal, color="black", lw=0.8, ls="--", label=f"normalized: {ideal:g}")
        ax.set_title(f"per-feature {name}", fontsize=8)
        ax.set_xticks(features)
        ax.set_xlabel("feature", fontsize=7)
        ax.tick_params(labelsize=6)
    axes[0].legend(fontsize=6, frameon=False)
    fig.tight_layout()
    return png(fig)


