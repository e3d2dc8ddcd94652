"""Lab 3: train the instructor's reference models and measure them on the held-out tasks.

Instructor code (trusted). Run it through ``grader reference train lab3``,
which sets up TensorFlow (logging, oneDNN off for reproducibility, the device)
before this module is imported, then calls :func:`train_all`.

Every model mirrors the student notebook: the same architectures (the given
ones from ``grader/labs/lab3/sandbox/given.py``, the answers from the reference
solution ``solution.py``; both generated from ``master.ipynb``), the same losses
and optimizers:

========================  ===================================================  ===============================
model                     architecture                                         loss
========================  ===================================================  ===============================
softmax_regression        Flatten -> Dense(10) -> softmax                      sparse categorical CE, SGD 0.1
bottleneck_cnn            conv stack -> ``bottleneck_2d`` -> Dense head        sparse categorical CE, Adam
denoising_autoencoder     the lab's conv autoencoder, sigmoid output           binary CE, Adam
sr_network                ``build_sr_network``                                 MSE, Adam (as the notebook)
angle_cnn                 ``build_angle_cnn`` (linear head, degrees)           MSE, Adam
detector                  the lab's 2x2-grid detector (24,275 parameters)      ``detector_loss``, Adam 3e-3
unet / unet_no_skips      ``build_unet`` / ``build_unet_no_skips``             sparse categorical CE weighted
                                                                               on ink pixels only, Adam
========================  ===================================================  ===============================

Training uses the TRAIN split only (``mnist.x_train``; noise, rotations and
scenes drawn from training digits with training seeds, all different from
:data:`grader.labs.lab3.evaluation.SEED`). Each trained model is then scored by
:func:`grader.labs.lab3.evaluation.heldout_tasks` and its metric, exactly as a
student's saved model is scored by the grader.

Budgets (:data:`BUDGETS`) are sized so that the whole run takes about
20 minutes on 2 CPU cores with the bundled 4,000 training digits (the lab's
detector, with its 33x33 first convolution at 64x64, takes half of it); on a
GPU, raise them with ``epochs_scale``.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

import keras
from keras import layers

from grader.data import BUNDLED_MNIST, MNIST, file_sha256
from grader.evaluation import HeldOutTask
from grader.labs.lab3 import data as lab_data
from grader.labs.lab3 import evaluation
from grader.labs.lab3.sandbox import given

HERE = Path(__file__).resolve().parent
LAB = "lab3"

#: Every trained model, in training order; also the saved files' stems.
MODELS = (
    "softmax_regression",
    "bottleneck_cnn",
    "denoising_autoencoder",
    "sr_network",
    "angle_cnn",
    "detector",
    "unet",
    "unet_no_skips",
)

# Seeds of the training data (noise, rotations, scenes); the held-out tasks use evaluation.SEED.
TRAIN_NOISE_SEED = 11
TRAIN_ANGLE_SEED = 12
TRAIN_SCENE_SEED = 13
assert evaluation.SEED not in (TRAIN_NOISE_SEED, TRAIN_ANGLE_SEED, TRAIN_SCENE_SEED)


def _load_solution():
    """The reference solution module, imported by path (reference/ is not a package)."""
    name = "labgrader_reference_lab3_solution"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "solution.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


solution = _load_solution()


# ---------------------------------------------------------------- architectures (as in the notebook)


def build_softmax_regression() -> keras.Model:
    return keras.Sequential(
        [keras.Input(shape=(28, 28, 1)), layers.Flatten(), layers.Dense(10), layers.Activation("softmax")],
        name="softmax_regression",
    )


def build_bottleneck_cnn() -> keras.Model:
    return given.build_bottleneck_cnn(solution.bottleneck_2d)


def build_denoising_autoencoder() -> keras.Model:
    """The lab's autoencoder with a sigmoid on its output, as the notebook's second model."""
    autoencoder = given.build_autoencoder()
    outputs = layers.Activation("sigmoid")(autoencoder.output)
    return keras.Model(autoencoder.input, outputs, name="autoencoder")


def build_detector() -> keras.Model:
    """The lab's detector: shared encoder to 8x8x32, three conv heads to the 2x2 grid (24,275 parameters)."""
    return given.build_detector(solution.detector_channels())


detector_loss = given.detector_loss


# ---------------------------------------------------------------- budgets


@dataclass(frozen=True)
class Budget:
    """How one model is trained. ``samples``: training examples used (None: all); ``scenes``: training scenes."""

    epochs: int
    batch_size: int
    seed: int
    optimizer: str  # "adam" or "sgd"
    learning_rate: float
    samples: int | None = None
    scenes: int | None = None

    def optimizer_instance(self) -> keras.optimizers.Optimizer:
        cls = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[self.optimizer]
        return cls(learning_rate=self.learning_rate)

    def optimizer_description(self) -> str:
        return f"{ {'adam': 'Adam', 'sgd': 'SGD'}[self.optimizer] }(learning_rate={self.learning_rate:g})"


#: Budgets for 2 CPU cores and the bundled 4,000 training digits (about 20 minutes in all).
BUDGETS: dict[str, Budget] = {
    "softmax_regression": Budget(epochs=10, batch_size=32, seed=0, optimizer="sgd", learning_rate=0.1),
    "bottleneck_cnn": Budget(epochs=20, batch_size=32, seed=0, optimizer="adam", learning_rate=1e-3),
    "denoising_autoencoder": Budget(epochs=10, batch_size=32, seed=0, optimizer="adam", learning_rate=1e-3),
    "sr_network": Budget(epochs=10, batch_size=32, seed=0, optimizer="adam", learning_rate=1e-3),
    "angle_cnn": Budget(epochs=25, batch_size=32, seed=0, optimizer="adam", learning_rate=1e-3),
    "detector": Budget(epochs=10, batch_size=32, seed=0, optimizer="adam", learning_rate=3e-3, scenes=2000),
    "unet": Budget(epochs=20, batch_size=32, seed=0, optimizer="adam", learning_rate=1e-3, scenes=2000),
    "unet_no_skips": Budget(epochs=20, batch_size=32, seed=0, optimizer="adam", learning_rate=1e-3, scenes=2000),
}


@dataclass(frozen=True)
class Spec:
    build: Callable[[], keras.Model]
    loss: object  # a Keras loss name or function
    loss_description: str
    data: Callable  # (mnist, budget) -> (x, y, sample_weight or None)


# ---------------------------------------------------------------- training data (train split only)


def _train_digits(mnist: MNIST, budget: Budget):
    x_train, _ = mnist.scaled()
    n = len(x_train) if budget.samples is None else min(budget.samples, len(x_train))
    return x_train[:n], np.asarray(mnist.y_train[:n], np.int64)


_SCENES_CACHE: dict = {}


def training_scenes(mnist: MNIST, n: int) -> lab_data.Scenes:
    """``n`` 64x64 scenes of training digits, seeded with :data:`TRAIN_SCENE_SEED`."""
    key = (mnist.sha256, n)
    if key not in _SCENES_CACHE:
        _SCENES_CACHE.clear()
        _SCENES_CACHE[key] = lab_data.make_scenes(mnist.x_train, mnist.y_train, n, seed=TRAIN_SCENE_SEED)
    return _SCENES_CACHE[key]


def _classification_data(mnist, budget):
    x, y = _train_digits(mnist, budget)
    return x, y, None


def _denoising_data(mnist, budget):
    x, _ = _train_digits(mnist, budget)
    return lab_data.add_gaussian_noise(x, evaluation.NOISE_FACTOR, seed=TRAIN_NOISE_SEED), x, None


def _sr_data(mnist, budget):
    x, _ = _train_digits(mnist, budget)
    return lab_data.downsample(x), x, None


def _angle_data(mnist, budget):
    x, _ = _train_digits(mnist, budget)
    angles = lab_data.random_angles(len(x), seed=TRAIN_ANGLE_SEED)
    return lab_data.rotate_digits(x, angles), angles, None


def _detector_data(mnist, budget):
    scenes = training_scenes(mnist, budget.scenes)
    return scenes.images, scenes.detector_targets, None


def _segmentation_data(mnist, budget):
    scenes = training_scenes(mnist, budget.scenes)
    targets = np.maximum(scenes.masks, 0)  # background -> class 0, ignored through the weights
    weights = (scenes.masks >= 0).astype("float32")  # 1 on ink, 0 on background
    return scenes.images, targets, weights


SPECS: dict[str, Spec] = {
    "softmax_regression": Spec(build_softmax_regression, "sparse_categorical_crossentropy",
                               "sparse categorical cross-entropy", _classification_data),
    "bottleneck_cnn": Spec(build_bottleneck_cnn, "sparse_categorical_crossentropy",
                           "sparse categorical cross-entropy", _classification_data),
    "denoising_autoencoder": Spec(build_denoising_autoencoder, "binary_crossentropy",
                                  "binary cross-entropy (sigmoid output), noisy input -> clean target", _denoising_data),
    "sr_network": Spec(solution.build_sr_network, "mse", "mean squared error (as the notebook compiles it)", _sr_data),
    "angle_cnn": Spec(solution.build_angle_cnn, "mse", "mean squared error on the angle in degrees", _angle_data),
    "detector": Spec(build_detector, detector_loss,
                     "detector_loss: BCE(confidence) + [digit] * (5 * box SSE + class CE); saved without it",
                     _detector_data),
    "unet": Spec(given.build_unet, "sparse_categorical_crossentropy",
                 "sparse categorical cross-entropy on ink pixels only (sample weights)", _segmentation_data),
    "unet_no_skips": Spec(solution.build_unet_no_skips, "sparse_categorical_crossentropy",
                          "sparse categorical cross-entropy on ink pixels only (sample weights)", _segmentation_data),
}
assert tuple(SPECS) == MODELS == tuple(BUDGETS)


# ---------------------------------------------------------------- train, save, evaluate


def budget_for(name: str, epochs_scale: float = 1.0, **overrides) -> Budget:
    """The model's budget with its epochs multiplied by ``epochs_scale`` (at least 1) and fields overridden."""
    budget = BUDGETS[name]
    budget = replace(budget, epochs=max(1, int(round(budget.epochs * epochs_scale))))
    return replace(budget, **overrides) if overrides else budget


def train_model(name: str, mnist: MNIST, budget: Budget) -> tuple[keras.Model, dict]:
    """Build and train one model from a fixed seed; return it and its training record."""
    spec = SPECS[name]
    x, y, weights = spec.data(mnist, budget)
    keras.utils.set_random_seed(budget.seed)
    start = time.perf_counter()
    model = spec.build()
    model.compile(optimizer=budget.optimizer_instance(), loss=spec.loss)
    history = model.fit(x, y, sample_weight=weights, epochs=budget.epochs, batch_size=budget.batch_size,
                        shuffle=True, verbose=0)
    seconds = time.perf_counter() - start
    record = {
        "epochs": budget.epochs,
        "batch_size": budget.batch_size,
        "seed": budget.seed,
        "optimizer": budget.optimizer_description(),
        "loss": spec.loss_description,
        "params": int(model.count_params()),
        "train_examples": int(len(x)),
        "final_train_loss": float(history.history["loss"][-1]),
        "wall_seconds": round(seconds, 1),
    }
    return model, record


def evaluate_model(name: str, model: keras.Model, tasks: dict[str, HeldOutTask]) -> dict[str, float]:
    """The held-out metrics of a trained model, computed as the grader computes a student's."""
    task = tasks[name]
    prediction = model.predict(task.inputs, batch_size=256, verbose=0)
    return {k: float(v) for k, v in task.metric(prediction, task.targets).items()}


def save_model(name: str, model: keras.Model, path: Path) -> None:
    if name == "detector":
        # As the notebook does: same layers and weights, not compiled, so no custom loss is stored.
        model = keras.Model(model.inputs, model.outputs, name=model.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)


def _is_bundled(mnist: MNIST) -> bool:
    return mnist.sha256 == file_sha256(BUNDLED_MNIST)


def provenance(mnist: MNIST, device: str) -> dict:
    import tensorflow as tf

    bundled = _is_bundled(mnist)
    on_cpu = device.upper().startswith("CPU")
    if on_cpu and bundled:
        note = ("Only a CPU and the bundled 5,000-digit MNIST subset were available: budgets are cut to fit "
                "about 20 minutes on this CPU, so these are modest reference models, not the lab's best; "
                "a GPU run on full MNIST (--data, --epochs-scale) would score higher.")
    elif on_cpu:
        note = "Trained on a CPU only; budgets are those sized for about 20 minutes on 2 cores (times --epochs-scale)."
    elif bundled:
        note = "Trained on a GPU with the bundled 5,000-digit MNIST subset (no full MNIST was given)."
    else:
        note = "Trained on a GPU with full MNIST."
    return {
        "device": device,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "dataset": {
            "name": mnist.name,
            "sha256": mnist.sha256,
            "train_digits": int(len(mnist.x_train)),
            "test_digits": int(len(mnist.x_test)),
            "split": "stratified 4,000/1,000 of the bundled subset" if bundled else "official MNIST train/test",
        },
        "note": note,
    }


def train_all(mnist: MNIST, out_dir: Path, device: str, epochs_scale: float = 1.0,
              only=None, log: Callable[[str], None] = print) -> dict:
    """Train, save (``out_dir/models/<name>.keras``) and evaluate each model; return the metrics.json content.

    ``device`` is the provenance description of the device TensorFlow was set
    up with (e.g. "CPU: x86_64, 2 cores" or a GPU's name); ``only`` limits the
    run to some models. The "lab", "created" and "command" fields are left to
    the caller, which also merges a partial run into an existing file.
    """
    out_dir = Path(out_dir)
    names = list(MODELS) if not only else [n for n in MODELS if n in set(only)]
    unknown = set(only or ()) - set(MODELS)
    if unknown:
        raise ValueError(f"unknown model(s) {sorted(unknown)}; known: {', '.join(MODELS)}")
    tasks = evaluation.heldout_tasks(mnist)
    models = {}
    for name in names:
        budget = budget_for(name, epochs_scale)
        log(f"{name}: training {budget.epochs} epochs (batch {budget.batch_size}, {budget.optimizer_description()})…")
        model, record = train_model(name, mnist, budget)
        path = out_dir / "models" / f"{name}.keras"
        save_model(name, model, path)
        metrics = evaluate_model(name, model, tasks)
        task = tasks[name]
        models[name] = {
            "file": f"models/{name}.keras",
            "metrics": metrics,
            **record,
            "heldout": f"{task.description} ({len(task.inputs):,} held-out inputs from the test split, "
                       f"evaluation seed {evaluation.SEED})",
        }
        shown = ", ".join(f"{k} {v:.4g}" for k, v in metrics.items())
        log(f"{name}: {record['wall_seconds']:.1f} s, {record['params']:,} parameters; held-out {shown}")
        keras.backend.clear_session()
    return {"lab": LAB, "provenance": provenance(mnist, device), "models": models}
