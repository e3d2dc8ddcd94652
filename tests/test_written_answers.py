"""Written answers for the instructor: found under their questions in a notebook, never scored."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.engine import load_lab_rubric
from grader.rubric import QuestionSpec, RubricError, load_rubric
from grader.written_answers import collect_answers

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = load_lab_rubric("convnets").questions


def _notebook(tmp_path, cells) -> Path:
    path = tmp_path / "answers.ipynb"
    nbformat.write(new_notebook(cells=cells), str(path))
    return path


def test_the_answer_is_the_text_under_the_question_up_to_the_next_question(tmp_path):
    path = _notebook(tmp_path, [
        new_markdown_cell("## 7. Questions\n\n**7.1** What is gained?"),
        new_markdown_cell("Learned kernels fit the task."),
        new_markdown_cell("And they can be stacked."),
        new_markdown_cell("**7.2** Which other difference?"),
        new_markdown_cell("*Your answer here.*"),
        new_code_cell("x = 1"),
    ])
    first, second = collect_answers(path, QUESTIONS)
    assert first.answered and first.answer == "Learned kernels fit the task.\n\nAnd they can be stacked." and first.where == "cell 2"
    assert not second.answered and second.where == "below the question, still empty"


def test_the_handed_out_notebook_has_every_question_unanswered_and_a_script_has_none():
    answers = collect_answers(REPO / "exercises" / "convnets" / "convnets.ipynb", QUESTIONS)
    assert [a.id for a in answers] == ["learned_filters", "stacked_filters"] and not any(a.answered for a in answers)
    script = collect_answers(REPO / "reference" / "convnets" / "solution.py", QUESTIONS)
    assert {a.where for a in script} == {"a script has no written answers"}


def test_an_answer_stops_at_the_next_heading_or_exercise(tmp_path):
    path = _notebook(tmp_path, [
        new_markdown_cell("**7.1** What is gained?"), new_markdown_cell("An answer."),
        new_markdown_cell("## 8. Next section"), new_markdown_cell("Not an answer."),
    ])
    assert collect_answers(path, QUESTIONS[:1])[0].answer == "An answer."


def test_a_question_whose_anchor_is_not_a_regular_expression_is_a_rubric_error(tmp_path):
    with pytest.raises(ValueError, match="is not a regular expression"):
        QuestionSpec(id="q", title="Q", anchor="(unclosed")
    text = (REPO / "rubrics" / "convnets.toml").read_text().replace("anchor = '^\\*\\*7\\.1\\*\\*'", "anchor = '(unclosed'")
    bad = tmp_path / "convnets.toml"
    bad.write_text(text)
    with pytest.raises(RubricError, match="not a regular expression"):
        load_rubric(bad)
