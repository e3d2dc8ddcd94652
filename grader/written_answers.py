"""Written answers: the questions a lab leaves to the instructor, and what each student wrote under them.

A rubric's ``[[questions]]`` name them: an id, a title and an ``anchor``, a
regular expression that finds the question's cell in a notebook (the lab's
own notebook, or an original one of another course year). The answer is the
text of the markdown cells after that cell, up to the next question, the next
heading, the next exercise cell or the next of the handout's prompts (the
rubric's ``question_prompt``), with the code cells in between and the PNG
figures they output (when the notebook was handed in with its outputs). A
placeholder left as handed out (``*Your answer here.*``) counts as not
answered; code or figures alone do.

Nothing here runs student code: the notebook is read as JSON.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from grader.results import WrittenAnswer
from grader.rubric import QuestionSpec

# Also "Write your answer here", and the LaTeX colour some handouts wrap it in: $\color{red}{\text{Write your answer here}}$.
PLACEHOLDER = re.compile(r"^\s*[*_$]*\s*(?:\\color\{\w+\}\{\\text\{)?\s*(?:write\s+)?(your answer here|answer here|type your answer)[\W_]*$",
                         re.IGNORECASE)
MAX_ANSWER_CHARS = 5_000
MAX_FIGURES = 4  # per answer
MAX_FIGURE_BYTES = 400_000  # base64 characters of one figure; a larger one is left out (and said so)


def _ends_answer(cell, anchors: list[re.Pattern]) -> bool:
    if cell.cell_type == "code" and cell.metadata.get("labgrader", {}).get("exercise"):
        return True
    if cell.cell_type == "markdown" and (cell.source.lstrip().startswith("#") or any(a.search(cell.source) for a in anchors)):
        return True
    return False


def collect_answers(path: str | Path, questions: list[QuestionSpec], prompt: str = "") -> list[WrittenAnswer]:
    """Each question of ``questions`` with the student's answer in the notebook at ``path`` (empty for a .py file).

    ``prompt`` (the rubric's ``question_prompt``) matches the handout's other
    prompt cells, where an answer ends too.
    """
    if not questions:
        return []
    path = Path(path)
    cells = []
    if path.suffix.lower() == ".ipynb":
        try:
            cells = nbformat.read(str(path), as_version=4).cells
        except Exception:  # noqa: BLE001 - an unreadable notebook is reported by the loader; here it has no answers
            cells = []
    anchors = [re.compile(q.anchor, re.MULTILINE) for q in questions]
    endings = anchors + ([re.compile(prompt, re.MULTILINE)] if prompt else [])
    answers = []
    for question, anchor in zip(questions, anchors):
        start = next((i for i, cell in enumerate(cells) if cell.cell_type == "markdown" and anchor.search(cell.source)), None)
        if start is None:
            where = "this notebook does not have the question" if cells else "a script has no written answers"
            answers.append(WrittenAnswer(id=question.id, title=question.title, answered=False, answer="", where=where, max_points=question.points))
            continue
        parts, code, figures, left_out = [], [], [], 0
        for cell in cells[start + 1:]:
            if _ends_answer(cell, endings):
                break
            text = _without_placeholder(cell.source) if cell.cell_type == "markdown" else ""
            if text:
                parts.append(text)
            elif cell.cell_type == "code":
                if cell.source.strip():
                    code.append(cell.source.rstrip())
                for image in _png_outputs(cell):
                    if len(figures) < MAX_FIGURES and len(image) <= MAX_FIGURE_BYTES:
                        figures.append(image)
                    else:
                        left_out += 1
        text = "\n\n".join(parts)[:MAX_ANSWER_CHARS]
        if left_out:
            text += f"\n\n[{left_out} more figure(s) left out: too many or too large; see the notebook]"
        answered = bool("\n\n".join(parts).strip() or figures)
        answers.append(WrittenAnswer(id=question.id, title=question.title, answered=answered, answer=text,
                                     where=f"cell {start + 2}" if answered else "below the question, still empty",
                                     max_points=question.points, code="\n\n".join(code)[:MAX_ANSWER_CHARS], figures=figures))
    return answers


def _without_placeholder(text: str) -> str:
    """A markdown cell's text without the handout's placeholder lines at its start ("Write your answer here")."""
    lines = text.strip().splitlines()
    while lines and (not lines[0].strip() or PLACEHOLDER.match(lines[0].strip())):
        lines.pop(0)
    return "\n".join(lines).strip()


def _png_outputs(cell) -> list[str]:
    """The base64 PNGs a code cell's stored outputs hold."""
    images = []
    for output in cell.get("outputs", []) or []:
        data = output.get("data", {}) if isinstance(output, dict) else {}
        image = data.get("image/png") if isinstance(data, dict) else None
        if isinstance(image, list):
            image = "".join(image)
        if isinstance(image, str) and image.strip():
            images.append(image.replace("\n", ""))
    return images
