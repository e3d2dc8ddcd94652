"""Feedback reports: HTML (self-contained, escaped, figures as PNG data URIs), Markdown, class overview."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from grader.checks import Observed
from grader.figures import figure_for
from grader.labs.lab3.figures import FIGURES
from grader.report import failure_key, render_class_overview, render_html, render_markdown, write_class_overview
from grader.results import CheckResult, ExerciseResult, SubmissionResult

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "tests" / "output" / "screenshots"
EVIL = "<script>alert(1)</script>"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMG_SRC = re.compile(r'<img\s[^>]*src="([^"]*)"')
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


# ---------------------------------------------------------------- hand-made results


def _observations(wrong: bool = False) -> dict[str, Observed]:
    rng = np.random.default_rng(0)
    kernel = rng.normal(0, 0.05, (784, 10)).astype(np.float32)
    digits = rng.random((8, 28, 28, 1)).astype(np.float32)
    x_test = rng.random((12, 28, 28, 1)).astype(np.float32)
    angles = rng.integers(-30, 30, 40).astype(np.float32)
    pre = rng.normal(2, 3, (10, 5)).astype(np.float32)
    layers = [
        {"name": "input", "class": "InputLayer", "output_shape": [None, 64, 64, 1], "params": 0, "inbound": [], "max_inputs": 0},
        {"name": "conv", "class": "Conv2D", "output_shape": [None, 64, 64, 8], "params": 80, "inbound": [["input"]], "max_inputs": 1},
        {"name": "concat" if wrong else "up", "class": "Concatenate" if wrong else "UpSampling2D", "output_shape": [None, 64, 64, 9],
         "params": 0, "inbound": [["conv", "input"]] if wrong else [["conv"]], "max_inputs": 2 if wrong else 1},
    ]
    return {
        "extract_W": Observed({}, {"W.dense_then_activation": kernel.T[:3] if wrong else kernel, "W.dense_softmax_l2": kernel},
                              {"W.dense_then_activation": {"kernel": kernel, "bias": np.zeros(10)},
                               "W.dense_softmax_l2": {"kernel": kernel, "bias": np.zeros(10)}}),
        "bottleneck_2d": Observed({}, {"test_codes": rng.normal(size=(50, 2)).astype(np.float32)}, {"y_test": rng.integers(0, 10, 60)}),
        "add_noise": Observed({}, {"noisy.0.5": rng.random((4, 28, 28, 1)), "noisy.0.2": rng.random((4, 28, 28, 1)),
                                   "noisy.default": np.clip(digits + rng.normal(0, 0.3, digits.shape), 0, 1)},
                              {"digits": digits, "flat": np.full((4, 28, 28, 1), 0.5)}),
        "build_sr_network": Observed({}, {"prediction.seed0": x_test.reshape(12, -1) * 0.9},
                                     {"x_test": x_test, "x_test_low": x_test[:, ::2, ::2], "train_mean_image": x_test.mean(0)}),
        "build_angle_cnn": Observed({}, {"predicted_angles": angles + rng.normal(0, 5, 40).astype(np.float32)},
                                    {"angles_test": angles, "x_test_rotated": rng.random((40, 28, 28, 1)).astype(np.float32)}),
        "detector_channels": Observed({"counts": [1, 4, 9] if wrong else [1, 4, 10]}, {}, {}),
        "build_unet_no_skips": Observed({"model": {"is_keras_model": True, "params": 80, "layers": layers}}, {}, {}),
        "BatchNormalizedLayer": Observed({}, {"train_linear": (pre if wrong else (pre - pre.mean(0)) / pre.std(0))},
                                         {"pre_activation": pre}),
    }


def _result(kind: str, name: str = "student.ipynb", feedback_extra: str = "") -> SubmissionResult:
    """A lab-3 shaped result: 'passed' (all full marks), 'failed' (one failed check each) or 'error'."""
    exercises = []
    for ex in _observations():
        if kind == "passed":
            checks = [CheckResult(name="works", passed=True, message="shape (784, 10)", points=5, max_points=5)]
            exercises.append(ExerciseResult(name=ex, title=f"Exercise {ex}", score=5, max_score=5, status="passed",
                                            feedback="all checks passed", checks=checks))
        elif kind == "failed":
            checks = [CheckResult(name="works", passed=True, message="ok", points=2, max_points=2),
                      CheckResult(name="value_right", passed=False, message=f"expected 2 values, found {len(ex)} {feedback_extra}",
                                  max_points=3, hint=f"look at the shape {feedback_extra}")]
            exercises.append(ExerciseResult(name=ex, title=f"Exercise {ex}", score=2, max_score=5, status="failed",
                                            feedback=checks[1].message, checks=checks))
        else:
            exercises.append(ExerciseResult(name=ex, score=0, max_score=5, status="error",
                                            feedback=f"error: ValueError: bad input {feedback_extra}\n  at line 3"))
    result = SubmissionResult(
        lab="lab3", submission=name, score=sum(e.score for e in exercises), max_score=sum(e.max_score for e in exercises),
        exercises=exercises, grader_version="0.1.0", rubric_version="test", isolation={"mechanism": "bubblewrap", "network": "none"},
        notes=[f"a note {feedback_extra}"], logs={"stdout": f"printed {EVIL}\n", "stderr": "warning: something"},
    )
    if kind != "error":
        result.observations.update(_observations(wrong=kind == "failed"))
    return result


def _check_self_contained(html: str, any_text: bool = True) -> list[bytes]:
    """No external references; every image a decodable PNG data URI. Returns the PNGs.

    ``any_text=False`` allows URLs as text (a real student's logs quote TensorFlow's
    warnings, which contain links) but not in ``src``/``href`` attributes or CSS.
    """
    import cv2

    if any_text:
        assert "http://" not in html and "https://" not in html
    else:
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<link" not in html and "@import" not in html and "<script" not in html.lower()
    assert len(html.encode()) < 2_000_000
    pngs = []
    for src in IMG_SRC.findall(html):
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png.startswith(PNG_SIGNATURE)
        assert cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED) is not None
        pngs.append(png)
    return pngs


# ---------------------------------------------------------------- fast tests


def test_passed_report_has_every_figure_and_the_layer_table():
    html = render_html(_result("passed"))
    pngs = _check_self_contained(html)
    exercise_figures = [k for k in FIGURES if not k.startswith("trained:")]
    assert len(pngs) == len(exercise_figures) == 7  # + the U-Net layer table; no trained models submitted here
    assert 'class="layers"' in html and "UpSampling2D" in html
    assert "40 / 40 points" in html and "8 of 8 exercises passed" in html
    assert html.count("✓") >= 8 and "✗" not in html
    assert "<details" in html and "bubblewrap" in html


def test_failed_report_shows_checks_hints_and_highlights_skips():
    html = render_html(_result("failed"))
    _check_self_contained(html)
    assert html.count("✗") == 8 and "Hint: look at the shape" in html and "expected 2 values" in html
    assert '<tr class="skip"><td>concat</td>' in html


def test_errored_report_without_observations_has_no_figures():
    result = _result("error")
    html = render_html(result)
    assert _check_self_contained(html) == []
    assert html.count('class="badge error"') == 8 and "ValueError: bad input" in html


def test_student_strings_are_escaped():
    html = render_html(_result("failed", name=EVIL + ".ipynb", feedback_extra=EVIL))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 5  # title, heading, feedback, hint, notes, logs


def test_broken_observations_do_not_break_the_report(caplog):
    result = _result("passed")
    for name in list(result.observations):
        result.observations[name] = Observed({"model": "not a dict", "counts": "x"}, {k: "garbage" for k in
                                             ("W.dense_then_activation", "test_codes", "noisy.default", "prediction.seed0",
                                              "predicted_angles", "train_linear")}, {"y_test": None, "angles_test": object()})
    html = render_html(result)
    _check_self_contained(html)
    assert figure_for(FIGURES["extract_W"], None) is None and figure_for(None, Observed({}, {}, {})) is None


def test_a_raising_figure_is_logged_and_skipped(monkeypatch, caplog):
    def boom(observed):
        raise RuntimeError("figure bug")

    monkeypatch.setitem(FIGURES, "add_noise", boom)
    html = render_html(_result("passed"))
    assert len(_check_self_contained(html)) == 6
    assert "figure bug" in caplog.text


def test_markdown_has_totals_failed_checks_and_no_html():
    md = render_markdown(_result("failed", name=EVIL, feedback_extra=EVIL))
    assert not HTML_TAG.search(md)
    assert "16/40" in md and "hint" in md and md.count("✗") >= 8
    assert len([line for line in md.splitlines() if line.startswith("- ")]) >= 8
    assert "passed" in render_markdown(_result("passed"))


def test_failure_key_ignores_numbers():
    ex = ExerciseResult(name="e", score=0, max_score=1, status="failed", feedback="")
    assert failure_key(ex, "PSNR 11.2 dB; expected 12.6", "psnr") == failure_key(ex, "PSNR 9.0 dB; expected 12.6", "psnr")


def test_class_overview(tmp_path):
    rows = [
        {"student": "ann", "result": "ann.json", "loaded": _result("passed")},
        {"student": "bob", "result": "bob.json", "loaded": _result("failed", feedback_extra=EVIL)},
        {"student": EVIL, "result": "x.json", "loaded": _result("error")},
        {"student": "dan", "result": "dan.json", "loaded": None},
    ]
    html = render_class_overview(rows)
    assert len(_check_self_contained(html)) == 1  # the histogram
    assert 'href="reports/ann.html"' in html and "<script>" not in html
    assert "dan.json is missing or unreadable" in html and "1 / 3" in html
    assert "expected # values, found #" in html

    # From a results folder (no manifest): index.html and a report per result, without figures.
    for row in rows[:2]:
        (tmp_path / row["result"]).write_text(json.dumps(row["loaded"].model_dump(mode="json")))
    index = write_class_overview(tmp_path)
    assert index.name == "index.html" and (tmp_path / "reports" / "ann.html").is_file()
    assert "reports/bob.html" in index.read_text()


# ---------------------------------------------------------------- slow: real grading, CLI, batch, browser


@pytest.fixture(scope="module")
def graded_reference():
    from grader.engine import grade_submission

    return grade_submission(REPO / "reference" / "lab3" / "solution.py", "lab3")


@pytest.mark.slow
def test_report_of_the_graded_reference_has_all_figures(graded_reference, tmp_path):
    started = time.perf_counter()
    html = render_html(graded_reference)
    seconds = time.perf_counter() - started
    print(f"\nrender_html of the graded reference: {seconds:.2f} s, {len(html.encode()) / 1e6:.2f} MB")
    assert len(_check_self_contained(html, any_text=False)) == 7 and 'class="layers"' in html
    assert html.count('class="badge passed"') >= len(graded_reference.exercises)
    (tmp_path / "reference.html").write_text(html)


@pytest.mark.slow
def test_check_command_writes_html_and_markdown(tmp_path):
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    proc = subprocess.run([sys.executable, "-m", "grader", "check", "lab3", str(REPO / "reference" / "lab3" / "solution.py"),
                           "--quick", "-e", "add_noise", "-e", "detector_channels", "--html", str(html), "--md", str(md)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pngs = _check_self_contained(html.read_text())
    assert len(pngs) == 2 and not HTML_TAG.search(md.read_text())


@pytest.mark.slow
def test_batch_writes_reports_and_index(tmp_path, lab3_rubric):
    from grader.batch import grade_batch

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(REPO / "reference" / "lab3" / "solution.py", src / "ann.py")
    (src / "bob.py").write_text("def add_noise(x, noise_factor=0.5):\n    return x\n")
    out = tmp_path / "out"
    rubric = lab3_rubric.model_copy(deep=True)
    rubric.exercises = [e for e in rubric.exercises if e.name in ("add_noise", "detector_channels")]
    summary = grade_batch(src, out, rubric=rubric, workers=2, quick=True)
    assert summary.graded == 2
    assert (out / "ann.json").is_file() and (out / "bob.json").is_file()
    ann = (out / "reports" / "ann.html").read_text()
    assert len(_check_self_contained(ann)) == 2
    index = (out / "index.html").read_text()
    assert 'href="reports/bob.html"' in index and len(_check_self_contained(index)) == 1


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install chromium); browser rendering not checked")
def test_reports_render_in_a_headless_browser(graded_reference, tmp_path):
    import cv2

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    for kind, result in (("correct", graded_reference), ("failing", _result("failed", feedback_extra=EVIL)), ("errored", _result("error"))):
        page = tmp_path / f"{kind}.html"
        page.write_text(render_html(result), encoding="utf-8")
        shot = SCREENSHOTS / f"{kind}.png"
        shot.unlink(missing_ok=True)
        subprocess.run([_chromium(), *flags, f"--screenshot={shot}", "--window-size=1200,3000", page.as_uri()],
                       capture_output=True, timeout=120)
        assert shot.is_file(), f"no screenshot of the {kind} report"
        image = cv2.imread(str(shot))
        assert image is not None and image.shape[:2] == (3000, 1200)
        assert float(image.std()) > 5, f"the {kind} screenshot is blank"
        dom = subprocess.run([_chromium(), *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
        assert f"<title>lab3 — {result.submission}</title>" in dom.replace("&lt;", "<").replace("&gt;", ">")
        assert dom.count('class="exercise ') >= 8
        assert dom.count("<img") == (7 if kind == "correct" else 0 if kind == "errored" else 7)
        assert "<script>alert(1)" not in dom
