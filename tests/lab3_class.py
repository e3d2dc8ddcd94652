"""A lab-3 class for the instructor's tests: notebooks from the casebook, with written answers, two of them copied.

Each honest student fills the lab's handout with answer files of
tests/cases/lab3, each file given to one student only. Many answer files of
an exercise are one file with one mistake put in, which is not how students
who work alone write, so an exercise's files are used only when they are
unlike each other (difflib's ratio of their code, docstrings and comments
left out, under 0.5: a plain text measure, not the detector's). An exercise left without a file stays as handed out. For each
question the answer is put together from phrases no other student uses in
the same combination. Two students copied a
classmate: same code with the variables renamed (by the AST, so the layout
changes too), the cells in another order, and the answers reworded.
"""

from __future__ import annotations

import ast
import builtins
import copy
import difflib
import random
import re
from pathlib import Path

import nbformat

from casebook import all_cases

REPO = Path(__file__).resolve().parent.parent
HANDOUT = REPO / "exercises" / "lab3" / "lab3.ipynb"
#: (original, copier): the copier took the original's notebook.
COPIED = [("student03", "student18"), ("student07", "student19")]

# Phrases each answer is drawn from: two of them, chosen by the student's number.
PHRASES = {
    "cnn_layers": ["It has three convolutions and two dense layers with weights.", "Eight 3x3 filters in the first convolution.",
                   "Pooling keeps the largest value of each 2x2 patch.", "Dropout switches off random units while training.",
                   "A 5x5x16 map reaches the last convolution.", "Max pooling halves the width and height."],
    "codes_plot": ["Ones sit far from the other digits.", "Fours and nines overlap a lot.", "Threes, fives and eights crowd together.",
                   "The sevens form a long thin cloud.", "Zeros are spread over a corner.", "Overlaps match the confusions."],
    "autoencoder_shapes": ["The code is a 4x4x8 map.", "Convolutions need the spatial layout, so it stays unflattened.",
                           "Upsampling repeats each pixel into a 2x2 block.", "The convolution smooths the blocky upsampled map.",
                           "Same padding keeps the size, valid trims the border.", "Valid padding loses two pixels per 3x3 layer."],
    "reconstruction_losses": ["MSE punishes big differences quadratically.", "Cross-entropy treats pixels as ink probabilities.",
                              "The sigmoid output gave sharper strokes.", "MSE blurs because it averages the options.",
                              "Cross-entropy punishes confident mistakes more.", "Both reconstructions were readable."],
    "skip_connections": ["Concatenation stacks the channels of two maps of equal size.", "The 64, 32 and 16 pixel encoder maps are joined.",
                         "The decoder gets back the detail lost in the bottleneck.", "Shapes must match except in channels.",
                         "It joins early sharp features with late coarse ones.", "Without them edges get blurry."],
    "without_skips": ["Stroke borders get the wrong class.", "Labels change halfway through a digit.", "The bottleneck loses position detail.",
                      "The version with skips labels whole digits consistently.", "Small digits vanish into background.", "It is blurrier."],
    "batch_norm": ["Training accuracy rose faster with batch norm.", "Test accuracy lagged in the first epochs.",
                   "The running averages need more steps to settle.", "With more epochs the gap closed.",
                   "A larger learning rate helped the batch-norm model.", "Normalizing steadies the gradients."],
}


def _answer(question: str, number: int) -> str:
    phrases = PHRASES[question]
    first = number % len(phrases)
    second = (first + 1 + number // len(phrases)) % len(phrases)
    if second == first:
        second = (first + 1) % len(phrases)
    return f"{phrases[first]} {phrases[second]} (student {number})"


class _Renamer(ast.NodeTransformer):
    """Rename every name the code binds itself (locals, parameters, helpers), keeping the exercises' names."""

    def __init__(self, keep: set[str]) -> None:
        self.keep = keep | set(dir(builtins))
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        if name in self.keep or name.startswith("__") or name in self.names.values():
            return name
        return self.names.setdefault(name, f"my_{name[::-1].strip('_') or 'x'}_{len(self.names)}")

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store) or node.id in self.names:
            node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        return node


def renamed(sources: list[str], keep: set[str]) -> list[str]:
    """``sources`` (cells) with their own variable names changed throughout, as a find-and-replace
    would, and re-laid out by ``ast.unparse`` (comments gone)."""
    trees = [ast.parse(source) for source in sources]
    renamer = _Renamer(keep)
    for _ in range(2):  # uses of a name before its assignment was seen: the second pass catches them
        for tree in trees:
            renamer.visit(tree)
    return [ast.unparse(tree) for tree in trees]


def _cases_by_exercise() -> dict[str, list]:
    by: dict[str, list] = {}
    for case in all_cases("lab3"):
        by.setdefault(case.exercise, []).append(case)
    return by


def _code_only(path: Path) -> str:
    """The file's code without docstrings or comments."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def _unlike_each_other(cases: list) -> list:
    """The cases of one exercise whose code differs from every case kept before them (see the module docstring)."""
    kept: list = []
    for case in cases:
        code = _code_only(case.path)
        if all(difflib.SequenceMatcher(None, code, _code_only(other.path)).ratio() < 0.5 for other in kept):
            kept.append(case)
    return kept


def _assign_cases(by_exercise: dict[str, list], students: list[int]) -> dict[tuple[int, str], Path]:
    """Each usable answer file to one student at most, shuffled per exercise."""
    given = {}
    for exercise, cases in sorted(by_exercise.items()):
        draw = random.Random(exercise)
        order = list(students)
        draw.shuffle(order)
        usable = _unlike_each_other(draw.sample(cases, len(cases)))
        for student, case in zip(order, usable):
            given[student, exercise] = case.path
    return given


def answer_cells(handout: nbformat.NotebookNode, rubric) -> dict[str, int]:
    """Each rubric question's answer cell in the handout: the first placeholder after the cell its anchor finds."""
    cells = handout.cells
    found = {}
    for q in rubric.questions:
        index = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and re.search(q.anchor, c.source, re.M))
        found[q.id] = next(i for i in range(index + 1, len(cells)) if cells[i].source.strip() == "*Your answer here.*")
    return found


def student_notebook(number: int, handout: nbformat.NotebookNode, given: dict[tuple[int, str], Path], answers: dict[str, int]):
    nb = copy.deepcopy(handout)
    for cell in nb.cells:
        exercise = cell.metadata.get("labgrader", {}).get("exercise")
        if (number, exercise) in given:
            cell.source = given[number, exercise].read_text()
    for question, index in answers.items():
        nb.cells[index].source = _answer(question, number)
    return nb


def copy_of(original: nbformat.NotebookNode, seed: int, keep: set[str]) -> nbformat.NotebookNode:
    """The copier's notebook: renamed variables, another cell order, reworded answers."""
    nb = copy.deepcopy(original)
    code = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("labgrader", {}).get("exercise")]
    for cell, source in zip(code, renamed([cell.source for cell in code], keep)):
        cell.source = source
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "(student " in cell.source:
            cell.source = "In my words: " + cell.source.replace("(student", "(as I see it, after student")
    exercises = [i for i, c in enumerate(nb.cells) if c in code]
    shuffled = [nb.cells[i] for i in exercises]
    random.Random(seed).shuffle(shuffled)
    for i, cell in zip(exercises, shuffled):
        nb.cells[i] = cell
    return nb


def build_class(folder: Path, rubric, size: int = 20) -> dict[str, Path]:
    """Write ``size`` notebooks (student00 … ) in ``folder``; the last ones copied as COPIED says."""
    handout = nbformat.read(HANDOUT, as_version=4)
    by_exercise = _cases_by_exercise()
    answers = answer_cells(handout, rubric)
    keep = {e.name for e in rubric.exercises}
    notebooks: dict[str, nbformat.NotebookNode] = {}
    copiers = {copier for _, copier in COPIED}
    honest = [n for n in range(size) if f"student{n:02d}" not in copiers]
    given = _assign_cases(by_exercise, honest)
    for number in honest:
        notebooks[f"student{number:02d}"] = student_notebook(number, handout, given, answers)
    for seed, (original, copier) in enumerate(COPIED):
        notebooks[copier] = copy_of(notebooks[original], seed, keep)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, nb in sorted(notebooks.items()):
        paths[name] = folder / f"{name}.ipynb"
        nbformat.write(nb, paths[name])
    return paths


def build_large_class(folder: Path, rubric, size: int = 300) -> None:
    """``size`` notebooks for benchmarks: every exercise answered, by answer files drawn with replacement."""
    handout = nbformat.read(HANDOUT, as_version=4)
    by_exercise = _cases_by_exercise()
    answers = answer_cells(handout, rubric)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(size):
        draw = random.Random(number)
        given = {(number, exercise): draw.choice(cases).path for exercise, cases in by_exercise.items()}
        nbformat.write(student_notebook(number, handout, given, answers), folder / f"student{number:03d}.ipynb")
