"""Rubrics: what is checked for each exercise, for how many points. Data, not code.

A rubric is a TOML file in ``rubrics/``. Each exercise names a probe (run in
the sandbox, with ``probe_params``) and a list of checks (run in the grader):
each check names a function (the lab's own checks first, then the generic
catalogue of :mod:`grader.checks`), its parameters, its points and a hint
shown when it fails.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class Limits(BaseModel):
    """Sandbox limits; an exercise may override ``timeout_s``."""

    model_config = ConfigDict(extra="forbid")

    startup_timeout_s: float = 120.0  # starting Python and importing TensorFlow in the sandbox
    definition_timeout_s: float = 10.0  # running one cell's definitions (imports, class bodies)
    cell_timeout_s: float = 60.0  # running one whole cell of an original fill-in notebook (training capped)
    # A cell still running after this long is stopped from inside and the next
    # cell runs (a hand-written training loop, say); cell_timeout_s is the hard
    # limit behind it, which costs a restart of the notebook.
    cell_budget_s: float = 20.0
    submission_timeout_s: float = 900.0  # everything for one submission, restarts included
    exercise_timeout_s: float = 60.0
    memory_gib: float = 4.0
    threads: int = 2
    max_processes: int = 512  # counts threads too (TensorFlow starts dozens); stops fork bombs
    max_file_mib: int = 256
    max_log_kib: int = 64


class CheckSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    check: str
    points: float = Field(ge=0)
    params: dict[str, Any] = Field(default_factory=dict)
    hint: str = ""
    trained: bool = False  # needs the probe's training run; skipped by --quick
    # Which submission form the check applies to: "stub" (functions to complete),
    # "inline" (an original notebook filled in place), or "any". An exercise's
    # points must add up to the same total for both forms.
    form: Literal["any", "stub", "inline"] = "any"


class ExerciseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    kind: Literal["function", "class"] = "function"
    probe: str = ""
    probe_params: dict[str, Any] = Field(default_factory=dict)
    # The student's definitions the probe receives. Empty: the one named like
    # the exercise. Several (an exercise that trains the encoder and decoder of
    # two earlier exercises, say): the probe gets a dict of them by name.
    targets: list[str] = Field(default_factory=list)
    timeout_s: float | None = None
    # Original fill-in notebooks of some course years lack this exercise: when
    # such a notebook never mentions it, it is not counted (rather than missing).
    inline_optional: bool = False
    checks: list[CheckSpec]

    @model_validator(mode="after")
    def _default_probe(self):
        if not self.probe:
            self.probe = self.name
        ids = [c.id for c in self.checks]
        if len(ids) != len(set(ids)):
            raise ValueError(f"exercise {self.name}: duplicate check ids")
        stub, inline = (sum(c.points for c in self.checks_for(form)) for form in ("stub", "inline"))
        if abs(stub - inline) > 1e-9:
            raise ValueError(f"exercise {self.name}: its checks give {stub:g} points in the stub form but {inline:g} in the inline form; both forms must total the same")
        return self

    @property
    def target_names(self) -> list[str]:
        """The names of the student's definitions this exercise's probe receives."""
        return list(self.targets) or [self.name]

    def checks_for(self, form: str) -> list[CheckSpec]:
        """The checks that apply to a submission of ``form`` ("stub" or "inline")."""
        return [c for c in self.checks if c.form in ("any", form)]

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks_for("stub"))


class TrainedModelSpec(BaseModel):
    """A model the student trained and saved (``<folder>/<name>.keras``), judged against the reference's."""

    model_config = ConfigDict(extra="forbid")

    name: str  # file stem, and the model's key in reference/<lab>/metrics.json and grader.evaluation
    title: str
    timeout_s: float | None = None
    checks: list[CheckSpec]

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)


class TrainedModels(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str  # next to the notebook, e.g. "<lab>_models"
    required: bool = False  # False: when the folder is absent these checks are reported, not counted
    models: list[TrainedModelSpec] = Field(default_factory=list)


class QuestionSpec(BaseModel):
    """A question for the instructor: free text or a plot, collected from each notebook and scored by hand.

    ``points`` is what the instructor may give for it (``manual_scores.csv``,
    see grader.manual_scores); 0 lists the answer without scoring it.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    anchor: str  # a regular expression that finds the question's markdown cell
    points: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _anchor_compiles(self):
        import re

        try:
            re.compile(self.anchor)
        except re.error as exc:
            raise ValueError(f"question {self.id}: anchor {self.anchor!r} is not a regular expression ({exc})") from None
        return self


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lab: str
    title: str
    version: str
    limits: Limits = Field(default_factory=Limits)
    data: dict[str, Any] = Field(default_factory=dict)
    exercises: list[ExerciseSpec]
    trained_models: TrainedModels | None = None
    questions: list[QuestionSpec] = Field(default_factory=list)
    # A regular expression for the handout's other prompt cells ("Question: plot ..."):
    # a written answer ends at the next one, as it does at a heading or another question.
    question_prompt: str = ""

    @model_validator(mode="after")
    def _prompt_compiles(self):
        import re

        try:
            re.compile(self.question_prompt)
        except re.error as exc:
            raise ValueError(f"question_prompt {self.question_prompt!r} is not a regular expression ({exc})") from None
        return self

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    def exercise(self, name: str) -> ExerciseSpec:
        for exercise in self.exercises:
            if exercise.name == name:
                return exercise
        raise KeyError(name)


class RubricError(Exception):
    """A rubric file that is missing or invalid."""


def load_rubric(path: str | Path, resolve_check=None) -> Rubric:
    """Read and validate the rubric at ``path``.

    Args:
        path: a TOML rubric.
        resolve_check: ``name -> check function or None``, the lab's resolution
            (:meth:`grader.lab.Lab.resolve_check`); by default only the generic
            catalogue is known.

    Raises:
        RubricError: naming the file and what is wrong with it.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise RubricError(f"rubric {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"rubric {path} is not valid TOML: {exc}") from None
    try:
        rubric = Rubric.model_validate(raw)
    except ValidationError as exc:
        raise RubricError(f"rubric {path} is invalid:\n{exc}") from None
    if resolve_check is None:
        from grader.checks import CHECKS  # late import: checks import numpy only

        resolve_check = CHECKS.get
    sections = list(rubric.exercises) + (list(rubric.trained_models.models) if rubric.trained_models else [])
    unknown = [f"{e.name}.{c.id}: {c.check}" for e in sections for c in e.checks if resolve_check(c.check) is None]
    if unknown:
        raise RubricError(f"rubric {path} names unknown checks: {', '.join(unknown)}")
    return rubric
