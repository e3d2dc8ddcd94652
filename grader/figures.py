"""Figures for feedback reports: what the student's code produced, next to what was expected.

Each figure function takes one exercise's :class:`grader.checks.Observed`
(values, arrays and the grader's secrets) and returns PNG bytes, or ``None``
when the observations it needs are not there (exercise missing, errored,
training skipped). Figures are small (low dpi, few panels) so that a whole
report stays well under 2 MB.

Only matplotlib's object-oriented API is used (``Figure``, never pyplot's
global state), so figures can be drawn from any thread.
"""

from __future__ import annotations

import io
import logging
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")  # before anything could import pyplot: no display needed

import matplotlib.patches  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

log = logging.getLogger(__name__)

DPI = 80
FigureFunction = Callable[[Any], "bytes | None"]


def registrar(catalogue: dict[str, FigureFunction]) -> Callable[[str], Callable[[FigureFunction], FigureFunction]]:
    """A decorator factory: ``@figure("exercise")`` registers a figure in ``catalogue``."""

    def figure(exercise: str) -> Callable[[FigureFunction], FigureFunction]:
        def register(fn: FigureFunction) -> FigureFunction:
            catalogue[exercise] = fn
            return fn

        return register

    return figure


def figure_for(fn: FigureFunction | None, observed: Any, exercise: str = "") -> bytes | None:
    """The PNG ``fn`` draws from ``observed``, or None: a figure that fails is logged and skipped, never raised."""
    if fn is None or observed is None:
        return None
    try:
        return fn(observed)
    except Exception:  # noqa: BLE001 - a figure must never break a report
        log.warning("figure for %s failed; the report is written without it", exercise, exc_info=True)
        return None


# ---------------------------------------------------------------- helpers


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def arrays_of(observed) -> dict:
    return getattr(observed, "arrays", None) or {}


def secrets_of(observed) -> dict:
    return getattr(observed, "secrets", None) or {}


def values_of(observed) -> dict:
    return getattr(observed, "values", None) or {}


def as_images(array, side: int = 28) -> np.ndarray | None:
    """``array`` as (n, side, side) float images, or None when it is not that many pixels."""
    try:
        a = np.asarray(array, dtype=np.float32)
    except (TypeError, ValueError):
        return None
    if a.size == 0 or a.size % (side * side):
        return None
    return a.reshape(-1, side, side)


def show(ax, image, title: str = "", vmin: float = 0.0, vmax: float = 1.0, cmap: str = "gray") -> None:
    ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=7)


def blank(ax, text: str = "n/a") -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=7, transform=ax.transAxes)


# ---------------------------------------------------------------- trained models


def trained_model_figure(observed) -> bytes | None:
    """The student's trained model beside the reference's, on the same held-out inputs."""
    secrets = secrets_of(observed)
    task, reference = secrets.get("task"), secrets.get("reference_preview")
    prediction = arrays_of(observed).get("prediction")
    if task is None or reference is None or prediction is None:
        return None
    n = min(6, len(reference), len(prediction))
    inputs, targets = task.inputs[:n], task.targets[:n]
    student, reference = np.asarray(prediction[:n], np.float32), np.asarray(reference[:n])
    image_output = targets.ndim == 4 and targets.shape[1] > 8  # reconstructions (not 2x2 detection grids): show images
    class_maps = targets.ndim == 3 and targets.shape[1] > 8  # segmentation masks
    rows = 4 if (image_output or class_maps) else 1
    fig = Figure(figsize=(1.3 * n, 1.4 * rows + 0.3))
    axes = np.asarray(fig.subplots(rows, n)).reshape(rows, n)
    for i in range(n):
        side = inputs.shape[1]
        show(axes[0, i], inputs[i].reshape(side, side), "input" if i == 0 else "")
        if image_output:
            side = targets.shape[1]
            for row, (image, label) in enumerate(((student[i], "yours"), (reference[i], "reference"), (targets[i], "target")), 1):
                show(axes[row, i], np.asarray(image, np.float32).reshape(side, side), label if i == 0 else "")
        elif class_maps:
            yours = np.argmax(student[i].reshape(targets.shape[1:] + (-1,)), axis=-1)
            for row, (labels, label) in enumerate(((yours, "yours"), (reference[i], "reference"), (targets[i], "target")), 1):
                shown = np.where(targets[i] >= 0, labels, np.nan) if label != "target" else np.where(targets[i] >= 0, targets[i], np.nan)
                show(axes[row, i], shown, label if i == 0 else "", vmin=0, vmax=9, cmap="tab10")
        elif targets.ndim == 1 and np.issubdtype(targets.dtype, np.integer):  # classes
            axes[0, i].set_title(f"you {int(np.argmax(student[i]))} · ref {int(np.argmax(reference[i]))}\ntrue {int(targets[i])}", fontsize=7)
        elif targets.ndim == 1:  # angles
            axes[0, i].set_title(f"you {float(student[i].ravel()[0]):.0f}° · ref {float(reference[i].ravel()[0]):.0f}°\ntrue {float(targets[i]):.0f}°", fontsize=7)
        else:  # detection grids: confidence per cell
            you = (student[i].reshape(targets.shape[1:])[..., 0] > 0.5).astype(int).ravel().tolist()
            ref = (np.asarray(reference[i], np.float32)[..., 0] > 0.5).astype(int).ravel().tolist()
            truth = (targets[i][..., 0] > 0.5).astype(int).ravel().tolist()
            axes[0, i].set_title(f"cells you {you}\nref {ref} true {truth}", fontsize=6)
    fig.suptitle("your trained model and the reference on the same held-out inputs", fontsize=8)
    fig.tight_layout()
    return png(fig)

