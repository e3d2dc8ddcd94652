"""The autoencoders lab's own checks, and the interface pieces it added, on hand-made observations (fast).

Each check is shown passing on the observations a correct answer gives and
failing, with a message that names the mistake, on those of realistic wrong
ones. The end-to-end casebook is tests/test_autoencoders_lab.py (slow).
"""

from __future__ import annotations

import nbformat
import numpy as np
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.checks import Observed, scaled_to_unit_range
from grader.engine import load_lab_rubric, submission_form
from grader.lab import get_lab
from grader.labs.autoencoders import checks
from grader.probe_inputs import declared_inputs
from grader.submission import load_submission
from grader.written_answers import collect_answers

RAW = np.random.default_rng(0).integers(0, 256, (8, 28, 28)).astype(np.uint8)
RAW[:, 0, 0] = 255  # every image reaches full brightness, as MNIST digits do


def _scaled(array):
    return scaled_to_unit_range(Observed({}, {"output": array}, {"digits": RAW}), key="output", raw="digits")


def test_scaled_to_unit_range_accepts_255_and_per_image_maxima_and_names_each_mistake():
    assert _scaled((RAW / 255.0)[..., None]).passed
    assert _scaled((RAW.astype("float32") / RAW.max(axis=(1, 2), keepdims=True))[..., None]).passed
    assert "dividing by 255" in _scaled(RAW[..., None].astype("float32")).message
    assert "divided by 256" in _scaled((RAW / 256.0)[..., None]).message
    assert "convert them to floats" in _scaled((RAW // 255)[..., None]).message
    standardized = (RAW - RAW.mean()) / RAW.std()
    assert "standardized" in _scaled(standardized[..., None]).message


def _loss(names, compiled=True):
    return checks.reconstruction_loss(Observed({"compiled": compiled, "returned": "NoneType", "loss": names}, {}, {}))


def test_reconstruction_loss_accepts_pixel_losses_under_any_spelling_and_rejects_classification_ones():
    for names in (["mse"], ["mean_squared_error"], ["MeanSquaredError", "mean_squared_error"]):
        outcome = _loss(names)
        assert outcome.passed and "as the lab suggests" in outcome.message
    assert _loss(["binary_crossentropy"]).passed and "also a pixel-by-pixel" in _loss(["binary_crossentropy"]).message
    assert _loss(["MeanAbsoluteError"]).passed
    assert not _loss(["categorical_crossentropy"]).passed and "classification loss" in _loss(["categorical_crossentropy"]).message
    assert not _loss(["SparseCategoricalCrossentropy"]).passed
    assert "not compiled" in _loss([], compiled=False).message


def test_compiled_model_learns_needs_the_error_to_drop():
    learns = lambda before, after: checks.compiled_model_learns(Observed({"mse.before": before, "mse.after": after, "optimizer": "SGD"}, {}, {}))  # noqa: E731
    assert learns(0.23, 0.18).passed and learns(0.2314075, 0.2314003).passed  # Adam; plain SGD's slow start
    assert not learns(0.2314075, 0.2314075).passed and "did not change" in learns(0.2314075, 0.2314075).message
    assert not learns(0.23, float("nan")).passed


def _roles(x, y, calls=1, error=None):
    values = {"fit.calls": calls, "fit.x": x, "fit.y": y}
    if error:
        values["call.error"] = error
    return checks.fit_roles(Observed(values, {}, {}), key="fit", x="noisy images", y="clean images", what="a denoiser")


def test_fit_roles_names_a_swap_a_missing_label_and_a_function_that_never_fits():
    assert _roles("noisy images", "clean images").passed
    assert "swaps the input and the label" in _roles("clean images", "noisy images").message
    assert "no label" in _roles("noisy images", "nothing").message
    assert "was given noisy images as the input and noisy images as the label" in _roles("noisy images", "noisy images").message
    assert "never called fit" in _roles(None, None, calls=0).message
    assert "NameError" in _roles(None, None, calls=0, error={"type": "NameError", "message": "name 'x_train' is not defined"}).message


def test_fit_budget_takes_keras_default_batch_size_as_32():
    budget = lambda epochs, batch: checks.fit_budget(Observed({"fit.calls": 1, "fit.epochs": epochs, "fit.batch_size": batch}, {}, {}),  # noqa: E731
                                                     key="fit", epochs=20, batch_size=32)
    assert budget(20, 32).passed and budget(20, None).passed
    assert "epochs=5" in budget(5, 32).message
    assert "no epochs" in budget(None, 32).message
    assert "batch_size=128" in budget(20, 128).message


def test_latent_neighbours_separates_clustered_codes_from_constant_ones():
    rng = np.random.default_rng(0)
    labels_train, labels_test = rng.integers(0, 10, 500), rng.integers(0, 10, 200)
    centres = rng.normal(0, 1, (10, 2))
    codes = lambda labels: centres[labels] + rng.normal(0, 0.1, (len(labels), 2))  # noqa: E731
    secrets = {"y_train": labels_train, "y_test": labels_test}
    params = dict(train="codes.train", test="codes.test", train_labels="y_train", test_labels="y_test", k=5, minimum=0.2, chance=0.1)
    clustered = checks.latent_neighbours(Observed({}, {"codes.train": codes(labels_train), "codes.test": codes(labels_test)}, secrets), **params)
    assert clustered.passed and clustered.details["accuracy"] > 0.9
    constant = checks.latent_neighbours(Observed({}, {"codes.train": np.zeros((500, 2)), "codes.test": np.zeros((200, 2))}, secrets), **params)
    assert not constant.passed and "do not group the digits by class" in constant.message


def test_noise_on_a_declared_dataset_input_is_seeded_and_unclipped():
    class Data:
        def array(self, reference):
            return np.full((4, 28, 28), 128, np.uint8)

    spec = {"noisy": {"dataset": "mnist.x_train", "scale": 255, "channel_axis": True, "noise": 0.5, "seed": 3}}
    first, _ = declared_inputs(spec, Data())
    again, _ = declared_inputs(spec, Data())
    assert first["noisy"].shape == (4, 28, 28, 1) and np.array_equal(first["noisy"], again["noisy"])
    assert first["noisy"].min() < 0 < 1 < first["noisy"].max()
    assert abs(float(first["noisy"].std()) - 0.5) < 0.05


def test_an_exercise_that_trains_earlier_answers_names_them_as_targets():
    rubric = load_lab_rubric("autoencoders")
    assert rubric.exercise("trained_autoencoder").target_names == ["build_encoder", "build_decoder"]
    assert rubric.exercise("build_encoder").target_names == ["build_encoder"]


def _write(tmp_path, name, cells, metadata=None):
    path = tmp_path / name
    nbformat.write(new_notebook(cells=cells, metadata=metadata or {}), str(path))
    return load_submission(path)


def test_original_notebooks_that_define_only_the_handouts_own_names_are_graded_in_place(tmp_path):
    rubric, lab = load_lab_rubric("autoencoders"), get_lab("autoencoders")
    builders = new_code_cell("def build_encoder(latent_dimension):\n    pass\n\ndef build_decoder(latent_dimension):\n    pass")
    assert submission_form(_write(tmp_path, "original.ipynb", [builders]), rubric, lab) == "inline"
    stub = new_code_cell("def prepare_images(images):\n    return images / 255")
    assert submission_form(_write(tmp_path, "stub.ipynb", [builders, stub]), rubric, lab) == "stub"
    # The grader's own exercise notebook is the stub form, whatever it defines so far.
    marked = _write(tmp_path, "marked.ipynb", [builders], {"labgrader": {"lab": "autoencoders"}})
    assert marked.lab_metadata == "autoencoders" and submission_form(marked, rubric, lab) == "stub"


def test_a_written_answer_ends_at_the_handouts_next_prompt(tmp_path):
    rubric = load_lab_rubric("autoencoders")
    path = tmp_path / "answers.ipynb"
    nbformat.write(new_notebook(cells=[
        new_markdown_cell("❓ **Question** ❓ Look at predicted images: are they close to the original ?"),
        new_code_cell("plot()"),
        new_markdown_cell("Blurry, but recognisable."),
        new_markdown_cell("❓ **Question** ❓ Now encode part of the data."),
        new_code_cell("codes = encode()"),
    ]), str(path))
    close = collect_answers(path, rubric.questions, rubric.question_prompt)[0]
    assert close.answered and close.answer == "Blurry, but recognisable."
    unbounded = collect_answers(path, rubric.questions)[0]
    assert "encode part of the data" in unbounded.answer  # without the prompt pattern the next question was swallowed
