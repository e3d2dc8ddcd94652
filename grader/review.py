"""Review pages for the questions scored by hand, and the small local server that saves their scores.

Each question the rubric gives points gets a page with every student's answer
(their text, the code under the question and the figures it output), a points
field and a comment per answer. Answers are anonymised by default: shuffled
per question and labelled "Answer 7"; each carries an opaque token that only
this results folder can map back to its student (an HMAC with a secret kept
in ``review/.secret``).

Two ways to use them:

* ``grader export`` (and ``grader grade``) write them as static files in
  ``<results>/review/``, to read anywhere; opened as files they cannot save.
* ``grader review LAB RESULTS`` serves the same pages from a Flask app on
  127.0.0.1 and saves each score into ``manual_scores.csv`` as it is entered
  (grader.manual_scores). A page's scripts carry a per-run key the server
  checks, so another web page cannot post scores to it; student text is
  escaped, and the pages' Content-Security-Policy runs no script but their own.

A server rather than a page that downloads a CSV: scores land in the one file
the exports read, at once, whichever question page they come from, and a
reloaded page shows what was saved. Flask, because it is the best known small
web framework in Python and the review needs no more than two routes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader

from grader.manual_scores import MANUAL_SCORES, parse_points, read_manual_scores, save_score, scored_questions
from grader.render import write_atomic
from grader.results_folder import ResultsFolder
from grader.rubric import QuestionSpec, Rubric

REVIEW_DIR = "review"
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
INSTALL_HINT = 'grader review needs Flask; install the review extra: pip install "labgrader[review]"'


@dataclass
class ReviewItem:
    token: str
    student: str
    label: str
    answered: bool
    where: str
    text: str
    code: str
    figures: list[str]
    points: str  # as shown in the field: "" when pending
    comment: str


class ReviewFolder:
    """A results folder seen from the review: its students' answers and the scores given so far."""

    def __init__(self, results_dir: Path, rubric: Rubric, names: bool = False) -> None:
        self.root = Path(results_dir)
        self.rubric = rubric
        self.names = names
        self.questions = scored_questions(rubric)

    @property
    def scores_path(self) -> Path:
        return self.root / MANUAL_SCORES

    @functools.cached_property
    def _secret(self) -> bytes:
        path = self.root / REVIEW_DIR / ".secret"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()

    def token(self, student: str, question: str) -> str:
        """The opaque id of one student's answer to one question (stable for this folder, meaningless elsewhere)."""
        return hmac.new(self._secret, f"{student}\0{question}".encode(), hashlib.sha256).hexdigest()[:20]

    def _rows(self) -> list[dict]:
        return [row for row in ResultsFolder(self.root).load_graded() if row.get("loaded") is not None]

    def students(self) -> list[str]:
        return [row["student"] for row in self._rows()]

    def student_of(self, token: str, question: str) -> str | None:
        """Whose answer ``token`` is, or None."""
        for student in self.students():
            if hmac.compare_digest(self.token(student, question), token):
                return student
        return None

    def items(self, question: QuestionSpec, rows: list[dict] | None = None, scores: dict | None = None) -> list[ReviewItem]:
        """Every student's answer to ``question``: shuffled and anonymised unless ``names``.

        ``rows`` and ``scores`` (the results and the CSV) are read here unless given.
        """
        if scores is None:
            scores, _ = read_manual_scores(self.scores_path, self.rubric)
        items = []
        for row in self._rows() if rows is None else rows:
            student = row["student"]
            answer = next((a for a in row["loaded"].written_answers if a.id == question.id), None)
            entry = scores.get((student, question.id))
            items.append(ReviewItem(
                token=self.token(student, question.id), student=student, label=row.get("display_name") or student,
                answered=bool(answer and answer.answered), where=answer.where if answer else "not collected (graded before this question existed?)",
                text=answer.answer if answer else "", code=answer.code if answer else "",
                figures=[f for f in (answer.figures if answer else []) if _BASE64.match(f)],
                points="" if entry is None or entry.points is None else f"{entry.points:g}", comment=entry.comment if entry else "",
            ))
        if self.names:
            return sorted(items, key=lambda i: i.label.casefold())
        items.sort(key=lambda i: i.token)
        for number, item in enumerate(items, start=1):
            item.label = f"Answer {number}"
        return items

    # -- pages

    def question_page(self, question: QuestionSpec, key: str = "", nonce: str | None = None) -> str:
        items = self.items(question)
        return _environment().get_template("review.html.j2").render(
            lab=self.rubric.lab, question=question, questions=self.questions, answers=items, names=self.names,
            scored=sum(i.points != "" for i in items), key=key, nonce=nonce or secrets.token_urlsafe(16))

    def index_page(self) -> str:
        results = self._rows()
        scores, _ = read_manual_scores(self.scores_path, self.rubric)
        rows = []
        for question in self.questions:
            items = self.items(question, results, scores)
            scored = sum(i.points != "" for i in items)
            rows.append({"id": question.id, "title": question.title, "points": question.points,
                         "answered": sum(i.answered for i in items), "scored": scored, "pending": len(items) - scored})
        return _environment().get_template("review_index.html.j2").render(lab=self.rubric.lab, rows=rows, students=len(results))

    def write_static(self) -> list[Path]:
        """The pages as files in ``<results>/review/`` (they read anywhere; saving needs ``grader review``)."""
        if not self.questions:
            return []
        out = self.root / REVIEW_DIR
        written = [out / "index.html"]
        write_atomic(written[0], self.index_page())
        for question in self.questions:
            path = out / f"{question.id}.html"
            write_atomic(path, self.question_page(question))
            written.append(path)
        return written


def _environment() -> Environment:
    return Environment(loader=PackageLoader("grader", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True)


def create_app(folder: ReviewFolder, key: str | None = None):
    """The Flask app of ``grader review``: the pages, and ``POST /api/score`` that saves one score."""
    try:
        from flask import Flask, Response, abort, jsonify, redirect, request
    except ImportError:
        raise RuntimeError(INSTALL_HINT) from None

    key = key or secrets.token_urlsafe(24)
    app = Flask("grader.review")
    app.config["REVIEW_KEY"] = key
    by_id = {q.id: q for q in folder.questions}

    def page(html: str, nonce: str) -> Response:
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; "
            "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("/")
    def root():
        return redirect("/index.html")

    @app.get("/index.html")
    def index():
        return page(folder.index_page(), "none")

    @app.get("/<question_id>.html")
    def question(question_id: str):
        if question_id not in by_id:
            abort(404)
        nonce = secrets.token_urlsafe(16)
        return page(folder.question_page(by_id[question_id], key=key, nonce=nonce), nonce)

    @app.post("/api/score")
    def score():
        if not hmac.compare_digest(request.headers.get("X-Review-Key", ""), key):
            return jsonify(error="not saved: this page is not from this review session; reload it"), 403
        body = request.get_json(silent=True) or {}
        question = by_id.get(str(body.get("question", "")))
        if question is None:
            return jsonify(error="not saved: unknown question"), 400
        student = folder.student_of(str(body.get("token", "")), question.id)
        if student is None:
            return jsonify(error="not saved: unknown answer; reload the page"), 400
        try:
            points = parse_points(str(body.get("points", "")), question.points)
        except ValueError as exc:
            return jsonify(error=f"not saved: {exc}"), 400
        comment = " ".join(str(body.get("comment", "")).split())[:2000]
        save_score(folder.scores_path, folder.rubric, student, question.id, points, comment)
        return jsonify(saved=True, pending=points is None)

    return app
