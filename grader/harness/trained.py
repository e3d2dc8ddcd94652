"""Probe for models the student trained and saved: load safely, describe, predict.

The grader copies the student's ``.keras`` file into the sandbox and sends
held-out *inputs*; the targets and the reference's metrics stay outside.
"""

from __future__ import annotations

import zipfile

import numpy as np

from harness.observe import describe_model


def student_custom_objects(namespace: dict) -> dict:
    """Classes and functions the student defined, by name (their custom layers and activations)."""
    return {
        name: value for name, value in namespace.items()
        if not name.startswith("_") and (isinstance(value, type) or callable(value)) and getattr(value, "__module__", "") == "__main__"
    }


def load_and_predict(path, inputs, params, obs, namespace=None):
    import keras

    if not zipfile.is_zipfile(path):
        obs.put("load.error", {"type": "NotAKerasFile", "message": "the file is not a Keras .keras archive (a .keras file is a zip holding config.json and the weights); save it with model.save('name.keras')", "frames": []})
        return
    try:
        model = keras.saving.load_model(path, custom_objects=student_custom_objects(namespace or {}), compile=False, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - any malformed or unsafe file
        message = str(exc)
        if "lambda" in message.lower() or "safe_mode" in message:
            message = "it contains a Lambda layer (arbitrary code), which the grader does not load; use built-in layers or a named custom layer. " + message[:300]
        obs.put("load.error", {"type": type(exc).__name__, "message": message[:1500], "frames": []})
        return
    info = describe_model(model)
    obs.put("model", info)
    expected = list(inputs["inputs"].shape[1:])
    found = (info.get("input_shapes") or [None])[0]
    if found is None or [d for d in found[1:]] != expected:
        shape = "(" + ", ".join("None" if d is None else str(d) for d in found) + ")" if found else "unknown"
        obs.put("prediction.error", {"type": "WrongModel", "message": f"the saved model takes inputs of shape {shape}, but this model's task gives (None, {', '.join(map(str, expected))}): is it the right model file?", "frames": []})
        return
    prediction = obs.step("prediction", model.predict, inputs["inputs"], batch_size=128, verbose=0)
    if prediction is not None:
        obs.put_array("prediction", prediction if not isinstance(prediction, (list, tuple)) else prediction[0], dtype=np.float32)
