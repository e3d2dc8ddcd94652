"""The lab plugin interface, and how labs are found.

A lab is a Python package that exposes one :class:`Lab` instance as ``lab``.
The engine, batch grading, reports, reference training and the CLI reach a
lab only through that object; no generic module names a lab. Labs come from
two places:

- the labs shipped with the grader: every subpackage of :mod:`grader.labs`;
- labs installed as separate distributions, through the ``labgrader.labs``
  entry-point group::

      [project.entry-points."labgrader.labs"]
      mylab = "mycourse_labs.mylab:lab"

A lab has two halves, kept apart by the sandbox boundary:

- the grader side (this interface): data, probe inputs and their hidden
  targets, the lab's own checks and figures, held-out tasks for trained
  models, datasets served to original notebooks, reference training;
- the sandbox side: a folder of plain Python (``sandbox_package``) copied into
  the sandbox, whose ``probes.py`` defines ``PROBES``, a
  :class:`grader.harness.lab_api.LabProbes`. It imports nothing of the grader.

Files follow one layout under ``files_root``: ``rubrics/<name>.toml``,
``exercises/<name>/<name>.ipynb`` (the student notebook),
``reference/<name>/master.ipynb`` (the instructor's master notebook) and
``reference/<name>/`` (solution module, training script, trained models).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.metadata
import logging
import pkgutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

if TYPE_CHECKING:
    from grader.rubric import ExerciseSpec

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "labgrader.labs"
#: In a student distribution, the reference outputs its checks compare with (see grader.distribution).
DERIVED_FACTS = "derived_facts.npz"

#: ``(inputs, secrets)``: arrays written into the sandbox, and what stays in the grader.
ProbeInputs = tuple[dict[str, np.ndarray], dict[str, Any]]


class UnknownLabError(Exception):
    """A lab name that no shipped or installed lab answers to."""


class Lab:
    """One lab of a course, as the grader sees it. Subclass it in the lab's package.

    Class attributes a lab sets:
        name: the lab's name on the command line (``grader check NAME``).
        title: one line for reports.
        files_root: the folder that holds ``rubrics/``, ``exercises/`` and
            ``reference/`` for this lab (see the module docstring).
        sandbox_package: the folder copied into the sandbox; its
            ``probes.py`` defines ``PROBES``. None for a lab whose rubric uses
            only the generic probes.
        checks: the lab's own checks by rubric name; a rubric resolves a name
            here first, then in the generic catalogue (:mod:`grader.checks`).
        figures: report figures by exercise name, ``f(observed) -> png | None``.
        layer_tables: exercises whose report shows the model's layer table.
        trainable_models: the models ``train_reference`` can train, in order.
        original_names: names of the lab's functions that the original
            handout itself gives or calls (a notebook defining only these is
            still graded as an original fill-in notebook).

    Hooks, each with a default that does nothing lab-specific:
        load_data, probe_inputs, heldout_tasks, notebook_datasets,
        train_reference.

    Example:

    ```python
    class MyLab(Lab):
        name = "mylab"
        title = "My lab"
        files_root = Path(__file__).parent

    lab = MyLab()
    ```
    """

    name: str = ""
    title: str = ""
    files_root: Path = Path(".")
    sandbox_package: Path | None = None
    checks: Mapping[str, Callable[..., Any]] = {}
    figures: Mapping[str, Callable[[Any], "bytes | None"]] = {}
    layer_tables: frozenset[str] = frozenset()
    trainable_models: tuple[str, ...] = ()
    original_names: frozenset[str] = frozenset()

    # ------------------------------------------------------------ files

    @property
    def rubric_path(self) -> Path:
        return Path(self.files_root) / "rubrics" / f"{self.name}.toml"

    @property
    def exercise_notebook(self) -> Path:
        return Path(self.files_root) / "exercises" / self.name / f"{self.name}.ipynb"

    @property
    def master_notebook(self) -> Path:
        return self.reference_dir / "master.ipynb"

    @property
    def reference_dir(self) -> Path:
        return Path(self.files_root) / "reference" / self.name

    # ------------------------------------------------------------ hooks

    def load_data(self, data_path: Path | None, options: Mapping[str, Any]) -> Any:
        """The data the lab's probes draw on, loaded once per grading run.

        Args:
            data_path: the file given with ``--data``, or None.
            options: the rubric's ``[data]`` table.

        Returns:
            Any object; ``probe_inputs`` and ``heldout_tasks`` receive it. Its
            ``name`` attribute, if any, is recorded in results. The default
            loads the datasets the rubric's ``[data]`` table names (see
            :func:`grader.data.load_named_datasets`).
        """
        from grader.data import load_named_datasets

        return load_named_datasets(options, data_path)

    def probe_inputs(self, exercise: "ExerciseSpec", params: dict[str, Any], data: Any) -> ProbeInputs:
        """The arrays the probe of ``exercise`` receives, and the secrets its checks get.

        The default builds them from the rubric's ``probe_params["inputs"]``
        (see :mod:`grader.probe_inputs`), or, for a generic probe whose inputs
        are built in code (``batch_normalized_layer``), with
        :data:`grader.probe_inputs.GENERIC_PROBE_INPUTS`. With ``probe_params["reference"]``,
        the named function of the reference solution is called on the
        ``args`` inputs here, in the grader, and its result becomes the secret
        ``reference_output`` (for the ``equals_reference`` check); with
        ``probe_params["cases"]``, each case's result is ``reference_output.<case>``.
        """
        from grader.probe_inputs import GENERIC_PROBE_INPUTS, declared_inputs

        if exercise.probe in GENERIC_PROBE_INPUTS and not params.get("inputs"):
            return GENERIC_PROBE_INPUTS[exercise.probe](params)
        inputs, secrets = declared_inputs(params.get("inputs", {}), data)
        if not params.get("reference"):
            return inputs, secrets
        calls = {f".{case}": spec for case, spec in params["cases"].items()} if params.get("cases") else {"": params}
        derived = self.derived_facts(exercise.name)
        if derived is not None:
            # A student distribution: the reference outputs were computed when it was built.
            missing = {f"reference_output{suffix}_error": "the student distribution lacks this reference output; rebuild it"
                       for suffix in calls if f"reference_output{suffix}" not in derived}
            return inputs, {**secrets, **derived, **missing}
        # Every failure here is the grader's (the reference's), never the student's: it is recorded per case.
        try:
            function = getattr(self.reference_solution(), params["reference"])
        except Exception as exc:  # noqa: BLE001
            failure = f"{type(exc).__name__}: {exc}"
            return inputs, {**secrets, **{f"reference_output{suffix}_error": failure for suffix in calls}}
        for suffix, call in calls.items():
            key = f"reference_output{suffix}"
            try:
                arguments = [np.array(secrets[a], copy=True) if isinstance(a, str) else a for a in call.get("args", [])]
                secrets[key] = np.asarray(function(*arguments, **call.get("kwargs", {})))
            except Exception as exc:  # noqa: BLE001
                secrets[f"{key}_error"] = f"{type(exc).__name__}: {exc}"
        return inputs, secrets

    def derived_facts(self, exercise: str) -> dict[str, np.ndarray] | None:
        """In a student distribution (no solution module), the stored reference outputs of ``exercise``; else None."""
        path = self.reference_dir / DERIVED_FACTS
        if (self.reference_dir / "solution.py").is_file() or not path.is_file():
            return None
        with np.load(path) as stored:
            prefix = f"{exercise}/"
            return {key[len(prefix):]: stored[key] for key in stored.files if key.startswith(prefix)}

    def reference_solution(self):
        """The instructor's solution module, ``reference/<name>/solution.py`` (trusted; never sent to the sandbox)."""
        with _native_stderr_silenced():  # it may import TensorFlow, whose C++ banner would land in the student's terminal
            return load_file_module(self.reference_dir / "solution.py", f"labgrader_reference_{self.name}_solution")

    def heldout_tasks(self, data: Any) -> dict[str, Any]:
        """Per trained model, a :class:`grader.evaluation.HeldOutTask`. Default: none."""
        return {}

    def notebook_datasets(self, data: Any) -> dict[str, np.ndarray]:
        """Arrays an original notebook's ``keras.datasets`` calls receive in the sandbox. Default: none."""
        return {}

    def train_reference(self, data: Any, out_dir: Path, device: str, *, epochs_scale: float = 1.0,
                        only: list[str] | None = None, log: Callable[[str], None] = print) -> dict:
        """Train the reference models, save them under ``out_dir / "models"``, return their metrics.

        Returns:
            ``{"models": {name: {"metrics": {...}, ...}}, ...}``; the grader adds
            provenance and writes ``metrics.json``.
        """
        raise NotImplementedError(f"lab {self.name!r} has no reference training")

    # ------------------------------------------------------------ resolution

    def resolve_check(self, name: str) -> Callable[..., Any] | None:
        """The check a rubric calls ``name``: the lab's own first, then the generic catalogue's."""
        from grader.checks import CHECKS

        return self.checks.get(name) or CHECKS.get(name)

    def figure(self, key: str) -> Callable[[Any], "bytes | None"] | None:
        """The report figure for an exercise (or ``trained:<model>``), if the lab has one."""
        if key in self.figures:
            return self.figures[key]
        if key.startswith("trained:"):
            from grader.figures import trained_model_figure

            return trained_model_figure
        return None

    def __repr__(self) -> str:
        return f"<Lab {self.name!r} from {self.files_root}>"


@contextlib.contextmanager
def _native_stderr_silenced():
    """Send file descriptor 2 to /dev/null for a while (Python exceptions still propagate)."""
    import os
    import sys

    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


#: Batch grading judges several submissions at once, in threads: without this,
#: a second thread would find the module in sys.modules while the first is
#: still executing it (importing Keras takes seconds) and use it half-made.
_module_loading = threading.RLock()


def load_file_module(path: Path, name: str):
    """The Python file at ``path``, imported as module ``name`` (for instructor scripts outside any package)."""
    import importlib.util
    import sys

    with _module_loading:
        cached = sys.modules.get(name)
        if cached is not None and Path(getattr(cached, "__file__", "")) == Path(path):
            return cached
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path} does not exist")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file executes
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module


# ---------------------------------------------------------------- discovery


def _as_lab(value: Any, origin: str) -> Lab:
    lab = value() if isinstance(value, type) else value
    if not isinstance(lab, Lab) or not lab.name:
        raise TypeError(f"{origin} is {value!r}, not a named grader.lab.Lab")
    return lab


@functools.lru_cache(maxsize=1)
def _discovered() -> tuple[dict[str, Lab], tuple[str, ...]]:
    import grader.labs as shipped

    labs: dict[str, Lab] = {}
    problems: list[str] = []
    for module in pkgutil.iter_modules(shipped.__path__):
        if not module.ispkg:
            continue
        origin = f"grader.labs.{module.name}"
        try:
            lab = _as_lab(getattr(importlib.import_module(origin), "lab", None), f"{origin}.lab")
        except Exception as exc:  # noqa: BLE001 - one broken lab must not hide the others
            problems.append(f"{origin}: {type(exc).__name__}: {exc}")
            continue
        labs[lab.name] = lab
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {entry.name!r} ({entry.value})"
        try:
            lab = _as_lab(entry.load(), origin)
        except Exception as exc:  # noqa: BLE001 - an installed lab that fails to import is reported, not fatal
            problems.append(f"{origin}: {type(exc).__name__}: {exc}")
            continue
        if lab.name in labs:
            problems.append(f"{origin}: a lab named {lab.name!r} already exists ({labs[lab.name]!r}); this one is ignored")
            continue
        labs[lab.name] = lab
    for problem in problems:
        log.warning("lab not loaded: %s", problem)
    return labs, tuple(problems)


def refresh_labs() -> None:
    """Forget the labs found so far (after installing one, say)."""
    _discovered.cache_clear()


def available_labs() -> dict[str, Lab]:
    """Every lab found, by name."""
    return dict(_discovered()[0])


def get_lab(name: str) -> Lab:
    """The lab called ``name``.

    Raises:
        UnknownLabError: with the names that exist, and why a lab failed to load if one did.
    """
    labs, problems = _discovered()
    if name in labs:
        return labs[name]
    known = ", ".join(sorted(labs)) or "none"
    message = f"unknown lab {name!r}; available labs: {known}"
    if problems:
        message += "; labs that failed to load: " + "; ".join(problems)
    raise UnknownLabError(message)
