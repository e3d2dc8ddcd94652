"""load_submission: definitions are extracted from .py / .ipynb files without running them."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

import nbformat
import pytest

from grader.submission import (
    DefinitionBlock,
    SourceProblem,
    Submission,
    SubmissionError,
    load_submission,
    strip_ipython_syntax,
)


# ---------------------------------------------------------------- helpers


def write_notebook(path: Path, cells: list[tuple[str, str]], **extra_outputs) -> Path:
    """cells: (kind, source) with kind 'code' or 'markdown'."""
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        nb.cells.append(nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source))
    nbformat.write(nb, path)
    return path


def run_definitions(sub: Submission) -> dict:
    """Execute the extracted definition blocks (our own test code) in order, as the sandbox would."""
    namespace: dict = {}
    for block in sub.definitions:
        code = compile("\n" * (block.first_line - 1) + block.source, block.filename, "exec")
        exec(code, namespace)  # noqa: S102 - test-authored source only
    return namespace


def block_defining(sub: Submission, name: str) -> list[DefinitionBlock]:
    return [b for b in sub.definitions if f"def {name}(" in b.source or f"class {name}" in b.source]


# ---------------------------------------------------------------- .py scripts


SCRIPT = '''\
"""Student's lab 3."""
import numpy as np
from math import sqrt as square_root

NOISE = 0.5
SHAPE = (28, 28, 1)
NAMES: list = ["a", "b"]
DEBUG = False
Dense = np.ndarray  # an alias (attribute)
sq = lambda v: v * v

data = np.load("/nonexistent/mnist.npz")          # a call: must not be kept
model = build_model()                              # a call: must not be kept
model.fit(data, epochs=50)                         # an expression statement: not kept
print("training...")
for epoch in range(1000):
    train_one_epoch()
NOISE = NOISE * 2                                  # not a simple constant: not kept


def add_noise(x, noise_factor=NOISE):
    """Gaussian noise, clipped."""
    return np.clip(x + noise_factor * np.random.normal(0, 1, x.shape), 0, 1)


@staticmethod
def decorated():
    return square_root(16)


class BatchNormalizedLayer:
    units = 5

    def call(self, x):
        return x


if __name__ == "__main__":
    main()
'''


@pytest.fixture
def script(tmp_path: Path) -> Submission:
    path = tmp_path / "my_lab3.py"
    path.write_text(SCRIPT)
    return load_submission(path)


def test_script_form_and_name(script: Submission):
    assert script.form == "script"
    assert script.name == "my_lab3.py"
    assert script.problems == []
    assert script.code_cells == [("my_lab3.py", SCRIPT)]


def test_script_keeps_imports_functions_classes_and_constants(script: Submission):
    names = script.defined_names()
    assert {"add_noise", "decorated", "BatchNormalizedLayer", "NOISE", "SHAPE", "DEBUG", "Dense", "sq"} <= names
    sources = "\n".join(b.source for b in script.definitions)
    assert "import numpy as np" in sources
    assert "from math import sqrt as square_root" in sources
    assert 'NAMES: list = ["a", "b"]' in sources  # annotated constant


def test_script_drops_calls_and_statements(script: Submission):
    names = script.defined_names()
    assert "data" not in names and "model" not in names
    sources = "\n".join(b.source for b in script.definitions)
    for call in ("np.load(", "build_model()", "model.fit(", "print(", "train_one_epoch", "main()"):
        assert call not in sources, f"{call!r} must not be kept as a definition"


def test_cheap_helper_assignments_used_by_definitions_are_kept(tmp_path: Path):
    path = tmp_path / "helpers.py"
    path.write_text(
        "import numpy as np\n"
        "rng = np.random.default_rng(0)\n"           # used by add_noise: kept
        "history = model.fit(x, y, epochs=50)\n"     # used below, but training: never kept
        "unused = np.zeros(10**9)\n"                 # used by nothing: not kept
        "def add_noise(x, noise_factor=0.5):\n"
        "    print(history)\n"
        "    return np.clip(x + noise_factor * rng.standard_normal(x.shape), 0, 1)\n"
    )
    sources = "\n".join(b.source for b in load_submission(path).definitions)
    assert "rng = np.random.default_rng(0)" in sources
    assert "model.fit" not in sources and "unused" not in sources


def test_script_definitions_execute_without_running_expensive_calls(script: Submission):
    ns = run_definitions(script)  # would fail on np.load/build_model if calls were kept
    # `NOISE = NOISE * 2` is kept because add_noise's default uses NOISE, as in Python
    assert ns["NOISE"] == 1.0
    assert ns["decorated"]() == 4.0
    import numpy as np

    out = ns["add_noise"](np.full((4, 4), 0.5), noise_factor=0.0)
    assert np.allclose(out, 0.5)


def test_script_blocks_record_file_and_line(script: Submission):
    (fn,) = block_defining(script, "add_noise")
    assert fn.filename == "my_lab3.py"
    expected_line = SCRIPT.splitlines().index("def add_noise(x, noise_factor=NOISE):") + 1
    assert fn.first_line == expected_line
    assert fn.source.splitlines()[0] == "def add_noise(x, noise_factor=NOISE):"
    # a decorated function starts at its decorator, so the decorator is kept
    (dec,) = block_defining(script, "decorated")
    assert dec.source.startswith("@staticmethod")
    assert dec.first_line == SCRIPT.splitlines().index("@staticmethod") + 1


def test_script_with_bom_and_crlf(tmp_path: Path):
    path = tmp_path / "bom.py"
    path.write_bytes("\ufeffimport numpy as np\r\ndef f():\r\n    return 1\r\n".encode("utf-8"))
    sub = load_submission(path)
    assert "f" in sub.defined_names()
    assert run_definitions(sub)["f"]() == 1


def test_script_with_syntax_error_is_a_problem_not_an_exception(tmp_path: Path):
    path = tmp_path / "broken.py"
    path.write_text("import numpy as np\n\ndef add_noise(x, noise_factor=0.5:\n    return x\n")
    sub = load_submission(path)
    assert sub.definitions == []
    (problem,) = sub.problems
    assert problem.where == "broken.py"
    assert problem.line == 3
    assert "SyntaxError" in problem.message
    assert sub.problem_for("add_noise") is problem


# ---------------------------------------------------------------- notebooks


MAGIC_CELLS = [
    ("markdown", "# Lab 3\nSome *markdown* with `def not_code():`"),
    ("code", "%matplotlib inline\nimport numpy as np\n!pip install x\nx = !ls\nnp.clip?\n??np.clip"),
    ("code", "%%bash\necho hello\nfor i in 1 2 3; do echo $i; done"),
    ("code", "def add_noise(x, noise_factor=0.5):\n    %time y = 1\n    return np.clip(x + noise_factor * np.random.normal(0, 1, x.shape), 0, 1)"),
    ("code", "%%time\ndef extract_W(model):\n    return model.layers[1].get_weights()[0]\nmodel.fit(x, y, epochs=50)"),
    ("code", "files = !ls -la\nresult = %timeit -o sum(range(10))\nLEVEL = 0.5"),
]


@pytest.fixture
def magic_notebook(tmp_path: Path) -> Submission:
    return load_submission(write_notebook(tmp_path / "lab3.ipynb", MAGIC_CELLS))


def test_notebook_with_ipython_magics_yields_functions(magic_notebook: Submission):
    sub = magic_notebook
    assert sub.form == "notebook"
    assert sub.problems == []
    names = sub.defined_names()
    assert {"add_noise", "extract_W", "LEVEL"} <= names
    assert "not_code" not in names  # markdown cells are not code
    assert [where for where, _ in sub.code_cells] == ["cell 2", "cell 3", "cell 4", "cell 5", "cell 6"]
    sources = "\n".join(b.source for b in sub.definitions)
    for shell in ("pip install", "echo", "%matplotlib", "np.clip?", "model.fit"):
        assert shell not in sources


def test_notebook_magic_definitions_run(magic_notebook: Submission):
    import numpy as np

    ns = run_definitions(magic_notebook)
    out = ns["add_noise"](np.full((8, 8), 0.5), noise_factor=0.2)
    assert out.shape == (8, 8) and out.min() >= 0 and out.max() <= 1


def test_notebook_blocks_are_named_by_cell_and_line(magic_notebook: Submission):
    (add_noise,) = block_defining(magic_notebook, "add_noise")
    assert add_noise.filename == "cell 4"
    assert add_noise.first_line == 1
    (extract_w,) = block_defining(magic_notebook, "extract_W")
    assert extract_w.filename == "cell 5"
    assert extract_w.first_line == 2  # line 1 is the %%time magic
    level = [b for b in magic_notebook.definitions if b.source.startswith("LEVEL")]
    assert level and level[0].filename == "cell 6" and level[0].first_line == 3


def test_strip_ipython_syntax_keeps_line_numbers():
    source = "%matplotlib inline\nimport os\nx = !ls\nos.path?\ny = 1"
    stripped = strip_ipython_syntax(source)
    assert len(stripped.splitlines()) == len(source.splitlines())
    assert stripped.splitlines()[1] == "import os"
    assert stripped.splitlines()[2] == "x = None"
    assert stripped.splitlines()[4] == "y = 1"
    assert strip_ipython_syntax("%%bash\nls\n") == ""
    # IPython help, as suffix or prefix, one or two question marks
    for help_line in ("np.clip?", "np.clip??", "?np.clip", "??model", "model.fit?  "):
        assert strip_ipython_syntax(f"import os\n{help_line}\nz = 1") == "import os\n\nz = 1", help_line
    # comparisons are not shell assignments
    assert strip_ipython_syntax("if a == b:\n    pass") == "if a == b:\n    pass"


BROKEN_CELL = "import numpy as np\n\ndef add_noise(x, noise_factor=0.5):\n    noisy = x + noise_factor * np.random.normal(0, 1, x.shape\n    return np.clip(noisy, 0, 1)\n"


def test_syntax_error_cell_is_reported_and_other_cells_load(tmp_path: Path):
    path = write_notebook(tmp_path / "broken.ipynb", [
        ("markdown", "intro"),
        ("code", "import numpy as np"),
        ("code", "def extract_W(model):\n    return model.layers[1].kernel.numpy()"),
        ("code", BROKEN_CELL),
        ("code", "def detector_channels():\n    return (1, 4, 10)"),
    ])
    sub = load_submission(path)
    assert len(sub.problems) == 1
    problem = sub.problems[0]
    assert isinstance(problem, SourceProblem)
    assert problem.where == "cell 4"
    assert problem.line in (4, 5)  # the unclosed parenthesis (Python reports where it is detected)
    assert problem.message.startswith("SyntaxError")
    assert "add_noise" in problem.names
    assert sub.problem_for("add_noise") is problem
    assert sub.problem_for("extract_W") is None
    names = sub.defined_names()
    assert {"extract_W", "detector_channels"} <= names
    assert "add_noise" not in names  # nothing from the broken cell
    assert run_definitions(sub)["detector_channels"]() == (1, 4, 10)


def test_problem_for_reports_last_unparseable_cell(tmp_path: Path):
    path = write_notebook(tmp_path / "twice.ipynb", [
        ("code", "def add_noise(x:\n    pass"),
        ("code", "def add_noise(x):\n    return x +"),
    ])
    sub = load_submission(path)
    assert [p.where for p in sub.problems] == ["cell 1", "cell 2"]
    assert sub.problem_for("add_noise").where == "cell 2"
    assert sub.problem_for("nothing") is None


def test_last_definition_of_a_duplicated_function_wins(tmp_path: Path):
    path = write_notebook(tmp_path / "dup.ipynb", [
        ("code", "def detector_channels():\n    return (1, 2, 3)"),
        ("code", "VERSION = 1"),
        ("code", "def detector_channels():\n    return (1, 4, 10)\nVERSION = 2"),
    ])
    sub = load_submission(path)
    blocks = block_defining(sub, "detector_channels")
    assert [b.filename for b in blocks] == ["cell 1", "cell 3"]  # source order is kept
    ns = run_definitions(sub)
    assert ns["detector_channels"]() == (1, 4, 10)
    assert ns["VERSION"] == 2


def test_list_sources_in_notebook_json(tmp_path: Path):
    """Jupyter stores sources as lists of lines; they are joined."""
    nb = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "id": "a1", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": ["def f():\n", "    return 41 + 1\n"]}],
    }
    path = tmp_path / "lines.ipynb"
    path.write_text(json.dumps(nb))
    sub = load_submission(path)
    assert run_definitions(sub)["f"]() == 42


def test_nbformat3_notebook_loads(tmp_path: Path):
    v3 = {
        "nbformat": 3, "nbformat_minor": 0, "metadata": {},
        "worksheets": [{"cells": [{"cell_type": "code", "input": "def f():\n    return 1", "language": "python",
                                   "outputs": [], "prompt_number": 1, "metadata": {}}], "metadata": {}}],
    }
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3))
    sub = load_submission(path)
    assert sub.form == "notebook"
    assert "f" in sub.defined_names()
    assert run_definitions(sub)["f"]() == 1


def test_large_stored_outputs_load_quickly_and_are_dropped(tmp_path: Path):
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + os.urandom(3 * 1024 * 1024)).decode()  # ~4 MB of base64 each
    nb = nbformat.v4.new_notebook()
    for i in range(8):  # ~32 MB of outputs
        cell = nbformat.v4.new_code_cell(f"def plot_{i}():\n    return {i}")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
        nb.cells.append(cell)
    path = tmp_path / "big.ipynb"
    nbformat.write(nb, path)
    assert path.stat().st_size > 30 * 1024 * 1024

    start = time.perf_counter()
    sub = load_submission(path)
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"loading took {elapsed:.1f}s"
    assert {f"plot_{i}" for i in range(8)} <= sub.defined_names()
    kept = sum(len(src) for _, src in sub.code_cells) + sum(len(b.source) for b in sub.definitions)
    assert kept < 10_000, "stored outputs must not be kept"
    assert all("PNG" not in b.source and png[:100] not in b.source for b in sub.definitions)


# ---------------------------------------------------------------- unusable input


def _error(path) -> str:
    with pytest.raises(SubmissionError) as info:
        load_submission(path)
    return str(info.value)


def test_missing_path(tmp_path: Path):
    msg = _error(tmp_path / "nope.ipynb")
    assert "no such file" in msg and "nope.ipynb" in msg


def test_directory(tmp_path: Path):
    (tmp_path / "lab3").mkdir()
    assert "directory" in _error(tmp_path / "lab3")


@pytest.mark.parametrize("suffix", [".ipynb", ".py"])
def test_empty_file(tmp_path: Path, suffix: str):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert "empty" in _error(path)


@pytest.mark.parametrize("suffix", [".ipynb", ".py"])
def test_whitespace_only_file(tmp_path: Path, suffix: str):
    path = tmp_path / f"blank{suffix}"
    path.write_text("  \n\n\t  \r\n")
    assert "empty" in _error(path)


def test_binary_garbage_notebook(tmp_path: Path):
    path = tmp_path / "garbage.ipynb"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16)
    msg = _error(path)
    assert "binary" in msg and "garbage.ipynb" in msg


def test_binary_python_file(tmp_path: Path):
    path = tmp_path / "lab.py"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(64))
    assert "binary" in _error(path)


def test_non_utf8_text(tmp_path: Path):
    path = tmp_path / "latin.py"
    path.write_bytes("x = 'café'\n".encode("latin-1"))
    assert "UTF-8" in _error(path)


def test_invalid_json_notebook(tmp_path: Path):
    path = tmp_path / "cut.ipynb"
    path.write_text('{"cells": [{"cell_type": "code", "source": "def f():')  # truncated download
    msg = _error(path)
    assert "not JSON" in msg and "line 1" in msg


@pytest.mark.parametrize("content", ['{"a": 1}', "[1, 2]", '"a string"', "42"])
def test_json_that_is_not_a_notebook(tmp_path: Path, content: str):
    path = tmp_path / "data.ipynb"
    path.write_text(content)
    assert "not a Jupyter notebook" in _error(path)


def test_malformed_notebook_structure(tmp_path: Path):
    path = tmp_path / "weird.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "not a list"}))
    msg = _error(path)
    assert "weird.ipynb" in msg and "not a list of cells" in msg and "Re-save" in msg


@pytest.mark.parametrize("name", ["lab3.txt", "lab3.docx", "lab3.ipynb.zip", "lab3"])
def test_unsupported_suffix(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_text("def f():\n    return 1\n")
    msg = _error(path)
    assert "unsupported" in msg and ".ipynb" in msg and ".py" in msg


def test_uppercase_suffix_is_accepted(tmp_path: Path):
    path = tmp_path / "LAB3.PY"
    path.write_text("def f():\n    return 1\n")
    assert "f" in load_submission(path).defined_names()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file(tmp_path: Path):
    path = tmp_path / "secret.ipynb"
    write_notebook(path, [("code", "def f():\n    return 1")])
    path.chmod(0)
    try:
        msg = _error(path)
    finally:
        path.chmod(0o644)
    assert "cannot be read" in msg and "permission" in msg.lower()


def test_unreadable_file_message(tmp_path: Path, monkeypatch):
    """Same as above without needing a non-root user: reading fails with EACCES."""
    path = tmp_path / "secret.py"
    path.write_text("def f():\n    return 1\n")

    def deny(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", deny)
    msg = _error(path)
    assert "cannot be read" in msg and "Permission denied" in msg and "permissions" in msg
