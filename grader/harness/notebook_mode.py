"""Running an original fill-in-in-place notebook inside the sandbox.

Courses hand out notebooks where students fill blanks in place (``W = ???``)
instead of completing stub functions. Such a notebook is graded by running
every code cell in order, in one namespace, as Jupyter would:

* datasets come from the grader (``keras.datasets.<name>.load_data`` returns
  the arrays it sent), so nothing needs the network;
* ``fit``/``evaluate`` are capped to one epoch on a few samples, run eagerly:
  the notebook's own training is not what is graded (the grader retrains what
  it finds under the rubric's budget), it only has to run;
* Keras-2 idioms run through :mod:`harness.compat` shims, and each use is noted;
* a cell that fails (a ``???`` left in it, or an error) is recorded and
  execution goes on, so the last successful definition of anything wins;
* after each cell, the Keras models that appeared in the namespace are recorded
  with the cell that made them, and the names each cell assigned.

A lab's probe module then maps what was recorded to its exercises
(``inline_targets``) and may *replay* a cell with some names rebound, which
turns an in-place answer such as ``x_train_noisy = ...`` back into a function
of its inputs.
"""

from __future__ import annotations

import ast
import builtins
import re
import time
from dataclasses import dataclass, field

import numpy as np

from harness.observe import describe_exception

# A blank left as handed out: ``???`` anywhere, a bare ``x =`` or ``x = ...``.
_PLACEHOLDER = re.compile(r"\?\?\?|^[^#\n]*[^=!<>\n]=\s*(#.*)?$|=\s*\.\.\.\s*(#.*)?$|\(\s*\.\.\.\s*\)", re.MULTILINE)
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*=(?!=)", re.MULTILINE)
_DEFINED = re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)


def placeholder_line(source: str) -> str | None:
    """The first line of ``source`` that still holds a template blank, if any."""
    match = _PLACEHOLDER.search(source)
    if match is None:
        return None
    start = source.rfind("\n", 0, match.start()) + 1
    end = source.find("\n", match.end())
    return source[start : end if end >= 0 else len(source)].strip()[:160]


def assigned_names(source: str) -> set[str]:
    """Names a cell assigns at top level (read from text, so it works on cells that do not parse)."""
    names: set[str] = set(_DEFINED.findall(source))
    for match in _ASSIGNED.finditer(source):
        names.update(n.strip() for n in match.group(1).split(","))
    return names


@dataclass
class CellRecord:
    index: int  # position among the code cells, 0-based
    where: str  # "cell 12" (the notebook's own cell number)
    source: str
    status: str = "ok"  # ok, blank (template left unfilled), syntax_error, error
    error: dict | None = None
    blank_line: str | None = None
    blamed_on: str | None = None  # "cell 11": failed because of that earlier blank
    compat: list[str] = field(default_factory=list)  # Keras-2 shims this cell needed
    seconds: float = 0.0

    def report(self) -> dict:
        return {"where": self.where, "status": self.status, "error": self.error, "blank_line": self.blank_line,
                "blamed_on": self.blamed_on, "compat": self.compat, "seconds": round(self.seconds, 3)}


@dataclass
class ModelRecord:
    model: object
    cell: int  # index of the cell after which it first appeared
    name: str  # the variable it was first seen under


class TrainingCaps:
    """Bounds on the notebook's own training, lifted while the probes run."""

    def __init__(self, max_samples: int = 64, max_steps: int = 2) -> None:
        self.active = False
        self.max_samples = max_samples
        self.max_steps = max_steps


def _head(value, n: int):
    """The first ``n`` samples of an array-like (or of each array in a tuple/list/dict)."""
    if isinstance(value, dict):
        return {k: _head(v, n) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        return type(value)(_head(v, n) for v in value)
    if hasattr(value, "shape") and getattr(value, "ndim", len(getattr(value, "shape", ()))) > 0 and len(value) > n:
        return value[:n]
    return value


def _is_array_like(value) -> bool:
    return hasattr(value, "shape") or (isinstance(value, (list, tuple, dict)) and bool(value))


def install_training_caps(caps: TrainingCaps) -> None:
    """Wrap ``keras.Model.fit``/``evaluate`` so that, while ``caps.active``, they do almost nothing."""
    import inspect

    import keras

    def shorten(a: dict, steps_key: str) -> bool:
        """Cut a bound call's samples (arrays) or its steps (generator, tf.data.Dataset, PyDataset); True for arrays."""
        if not _is_array_like(a.get("x")):
            a[steps_key] = min(int(a.get(steps_key) or caps.max_steps), caps.max_steps)
            return False
        for key in ("x", "y", "sample_weight"):
            if key in a:
                a[key] = _head(a[key], caps.max_samples)
        return True

    def fit_budget(a: dict) -> None:
        a["epochs"] = int(a.get("initial_epoch", 0) or 0) + 1
        if shorten(a, "steps_per_epoch"):
            a.pop("steps_per_epoch", None)
        if isinstance(a.get("validation_data"), (tuple, list)):
            a["validation_data"] = tuple(_head(v, caps.max_samples) for v in a["validation_data"])
        elif a.get("validation_data") is not None:
            a["validation_steps"] = 1

    def capped(original, budget):
        signature = inspect.signature(original)

        def method(self, *args, **kwargs):
            if not caps.active:
                return original(self, *args, **kwargs)
            a = signature.bind(self, *args, **kwargs).arguments
            extra = a.pop("kwargs", {})
            a["verbose"] = 0
            budget(a)
            # One or two steps: tracing a graph would cost far more than running them.
            try:
                self.jit_compile = False
                self.run_eagerly = True
            except Exception:  # noqa: BLE001 - an uncompiled or unusual model: the call will say so itself
                pass
            return original(**a, **extra)

        method.__doc__ = original.__doc__
        return method

    keras.Model.fit = capped(keras.Model.fit, fit_budget)
    keras.Model.evaluate = capped(keras.Model.evaluate, lambda a: shorten(a, "steps"))


def install_datasets(arrays: dict[str, np.ndarray]) -> None:
    """Serve ``keras.datasets.<name>.load_data()`` from arrays named ``<name>.x_train`` etc."""
    import importlib

    for name in sorted({key.split(".", 1)[0] for key in arrays}):
        data = ((arrays[f"{name}.x_train"], arrays[f"{name}.y_train"]), (arrays[f"{name}.x_test"], arrays[f"{name}.y_test"]))

        def load_data(*args, _data=data, **kwargs):
            (xa, ya), (xb, yb) = _data
            return (xa.copy(), ya.copy()), (xb.copy(), yb.copy())

        for module_name in (f"keras.src.datasets.{name}", f"keras.datasets.{name}", f"keras._tf_keras.keras.datasets.{name}"):
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            module.load_data = load_data


class NotebookSession:
    """Runs a notebook's code cells in order and remembers what each one made."""

    def __init__(self, cells: list[dict], student_files: list[str]) -> None:
        self.cells = [CellRecord(i, c["filename"], c["source"]) for i, c in enumerate(cells)]
        self.student_files = student_files
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins, "display": _display}
        self.models: list[ModelRecord] = []
        self.last_assigned: dict[str, int] = {}  # name -> index of the last cell that assigned it and ran
        self.caps = TrainingCaps()
        self.compat_messages: list[str] = []
        self._current: CellRecord | None = None

    # ------------------------------------------------------------ set-up

    def record_compat(self, message: str) -> None:
        if message not in self.compat_messages:
            self.compat_messages.append(message)
        if self._current is not None and message not in self._current.compat:
            self._current.compat.append(message)

    def install(self, datasets: dict[str, np.ndarray]) -> None:
        """Shims, dataset and training caps; called before the integrity guard takes its snapshot."""
        from harness.compat import install_keras2_shims

        # Caps first: the shims' fit (nb_epoch=, fit_generator) then calls the capped fit.
        install_training_caps(self.caps)
        install_keras2_shims(self.record_compat)
        install_datasets(datasets)

    # ------------------------------------------------------------ running

    def run(self, on_cell=None) -> None:
        """Execute every cell; ``on_cell(record)`` is called before each (the sandbox's per-cell timer)."""
        import keras

        for cell in self.cells:
            if on_cell is not None:
                on_cell(cell)
            before = {id(v) for v in self.namespace.values() if isinstance(v, keras.Model)}
            self._current = cell
            self.caps.active = True
            started = time.perf_counter()
            self._run_cell(cell)
            cell.seconds = time.perf_counter() - started
            self.caps.active = False
            self._current = None
            self._close_figures()
            for name, value in list(self.namespace.items()):
                if isinstance(value, keras.Model) and id(value) not in before and not any(r.model is value for r in self.models):
                    self.models.append(ModelRecord(value, cell.index, name))
        self._blame_blanks()

    def _run_cell(self, cell: CellRecord) -> None:
        cell.blank_line = placeholder_line(cell.source)
        try:
            code = compile(cell.source, cell.where, "exec")
        except SyntaxError as exc:
            cell.status = "blank" if cell.blank_line else "syntax_error"
            cell.error = {"type": "SyntaxError", "message": f"{exc.msg} (line {exc.lineno})", "frames": [
                {"file": cell.where, "line": exc.lineno or 0, "function": "<cell>", "code": (exc.text or "").strip()[:200]}]}
            return
        try:
            exec(code, self.namespace)
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit included
            cell.status = "error"
            cell.error = describe_exception(exc, self.student_files)
        names = _top_level_assigned(cell.source)
        for name in names:
            if name in self.namespace:
                self.last_assigned[name] = cell.index
        if cell.status == "ok" and cell.blank_line and any(self.namespace.get(n) is Ellipsis for n in names):
            cell.status = "blank"  # ``W = ...`` runs, but is still the template's blank

    @staticmethod
    def _close_figures() -> None:
        import sys

        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            try:
                plt.close("all")
            except Exception:  # noqa: BLE001
                pass

    def _blame_blanks(self) -> None:
        """A cell that failed on a name only an unfilled blank would have defined is the blank's fault."""
        blanks: dict[str, str] = {}
        for cell in self.cells:
            if cell.status == "blank":
                for name in assigned_names(cell.source):
                    if name not in self.last_assigned or self.last_assigned[name] < cell.index or self.namespace.get(name) is Ellipsis:
                        blanks[name] = cell.where
                continue
            if cell.status == "error" and cell.error:
                missing = _missing_name(cell.error)
                if missing and missing in blanks:
                    cell.blamed_on = blanks[missing]
                elif cell.error.get("type") == "AttributeError" and "'ellipsis' object" in cell.error.get("message", ""):
                    cell.blamed_on = next(iter(blanks.values()), None)

    # ------------------------------------------------------------ queries

    def cells_matching(self, pattern: str) -> list[CellRecord]:
        regex = re.compile(pattern, re.MULTILINE)
        return [c for c in self.cells if regex.search(c.source)]

    def models_where(self, predicate) -> list[ModelRecord]:
        found = []
        for record in self.models:
            try:
                if predicate(record.model):
                    found.append(record)
            except Exception:  # noqa: BLE001 - a half-built student model: not a candidate
                continue
        return found

    def value(self, name: str):
        return self.namespace.get(name)

    def replay(self, cell_index: int, rebind: dict, skip_assignments: set[str] = frozenset(), watch: str | None = None):
        """Run cell ``cell_index`` again in a copy of the namespace with ``rebind`` applied.

        Top-level assignments to ``skip_assignments`` are left out (so that a
        ``noise_factor = 0.5`` in the cell does not undo the rebinding). With
        ``watch``, the replay stops at the first statement that assigns it and
        returns that value (the answer as written, before later lines of the
        cell reshape or plot it); without, it runs the whole cell and returns
        the copy of the namespace.
        """
        cell = self.cells[cell_index]
        tree = ast.parse(cell.source, filename=cell.where)
        body = [node for node in tree.body if not (
            isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id in skip_assignments for t in node.targets))]
        namespace = dict(self.namespace)
        namespace.update(rebind)
        marker = object()
        first = marker
        was_active = self.caps.active
        self.caps.active = True
        try:
            for node in body:
                module = ast.Module(body=[node], type_ignores=[])
                exec(compile(module, cell.where, "exec"), namespace)
                if watch is not None and watch in _targets(node):
                    first = namespace.get(watch)
                    break
        finally:
            self.caps.active = was_active
            self._close_figures()
        if watch is None:
            return namespace
        if first is marker:
            raise LookupError(f"replaying {cell.where} did not assign {watch}")
        return first

    def reports(self) -> list[dict]:
        return [c.report() for c in self.cells if c.status != "ok"]


def _targets(node: ast.stmt) -> set[str]:
    names: set[str] = set()
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
    return names


def _top_level_assigned(source: str) -> set[str]:
    """Names bound by a cell's top-level statements (assignments, loops, imports, defs, classes)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            names |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            names |= {n.id for item in node.items if item.optional_vars is not None for n in ast.walk(item.optional_vars) if isinstance(n, ast.Name)}
        names |= _targets(node)
    return names


def _missing_name(error: dict) -> str | None:
    if error.get("type") != "NameError":
        return None
    match = re.search(r"name '(\w+)' is not defined", error.get("message", ""))
    return match.group(1) if match else None


def _display(*objects, **kwargs) -> None:
    """IPython's ``display`` outside IPython: print a short repr."""
    for obj in objects:
        print(repr(obj)[:200])


@dataclass
class Located:
    """What a notebook holds for one exercise: the object to probe, or why there is none.

    ``status`` is ``found``, ``not_implemented`` (the template's blank is still
    there), ``error`` (the exercise's cell raised), ``missing`` (nothing in the
    notebook looks like it) or ``not_in_notebook`` (this version of the lab has
    no such exercise).
    """

    status: str
    target: object = None
    detail: str = ""
    cell: CellRecord | None = None


def locate_blank_or_error(session: NotebookSession, anchor: str, what: str) -> Located:
    """Why an exercise's object was not found: an unfilled blank, an error in its cell, or nothing at all."""
    cells = session.cells_matching(anchor)
    blanks = [c for c in cells if c.status == "blank"]
    failed = [c for c in cells if c.status in ("error", "syntax_error")]
    if failed and (not blanks or failed[-1].index > blanks[-1].index):
        cell = failed[-1]
        if cell.blamed_on:
            blank = next(c for c in session.cells if c.where == cell.blamed_on)
            return Located("not_implemented", detail=f"the blank in {blank.where} is not filled in: {blank.blank_line} ({cell.where} failed because of it)", cell=blank)
        return Located("error", detail=f"{cell.where} raised an error, so {what} was never made", cell=cell)
    if blanks:
        cell = blanks[-1]
        return Located("not_implemented", detail=f"the blank in {cell.where} is not filled in: {cell.blank_line}", cell=cell)
    return Located("missing", detail=f"no cell of this notebook makes {what}")
