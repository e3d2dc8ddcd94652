"""Explanations for errors that usually mean Keras 2 code running on Keras 3."""

from __future__ import annotations

import re

# (pattern searched in "ExceptionType: message" and the offending code line, explanation)
KERAS3_CHANGES: list[tuple[str, str]] = [
    (r"fit_generator|evaluate_generator|predict_generator",
     "Keras 3 removed fit_generator/evaluate_generator/predict_generator: pass the generator or tf.data.Dataset to fit/evaluate/predict."),
    (r"unexpected keyword argument '(input|output)'|Unrecognized keyword arguments.*\b(input|output)\b",
     "Keras 3's Model takes inputs= and outputs= (plural): Model(inputs=x, outputs=y)."),
    (r"\blr\b.*(not recognized|unexpected keyword)|(not recognized|unexpected keyword).*\blr\b|Argument\(s\) not recognized: \{'lr'",
     "Optimizers in Keras 3 take learning_rate=, not lr=."),
    (r"keras\.layers\.normalization|layers\.normalization",
     "keras.layers.normalization is gone: use keras.layers.BatchNormalization."),
    (r"np_utils|keras\.utils\.np_utils",
     "keras.utils.np_utils is gone: use keras.utils.to_categorical."),
    (r"keras\.layers\.merge|\bmerge\(",
     "keras.layers.merge is gone: use keras.layers.Concatenate / Add / concatenate."),
    (r"can't set attribute|has no setter|property .*trainable_weights|trainable_weights.*(setter|assign)",
     "In Keras 3 trainable_weights is read-only (the property has no setter): weights made with add_weight and the "
     "weights of layers assigned to attributes (self.layer = layer) are tracked automatically, so drop the += line; "
     "to freeze weights, set layer.trainable = False."),
    (r"input_dim",
     "Keras 3 layers no longer take input_dim=: start the model with keras.Input(shape=...)."),
    (r"keras\.backend\.(set_session|get_session)|K\.get_session",
     "Keras 3 has no sessions: remove get_session/set_session."),
    (r"learning_rate.{0,5} should be float.*Received instead: learning_rate=-?\d+\s*$",
     "Keras 3's optimizers refuse an int learning rate (10**0 is the int 1): write it as a float, 1.0 or 10.0 ** -e."),
    (r"unique names.*'input_layer'",
     "Keras 3 names a Sequential model's input layer 'input_layer': give your own layer another name."),
    (r"KeyError: '(val_)?acc'",
     "Keras 3 names the history's accuracy 'accuracy' (and 'val_accuracy'), as the metric is given: Keras 2.2 called it 'acc'."),
    (r"cannot import name 'ImageDataGenerator'|has no attribute 'ImageDataGenerator'",
     "Keras 3 dropped ImageDataGenerator: augment with preprocessing layers (keras.layers.RandomRotation, RandomTranslation, RandomFlip)."),
    (r"Lambda.*(output_shape|could not infer)",
     "Keras 3 Lambda layers may need output_shape=; prefer a built-in layer or keras.ops."),
]


def keras3_hint(error_type: str, message: str, code: str = "") -> str | None:
    """A sentence saying what changed in Keras 3, if the error looks like Keras 2 code."""
    text = f"{error_type}: {message}\n{code}"
    for pattern, explanation in KERAS3_CHANGES:
        if re.search(pattern, text):
            return explanation
    return None


def format_error(error: dict | None) -> str:
    """One or two lines: where in the student's code, what was raised, and a Keras 3 hint."""
    if not error:
        return "unknown error"
    frames = error.get("frames") or []
    where = ""
    if frames:
        last = frames[-1]
        where = f"{last['file']}, line {last['line']}" + (f", in {last['function']}" if last.get("function") not in (None, "<module>") else "") + ": "
    text = f"{where}{error.get('type', 'Error')}: {error.get('message', '')}".strip()
    code = " ".join(f.get("code", "") for f in frames)
    hint = keras3_hint(error.get("type", ""), error.get("message", ""), code)
    return f"{text}\n  Keras 3: {hint}" if hint else text
