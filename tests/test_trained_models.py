"""Grading the models a student trained and saved in lab3_models/."""

from __future__ import annotations

import pickle
import shutil
import zipfile
from pathlib import Path

import pytest

from grader.engine import grade_submission

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
REFERENCE_MODELS = REPO / "reference" / "lab3" / "models"
MODEL_NAMES = ["softmax_regression", "bottleneck_cnn", "denoising_autoencoder", "sr_network", "angle_cnn", "detector", "unet", "unet_no_skips"]


def _student(tmp_path: Path) -> Path:
    folder = tmp_path / "student"
    (folder / "lab3_models").mkdir(parents=True)
    shutil.copy(REPO / "reference" / "lab3" / "solution.py", folder / "lab3.py")
    return folder


def _by_name(result):
    return {m.name: m for m in result.trained_models}


def test_without_the_folder_trained_models_are_shown_but_not_counted(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    shutil.copy(REPO / "tests" / "cases" / "lab3" / "full_stub_unfilled.py", folder / "lab3.py")
    result = grade_submission(folder / "lab3.py", "lab3", quick=True)
    assert [m.status for m in result.trained_models] == ["not_submitted"] * 8
    assert all(m.max_score == 0 for m in result.trained_models) and result.max_score == 66
    assert any("no lab3_models/ folder" in note for note in result.notes)


@pytest.mark.skipif(not REFERENCE_MODELS.is_dir(), reason="reference models not trained yet (grader reference train lab3)")
def test_good_models_get_full_marks_and_broken_ones_clear_errors(tmp_path):
    import keras
    import numpy as np

    folder = _student(tmp_path)
    models = folder / "lab3_models"
    for name in ("softmax_regression", "angle_cnn", "detector", "unet"):
        shutil.copy(REFERENCE_MODELS / f"{name}.keras", models / f"{name}.keras")
    # broken files, each claiming to be a model
    (models / "bottleneck_cnn.keras").write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    keras.Sequential([keras.Input((14, 14, 1)), keras.layers.Lambda(lambda t: t * 2.0)]).save(models / "sr_network.keras")
    untrained = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
                                  keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")])
    untrained.save(models / "denoising_autoencoder.keras")  # right shapes, never trained
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]).save(models / "unet_no_skips.keras")

    result = grade_submission(folder / "lab3.py", "lab3", quick=True)
    by = _by_name(result)
    for name in ("softmax_regression", "angle_cnn", "detector", "unet"):
        assert by[name].status == "passed" and by[name].score == by[name].max_score > 0, by[name].feedback
    assert by["bottleneck_cnn"].status == "error" and "not a Keras .keras archive" in by["bottleneck_cnn"].feedback
    assert by["sr_network"].status == "error" and "Lambda" in by["sr_network"].feedback
    assert by["denoising_autoencoder"].status == "failed" and "psnr" in by["denoising_autoencoder"].feedback
    assert by["unet_no_skips"].status == "failed" and "is it the right model file?" in by["unet_no_skips"].feedback
    assert result.max_score == 66 + 8 * 3
    assert np.isclose(result.score, 66 + 4 * 3 + 2 * 1)  # good ones full; the untrained and the misfit model still load


@pytest.mark.skipif(not REFERENCE_MODELS.is_dir(), reason="reference models not trained yet (grader reference train lab3)")
def test_a_zip_of_notebook_and_models_is_graded_with_its_models(tmp_path):
    archive = tmp_path / "submission.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(REPO / "reference" / "lab3" / "solution.py", "mywork/lab3.py")
        zf.write(REFERENCE_MODELS / "sr_network.keras", "mywork/lab3_models/sr_network.keras")
    result = grade_submission(archive, "lab3", quick=True)
    by = _by_name(result)
    assert result.submission == "submission.zip"
    assert by["sr_network"].status == "passed"
    assert by["angle_cnn"].status == "not_submitted" and by["angle_cnn"].max_score > 0  # the folder exists: counted


@pytest.mark.skipif(not REFERENCE_MODELS.is_dir(), reason="reference models not trained yet (grader reference train lab3)")
def test_report_shows_trained_models_beside_the_reference(tmp_path):
    import base64
    import re

    from grader.report import render_html

    folder = _student(tmp_path)
    for name in MODEL_NAMES:
        shutil.copy(REFERENCE_MODELS / f"{name}.keras", folder / "lab3_models" / f"{name}.keras")
    result = grade_submission(folder / "lab3.py", "lab3", quick=True, only=None)
    assert all(m.status == "passed" for m in result.trained_models), [m.feedback for m in result.trained_models]
    html = render_html(result)
    for name in MODEL_NAMES:
        assert f'id="ex-{name}"' in html
    sections = html.split('class="exercise')[1:]
    trained_sections = [s for s in sections if any(f'id="ex-{n}"' in s for n in MODEL_NAMES)]
    figures = [s for s in trained_sections if re.search(r'src="data:image/png;base64,', s)]
    assert len(figures) == len(MODEL_NAMES)
    for match in re.finditer(r'src="data:image/png;base64,([^"]+)"', html):
        assert base64.b64decode(match.group(1))[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_oversized_model_file_is_refused_without_loading(tmp_path, monkeypatch):
    import grader.engine as engine

    folder = tmp_path / "student"
    (folder / "lab3_models").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "cases" / "lab3" / "full_stub_unfilled.py", folder / "lab3.py")
    (folder / "lab3_models" / "sr_network.keras").write_bytes(b"PK" + b"\0" * 4096)
    monkeypatch.setattr(engine, "MAX_MODEL_FILE_BYTES", 1024)
    result = grade_submission(folder / "lab3.py", "lab3", quick=True)
    by = _by_name(result)
    assert by["sr_network"].status == "error" and "too large" in by["sr_network"].feedback
    assert any("sr_network.keras" in note and "not loaded" in note for note in result.notes)
