"""Loading a submission: turn a student's ``.ipynb`` or ``.py`` into definitions.

The grader does not run a student's notebook top to bottom (a 50-epoch
training cell would take an hour). It keeps what defines things: imports,
functions, classes and simple constants, taken from every code cell in
order, so the last definition of a name wins as it would in the notebook.
Nothing here executes student code; it only parses it.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

SUPPORTED_SUFFIXES = (".ipynb", ".py")
MAX_SOURCE_BYTES = 5 * 1024 * 1024  # source only; stored outputs are dropped before this applies

_HELP_SYNTAX = re.compile(r"^(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")  # `np.clip?` and `??model`
_DEF_NAME = re.compile(r"^\s*(?:async\s+def|def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)


MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_BYTES = 4 * 1024**3


def safe_extract_zip(archive: Path, into: Path) -> Path:
    """Extract a zip with no absolute paths, no '..' and a bounded size; SubmissionError otherwise."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise SubmissionError(f"{archive.name} holds {len(members)} files; more than {MAX_ZIP_MEMBERS} is not a submission")
            if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{archive.name} expands to more than {MAX_ZIP_BYTES // 1024**3} GiB")
            root = Path(into).resolve()
            for member in members:
                target = (Path(into) / member.filename).resolve()
                if member.filename.startswith("/") or not (target == root or str(target).startswith(str(root) + "/")):
                    raise SubmissionError(f"{archive.name}: unsafe path {member.filename!r} in the zip")
            zf.extractall(into)
    except zipfile.BadZipFile:
        raise SubmissionError(f"{archive.name} is not a valid zip file") from None
    return Path(into)


def gradable_files(folder: Path) -> list[Path]:
    """The .ipynb/.py files under ``folder``, the one to grade first: notebooks before
    scripts, then the shallowest, then by name. Jupyter checkpoints and macOS zip
    metadata are never candidates."""
    found = [
        p for p in Path(folder).rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not {".ipynb_checkpoints", "__MACOSX"} & set(p.parts)
    ]
    return sorted(found, key=lambda p: (p.suffix.lower() != ".ipynb", len(p.parts), p.name))


class SubmissionError(Exception):
    """The file cannot be graded at all (missing, unreadable, not a notebook, ...)."""


@dataclass(frozen=True)
class DefinitionBlock:
    """Source to execute in the sandbox, with the place it came from."""

    source: str
    filename: str  # e.g. "cell 7" or "my_lab.py"; shows in tracebacks
    first_line: int  # 1-based line of ``source``'s first line in that cell/file


@dataclass(frozen=True)
class SourceProblem:
    """A cell (or file) that could not be parsed; it defines nothing."""

    where: str
    line: int
    message: str
    names: tuple[str, ...]  # defs/classes it seems to contain, so their exercises can say why


@dataclass
class Submission:
    path: Path
    name: str
    form: str  # "notebook" or "script"
    code_cells: list[tuple[str, str]]  # (where, source) for every code cell
    definitions: list[DefinitionBlock] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The lab named in the notebook's ``labgrader`` metadata (the grader's own exercise notebooks carry it), or "".
    lab_metadata: str = ""

    def defined_names(self) -> set[str]:
        names: set[str] = set()
        for block in self.definitions:
            for node in ast.parse(block.source).body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif isinstance(node, ast.Assign):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        return names

    def problem_for(self, name: str) -> SourceProblem | None:
        """The last unparseable cell that seems to define ``name``, if any."""
        found = [p for p in self.problems if name in p.names]
        return found[-1] if found else None


def load_submission(path: str | Path, definitions: bool = True) -> Submission:
    """Read ``path`` and extract its definitions; raise SubmissionError for unusable input.

    ``definitions=False`` reads the code cells only (for a reader that needs no more).

    Every input gets a Submission or a SubmissionError, never another
    exception: the loader runs in the trusted process, on whatever a student
    hands in (tests/test_submission_fuzz.py holds it to that).
    """
    try:
        return _load_submission(Path(path), definitions)
    except SubmissionError:
        raise
    except Exception as exc:  # noqa: BLE001 - a case the loader does not foresee must still get a message, not a traceback
        raise SubmissionError(f"{Path(path).name} could not be read ({type(exc).__name__}: {str(exc)[:200]}). "
                              "This is a defect of the grader: please report it with the file.") from None


def _load_submission(path: Path, definitions: bool = True) -> Submission:
    if not path.exists():
        raise SubmissionError(f"{path}: no such file. Check the path, or run `grader init LAB` to get the lab notebook (`grader labs` lists them).")
    if path.is_dir():
        raise SubmissionError(f"{path} is a directory; give the notebook (.ipynb) or script (.py) inside it.")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise SubmissionError(
            f"{path.name}: unsupported file type {path.suffix or '(none)'!r}; submit the lab as a Jupyter notebook (.ipynb) or a Python file (.py)."
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"{path}: cannot be read ({exc.strerror or exc}). Check the file's permissions.") from None
    if not raw.strip():
        raise SubmissionError(f"{path.name} is empty. Save your notebook in Jupyter (File > Save) and try again.")

    if path.suffix.lower() == ".py":
        text = _decode(raw, path)
        cells = [(path.name, text)]
        form = "script"
    else:
        cells, lab_metadata, notes = _notebook_code_cells(raw, path)
        form = "notebook"

    submission = Submission(path=path, name=path.name, form=form, code_cells=cells)
    if form == "notebook":
        submission.lab_metadata = lab_metadata
        submission.notes.extend(notes)
    if definitions:
        _extract_definitions(cells, submission)
    return submission


def _decode(raw: bytes, path: Path) -> str:
    if b"\x00" in raw[:4096]:
        raise SubmissionError(f"{path.name} looks like a binary file, not Python source. Submit the .ipynb or .py file itself.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{path.name}: not UTF-8 text (byte {exc.start}). Re-save the file as UTF-8.") from None


def _notebook_code_cells(raw: bytes, path: Path) -> tuple[list[tuple[str, str]], str, list[str]]:
    """The notebook's code cells as (where, source), the lab its ``labgrader`` metadata names ("" if none), and notes."""
    text = _decode(raw, path)
    try:
        data = json.loads(text)
    except RecursionError:
        raise SubmissionError(f"{path.name} is not a valid notebook: its JSON is nested too deeply to read. Re-save it from Jupyter.") from None
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"{path.name} is not a valid notebook: it is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
            "Re-download or re-save it from Jupyter."
        ) from None
    if not isinstance(data, dict) or not ("cells" in data or "worksheets" in data):
        raise SubmissionError(f"{path.name} is JSON but not a Jupyter notebook (no 'cells'). Submit the .ipynb saved by Jupyter.")
    for key in ("cells", "worksheets"):
        if key in data and not isinstance(data[key], list):
            raise SubmissionError(f"{path.name} is not a valid notebook: its '{key}' is a {type(data[key]).__name__}, not a list of cells. Re-save it from Jupyter.")
    # Stored outputs can be tens of MB of images; the grader never needs them.
    _drop_outputs(data)
    if "cells" in data and "nbformat" not in data:
        data["nbformat"], data["nbformat_minor"] = 4, 0  # hand-made notebooks often omit the version
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a hand-made notebook without cell ids is fine to read; nbformat would say so on the terminal
            nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # nbformat raises a zoo of errors for malformed notebooks
        raise SubmissionError(f"{path.name}: notebook could not be read ({type(exc).__name__}: {exc}). Re-save it from Jupyter.") from None
    cells, notes = [], []
    for number, cell in enumerate(nb.cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _cell_text(cell.get("source", ""))
        if source is None:
            notes.append(f"cell {number}: its source is not text ({type(cell.get('source')).__name__}), so it was skipped; re-save the notebook from Jupyter")
            continue
        cells.append((f"cell {number}", source))
    marker = nb.metadata.get("labgrader") if isinstance(nb.get("metadata"), dict) else None
    lab = marker.get("lab") if isinstance(marker, dict) else None
    return cells, lab if isinstance(lab, str) else "", notes


def _cell_text(source) -> str | None:
    """A cell's source as text: a string, or a list of strings joined (as nbformat stores it); None otherwise."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return None


def _drop_outputs(data: dict) -> None:
    for cell in data.get("cells", []):
        if isinstance(cell, dict):
            cell.pop("outputs", None) if cell.get("cell_type") != "code" else cell.__setitem__("outputs", [])
    for ws in data.get("worksheets", []) or []:  # nbformat 3
        for cell in ws.get("cells", []) if isinstance(ws, dict) else []:
            if isinstance(cell, dict) and "outputs" in cell:
                cell["outputs"] = []


def strip_ipython_syntax(source: str) -> str:
    """Blank out IPython-only lines (``%magic``, ``!shell``, ``%%cell`` magics, ``x?``).

    Lines are replaced by ``pass``-free blank lines so line numbers stay true.
    A cell magic (``%%time``) guards the whole cell in IPython; we keep the body
    only for ``%%time``/``%%timeit``-style magics that run Python.
    """
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split()[0] if lines[0].lstrip()[2:].split() else ""
        if magic not in {"time", "timeit", "capture", "prun"}:
            return ""  # %%bash, %%writefile, ...: not Python
        lines[0] = ""
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or _HELP_SYNTAX.match(stripped):
            indent = line[: len(line) - len(stripped)]
            # keep blocks syntactically valid when a magic is the only statement in a block
            out.append(indent + "pass" if indent else "")
        else:
            # `x = !ls` and `x = %time f()` assignments
            out.append(re.sub(r"=\s*[!%].*$", "= None", line) if re.search(r"=\s*[!%]", line) and not re.search(r"[=!<>]=\s*[!%]", line) else line)
    return "\n".join(out)


#: What ``ast.parse`` raises on text that is not Python it can read: a syntax error, a null
#: byte (ValueError), an expression nested or chained too deeply for the parser (RecursionError,
#: MemoryError).
UNPARSEABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def unparseable_reason(exc: BaseException) -> str:
    """What is wrong with code that ``ast.parse`` refused, for a student."""
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg}"
    if isinstance(exc, (RecursionError, MemoryError)):
        return "too deeply nested for Python to read (an expression of very many terms or levels); split it into smaller statements"
    return f"not readable as Python ({exc})"


def runnable_source(source: str) -> str:
    """``source`` as written if it parses, else with its IPython-only lines blanked."""
    try:
        ast.parse(source)
        return source  # plain Python: leave it exactly as written
    except UNPARSEABLE:
        return strip_ipython_syntax(source)


def _is_simple_constant(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.Lambda):
        return True
    # aliases such as `L = keras.layers` or `Dense = layers.Dense`
    return isinstance(node, (ast.Name, ast.Attribute))


# Calls that train, load data, wait or ask for input: never run at load time,
# even when a definition depends on the name they assign.
EXPENSIVE_CALLS = frozenset({
    "fit", "fit_generator", "evaluate", "evaluate_generator", "predict", "predict_generator",
    "train_on_batch", "load_data", "load_model", "load_weights", "save", "sleep", "input",
    "system", "run", "Popen", "urlopen", "get", "show", "imshow", "plot", "download",
})


def _is_definition(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, ast.Assign) and all(isinstance(t, (ast.Name, ast.Tuple)) for t in node.targets):
        return _is_simple_constant(node.value)
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return _is_simple_constant(node.value)
    return False


def _assigned_names(node: ast.stmt) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    names = set()
    for target in targets:
        for sub in ast.walk(target) if target is not None else []:
            if isinstance(sub, ast.Name):
                names.add(sub.id)
    return names


def _loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _is_cheap_helper_assignment(node: ast.stmt) -> bool:
    """``rng = np.random.default_rng(0)``: an assignment whose calls are not known to be expensive."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or getattr(node, "value", None) is None:
        return False
    for sub in ast.walk(node.value):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in EXPENSIVE_CALLS:
                return False
        if isinstance(sub, (ast.Lambda, ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp, ast.Await)):
            return False
    return True


def _extract_definitions(cells: list[tuple[str, str]], submission: Submission) -> None:
    """Keep definitions, plus helper assignments that kept definitions use.

    A module-level ``rng = np.random.default_rng(0)`` used inside ``add_noise``
    is kept (it is cheap and needed); ``history = model.fit(...)`` never is.
    """
    statements: list[tuple[str, ast.stmt, list[str]]] = []
    for where, source in cells:
        cleaned = runnable_source(source)
        try:
            tree = ast.parse(cleaned, filename=where)
        except UNPARSEABLE as exc:
            names = tuple(_DEF_NAME.findall(cleaned))
            submission.problems.append(
                SourceProblem(where=where, line=getattr(exc, "lineno", None) or 0, message=unparseable_reason(exc), names=names)
            )
            continue
        lines = cleaned.splitlines()
        statements.extend((where, node, lines) for node in tree.body)

    keep = [_is_definition(node) for _, node, _ in statements]
    needed: set[str] = set()
    for (_, node, _), kept in zip(statements, keep):
        if kept and not isinstance(node, (ast.Import, ast.ImportFrom)):
            needed |= _loaded_names(node)
    changed = True
    while changed:  # helpers that other kept helpers use
        changed = False
        for i, (_, node, _) in enumerate(statements):
            if not keep[i] and _assigned_names(node) & needed and _is_cheap_helper_assignment(node):
                keep[i] = changed = True
                needed |= _loaded_names(node.value)

    for (where, node, lines), kept in zip(statements, keep):
        if not kept:
            continue
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        end = node.end_lineno or start
        segment = "\n".join(lines[start - 1 : end])
        submission.definitions.append(DefinitionBlock(source=segment, filename=where, first_line=start))
