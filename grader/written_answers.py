"""Written answers: the questions a lab leaves to the instructor, and what each student wrote under them.

A rubric's ``[[questions]]`` name them: an id, a title and an ``anchor``, a
regular expression that finds the question's cell in a notebook (the lab's
own notebook, or an original one of another course year). The answer is the
text of the markdown cells after that cell, up to the next question, the next
heading, the next exercise cell or the next of the handout's prompts (the
rubric's ``question_prompt``). A placeholder left as handed out (``*Your
answer here.*``) counts as not answered.

Nothing here runs student code: the notebook is read as JSON.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from grader.results import WrittenAnswer
from grader.rubric import QuestionSpec

PLACEHOLDER = re.compile(r"^\s*[*_]*\s*(your answer here|answer here|type your answer)\W*$", re.IGNORECASE)
MAX_ANSWER_CHARS = 5_000


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
            answers.append(WrittenAnswer(id=question.id, title=question.title, answered=False, answer="", where=where))
            continue
        parts = []
        for cell in cells[start + 1:]:
            if _ends_answer(cell, endings):
                break
            if cell.cell_type == "markdown" and cell.source.strip() and not PLACEHOLDER.match(cell.source.strip()):
                parts.append(cell.source.strip())
        text = "\n\n".join(parts)[:MAX_ANSWER_CHARS]
        answers.append(WrittenAnswer(id=question.id, title=question.title, answered=bool(text), answer=text,
                                     where=f"cell {start + 2}" if text else "below the question, still empty"))
    return answers
