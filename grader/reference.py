"""``grader reference train <lab>``: train a lab's reference models and record their held-out metrics.

The training code of a lab is instructor code, reached through the lab's
:meth:`grader.lab.Lab.train_reference` (usually a script in
``reference/<lab>/``). This module prepares the process for it
(TensorFlow's logging, oneDNN off so that reruns give the same numbers, the
device), loads the lab's data, runs its training and writes

* ``reference/<lab>/models/<name>.keras``, the trained models, and
* ``reference/<lab>/metrics.json``: their held-out metrics with provenance
  (device, versions, data set and split, command, budgets).

``--only`` retrains some models and merges them into the existing
``metrics.json``; the other entries (and their provenance, kept per model
when it differs) are left as they were.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console

from grader.lab import Lab, UnknownLabError, get_lab

EXIT_USAGE = 2
DEVICES = ("auto", "cpu", "gpu")

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Train the instructor's reference models of a lab (the grader compares students' models with them).",
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


class ReferenceTrainingError(Exception):
    """A usage problem: unknown lab or model, no GPU for --device gpu, unreadable data."""


def _set_tensorflow_environment(device: str) -> None:
    """Environment read by TensorFlow when it is first imported (so: before any import of it)."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # oneDNN's reordered float sums differ from run to run
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""


def gpu_missing_message(built_with_cuda: bool) -> str:
    """Why ``--device gpu`` found no GPU, and what to do about it."""
    if not built_with_cuda:
        return ("--device gpu: this TensorFlow has no CUDA support (the tensorflow-cpu package that a plain install "
                "pulls on Linux). Install the GPU build: pip install 'labgrader[gpu]', then pip uninstall -y "
                "tensorflow-cpu and pip install --force-reinstall --no-deps 'tensorflow>=2.16,<2.22' "
                "(see the README, 'Reference training on a GPU'); or use --device cpu")
    return ("--device gpu: TensorFlow is built with CUDA but finds no GPU on this machine (check nvidia-smi and "
            "CUDA_VISIBLE_DEVICES); use --device cpu or auto to train on the CPU")


def setup_device(device: str) -> str:
    """Make TensorFlow use ``device`` (auto|cpu|gpu); return the device's description for the provenance."""
    if device not in DEVICES:
        raise ReferenceTrainingError(f"--device must be one of {', '.join(DEVICES)}, not {device!r}")
    _set_tensorflow_environment(device)
    import logging

    import tensorflow as tf

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    gpus = tf.config.list_physical_devices("GPU")
    if device == "cpu" and gpus:  # TensorFlow was imported before CUDA_VISIBLE_DEVICES was set
        tf.config.set_visible_devices([], "GPU")
        gpus = []
    if device == "gpu" and not gpus:
        raise ReferenceTrainingError(gpu_missing_message(tf.test.is_built_with_cuda()))
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        name = details.get("device_name") or gpus[0].name
        return f"GPU: {name}" + (f" (+{len(gpus) - 1} more, unused)" if len(gpus) > 1 else "")
    return f"CPU: {platform.machine() or 'unknown'}, {os.cpu_count()} cores"


def merge_metrics(existing: dict | None, new: dict) -> dict:
    """Put the models of a partial run (``--only``) into an existing metrics.json.

    The file's top-level fields become the new run's; a model kept from the
    old file keeps its own "created", gains the old run's "command" and, if
    the old run's provenance differs from the new one, that provenance too.
    """
    if not existing or existing.get("lab") != new.get("lab"):
        return new
    old_provenance = existing.get("provenance", {})
    models = {}
    for name, entry in existing.get("models", {}).items():
        if name in new["models"]:
            continue
        entry = dict(entry)
        if old_provenance and old_provenance != new["provenance"] and "provenance" not in entry:
            entry["provenance"] = old_provenance
        entry.setdefault("command", existing.get("command"))
        models[name] = entry
    models.update(new["models"])
    order = list(existing.get("models", {})) + [n for n in new["models"] if n not in existing.get("models", {})]
    return {**new, "models": {n: models[n] for n in order if n in models}}


def train_reference(lab: str, device: str = "auto", data: Path | None = None, only: list[str] | None = None,
                    epochs_scale: float = 1.0, out_dir: Path | None = None, command: str = "",
                    log=print) -> dict:
    """Train (some of) a lab's reference models, write models/ and metrics.json in ``out_dir``; return the metrics."""
    try:
        plugin = get_lab(lab)
    except UnknownLabError as exc:
        raise ReferenceTrainingError(str(exc)) from None
    if not plugin.trainable_models:
        trainable = ", ".join(sorted(available_trainable_labs())) or "none"
        raise ReferenceTrainingError(f"no reference training for lab {lab!r}; labs with one: {trainable}")
    if not epochs_scale > 0:
        raise ReferenceTrainingError(f"--epochs-scale must be positive, not {epochs_scale}")
    unknown = sorted(set(only or ()) - set(plugin.trainable_models))
    if unknown:
        raise ReferenceTrainingError(f"unknown model(s) {', '.join(unknown)}; {lab} trains {', '.join(plugin.trainable_models)}")
    description = setup_device(device)

    from grader.data import DataError
    from grader.engine import load_lab_rubric

    try:
        # The data the rubric grades with, so that reference and students are measured alike.
        data = plugin.load_data(data, load_lab_rubric(plugin).data)
    except DataError as exc:
        raise ReferenceTrainingError(str(exc)) from None
    out_dir = Path(out_dir) if out_dir is not None else plugin.reference_dir
    log(f"Training {lab} reference models on {description} with {getattr(data, 'name', 'the lab data')}")
    start = time.perf_counter()
    result = plugin.train_reference(data, out_dir, description, epochs_scale=epochs_scale, only=only, log=log)
    seconds = time.perf_counter() - start
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    command = command or f"grader reference train {lab}" + "".join(f" --only {n}" for n in only or ())
    for entry in result["models"].values():
        entry["created"] = created  # per model too: --only runs merge models of different runs
    content = {
        "lab": lab,
        "created": created,
        "command": command,
        "run_wall_seconds": round(seconds, 1),  # of this run (command), training + evaluation + saving
        **{k: v for k, v in result.items() if k != "lab"},
    }
    metrics_path = out_dir / "metrics.json"
    if only:
        existing = None
        if metrics_path.is_file():
            try:
                existing = json.loads(metrics_path.read_text())
            except (OSError, ValueError):
                existing = None
        content = merge_metrics(existing, content)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = metrics_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(content, indent=2) + "\n")
    tmp.replace(metrics_path)
    log(f"Wrote {metrics_path} and {len(result['models'])} models in {out_dir / 'models'} ({seconds:.0f} s)")
    write_heldout_preview(plugin, data, out_dir, list(result["models"]))
    return content


def available_trainable_labs() -> dict[str, Lab]:
    """The labs that have reference models to train."""
    from grader.lab import available_labs

    return {name: lab for name, lab in available_labs().items() if lab.trainable_models}


PREVIEW_FILE = "heldout_preview.npz"
PREVIEW_COUNT = 8


def write_heldout_preview(lab: Lab, data, out_dir: Path, names: list[str]) -> Path:
    """The reference models' predictions on the first held-out inputs of each task.

    Reports show a student's trained model beside the reference on the same
    inputs; storing these few predictions means the reference model itself
    never has to run next to student code.
    """
    import keras

    tasks = lab.heldout_tasks(data)
    path = Path(out_dir) / PREVIEW_FILE
    previews = dict(np.load(path)) if path.is_file() else {}
    for name in names:
        model = keras.saving.load_model(Path(out_dir) / "models" / f"{name}.keras", compile=False, safe_mode=True)
        prediction = np.asarray(model.predict(tasks[name].inputs[:PREVIEW_COUNT], verbose=0), np.float32)
        if tasks[name].targets.ndim == 3:  # per-pixel class probabilities against masks: keep the class map
            prediction = np.argmax(prediction, axis=-1).astype(np.uint8)
        previews[name] = prediction.astype(np.float16) if prediction.dtype == np.float32 else prediction
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, **previews)
    tmp.replace(path)
    return path


@app.command("train")
def train_command(
    lab: Annotated[str, typer.Argument(help="Lab name (see `grader labs`).")],
    device: Annotated[str, typer.Option("--device", help="auto (a GPU if TensorFlow finds one, else the CPU), cpu or gpu.")] = "auto",
    data: Annotated[Optional[Path], typer.Option("--data", help="MNIST .npz (Keras layout) instead of the bundled subset.")] = None,
    only: Annotated[Optional[list[str]], typer.Option("--only", help="Train only this model (repeatable); merged into the existing metrics.json.")] = None,
    epochs_scale: Annotated[float, typer.Option("--epochs-scale", help="Multiply every model's epochs (e.g. 5 on a GPU).")] = 1.0,
) -> None:
    """Train the reference models, save reference/<lab>/models/*.keras and write reference/<lab>/metrics.json."""
    command = "grader " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["reference"] else ""
    try:
        train_reference(lab, device=device, data=data, only=only or None, epochs_scale=epochs_scale,
                        command=command, log=lambda line: console.print(line, highlight=False, soft_wrap=True))
    except ReferenceTrainingError as exc:
        errors.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE)
