"""Keras 2 habits get feedback that names the Keras 3 replacement."""

import pytest

from grader.engine import grade_submission

pytestmark = pytest.mark.slow


def test_keras2_code_gets_keras3_explanations(repo):
    result = grade_submission(repo / "tests" / "keras2" / "keras2_style.py", "lab3", quick=True,
                              only=["build_angle_cnn", "build_sr_network", "BatchNormalizedLayer"])
    by_name = {e.name: e for e in result.exercises}
    assert by_name["build_angle_cnn"].status == "error"
    assert "inputs= and outputs=" in by_name["build_angle_cnn"].feedback
    assert "learning_rate=" in by_name["build_sr_network"].feedback
    bn = by_name["BatchNormalizedLayer"]
    assert bn.score == 0
    assert "keras.layers.BatchNormalization" in bn.feedback or any("keras.layers.BatchNormalization" in c.message for c in bn.checks)
    assert any("keras.layers.normalization" in note and "BatchNormalization" in note for note in result.notes)


@pytest.mark.parametrize("error, words", [
    (("ValueError", "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a callable (that takes "
                    "in the current iteration value and returns the corresponding learning rate value). Received instead: learning_rate=1"),
     "refuse an int learning rate"),
    (("ValueError", "All layers added to a Sequential model should have unique names. Name 'input_layer' is already the name of a "
                    "layer in this model. Update the `name` argument to pass a unique name."), "'input_layer'"),
    (("KeyError", "'val_acc'"), "'val_accuracy'"),
    (("ImportError", "cannot import name 'ImageDataGenerator' from 'keras.preprocessing.image'"), "preprocessing layers"),
])
def test_keras3_errors_of_the_classification_texts_are_explained(error, words):
    from grader.hints import keras3_hint

    assert words in keras3_hint(*error)
