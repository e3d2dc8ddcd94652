"""Running an original fill-in-in-place notebook inside the sandbox.

Courses hand out notebooks where students fill blanks in place (``W = ???``)
instead of completing stub functions. Such a notebook is graded by running
every code cell in order, in one namespace, as Jupyter would:

* datasets come from the grader (``keras.datasets.<name>.load_data`` returns
  the arrays it sent), so nothing needs the network;
* ``fit``/``evaluate`` are capped to one epoch on a few samples, run eagerly
  (``predict`` to the first thousand inputs, ``train_on_batch`` to a few calls):
  the notebook's own training is not what is graded (the grader retrains what
  it finds under the rubric's budget), it only has to run;
* Keras-2 idioms run through :mod:`harness.compat` shims, and each use is noted;
* a cell that fails (a ``???`` left in it, or an error) is recorded and
  execution goes on, so the last successful definition of anything wins;
* after each cell, the Keras models that appeared in the namespace are recorded
  with the cell that made them, and the names each cell assigned;
* before each cell, the bindings it reads are kept (a *snapshot*), so an answer
  is later judged with the values its names had when its cell ran, however
  often the notebook reuses ``model`` or ``x`` afterwards;
* in a cell with a blank left unfilled, only the statements that depend on the
  blank are skipped: the cell's imports and other definitions still run;
* cells that no exercise needs (training runs, plots, extra experiments) are
  not run: only those whose names the exercise cells depend on (see
  :func:`needed_cells`); their imports still run;
* a cell that failed on a name a later cell defines runs again at the end, as
  it would have in the order the student ran the cells.

A lab's probe module then maps what was recorded to its exercises
(``inline_targets``) and may *replay* a cell with some names rebound, which
turns an in-place answer such as ``x_train_noisy = ...`` back into a function
of its inputs.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import re
import signal
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from harness.observe import describe_exception

# A blank left as handed out: ``???`` anywhere, a bare ``x =`` or ``x = ...``.
_PLACEHOLDER = re.compile(r"\?\?\?|^[^#\n]*[^=!<>\n]=\s*(#.*)?$|=\s*\.\.\.\s*(#.*)?$|\(\s*\.\.\.\s*\)", re.MULTILINE)
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*=(?!=)", re.MULTILINE)
_DEFINED = re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)
_COMMENTED_BLANK = re.compile(r"^\s*#\s*([A-Za-z_]\w*)\s*=\s*\?\?\?", re.MULTILINE)


def placeholder_line(source: str) -> str | None:
    """The first line of ``source`` that still holds a template blank, if any."""
    match = _PLACEHOLDER.search(source)
    if match is None:
        return None
    start = source.rfind("\n", 0, match.start()) + 1
    end = source.find("\n", match.end())
    return source[start : end if end >= 0 else len(source)].strip()[:160]


def assigned_names(source: str) -> set[str]:
    """Names a cell assigns at top level (read from text, so it works on cells that do not parse).

    A template line left commented out (``#x_train_noisy = ???``) counts: it is
    the blank the student was meant to fill.
    """
    names: set[str] = set(_DEFINED.findall(source)) | set(_COMMENTED_BLANK.findall(source))
    for match in _ASSIGNED.finditer(source):
        names.update(n.strip() for n in match.group(1).split(","))
    return names


# What a blank becomes so that the rest of its cell can be parsed and run.
BLANK = "__labgrader_blank__"
_BARE_ASSIGNMENT = re.compile(r"^([^#\n]*[^=!<>\n]=)\s*(#.*)?$", re.MULTILINE)


def fill_blanks(source: str) -> str:
    """``source`` with every ``???`` and bare ``x =`` replaced by a reference to :data:`BLANK`."""
    source = source.replace("???", BLANK)
    return _BARE_ASSIGNMENT.sub(lambda m: f"{m.group(1)} {BLANK} {m.group(2) or ''}".rstrip(), source)


def _names_read(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _free_names(tree: ast.Module) -> set[str]:
    """Names a cell reads before binding them itself: the bindings it takes from earlier cells.

    Statement by statement; inside a loop, a branch or a function the names
    the construct binds count as its own (``for i in ...: ax = ...`` reads
    neither ``i`` nor ``ax`` from elsewhere), which over- rather than
    under-approximates nothing that matters for ordering cells.
    """
    bound: set[str] = set()
    free: set[str] = set()
    for node in tree.body:
        local = {t.id for c in ast.walk(node) if isinstance(c, ast.comprehension) for t in ast.walk(c.target) if isinstance(t, ast.Name)}
        for f in ast.walk(node):
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                local |= {a.arg for a in ast.walk(f.args) if isinstance(a, ast.arg)}
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr, ast.Return, ast.Delete, ast.Assert, ast.Raise)):
            reads = _names_read(node)
        elif isinstance(node, ast.AugAssign):
            reads = _names_read(node) | _names_written(node)  # x += 1 reads x
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            reads = _names_read(node.iter) | (_names_read(node) - _names_written(node))
        elif isinstance(node, (ast.If, ast.While)):
            reads = _names_read(node.test) | (_names_read(node) - _names_written(node))
        else:  # def, class, with, try, match: what they bind inside is theirs
            reads = _names_read(node) - _names_written(node)
        free |= reads - bound - local
        bound |= _names_written(node)
    return free


def _names_written(node: ast.stmt) -> set[str]:
    """Every name a statement may bind, at any depth (conservative: loops, withs, walrus, defs)."""
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names.add(node.name)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
    return names


def parse_cell(source: str) -> ast.Module | None:
    """A cell's syntax tree, read with its blanks filled by :data:`BLANK` if need be; None if it cannot be parsed."""
    for text in (source, fill_blanks(source)):
        try:
            return ast.parse(text)
        except SyntaxError:
            continue
    return None


@dataclass
class CellPlan:
    """What static reading says of a cell: the names it reads and binds, and whether it must run."""

    reads: set[str]
    writes: set[str]  # bound by statements other than imports
    imports: set[str]  # bound by import statements
    needed: bool = True


def needed_cells(sources: list[str], is_sink, is_candidate=None) -> list[CellPlan]:
    """Which cells must run for the exercises: the sinks and every cell that binds a name they read.

    ``is_sink(source)`` marks the cells of the exercises (an answer is
    assigned, an exercise's model is built). ``is_candidate(source)`` marks
    cells that may hold something an exercise looks for (any model, by
    default): they count as sinks up to the last sink, so the experiments after
    the last exercise (further-work ideas with their own data) are left out.
    Dependencies follow names: a cell needs the cells above it that bind a
    name it reads, or, when none does, the cells below that do (notebooks are
    run out of order). Names bound
    only by imports create no dependency: every cell's imports run anyway. A
    cell that cannot be parsed is kept.
    """
    is_candidate = is_candidate or builds_a_model
    sinks = [bool(is_sink(source)) for source in sources]
    last_sink = max((i for i, sink in enumerate(sinks) if sink), default=-1)
    plans = []
    for source in sources:
        tree = parse_cell(source)
        if tree is None:
            plans.append(CellPlan(set(), set(), set()))
            continue
        writes, imports = set(), set()
        for node in tree.body:
            (imports if isinstance(node, (ast.Import, ast.ImportFrom)) else writes).update(_names_written(node))
        needed = sinks[len(plans)] or (len(plans) < last_sink and bool(is_candidate(source)))
        plans.append(CellPlan(_free_names(tree), writes, imports, needed=needed))
    writers: dict[str, list[int]] = {}
    for i, plan in enumerate(plans):
        for name in plan.writes:
            writers.setdefault(name, []).append(i)
    work = [i for i, plan in enumerate(plans) if plan.needed or not (plan.reads or plan.writes or plan.imports)]
    for i in work:
        plans[i].needed = True
    while work:
        i = work.pop()
        for name in plans[i].reads:
            # The cells above that bind it (a template left blank may keep an
            # earlier value alive); only when none does, the ones below.
            above = [j for j in writers.get(name, ()) if j < i]
            for j in above or writers.get(name, ()):
                if not plans[j].needed:
                    plans[j].needed = True
                    work.append(j)
    return plans


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
    # The bindings the cell read, as they were just before it ran.
    snapshot: dict = field(default_factory=dict, repr=False)
    skipped_statements: int = 0  # statements left out because they depend on a blank

    def report(self) -> dict:
        return {"where": self.where, "status": self.status, "error": self.error, "blank_line": self.blank_line,
                "blamed_on": self.blamed_on, "compat": self.compat, "seconds": round(self.seconds, 3)}


@dataclass
class ModelRecord:
    model: object
    cell: int  # index of the cell after which it first appeared
    name: str  # the variable it was first seen under


@dataclass
class FitCall:
    """One ``fit`` call of the notebook, as its code made it (before the caps shortened it)."""

    model: object
    x: object
    y: object
    epochs: object  # None: not given (Keras trains 1 epoch)
    batch_size: object  # None: not given (Keras uses 32)
    cell: int | None  # index of the cell that made it
    callbacks: object = None  # as given (a list of callbacks, or None)


class TrainingCaps:
    """Bounds on the notebook's own training, lifted while the probes run.

    ``fit``/``evaluate`` get one epoch on ``max_samples`` samples (or
    ``max_steps`` steps); ``train_on_batch``/``test_on_batch`` train on
    ``max_samples`` samples for the first ``max_batch_calls`` calls of a cell and
    then return their last result untrained, so a hand-written training loop
    (a GAN's, say) ends in moments. ``predict`` computes the first
    ``max_predict_samples`` inputs and repeats them to one prediction per
    input: the lab's cells plot and index the predictions and pair them with
    labels, but never grade them, and on 60,000 images this is a fraction of
    the cost.
    """

    def __init__(self, max_samples: int = 64, max_steps: int = 2, max_batch_calls: int = 3, max_predict_samples: int = 1000) -> None:
        self.active = False
        self.max_samples = max_samples
        self.max_steps = max_steps
        self.max_batch_calls = max_batch_calls
        self.max_predict_samples = max_predict_samples
        self.max_predict_calls = 10 * max_batch_calls
        self.batch_calls = 0  # reset before each cell
        self.predict_calls = 0
        self.cell_index: int | None = None  # the cell running now
        # Every capped ``fit`` call, with what it was given as written: a lab's
        # locators read which array was the input and which the label.
        self.fit_calls: list[FitCall] = []

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

    def capped(original, budget, log=False):
        signature = inspect.signature(original)

        def method(self, *args, **kwargs):
            if not caps.active:
                return original(self, *args, **kwargs)
            a = signature.bind(self, *args, **kwargs).arguments
            extra = a.pop("kwargs", {})
            if log:
                caps.fit_calls.append(FitCall(self, a.get("x"), a.get("y"), a.get("epochs"), a.get("batch_size"), caps.cell_index,
                                              a.get("callbacks")))
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

    def predict_budget(a: dict) -> None:
        if _is_array_like(a.get("x")):
            a["x"] = _head(a["x"], caps.max_predict_samples)
        else:
            a["steps"] = min(int(a.get("steps") or 10 * caps.max_steps), 10 * caps.max_steps)

    keras.Model.fit = capped(keras.Model.fit, fit_budget, log=True)
    keras.Model.evaluate = capped(keras.Model.evaluate, lambda a: shorten(a, "steps"))
    keras.Model.predict = _repeated_predict_cached(capped(keras.Model.predict, predict_budget), caps)
    for name in ("train_on_batch", "test_on_batch"):
        setattr(keras.Model, name, _capped_batch_call(getattr(keras.Model, name), caps))


def _repeated_predict_cached(predict, caps: TrainingCaps):
    """Past the cell's budget of ``predict`` calls, a call with the same model and input shape returns the last output.

    A hand-written training loop (a GAN's) predicts thousands of times; its
    results are not graded, only the models it builds.
    """
    last: dict[tuple, object] = {}

    def method(self, x=None, *args, **kwargs):
        if not caps.active:
            return predict(self, x, *args, **kwargs)
        caps.predict_calls += 1
        key = (id(self), tuple(getattr(x, "shape", ()) or ()))
        if caps.predict_calls > caps.max_predict_calls and key in last:
            return last[key]
        result = _full_length(predict(self, x, *args, **kwargs), len(x) if hasattr(x, "shape") and getattr(x, "ndim", 0) else 0)
        last[key] = result
        return result

    method.__doc__ = predict.__doc__
    return method


def _full_length(result, n: int):
    """Predictions of the first inputs repeated to one per input, so later cells can pair them with labels."""
    if isinstance(result, np.ndarray) and 0 < len(result) < n:
        return np.resize(result, (n, *result.shape[1:]))
    if isinstance(result, (list, tuple)) and result and all(isinstance(r, np.ndarray) for r in result):
        return type(result)(_full_length(r, n) for r in result)
    if isinstance(result, dict):
        return {k: _full_length(v, n) for k, v in result.items()}
    return result


class CellBudgetExceeded(BaseException):
    """Raised inside a cell that runs past its time budget (a BaseException, so ``except Exception`` cannot swallow it)."""


@contextlib.contextmanager
def _time_budget(seconds: float | None):
    """Stop the code inside after ``seconds`` with :class:`CellBudgetExceeded` (main thread, POSIX only)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise CellBudgetExceeded(f"the cell ran longer than {seconds:g} s, so the grader stopped it and went on with the next cell"
                                 " (the notebook's training is capped; a long loop of its own is not graded)")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _capped_batch_call(original, caps: TrainingCaps):
    """``train_on_batch``-like ``original`` on a few samples, and not at all past the cell's call budget."""
    last: dict[int, object] = {}

    def method(self, x=None, y=None, *args, **kwargs):
        if not caps.active:
            return original(self, x, y, *args, **kwargs)
        caps.batch_calls += 1
        if caps.batch_calls > caps.max_batch_calls and id(self) in last:
            return last[id(self)]
        result = original(self, _head(x, caps.max_samples), _head(y, caps.max_samples), *args, **kwargs)
        last[id(self)] = result
        return result

    method.__doc__ = original.__doc__
    return method


def install_datasets(arrays: dict[str, np.ndarray]) -> None:
    """Serve ``keras.datasets.<name>.load_data()`` from arrays named ``<name>.x_train`` etc.

    With ``<name>.sizes`` = (train, test), the arrays are repeated up to those
    sizes, so code that relies on the real dataset's size still runs.
    """
    import importlib

    def repeated(a: np.ndarray, n: int) -> np.ndarray:
        return a if len(a) >= n else np.resize(a, (n, *a.shape[1:]))

    for name in sorted({key.split(".", 1)[0] for key in arrays}):
        sizes = arrays.get(f"{name}.sizes", np.array([0, 0]))
        train = [repeated(arrays[f"{name}.{k}"], int(sizes[0])) for k in ("x_train", "y_train")]
        test = [repeated(arrays[f"{name}.{k}"], int(sizes[1])) for k in ("x_test", "y_test")]
        data = (tuple(train), tuple(test))

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

    def __init__(self, cells: list[dict], student_files: list[str], cell_budget_s: float | None = None) -> None:
        self.cells = [CellRecord(i, c["filename"], c["source"]) for i, c in enumerate(cells)]
        self.cell_budget_s = cell_budget_s
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

    def run(self, on_cell=None, is_sink=None) -> None:
        """Execute the cells in order; ``on_cell(record)`` is called before each (the sandbox's per-cell timer).

        With ``is_sink`` only the cells the exercises need run (see
        :func:`needed_cells`); the others run just their imports.
        """
        plans = needed_cells([c.source for c in self.cells], is_sink) if is_sink is not None else None
        for cell in self.cells:
            if on_cell is not None:
                on_cell(cell)
            if plans is not None and not plans[cell.index].needed:
                cell.status = "not_needed"
                self._run_imports(cell)
                continue
            self._run_recorded(cell)
        self._rerun_out_of_order()
        self._blame_blanks()

    def _run_recorded(self, cell: CellRecord) -> None:
        import keras

        before = {id(v) for v in self.namespace.values() if isinstance(v, keras.Model)}
        self._current = cell
        self.caps.cell_index = cell.index
        self.caps.active = True
        self.caps.batch_calls = self.caps.predict_calls = 0
        started = time.perf_counter()
        try:
            with _time_budget(self.cell_budget_s):
                self._run_cell(cell)
        except CellBudgetExceeded:
            pass  # it fired just as the cell ended: the cell's own result stands
        cell.seconds += time.perf_counter() - started
        self.caps.active = False
        self._current = None
        self._close_figures()
        for name, value in list(self.namespace.items()):
            if isinstance(value, keras.Model) and id(value) not in before and not any(r.model is value for r in self.models):
                self.models.append(ModelRecord(value, cell.index, name))

    def _run_imports(self, cell: CellRecord) -> None:
        """Only the top-level imports of a cell that is otherwise not run."""
        tree = parse_cell(cell.source)
        for node in tree.body if tree is not None else []:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                try:
                    exec(compile(ast.Module(body=[node], type_ignores=[]), cell.where, "exec"), self.namespace)
                except BaseException:  # noqa: BLE001 - a failing import here is met again where the name is used
                    pass

    def _rerun_out_of_order(self) -> None:
        """Run again each cell that failed on a name a later cell defined (the student ran them in another order)."""
        for cell in self.cells:
            missing = _missing_name(cell.error) if cell.status == "error" and cell.error else None
            if missing and missing in self.namespace:
                first_error = cell.error
                cell.status, cell.error = "ok", None
                self._run_recorded(cell)
                if cell.status == "error" and _missing_name(cell.error) == missing:
                    cell.error = first_error

    def _run_cell(self, cell: CellRecord) -> None:
        cell.blank_line = placeholder_line(cell.source)
        try:
            tree = ast.parse(cell.source, filename=cell.where)
            has_blank = False
        except SyntaxError as exc:
            try:
                tree = ast.parse(fill_blanks(cell.source), filename=cell.where)
                has_blank = cell.blank_line is not None
            except SyntaxError:
                tree = None
            if tree is None or not has_blank:
                cell.status = "blank" if cell.blank_line else "syntax_error"
                cell.error = {"type": "SyntaxError", "message": f"{exc.msg} (line {exc.lineno})", "frames": [
                    {"file": cell.where, "line": exc.lineno or 0, "function": "<cell>", "code": (exc.text or "").strip()[:200]}]}
                return
        cell.snapshot = {n: self.namespace[n] for n in _names_read(tree) if n in self.namespace}
        assigned: set[str] = set()
        tainted = {BLANK}  # names whose value would have come from a blank
        try:
            if not has_blank:
                assigned = _top_level_assigned(cell.source)
                exec(compile(tree, cell.where, "exec"), self.namespace)
            else:
                for node in tree.body:
                    written = _names_written(node)
                    if _names_read(node) & tainted:
                        tainted |= written
                        cell.skipped_statements += 1
                        continue
                    assigned |= written
                    exec(compile(ast.Module(body=[node], type_ignores=[]), cell.where, "exec"), self.namespace)
                cell.status = "blank"
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit included
            cell.status = "error"
            cell.error = describe_exception(exc, self.student_files)
        for name in assigned - tainted:
            if name in self.namespace:
                self.last_assigned[name] = cell.index
        if cell.status == "ok" and cell.blank_line and any(self.namespace.get(n) is Ellipsis for n in assigned):
            cell.status = "blank"  # ``W = ...`` runs, but is still the template's blank
        if cell.status == "ok" and set(_COMMENTED_BLANK.findall(cell.source)) - assigned:
            cell.status = "blank"  # only the template's commented ``#x = ???`` lines, none of them answered

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
                if cell.blamed_on:
                    # What this cell would have made is missing because of the same blank
                    # (angle_estimator's blank -> no angles_pred -> the de-rotation cell fails).
                    for name in assigned_names(cell.source) - set(self.namespace):
                        blanks.setdefault(name, cell.blamed_on)

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
        """Run cell ``cell_index`` again, with the bindings it read when it ran and ``rebind`` applied.

        Top-level assignments to ``skip_assignments`` are left out (so that a
        ``noise_factor = 0.5`` in the cell does not undo the rebinding). With
        ``watch``, the replay stops at the first statement that assigns it and
        returns that value (the answer as written, before later lines of the
        cell reshape or plot it); without, it runs the whole cell and returns
        the copy of the namespace.
        """
        cell = self.cells[cell_index]
        tree = parse_cell(cell.source)
        if tree is None:
            raise LookupError(f"{cell.where} cannot be parsed, so it cannot be replayed")
        body = [node for node in tree.body if BLANK not in _names_read(node) and not (
            isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id in skip_assignments for t in node.targets))]
        namespace = dict(self.namespace)
        namespace.update(cell.snapshot)  # the names as they were when the cell ran
        namespace.update(rebind)
        marker = object()
        first = marker
        was_active = self.caps.active
        self.caps.active = True
        try:
            for node in body:
                module = ast.Module(body=[node], type_ignores=[])
                exec(compile(module, cell.where, "exec"), namespace)
                if watch is not None and watch in assigned_targets(node):
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

    def snapshot_value(self, cell_index: int, name: str):
        """The value ``name`` had when cell ``cell_index`` ran (its current value if the cell did not read it)."""
        snapshot = self.cells[cell_index].snapshot
        return snapshot[name] if name in snapshot else self.namespace.get(name)


# A cell that builds a Keras model: the exercises' locators look at every such model.
_BUILDS_MODEL = re.compile(r"\b(?:Model|Sequential)\s*\(|\bclone_model\s*\(|\.add\s*\(")


def builds_a_model(source: str) -> bool:
    """Whether a cell's text constructs a Keras model (functional, Sequential or cloned)."""
    return _BUILDS_MODEL.search(source) is not None


def assigned_targets(node: ast.stmt) -> set[str]:
    """The names an assignment statement (plain, augmented or annotated) binds."""
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
        names |= assigned_targets(node)
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


def code_lines(source: str) -> list[str]:
    """A cell's lines that are neither blank nor comments (a template cell still unfilled has none)."""
    return [line for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]


def user_functions(session: "NotebookSession") -> dict:
    """The functions the notebook defined, by name, with the cell that defined each last: ``{name: (function, CellRecord)}``."""
    import inspect

    found = {}
    for name, value in session.namespace.items():
        if not inspect.isfunction(value) or value.__module__ != "__main__" or name.startswith("_"):
            continue
        cell = next((c for c in reversed(session.cells) if re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", c.source, re.MULTILINE)), None)
        if cell is not None:
            found[name] = (value, cell)
    return found


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


def locate_each(session: NotebookSession, locators: dict) -> dict:
    """``{exercise: locator(session)}``; a locator that raises makes its exercise missing, never the whole run."""
    found = {}
    for name, locate in locators.items():
        try:
            found[name] = locate(session)
        except Exception as exc:  # noqa: BLE001 - a notebook the locator did not foresee
            found[name] = Located("missing", detail=f"the grader could not find this answer in the notebook ({type(exc).__name__}: {exc})")
    return found


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
    if not cells:
        # Nothing of the exercise at all: another course year's version of the lab may lack it.
        return Located("not_in_notebook", detail=f"no cell of this notebook mentions this exercise or makes {what}")
    return Located("missing", detail=f"no cell of this notebook makes {what}")
