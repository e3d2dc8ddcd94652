"""Results of grading, as written to ``--json`` and read by exports and reports."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

Status = Literal["passed", "failed", "error", "timeout", "not_implemented", "missing", "not_submitted", "not_in_notebook", "pending"]


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
    """A question the rubric leaves to the instructor, and what the student wrote (scored by hand, never here)."""

    id: str
    title: str
    answered: bool
    answer: str = ""
    where: str = ""  # the answer's first cell, or why there is none
    max_points: float = 0.0  # what the instructor may give (the rubric's points)
    code: str = ""  # code cells under the question (a plot's code, say)
    figures: list[str] = Field(default_factory=list)  # PNG images those cells output, base64, when handed in with outputs


class ManualScore(BaseModel):
    """One question scored by hand (``manual_scores.csv``); ``points`` None means pending, not 0."""

    id: str
    title: str
    max_points: float
    points: float | None = None
    comment: str = ""

    @property
    def pending(self) -> bool:
        return self.points is None


class ManualGrading(BaseModel):
    """The instructor's half of a result: the rubric's questions with points, as scored so far.

    Kept apart from the automatic ``score``; exports add the two.
    """

    questions: list[ManualScore] = Field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(q.points or 0.0 for q in self.questions)

    @property
    def max_score(self) -> float:
        return sum(q.max_points for q in self.questions)

    @property
    def pending(self) -> list[ManualScore]:
        return [q for q in self.questions if q.pending]


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
    # Points given by hand (grader review / manual_scores.csv), merged in by
    # `grader export`; None until then. ``score`` above stays the automatic part.
    manual: ManualGrading | None = None

    # What the sandbox observed per exercise (grader.checks.Observed, secrets
    # included), for figures in reports; never serialized.
    _observations: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def observations(self) -> dict[str, Any]:
        return self._observations

    def graded_items(self) -> list[ExerciseResult]:
        """Exercises, the trained models that count (``model:<name>``), then the questions scored by hand (``manual:<id>``; for exports)."""
        models = [m.model_copy(update={"name": f"model:{m.name}"}) for m in self.trained_models if m.max_score > 0]
        manual = [
            ExerciseResult(name=f"manual:{q.id}", title=q.title, score=q.points or 0.0, max_score=q.max_points,
                           status="pending" if q.pending else "passed",
                           feedback="pending: to be scored by the instructor" if q.pending else (q.comment or "scored by the instructor"))
            for q in (self.manual.questions if self.manual else [])
        ]
        return list(self.exercises) + models + manual

    @property
    def total_score(self) -> float:
        """The automatic score plus the points given by hand so far."""
        return self.score + (self.manual.score if self.manual else 0.0)

    @property
    def total_max_score(self) -> float:
        """The automatic maximum plus the points the questions scored by hand are worth."""
        return self.max_score + (self.manual.max_score if self.manual else 0.0)

    @property
    def pending(self) -> int:
        """How many questions still wait for the instructor's score."""
        return len(self.manual.pending) if self.manual else 0

    @property
    def all_passed(self) -> bool:
        counted = [m for m in self.trained_models if m.max_score > 0]
        return all(e.status == "passed" for e in self.exercises + counted)
