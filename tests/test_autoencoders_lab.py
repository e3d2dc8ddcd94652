"""The autoencoders lab (course material 002), end to end through the sandbox.

- The casebook (tests/cases/autoencoders): correct answers written several
  ways (Keras 2 ``Sequential.add`` with ``input_shape=``, tf.keras names, the
  functional API, separate activation layers, either padding) get full marks;
  each realistic wrong one loses points at the check named below, with a
  message that says what is wrong.
- Notebooks in the original handout's style (tests/autoencoders_notebooks.py):
  ``# YOUR CODE HERE`` cells filled with names of the student's own, graded
  in place; the handout as given is not implemented.
- ``grader author check``: the solution notebook gets full marks and the
  exercise notebook is not implemented everywhere.
"""

from __future__ import annotations

import pytest

import autoencoders_notebooks as notebooks
from casebook import all_cases, assert_covers, assert_fails_at, assert_full_marks, grade_cases
from grader.engine import grade_submission

pytestmark = pytest.mark.slow

EXPECTED_FAILURES = {
    "prepare_images__wrong_no_channel_axis": ("shape", "expected (64, 28, 28, 1)"),
    "prepare_images__wrong_channels_first": ("shape", "shape (64, 1, 28, 28)"),
    "prepare_images__wrong_not_scaled": ("scaled", "values go up to 255"),
    "prepare_images__wrong_divided_by_256": ("scaled", "divided by 256"),
    "prepare_images__wrong_integer_division": ("scaled", "uint8 values"),
    "build_encoder__wrong_latent_fixed_at_2": ("uses_latent_dimension", "output shape (None, 2), expected (None, 5)"),
    "build_encoder__wrong_3x3_kernels": ("parameters", "6,466 parameters"),
    "build_encoder__wrong_relu_codes": ("layers", "expected Flatten → dense2 → tanh"),
    "build_encoder__wrong_third_convolution_missing": ("layers", "expected relu → pool → conv32"),
    "build_decoder__wrong_no_strides": ("shapes", "output shape (None, 7, 7, 1)"),
    "build_decoder__wrong_sigmoid_output": ("layers", "found relu → convtranspose1 → sigmoid"),
    "build_decoder__wrong_latent_fixed_at_2": ("uses_latent_dimension", "input shape (None, 2), expected (None, 5)"),
    "build_decoder__wrong_dense_without_tanh": ("layers", "expected dense392 → tanh"),
    "compile_autoencoder__wrong_categorical_crossentropy": ("loss", "'categorical_crossentropy'"),
    "compile_autoencoder__wrong_sparse_categorical": ("loss", "'SparseCategoricalCrossentropy'"),
    "compile_autoencoder__wrong_not_compiled": ("loss", "not compiled"),
    "compile_autoencoder__wrong_learning_rate_zero": ("learns", "did not change"),
    "train_autoencoder__wrong_no_label": ("label_is_input", "no label"),
    "train_autoencoder__wrong_five_epochs": ("budget", "epochs=5"),
    "train_autoencoder__wrong_global_data": ("label_is_input", "NameError"),
    "trained_autoencoder__wrong_softmax_output": ("reconstruction", "expected at most 0.061"),
    "trained_autoencoder__wrong_frozen_encoder": ("reconstruction", "expected at most 0.061"),
    "train_denoising_autoencoder__wrong_swapped": ("noisy_in_clean_out", "swaps the input and the label"),
    "train_denoising_autoencoder__wrong_noisy_labels": ("noisy_in_clean_out", "noisy images as the label"),
    "train_denoising_autoencoder__wrong_clean_only": ("noisy_in_clean_out", "clean images as the input"),
    "train_denoising_autoencoder__wrong_batch_size_128": ("budget", "batch_size=128"),
}

CORRECT = [c for c in all_cases("autoencoders") if c.correct]
WRONG = [c for c in all_cases("autoencoders") if not c.correct]


@pytest.fixture(scope="module")
def graded_correct(tmp_path_factory):
    return grade_cases(CORRECT, tmp_path_factory.mktemp("correct"), "correct", lab="autoencoders")


@pytest.fixture(scope="module")
def graded_wrong(tmp_path_factory):
    return grade_cases(WRONG, tmp_path_factory.mktemp("wrong"), "wrong", lab="autoencoders")


def test_the_casebook_covers_every_exercise():
    assert_covers("autoencoders", CORRECT, WRONG, EXPECTED_FAILURES, min_correct=2, min_wrong=2)


@pytest.mark.parametrize("case", CORRECT, ids=lambda c: c.id)
def test_correct_answer_gets_full_marks(case, graded_correct):
    assert_full_marks(case, graded_correct[case.id])


def test_each_reading_is_accepted_and_named(graded_correct):
    same = next(c for c in graded_correct["build_encoder__correct_functional_same_padding"].checks if c.name == "parameters")
    assert same.passed and "padding='same'" in same.message
    published = {c.name: c for c in graded_correct["build_encoder__correct_third_pooling_as_published"].checks}
    assert "third max-pooling" in published["parameters"].message and "published solution" in published["layers"].message
    bce = graded_correct["compile_autoencoder__correct_binary_crossentropy"].checks[0]
    assert bce.passed and "binary cross-entropy" in bce.message


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c.id)
def test_wrong_answer_fails_at_the_named_check_with_a_specific_message(case, graded_wrong):
    assert_fails_at(case, graded_wrong[case.id], *EXPECTED_FAILURES[case.id])


# ---------------------------------------------------------------- the original handout's form


def _grade(tmp_path, notebook, name, quick):
    path = notebooks.write(notebook, tmp_path / name)
    return grade_submission(path, "autoencoders", quick=quick)


def test_an_original_notebook_filled_in_place_gets_full_marks_and_its_answers_are_collected(tmp_path):
    result = _grade(tmp_path, notebooks.original_notebook(), "filled.ipynb", quick=False)
    assert result.form == "inline"
    assert {e.name: e.status for e in result.exercises} == {e.name: "passed" for e in result.exercises}
    assert result.score == result.max_score == 29
    answers = {a.id: a for a in result.written_answers}
    assert answers["reconstructions_close"].answer == notebooks.WRITTEN["close"]
    assert answers["latent_plot"].answer == notebooks.WRITTEN["remark"]
    assert not answers["best_latent_dimension"].answered


def test_the_original_handout_as_given_is_not_implemented(tmp_path):
    result = _grade(tmp_path, notebooks.handout(), "handout.ipynb", quick=True)
    assert result.form == "inline" and result.score == 0
    assert {e.status for e in result.exercises} == {"not_implemented"}
    assert "YOUR CODE HERE" in result.exercises[1].feedback


OTHER_NAMES = dict(
    data="""
import numpy as np
from keras.datasets import mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = np.expand_dims(x_train / 255., -1)
x_test = np.expand_dims(x_test / 255., -1)
""",
    encoder="""
from keras.models import Model
from keras.layers import Input, Conv2D, MaxPool2D, Flatten, Dense, Reshape, Conv2DTranspose

def make_encoder(latent_dim):
    inp = Input(shape=(28, 28, 1))
    x = Conv2D(8, kernel_size=(2, 2), activation='relu', padding='same')(inp)
    x = MaxPool2D(pool_size=(2, 2))(x)
    x = Conv2D(16, kernel_size=(2, 2), activation='relu', padding='same')(x)
    x = MaxPool2D(pool_size=(2, 2))(x)
    x = Conv2D(32, kernel_size=(2, 2), activation='relu', padding='same')(x)
    return Model(inp, Dense(latent_dim, activation='tanh')(Flatten()(x)))
""",
    encoder_summary="""
encoder = make_encoder(2)
encoder.summary()
""",
    decoder="""
def build_decoder(latent_dim):
    inp = Input(shape=(latent_dim,))
    x = Reshape((7, 7, 8))(Dense(7 * 7 * 8, activation='tanh')(inp))
    x = Conv2DTranspose(8, (2, 2), strides=(2, 2), padding='same', activation='relu')(x)
    return Model(inp, Conv2DTranspose(1, (2, 2), strides=(2, 2), padding='same', activation='relu')(x))
""",
    compile="""
autoencoder.compile(optimizer='adam', loss='mean_squared_error')
""",
    fit="""
history = autoencoder.fit(x_train, x_train, batch_size=32, epochs=20, validation_data=(x_test, x_test))
""",
    denoise="""
autoencoder_2 = build_autoencoder(make_encoder(2), build_decoder(2))
autoencoder_2.compile(optimizer='adam', loss='mse')
autoencoder_2.fit(x_train_noisy, x_train, batch_size=32, epochs=20)
""",
    denoise_plot="""
plt.imshow(autoencoder_2.predict(x_test_noisy)[0, :, :, 0])
""",
    latent="""
# latent dimension 8 looks best
""",
)


def test_an_original_notebook_with_names_of_its_own_and_keras2_imports_is_found_and_passes(tmp_path):
    result = _grade(tmp_path, notebooks.original_notebook(**OTHER_NAMES), "own_names.ipynb", quick=True)
    assert result.form == "inline"
    failing = {e.name: e.feedback for e in result.exercises if e.status != "passed" and e.max_score}
    assert not failing, failing
    encoder = next(e for e in result.exercises if e.name == "build_encoder")
    assert "padding='same'" in next(c.message for c in encoder.checks if c.name == "parameters")


def test_an_original_notebook_with_realistic_mistakes_fails_where_it_is_wrong(tmp_path):
    mistakes = dict(
        OTHER_NAMES,
        # The encoder written at the top level, for a latent dimension of 2 only.
        encoder=OTHER_NAMES["encoder"].replace("def make_encoder(latent_dim):", "if True:\n    latent_dim = 2").replace(
            "    return Model(", "    encoder = Model(") + "\ndef make_encoder(latent_dim):\n    return encoder\n",
        encoder_summary="encoder.summary()",
        fit="autoencoder.fit(x_train, y_train, batch_size=32, epochs=20)",
        denoise=OTHER_NAMES["denoise"].replace("fit(x_train_noisy, x_train,", "fit(x_train, x_train_noisy,"),
    )
    result = _grade(tmp_path, notebooks.original_notebook(**mistakes), "mistakes.ipynb", quick=True)
    failed = {e.name: {c.name: c.message for c in e.checks if not c.passed} for e in result.exercises}
    assert "uses_latent_dimension" in failed["build_encoder"], failed
    assert "label_is_input" in failed["train_autoencoder"] and "shape (4000,)" in failed["train_autoencoder"]["label_is_input"]
    assert "swaps the input and the label" in failed["train_denoising_autoencoder"]["noisy_in_clean_out"]
    assert not failed["prepare_images"] and not failed["build_decoder"] and not failed["compile_autoencoder"]


def test_author_check_autoencoders():
    from grader.authoring import check_lab
    from grader.lab import get_lab

    # quick: the trained checks of the reference's encoder and decoder are the casebook's (correct_valid_padding).
    report = check_lab(get_lab("autoencoders"), quick=True)
    assert report.ok, (report.stale, report.problems)
