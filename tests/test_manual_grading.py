"""The instructor's half of grading: written answers collected, scored by hand, merged into every export.

Fast tests first (the CSV, the merge, the exports on results made here);
then a class of 20 lab-3 notebooks (tests/lab3_class.py) graded for real,
its review pages, and the review server driven in headless Chromium.
"""

from __future__ import annotations

import base64
import csv
import json
import shutil
import threading
import urllib.request
from pathlib import Path

import nbformat
import pytest
from markupsafe import escape

from lab3_class import _answer, build_class

from grader.engine import load_lab_rubric
from grader.exports import GradedSubmission, canvas_rows, gradebook_rows, gradescope_results, lti_score, prairielearn_results, validate_gradescope
from grader.manual_scores import MANUAL_SCORES, ManualScoresError, manual_grading, parse_points, read_manual_scores, save_score
from grader.results import ExerciseResult, SubmissionResult
from grader.written_answers import collect_answers

EVIL = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def rubric():
    return load_lab_rubric("lab3")


def _result(score: float = 60.0) -> SubmissionResult:
    return SubmissionResult(lab="lab3", submission="a.ipynb", score=score, max_score=80.0,
                            exercises=[ExerciseResult(name="extract_W", score=score, max_score=80.0, status="passed", feedback="")])


# ---------------------------------------------------------------- the CSV


def test_points_are_read_or_refused_with_the_reason():
    assert parse_points("2.5", 3) == 2.5 and parse_points("2,5", 3) == 2.5 and parse_points(" ", 3) is None
    for bad, why in (("abc", "not a number"), ("4", "outside 0–3"), ("-1", "outside"), ("nan", "outside")):
        with pytest.raises(ValueError, match=why):
            parse_points(bad, 3)


def test_a_score_saved_keeps_every_other_row_and_a_bad_row_is_reported_not_fatal(tmp_path, rubric):
    path = tmp_path / MANUAL_SCORES
    path.write_text("student,question,points,comment\nann,skip_connections,3,good\nbob,skip_connections,9,too many\n"
                    "cyd,no_such_question,1,\n")
    save_score(path, rubric, "ann", "batch_norm", 1.5, "partly")
    save_score(path, rubric, "bob", "skip_connections", None, "come back to it")
    scores, problems = read_manual_scores(path, rubric)
    assert scores["ann", "skip_connections"].points == 3 and scores["ann", "batch_norm"].points == 1.5
    assert scores["bob", "skip_connections"].points is None and scores["bob", "skip_connections"].comment == "come back to it"
    assert any("no_such_question" in p for p in problems)
    (tmp_path / "broken.csv").write_text("name;score\nann;3\n")
    with pytest.raises(ManualScoresError, match="header must be student,question,points,comment"):
        read_manual_scores(tmp_path / "broken.csv", rubric)


def test_a_question_without_a_score_is_pending_not_zero(rubric):
    manual = manual_grading("ann", rubric, {})
    assert manual.pending and len(manual.pending) == len([q for q in rubric.questions if q.points])
    assert manual.score == 0 and manual.max_score == sum(q.points for q in rubric.questions)


# ---------------------------------------------------------------- exports


def test_every_export_adds_the_manual_points_and_marks_what_is_pending(rubric, tmp_path):
    path = tmp_path / MANUAL_SCORES
    for question in rubric.questions:
        save_score(path, rubric, "done", question.id, question.points, "")
    save_score(path, rubric, "half", rubric.questions[0].id, 1, "ok")
    scores, _ = read_manual_scores(path, rubric)
    done, half = _result(), _result()
    done.manual, half.manual = manual_grading("done", rubric, scores), manual_grading("half", rubric, scores)
    manual_max = sum(q.points for q in rubric.questions)
    rows = [GradedSubmission("done", done), GradedSubmission("half", half)]
    columns = ["extract_W"] + [f"manual:{q.id}" for q in rubric.questions]

    table = gradebook_rows(rows, columns)
    header, row_done, row_half = table
    assert row_done[header.index("total")] == 60 + manual_max and row_done[header.index("max_score")] == 80 + manual_max
    assert row_half[header.index("total")] == 61 and row_half[header.index(f"manual:{rubric.questions[1].id}")] == "pending"
    assert row_half[header.index("status")] == f"graded; {len(rubric.questions) - 1} pending"

    canvas = canvas_rows(rows, "lab3", None)
    assert canvas[2][-1] == 60 + manual_max and canvas[3][-1] == ""  # pending: not a 0, no change in Canvas

    assert lti_score(rows[0])["gradingProgress"] == "FullyGraded" and lti_score(rows[0])["scoreGiven"] == 60 + manual_max
    partial = lti_score(rows[1])
    assert partial["gradingProgress"] == "PendingManual" and partial["scoreGiven"] == 61

    scope = gradescope_results(half)
    validate_gradescope(scope)
    pending = [t for t in scope["tests"] if t["extra_data"]["status"] == "pending"]
    assert len(pending) == len(rubric.questions) - 1 and all("status" not in t and "score" not in t for t in pending)
    assert scope["score"] == 61

    assert prairielearn_results(done)["score"] == pytest.approx(1.0 - 20 / (80 + manual_max), abs=1e-6)
    assert "still to be scored by the instructor" in prairielearn_results(half)["message"]


# ---------------------------------------------------------------- answers collected


def test_answers_bring_the_code_and_figures_under_their_question(tmp_path, rubric):
    nb = nbformat.read(Path(__file__).resolve().parent.parent / "exercises" / "lab3" / "lab3.ipynb", as_version=4)
    question = next(q for q in rubric.questions if q.id == "codes_plot")
    index = next(i for i, c in enumerate(nb.cells) if c.source.startswith("**Question (2-D codes)**"))
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 64).decode()
    plot = nbformat.v4.new_code_cell("plt.scatter(codes[:, 0], codes[:, 1], c=labels)")
    plot.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
    nb.cells.insert(index + 1, plot)
    nbformat.write(nb, tmp_path / "plot.ipynb")
    [answer] = collect_answers(tmp_path / "plot.ipynb", [question])
    assert answer.answered and answer.figures == [png] and "plt.scatter" in answer.code and answer.max_points == question.points


# ---------------------------------------------------------------- a class graded for real


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, rubric):
    """20 notebooks with written answers (one with a script in it), graded by grader grade; then exported."""
    from grader.batch import grade_batch

    src = tmp_path_factory.mktemp("class")
    build_class(src, rubric)
    nb = nbformat.read(src / "student05.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.source == _answer("skip_connections", 5))
    cell.source += "\n\n" + EVIL
    nbformat.write(nb, src / "student05.ipynb")
    # One cheap exercise keeps this fast; collecting answers, results, review and exports are the real thing.
    light = rubric.model_copy(deep=True)
    light.exercises = [e for e in light.exercises if e.name == "detector_channels"]
    out = tmp_path_factory.mktemp("results")
    summary = grade_batch(src, out, rubric=light, workers=2, quick=True, reports=False)
    assert len(summary.results) == 20
    return src, out


def _export(out: Path) -> None:
    from grader.cli import _export as export

    export("lab3", out, "lab3", None)


@pytest.mark.slow
def test_every_answer_is_on_its_questions_page_anonymised(graded_class, rubric):
    src, out = graded_class
    _export(out)
    results = {p.stem: SubmissionResult.model_validate_json(p.read_text()) for p in out.glob("student*.json")}
    assert len(results) == 20
    for question in rubric.questions:
        page = (out / "review" / f"{question.id}.html").read_text()
        for student, result in results.items():
            [answer] = [a for a in result.written_answers if a.id == question.id]
            assert answer.answered, (student, question.id)
            assert str(escape(answer.answer.splitlines()[0])) in page, (student, question.id)
        assert "student07" not in page.replace("(student 7)", "") and page.count('class="answer"') == 20
    assert "<script>window.__pwned" not in (out / "review" / "skip_connections.html").read_text()


@pytest.mark.slow
def test_scores_in_the_csv_reach_every_export_and_survive_a_regrade(graded_class, rubric):
    from grader.batch import grade_batch

    src, out = graded_class
    path = out / MANUAL_SCORES
    shutil.rmtree(out / "review", ignore_errors=True)
    for question in rubric.questions:  # student00 fully scored; student01 one question; the rest pending
        save_score(path, rubric, "student00", question.id, question.points, "")
    save_score(path, rubric, "student01", "skip_connections", 2, "which layers?")
    _export(out)
    manual_max = sum(q.points for q in rubric.questions)

    with open(out / "gradebook.csv", newline="") as f:
        book = {r["student"]: r for r in csv.DictReader(f)}
    assert book["student01"]["manual:skip_connections"] == "2" and book["student01"]["manual:batch_norm"] == "pending"
    assert book["student02"]["status"].endswith(f"{len(rubric.questions)} pending")
    auto = float(book["student00"]["total"]) - manual_max
    assert float(book["student00"]["max_score"]) - manual_max == pytest.approx(json.loads((out / "student00.json").read_text())["max_score"])
    assert auto >= 0
    with open(out / "canvas.csv", newline="") as f:
        canvas = {r[3] or r[1]: r for r in csv.reader(f)}
    assert canvas["student00"][-1] != "" and canvas["student01"][-1] == ""
    assert json.loads((out / "lti" / "student01.json").read_text())["gradingProgress"] == "PendingManual"
    assert json.loads((out / "lti" / "student00.json").read_text())["gradingProgress"] == "FullyGraded"
    scope = json.loads((out / "gradescope" / "student01.json").read_text())
    assert any(t["extra_data"]["exercise"] == "manual:skip_connections" and t["score"] == 2 for t in scope["tests"])
    pl = json.loads((out / "prairielearn" / "student01.json").read_text())
    assert "still to be scored" in pl["message"]
    kept = json.loads((out / "student01.json").read_text())  # the automatic score and the manual part kept apart
    assert kept["score"] == float(book["student01"]["total"]) - 2
    assert kept["manual"]["questions"][[q.id for q in rubric.questions].index("skip_connections")]["points"] == 2

    # student01 hands in again (an answer reworded): a rerun regrades them and keeps the scores given.
    before = path.read_text()
    nb = nbformat.read(src / "student01.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.source == _answer("skip_connections", 1))
    cell.source += " Reworded after the deadline."
    nbformat.write(nb, src / "student01.ipynb")
    light = rubric.model_copy(deep=True)
    light.exercises = [e for e in light.exercises if e.name == "detector_channels"]
    again = grade_batch(src, out, rubric=light, workers=2, quick=True, reports=False)
    assert again.graded == 1 and again.skipped == 19
    assert path.read_text() == before  # grading never writes the instructor's file
    _export(out)
    with open(out / "gradebook.csv", newline="") as f:
        assert {r["student"]: r for r in csv.DictReader(f)}["student01"]["manual:skip_connections"] == "2"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install chromium); the review page is not driven in a browser")
def test_the_review_page_saves_scores_in_headless_chromium(graded_class, rubric, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    from werkzeug.serving import make_server

    from grader.review import ReviewFolder, create_app

    _, out = graded_class
    folder = ReviewFolder(out, rubric)
    app = create_app(folder, key="test-key")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"{base}/skip_connections.html")
            sections = page.locator("section.answer")
            assert sections.count() == 20
            assert page.evaluate("window.__pwned") is None  # the script in student05's answer did not run
            assert "student05" not in page.content()  # anonymised
            assert page.locator("div.text", has_text="<script>window.__pwned = 1</script>").count() == 1  # shown as text

            first = sections.nth(0)
            token = first.get_attribute("data-token")
            first.locator("input.points").fill("2.5")
            first.locator("textarea.comment").fill("clear, but which layers are joined?")
            first.locator("button.save").click()
            page.wait_for_selector("section.answer >> nth=0 >> .state.saved")
            second = sections.nth(1)
            second.locator("input.points").fill("7")
            second.locator("button.save").click()
            page.wait_for_selector("section.answer >> nth=1 >> .state.failed")
            assert "outside 0–3" in second.locator(".state").inner_text()

            shot = tmp_path / "review.png"
            page.screenshot(path=str(shot), full_page=True)
            import cv2

            image = cv2.imread(str(shot))
            assert image is not None and float(image.std()) > 5

            page.reload()
            assert page.locator(f'section[data-token="{token}"] input.points').input_value() == "2.5"
            browser.close()
        scores, _ = read_manual_scores(out / MANUAL_SCORES, rubric)
        student = folder.student_of(token, "skip_connections")
        assert scores[student, "skip_connections"].points == 2.5
        assert scores[student, "skip_connections"].comment == "clear, but which layers are joined?"

        forged = urllib.request.Request(f"{base}/api/score", method="POST", headers={"Content-Type": "application/json"},
                                        data=json.dumps({"token": token, "question": "skip_connections", "points": "3"}).encode())
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 403  # another page (no key) cannot post scores
        assert read_manual_scores(out / MANUAL_SCORES, rubric)[0][student, "skip_connections"].points == 2.5
    finally:
        server.shutdown()


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed; the static review page is not rendered")
def test_the_static_review_page_renders_and_says_it_cannot_save(graded_class, tmp_path):
    import subprocess

    _, out = graded_class
    _export(out)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([_chromium(), *flags, "--dump-dom", (out / "review" / "skip_connections.html").as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert dom.count('class="answer"') == 20
    assert '<div class="banner" id="offline">' in dom  # no longer hidden: the page says it cannot save from a file
    assert dom.count('class="save" disabled=""') == 20
    assert "<script>window.__pwned" not in dom


@pytest.mark.slow
def test_review_command_serves_the_pages_and_saves(graded_class, rubric):
    import re
    import subprocess
    import sys

    _, out = graded_class
    proc = subprocess.Popen([sys.executable, "-m", "grader", "review", "lab3", str(out), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        page = urllib.request.urlopen(url + "batch_norm.html", timeout=30).read().decode()
        assert page.count('class="answer"') == 20
        assert "script-src 'nonce-" in urllib.request.urlopen(url + "batch_norm.html", timeout=30).headers["Content-Security-Policy"]
        key = re.search(r'data-key="([^"]+)"', page).group(1)
        token = re.search(r'data-token="([^"]+)"', page).group(1)
        saved = urllib.request.urlopen(urllib.request.Request(
            url + "api/score", method="POST", headers={"Content-Type": "application/json", "X-Review-Key": key},
            data=json.dumps({"token": token, "question": "batch_norm", "points": "", "comment": "later"}).encode()), timeout=30)
        assert json.loads(saved.read()) == {"saved": True, "pending": True}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    rows = list(csv.DictReader(open(out / MANUAL_SCORES, newline="")))
    assert any(r["question"] == "batch_norm" and r["points"] == "" and r["comment"] == "later" for r in rows)


def test_review_command_needs_a_results_folder(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "grader", "review", "lab3", str(tmp_path / "nope")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "is not a folder of results" in proc.stderr
