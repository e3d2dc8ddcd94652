"""Results of grading, as written to ``--json`` and read by exports and reports."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

Status = Literal["passed", "failed", "error", "timeout", "not_implemented", "missing", "not_submitted", "not_in_notebook"]


class CheckResult(BaseModel):
    name: str
    passed: bool
    message: str
    points: float = 0.0
    max_points: float = 0.0
    hint: str = ""
    skipped: bool = False
    # The grader itself failed to judge this check: it counts for nothing and is flagged for review.
    grader_error: bool = False
    details: dict[str, Any] = Field(default_factory=dict)


class ExerciseResult(BaseModel):
    name: str
    title: str = ""
    score: float
    max_score: float
    status: Status
    feedback: str
    checks: list[CheckResult] = Field(default_factory=list)
    seconds: float = 0.0


class WrittenAnswer(BaseModel):
    """A question the rubric leaves to the instructor, and what the student wrote (not scored by the grader)."""

    id: str
    title: str
    answered: bool
    answer: str = ""
    where: str = ""  # the answer's first cell, or why there is none


class SubmissionResult(BaseModel):
    lab: str
    submission: str
    score: float
    max_score: float
    exercises: list[ExerciseResult]
    # Models the student trained and saved, judged against the reference's (empty when the lab has none).
    trained_models: list[ExerciseResult] = Field(default_factory=list)
    # Questions for the instructor (free text, plots), with the student's answers; never scored here.
    written_answers: list[WrittenAnswer] = Field(default_factory=list)
    grader_version: str = ""
    rubric_version: str = ""
    quick: bool = False
    # "stub": the lab's functions were completed; "inline": an original notebook
    # filled in place, run cell by cell (see grader.harness.notebook_mode).
    form: str = "stub"
    isolation: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    logs: dict[str, str] = Field(default_factory=dict)
    data: str = ""
    seconds: float = 0.0
    sandbox_seconds: float = 0.0  # of ``seconds``, the time spent in sandboxed processes
    # What the result depends on: batch grading skips a submission whose
    # fingerprint matches an existing result.
    submission_sha256: str = ""
    rubric_sha256: str = ""

    # What the sandbox observed per exercise (grader.checks.Observed, secrets
    # included), for figures in reports; never serialized.
    _observations: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def observations(self) -> dict[str, Any]:
        return self._observations

    def graded_items(self) -> list[ExerciseResult]:
        """Exercises, then the trained models that count, named ``model:<name>`` (for exports)."""
        models = [m.model_copy(update={"name": f"model:{m.name}"}) for m in self.trained_models if m.max_score > 0]
        return list(self.exercises) + models

    @property
    def all_passed(self) -> bool:
        counted = [m for m in self.trained_models if m.max_score > 0]
        return all(e.status == "passed" for e in self.exercises + counted)
