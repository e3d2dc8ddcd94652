"""Build the example submissions in this folder from the answer library.

* ``complete_submission.ipynb`` — a correct lab 3 written differently from the
  reference (tests/cases/lab3/full_alt_solution.py), as a student notebook
  would hold it: one cell per exercise, plus a training cell that the grader
  must not run.
* ``submission_with_mistakes.ipynb`` — the same with four typical mistakes
  and one exercise left unfinished.

    python examples/lab3/build_examples.py
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
CASES = HERE.parent.parent / "tests" / "cases" / "lab3"

MISTAKES = [
    "extract_W__wrong_transposed.py",
    "add_noise__wrong_no_clip.py",
    "build_angle_cnn__wrong_relu_head.py",
    "build_unet_no_skips__wrong_add_skips.py",
]
UNFINISHED = "BatchNormalizedLayer"

TRAINING_CELL = """# Training cell: the grader never runs this (it only takes definitions).
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
model = build_angle_cnn()
model.compile(optimizer="adam", loss="mse")
history = model.fit(x_train[..., None] / 255.0, y_train, epochs=50)
"""


def cells_of(source: str) -> list[str]:
    """Split a module into cells: the imports/constants first, then one cell per definition."""
    tree = ast.parse(source)
    lines = source.splitlines()
    head, cells = [], []
    for node in tree.body:
        text = "\n".join(lines[node.lineno - 1 - len(getattr(node, "decorator_list", [])) : node.end_lineno])
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            cells.append(text)
        elif isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant):
            continue  # the module docstring
        elif cells and isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            cells[-1] += "\n\n\n" + text
        else:
            head.append(text)
    return ["\n".join(head)] + cells


def notebook(code_cells: list[str], title: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {title}"))
    nb.cells.append(nbformat.v4.new_code_cell("%matplotlib inline"))
    for code in code_cells:
        nb.cells.append(nbformat.v4.new_code_cell(code))
    nb.cells.append(nbformat.v4.new_code_cell(TRAINING_CELL))
    return nb


def main() -> None:
    complete = cells_of((CASES / "full_alt_solution.py").read_text())
    nbformat.write(notebook(complete, "Lab 3 — a complete submission"), HERE / "complete_submission.ipynb")

    with_mistakes = list(complete)
    for name in MISTAKES:
        exercise = name.split("__")[0]
        replacement = "\n".join(cells_of((CASES / name).read_text()))
        with_mistakes = [replacement if f"def {exercise}(" in c or f"class {exercise}(" in c else c for c in with_mistakes]
    with_mistakes = [
        f"class {UNFINISHED}(keras.layers.Layer):\n    def __init__(self, layer, axis=-1, activation=None, **kwargs):\n        # YOUR CODE HERE\n        raise NotImplementedError\n"
        if f"class {UNFINISHED}(" in c else c
        for c in with_mistakes
    ]
    nbformat.write(notebook(with_mistakes, "Lab 3 — a submission with mistakes"), HERE / "submission_with_mistakes.ipynb")
    print("wrote complete_submission.ipynb and submission_with_mistakes.ipynb")


if __name__ == "__main__":
    main()
