"""Probes for lab 3. Each takes (student_object, inputs, params, obs).

Inputs are arrays the grader chose (random weights, training data, test
*inputs* without their targets); params are budgets and seeds. A probe never
decides pass/fail: it records what the student's code did.
"""

from __future__ import annotations

import inspect

import numpy as np

from harness.lab_api import LabProbes

from .given import build_detector, classifier_head, conv_stack  # the lab's given code, defined once in its master notebook
from harness.observe import describe_model, final_activation, shape_list, single_io_shapes


def _keras():
    import keras

    return keras


# ---------------------------------------------------------------- 1. extract_W


def _softmax_models(inputs):
    keras = _keras()
    from keras import layers

    dense_then_activation = keras.Sequential(
        [keras.Input((28, 28)), layers.Flatten(), layers.Dense(10), layers.Activation("softmax")]
    )
    dense_softmax_l2 = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Flatten(),
            layers.Dense(10, activation="softmax", kernel_regularizer=keras.regularizers.l2(1e-3)),
        ]
    )
    dense_then_activation.layers[1].set_weights([inputs["W_a"], inputs["b_a"]])
    dense_softmax_l2.layers[1].set_weights([inputs["W_b"], inputs["b_b"]])
    return {"dense_then_activation": dense_then_activation, "dense_softmax_l2": dense_softmax_l2}


def extract_W(fn, inputs, params, obs):
    for form, model in _softmax_models(inputs).items():
        result = obs.step(f"W.{form}", fn, model)
        if f"W.{form}.error" not in obs.values:
            obs.put_array(f"W.{form}", result)
    if params.get("skip_training") or "x_train" not in inputs:
        return
    # For the report only (no check reads it): the same function on a briefly
    # trained model, whose weights look like digits rather than noise.
    keras = _keras()
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    model = _softmax_models(inputs)["dense_then_activation"]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    model.fit(inputs["x_train"][..., 0], inputs["y_train"], epochs=2, batch_size=64, verbose=0)
    result = obs.step("W.trained", fn, model)
    if "W.trained.error" not in obs.values:
        obs.put_array("W.trained", result)
        obs.put("W.trained.kernel", np.asarray(model.layers[1].get_weights()[0], np.float32))


# ---------------------------------------------------------------- 2. bottleneck_2d


def bottleneck_2d(fn, inputs, params, obs):
    keras = _keras()
    from keras import layers

    keras.utils.set_random_seed(int(params.get("seed", 0)))
    image = keras.Input((28, 28, 1))
    features = conv_stack(image)
    encoded = fn(features)
    if not isinstance(encoded, keras.KerasTensor):
        obs.put("encoded.type", type(encoded).__name__)
        return
    obs.put("encoded.shape", shape_list(encoded.shape))
    flat = layers.Flatten()(encoded)
    obs.put("flatten.size", flat.shape[-1])
    if flat.shape[-1] != params["train_if_flat_size"]:
        obs.put("training.skipped", f"Flatten gives {flat.shape[-1]} values per image")
        return
    if params.get("skip_training"):
        return
    model = keras.Model(image, classifier_head(flat))
    model.compile(optimizer=keras.optimizers.Adam(params.get("learning_rate", 1e-3)), loss="sparse_categorical_crossentropy")
    model.fit(inputs["x_train"], inputs["y_train"], epochs=params["epochs"], batch_size=params["batch_size"], verbose=0)
    obs.put("test_probabilities", model.predict(inputs["x_test"], batch_size=256, verbose=0).astype(np.float32))
    # The 2-D codes of the test digits, for the report's scatter plot.
    encoder = keras.Model(image, flat)
    obs.put("test_codes", encoder.predict(inputs["x_test"][:500], batch_size=256, verbose=0).astype(np.float32))
    obs.put("training.epochs", params["epochs"])
    obs.put("training.samples", int(len(inputs["x_train"])))


# ---------------------------------------------------------------- 3. add_noise


def add_noise(fn, inputs, params, obs):
    for factor in params["noise_factors"]:
        x = inputs["flat"].copy()
        out = obs.step(f"noisy.{factor}", fn, x, noise_factor=factor)
        if f"noisy.{factor}.error" in obs.values:
            continue
        obs.put_array(f"noisy.{factor}", out)
        obs.put(f"input_changed.{factor}", bool(not np.array_equal(x, inputs["flat"])))
    digits = inputs["digits"].copy()
    out = obs.step("noisy.default", fn, digits)
    if "noisy.default.error" not in obs.values:
        obs.put_array("noisy.default", out)
        obs.put("input_changed.default", bool(not np.array_equal(digits, inputs["digits"])))


# ---------------------------------------------------------------- training helpers


def _fit(build, x_train, y_train, loss, params, seed):
    """Build a fresh model and train it under the rubric's budget (the student's own compile is replaced)."""
    keras = _keras()
    keras.utils.set_random_seed(int(seed))
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(params.get("learning_rate", 1e-3)), loss=loss)
    history = model.fit(x_train, y_train, epochs=params["epochs"], batch_size=params["batch_size"], verbose=0)
    return model, [float(v) for v in history.history.get("loss", [])]


def _predict(model, x):
    return model.predict(x, batch_size=256, verbose=0)


def _model_or_note(fn, obs, **kwargs):
    keras = _keras()
    model = fn(**kwargs)
    obs.put("model", describe_model(model))
    return model if isinstance(model, keras.Model) else None


def _io_matches(model, input_shape, output_shape) -> bool:
    try:
        return shape_list(model.inputs[0].shape) == input_shape and shape_list(model.outputs[0].shape) == output_shape
    except Exception:  # noqa: BLE001
        return False


# ---------------------------------------------------------------- 4. build_sr_network


def build_sr_network(fn, inputs, params, obs):
    model = _model_or_note(fn, obs)
    if model is None or not _io_matches(model, [None, 14, 14, 1], [None, 28, 28, 1]) or not model.trainable_weights:
        obs.put("training.skipped", "the model's shapes or weights are not those of a super-resolution network")
        return
    if params.get("skip_training"):
        return
    # Binary cross-entropy needs outputs in [0, 1]; anything else trains on MSE.
    loss = "binary_crossentropy" if final_activation(model) == "sigmoid" else "mse"
    obs.put("training.loss", loss)
    # A short budget occasionally leaves a correct network stuck (e.g. at the
    # mean image). Another seed is tried only when a run does worse on its own
    # training digits than copying each low-res pixel (nearest-neighbour) does;
    # that test uses training data only, nothing the grader keeps hidden.
    x_low, x_high = inputs["x_train_low"][:500], inputs["x_train"][:500]
    nearest_mse = float(np.mean((np.repeat(np.repeat(x_low, 2, axis=1), 2, axis=2) - x_high) ** 2))
    for seed in params["seeds"]:
        model, losses = _fit(fn, inputs["x_train_low"], inputs["x_train"], loss, params, seed)
        prediction = np.asarray(_predict(model, inputs["x_test_low"]), np.float32)
        obs.put(f"prediction.seed{seed}", prediction.reshape(len(prediction), -1))
        obs.put(f"training.loss_curve.seed{seed}", losses)
        train_mse = float(np.mean((np.asarray(_predict(model, x_low), np.float32) - x_high) ** 2))
        obs.put(f"training.mse.seed{seed}", train_mse)
        if train_mse < nearest_mse:
            break
    obs.put("training.epochs", params["epochs"])
    obs.put("training.samples", int(len(inputs["x_train"])))


# ---------------------------------------------------------------- 5. build_angle_cnn


def build_angle_cnn(fn, inputs, params, obs):
    model = _model_or_note(fn, obs)
    if model is None:
        return
    last = model.layers[-1] if model.layers else None
    obs.put("last_layer", {
        "class": type(last).__name__ if last is not None else None,
        "units": getattr(last, "units", None),
        "activation": getattr(getattr(last, "activation", None), "__name__", None),
    })
    if not _io_matches(model, [None, 28, 28, 1], [None, 1]):
        obs.put("training.skipped", "the model does not map (28, 28, 1) images to one number")
        return
    if params.get("skip_training"):
        return
    scale = float(params["angle_scale"])  # train on angle / scale: same optimum, better conditioned
    model, losses = _fit(fn, inputs["x_train"], inputs["angles_train"] / scale, "mse", params, params["seed"])
    predictions = _predict(model, inputs["x_test"])
    obs.put("predicted_angles", np.asarray(predictions, np.float32).reshape(-1) * scale)
    obs.put("training.loss_curve", losses)
    obs.put("training.epochs", params["epochs"])
    obs.put("training.samples", int(len(inputs["x_train"])))


# ---------------------------------------------------------------- 6. detector_channels


def detector_channels(fn, inputs, params, obs):
    counts = fn()
    obs.put("counts.type", type(counts).__name__)
    try:
        values = [int(v) for v in counts]
    except Exception:  # noqa: BLE001
        obs.put("counts.repr", repr(counts)[:200])
        return
    obs.put("counts", values)
    if len(values) == 3 and all(v > 0 for v in values):
        detector = build_detector(values)
        obs.put("detector", describe_model(detector))


# ---------------------------------------------------------------- 7. build_unet_no_skips


def build_unet_no_skips(fn, inputs, params, obs):
    keras = _keras()
    model = _model_or_note(fn, obs)
    if model is None:
        return
    output = obs.step("forward", model.predict, inputs["scenes"], verbose=0)
    if output is not None:
        obs.put_array("forward", output, dtype=np.float32)
    # Called again with other arguments: both must shape the model.
    other = obs.step("other_arguments", fn, input_shape=tuple(params["other_input_shape"]), num_classes=int(params["other_num_classes"]))
    if isinstance(other, keras.Model):
        obs.put("other_arguments.model", describe_model(other))


# ---------------------------------------------------------------- 8. BatchNormalizedLayer
# Probed by the generic batch_normalized_layer (harness.generic_probes), which the batchnorm lab shares.


# ================================================================ original fill-in notebooks
#
# In the original form of the lab students fill blanks in place. The harness
# runs the whole notebook (harness.notebook_mode) and these functions find,
# among what it made, the object each exercise is about: by what it is
# (shapes, layers), never by a number fixed for the stub form. Exercises whose
# answer is an in-place statement (W, the noisy arrays) become functions again
# by replaying their cell with the grader's inputs bound in.

# Text that marks each exercise's cells; used only to explain why nothing was
# found (its blank is still there, or its cell raised).
INLINE_ANCHORS = {
    "extract_W": r"^\s*W\s*=",
    "bottleneck_2d": r"Flatten\(\)\(\s*x\s*\)|bottleneck_model",
    "add_noise": r"noisy",
    "build_sr_network": r"sr_model|super.?resolution|[Ll]ow.?[Rr]es|14,\s*14|14x14",
    "build_angle_cnn": r"\bangles?\b|angle_",
    "detector_channels": r"detector|objdet\s*=|Conv2D\(\s*\?\?\?",
    "build_unet_no_skips": r"no_skips?|without skip|^\s*#\s*merge\d*\s*=",
    "BatchNormalizedLayer": r"BatchNormalizedLayer",
}


def inline_cell_needed(source: str) -> bool:
    """Whether an original notebook's cell belongs to an exercise (see notebook_mode.needed_cells)."""
    import re

    return any(re.search(anchor, source, re.MULTILINE) for anchor in INLINE_ANCHORS.values())


def _layer_classes(model) -> list[str]:
    from harness.observe import _all_layers

    return [type(layer).__name__ for layer in _all_layers(model)]


def _is_28x28(shape) -> bool:
    return shape[1:] in ([28, 28, 1], [28, 28])


def _clone(model):
    """A fresh copy of ``model`` with newly initialised weights (the model itself if Keras cannot clone it)."""
    keras = _keras()
    try:
        return keras.models.clone_model(model)
    except Exception:  # noqa: BLE001 - subclassed models cannot be cloned; train the notebook's own instance
        return model


def _as_model_input(model, x):
    """``x`` reshaped to the model's input shape (e.g. (n, 28, 28) for a model without a channel axis)."""
    shape = shape_list(model.inputs[0].shape)[1:]
    if None not in shape and int(np.prod(shape)) == int(np.prod(x.shape[1:])):
        return x.reshape((len(x), *shape))
    return x


def _computes_W(session, cell) -> bool:
    """The cell ran and its first assignment of W computes W from something else (not ``W = W.reshape(...)``)."""
    import ast

    from harness.notebook_mode import BLANK, assigned_targets, parse_cell

    if cell.status not in ("ok", "blank", "error"):
        return False
    tree = parse_cell(cell.source)
    for node in tree.body if tree is not None else []:
        if "W" in assigned_targets(node):
            if cell.status == "error" and not _ran_past(cell, node):
                return False
            value = getattr(node, "value", None)
            reads = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} if value is not None else {"W"}
            return "W" not in reads and BLANK not in reads and not (isinstance(value, ast.Constant) and value.value is Ellipsis)
    return False


def _ran_past(cell, node) -> bool:
    """Whether a cell that raised got past statement ``node`` (it raised on a later line)."""
    lines = [f["line"] for f in (cell.error or {}).get("frames", []) if f.get("file") == cell.where]
    return bool(lines) and lines[0] > (node.end_lineno or node.lineno)


def _locate_extract_W(session):
    from harness.notebook_mode import Located, locate_blank_or_error

    what = "W (the softmax regression's 784x10 weight matrix)"
    keras = _keras()

    def dense_10_on_pixels(model):
        denses = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
        return (not any("Conv" in c for c in _layer_classes(model)) and len(denses) == 1
                and denses[0].units == 10 and int(denses[0].kernel.shape[0]) == 784)

    cells = [c for c in session.cells if "W" in session.last_assigned and _computes_W(session, c)]
    if not cells or session.value("W") is None:
        return locate_blank_or_error(session, INLINE_ANCHORS["extract_W"], what)
    cell = cells[-1]
    # The model W was read from is the one bound when its cell ran, however the
    # notebook reuses the name later.
    read = [v for v in cell.snapshot.values() if isinstance(v, keras.Model)]
    candidates = [m for m in read if _safely(dense_10_on_pixels, m)]
    if not candidates:
        built = session.models_where(dense_10_on_pixels)
        candidates = [r.model for r in built if r.cell <= cell.index] or [r.model for r in built]
    if not candidates:
        return Located("error", detail="W is assigned, but the notebook has no softmax regression (one Dense(10) on the 784 pixels) to check it against", cell=cell)
    model = candidates[-1]
    dense = next(l for l in model.layers if isinstance(l, keras.layers.Dense))

    def extract(test_model):
        # The notebook's own model gets the grader's weights for a moment and
        # the student's W line runs again: W must follow the weights.
        weights = next(l for l in test_model.layers if isinstance(l, keras.layers.Dense)).get_weights()
        saved = dense.get_weights()
        dense.set_weights(weights[: len(saved)])
        try:
            W = session.replay(cell.index, {}, watch="W")
        finally:
            dense.set_weights(saved)
        if isinstance(W, np.ndarray) and W.shape == (28, 28, 10):
            W = W.reshape(784, 10)  # the kernel reshaped to images is the same matrix
        return W

    return Located("found", extract, cell=cell)


def _safely(predicate, value) -> bool:
    try:
        return bool(predicate(value))
    except Exception:  # noqa: BLE001 - a half-built student model is no candidate
        return False


def _locate_bottleneck_2d(session):
    from harness.notebook_mode import Located, locate_blank_or_error

    def cnn_classifier(model):
        shape_in, shape_out = single_io_shapes(model)
        classes = _layer_classes(model)
        return _is_28x28(shape_in) and shape_out == [None, 10] and "Flatten" in classes and any("Conv" in c for c in classes)

    classifiers = session.models_where(cnn_classifier)
    # The first is the lab's given CNN; the bottleneck version is a later one from another cell.
    later = [r for r in classifiers[1:] if r.cell != classifiers[0].cell]
    if not later:
        return locate_blank_or_error(session, INLINE_ANCHORS["bottleneck_2d"], "the classifier with a 2-D bottleneck")
    return Located("found", later[-1].model, cell=session.cells[later[-1].cell])


def _noise_pairs(session, cell_index):
    """(noisy name, clean name) for the noisy arrays a cell made."""
    pairs = []
    for name, index in session.last_assigned.items():
        value = session.value(name)
        if index != cell_index or "noisy" not in name.lower() or not hasattr(value, "shape"):
            continue
        clean = name.replace("_noisy", "").replace("noisy_", "")
        if not hasattr(session.value(clean), "shape"):
            clean = next((n for n, v in session.namespace.items() if n != name and "noisy" not in n.lower()
                          and isinstance(v, np.ndarray) and v.shape == value.shape), None)
        if clean is not None:
            pairs.append((name, clean))
    return sorted(pairs, key=lambda p: ("test" in p[0], p[0]))


def _locate_add_noise(session):
    """The noisy arrays' cell as a function: the grader's grey images in, what the cell makes of them out.

    The lab asks for ``x_train_noisy = x_train + noise`` and nothing more (no
    noise factor), so the cell is replayed as written, with each clean array it
    reads rebound to a grey image of the same shape (a cell may hard-code the
    shapes). The notebook's own noisy test images are kept too.
    """
    from harness.notebook_mode import Located, locate_blank_or_error

    noisy = [n for n in session.last_assigned if "noisy" in n.lower() and hasattr(session.value(n), "shape")]
    if not noisy:
        return locate_blank_or_error(session, INLINE_ANCHORS["add_noise"], "the noisy arrays (x_train_noisy, x_test_noisy)")
    index = max(session.last_assigned[n] for n in noisy)
    cell = session.cells[index]
    pairs = _noise_pairs(session, index)
    if not pairs:
        return Located("error", detail=f"{cell.where} makes {', '.join(noisy)}, but no clean array of the same shape was found", cell=cell)
    noisy_name, clean_name = pairs[-1]  # the test arrays when there are both

    def add_noise(level: float, keep: int):
        clean = {c: np.asarray(session.snapshot_value(index, c)) for _, c in pairs}
        # A few grey images first (cheap); the clean arrays' full shapes only if
        # the cell cannot take fewer images (it hard-codes its noise's shape).
        for count in (keep, None):
            grey = {c: np.full(v.shape if count is None else (min(count, len(v)), *v.shape[1:]), level,
                               v.dtype if np.issubdtype(v.dtype, np.floating) else np.float32) for c, v in clean.items()}
            originals = {c: g.copy() for c, g in grey.items()}
            try:
                namespace = session.replay(index, grey)
            except Exception:  # noqa: BLE001 - e.g. noise of the full dataset's shape added to fewer images
                if count is None:
                    raise
                continue
            noisy = np.asarray(namespace[noisy_name])
            if count is None or noisy.shape == grey[clean_name].shape:
                break
        changed = any(not np.array_equal(grey[c], originals[c]) for c in grey)
        return noisy[:keep], changed

    notebook = {"noisy": np.asarray(session.value(noisy_name)), "clean": np.asarray(session.snapshot_value(index, clean_name))}
    return Located("found", {"replay": add_noise, "notebook": notebook, "names": (noisy_name, clean_name)}, cell=cell)


def _locate_model(session, exercise, what, strict, loose=None, target=_clone):
    """The last model satisfying ``strict``, else the last from the exercise's cells satisfying ``loose``.

    The probe gets ``lambda: target(model)``: by default a fresh clone, as a stub's builder would give.
    """
    from harness.notebook_mode import Located, locate_blank_or_error

    anchored = {c.index for c in session.cells_matching(INLINE_ANCHORS[exercise])}
    found = session.models_where(strict)
    # A model from the exercise's own cells first: another network of the same
    # shapes (a GAN's discriminator maps 28x28 images to one number too) is not the answer.
    found = [r for r in found if r.cell in anchored] or found
    if not found and loose is not None:
        found = [r for r in session.models_where(loose) if r.cell in anchored]
    if not found:
        return locate_blank_or_error(session, INLINE_ANCHORS[exercise], what)
    model = found[-1].model
    return Located("found", lambda: target(model), cell=session.cells[found[-1].cell])


def _locate_build_sr_network(session):
    return _locate_model(session, "build_sr_network", "a model mapping (14, 14, 1) images to (28, 28, 1)",
                         lambda m: single_io_shapes(m)[0][1:] in ([14, 14, 1], [14, 14]))


def _locate_build_angle_cnn(session):
    return _locate_model(session, "build_angle_cnn", "a model mapping (28, 28, 1) images to one angle",
                         lambda m: _is_28x28(single_io_shapes(m)[0]) and single_io_shapes(m)[1] == [None, 1],
                         loose=lambda m: _is_28x28(single_io_shapes(m)[0]))


def detector_head_channels(model) -> list[int]:
    """Channels of the heads concatenated into a detector's output (walking back to each head's Conv2D)."""
    keras = _keras()
    last = model.outputs[0]._keras_history.operation
    heads = [t._keras_history.operation for t in last._inbound_nodes[0].input_tensors] if isinstance(last, keras.layers.Concatenate) else [last]
    counts = []
    for head in heads:
        layer = head
        while not isinstance(layer, keras.layers.Conv2D) and layer._inbound_nodes and layer._inbound_nodes[0].input_tensors:
            layer = layer._inbound_nodes[0].input_tensors[0]._keras_history.operation
        counts.append(int(layer.filters) if isinstance(layer, keras.layers.Conv2D) else int(head.output.shape[-1]))
    return counts


def _locate_detector_channels(session):
    def detector(m):
        shape_in, shape_out = single_io_shapes(m)
        return shape_in[1:] == [64, 64, 1] and len(shape_out) == 4 and shape_out[1] is not None and shape_out[1] < 64

    return _locate_model(session, "detector_channels", "the detector (64x64 images to a 2x2 grid)", detector, target=detector_head_channels)


def _locate_build_unet_no_skips(session):
    from harness.notebook_mode import Located, locate_blank_or_error

    def segmentation(m):
        shape_in, shape_out = single_io_shapes(m)
        return shape_in[1:] == [64, 64, 1] and len(shape_out) == 4 and shape_out[1:3] == [64, 64]

    models = session.models_where(segmentation)
    # The first is the lab's given U-Net (with skips); the exercise is a later one from another cell.
    later = [r for r in models[1:] if r.cell != models[0].cell]
    if not later:
        return locate_blank_or_error(session, INLINE_ANCHORS["build_unet_no_skips"], "the U-Net without skip connections")
    return Located("found", {"model": later[-1].model, "given": models[0].model}, cell=session.cells[later[-1].cell])


def _locate_BatchNormalizedLayer(session):
    from harness.notebook_mode import Located, locate_blank_or_error

    value = session.value("BatchNormalizedLayer")
    if isinstance(value, type):
        index = session.last_assigned.get("BatchNormalizedLayer")
        return Located("found", value, cell=session.cells[index] if index is not None else None)
    if not session.cells_matching(INLINE_ANCHORS["BatchNormalizedLayer"]):
        return Located("not_in_notebook", detail="this version of the lab has no BatchNormalizedLayer")
    return locate_blank_or_error(session, INLINE_ANCHORS["BatchNormalizedLayer"], "the class BatchNormalizedLayer")


def inline_targets(session) -> dict:
    """Exercise name -> :class:`harness.notebook_mode.Located` for an executed original-style notebook."""
    locators = {
        "extract_W": _locate_extract_W, "bottleneck_2d": _locate_bottleneck_2d, "add_noise": _locate_add_noise,
        "build_sr_network": _locate_build_sr_network, "build_angle_cnn": _locate_build_angle_cnn,
        "detector_channels": _locate_detector_channels, "build_unet_no_skips": _locate_build_unet_no_skips,
        "BatchNormalizedLayer": _locate_BatchNormalizedLayer,
    }
    from harness.notebook_mode import Located

    targets = {}
    for name, locate in locators.items():
        try:
            targets[name] = locate(session)
        except Exception as exc:  # noqa: BLE001 - a strange notebook must not stop the other exercises
            targets[name] = Located("error", detail=f"the grader could not find this exercise's answer ({type(exc).__name__}: {exc})")
    return targets


# ---------------------------------------------------------------- probes for the inline form


def inline_bottleneck_2d(model, inputs, params, obs):
    """The notebook's own bottleneck classifier: where its Flatten sits, then a fresh copy trained on the budget."""
    keras = _keras()
    from harness.observe import _all_layers

    flattens = [l for l in _all_layers(model) if type(l).__name__ == "Flatten"]
    flatten = flattens[-1]
    obs.put("encoded.shape", shape_list(flatten.input.shape))
    size = shape_list(flatten.output.shape)[-1]
    obs.put("flatten.size", size)
    if size != params["train_if_flat_size"]:
        obs.put("training.skipped", f"Flatten gives {size} values per image")
        return
    if params.get("skip_training"):
        return
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    clone = _clone(model)
    softmax_out = final_activation(clone) == "softmax"
    loss = "sparse_categorical_crossentropy" if softmax_out else keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    clone.compile(optimizer=keras.optimizers.Adam(params.get("learning_rate", 1e-3)), loss=loss)
    clone.fit(_as_model_input(clone, inputs["x_train"]), inputs["y_train"], epochs=params["epochs"], batch_size=params["batch_size"], verbose=0)
    probabilities = np.asarray(clone.predict(_as_model_input(clone, inputs["x_test"]), batch_size=256, verbose=0), np.float32)
    if not softmax_out:
        probabilities = np.exp(probabilities - probabilities.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
    obs.put("test_probabilities", probabilities)
    clone_flatten = [l for l in _all_layers(clone) if type(l).__name__ == "Flatten"][-1]
    encoder = keras.Model(clone.inputs, clone_flatten.output)
    obs.put("test_codes", encoder.predict(_as_model_input(clone, inputs["x_test"][:500]), batch_size=256, verbose=0).astype(np.float32))
    obs.put("training.epochs", params["epochs"])
    obs.put("training.samples", int(len(inputs["x_train"])))


def inline_add_noise(target, inputs, params, obs):
    """The notebook's noise cell replayed on grey images, and the noisy test images it made itself."""
    keep = int(params.get("flat_samples", 100))
    out = obs.step("noisy.flat", target["replay"], float(params.get("flat_level", 0.5)), keep)
    if out is not None:
        noisy, changed = out
        obs.put_array("noisy.flat", noisy)
        obs.put("input_changed.flat", bool(changed))
    n = int(params.get("digit_samples", 64))
    obs.put_array("noisy.notebook", target["notebook"]["noisy"][:n])
    obs.put_array("clean.notebook", target["notebook"]["clean"][:n])
    obs.put("names", list(target["names"]))


def without_skips(model):
    """A copy of a functional U-Net in which each merge passes on only its decoder-path input.

    The decoder-path input of a merge is the one computed last (the upsampled
    tensor); the encoder features it was joined with are dropped, so layers
    after it see fewer channels, exactly as in a U-Net written without skips.
    """
    keras = _keras()
    order = {id(layer): i for i, layer in enumerate(model.layers)}
    keep: dict[int, int] = {}
    for layer in model.layers:
        nodes = getattr(layer, "_inbound_nodes", [])
        tensors = nodes[0].input_tensors if nodes else []
        if len(tensors) > 1:
            producers = [order.get(id(t._keras_history.operation), -1) for t in tensors]
            keep[id(layer)] = int(np.argmax(producers))

    class DecoderPathOnly(keras.layers.Layer):
        def __init__(self, index, **kwargs):
            super().__init__(**kwargs)
            self.index = index

        def call(self, inputs):
            return inputs[self.index]

    def clone_layer(layer):
        if id(layer) in keep:
            return DecoderPathOnly(keep[id(layer)], name=layer.name + "_dropped")
        try:
            return layer.__class__.from_config(layer.get_config())
        except Exception:  # noqa: BLE001 - e.g. a Lambda whose code Keras will not rebuild
            if not layer.weights:
                return layer  # weightless: sharing the instance changes nothing
            raise

    # Notebooks pass their own functions as activations (the lab's softMaxAxis3):
    # Keras can rebuild such a layer only when it knows the function by name.
    functions = {f.__name__: f for layer in model.layers for f in vars(layer).values() if inspect.isfunction(f)}
    with keras.saving.custom_object_scope(functions):
        return keras.models.clone_model(model, clone_function=clone_layer)


def inline_build_unet_no_skips(target, inputs, params, obs):
    """The notebook's U-Net without skips, and the notebook's own U-Net with its skips removed, to compare."""
    model, given = target["model"], target["given"]
    obs.put("model", describe_model(model))
    output = obs.step("forward", model.predict, _as_model_input(model, inputs["scenes"]), verbose=0)
    if output is not None:
        obs.put_array("forward", output, dtype=np.float32)
    # Deriving the reference is the grader's own step: if it fails, the checks
    # that need it are the grader's failure, not the student's.
    reference = obs.grader_step("notebook_unet_without_skips", without_skips, given)
    if reference is not None:
        info = describe_model(reference)
        info["layers"] = [l for l in info.get("layers", []) if l["class"] != "DecoderPathOnly"]
        obs.put("notebook_unet_without_skips", info)
        obs.put("notebook_unet", {k: v for k, v in describe_model(given).items() if k != "layers"})


PROBES = LabProbes(
    probes={
        "extract_W": extract_W, "bottleneck_2d": bottleneck_2d, "add_noise": add_noise,
        "build_sr_network": build_sr_network, "build_angle_cnn": build_angle_cnn,
        "detector_channels": detector_channels, "build_unet_no_skips": build_unet_no_skips,
    },
    inline_probes={
        "bottleneck_2d": inline_bottleneck_2d, "add_noise": inline_add_noise,
        "build_unet_no_skips": inline_build_unet_no_skips,
    },
    locate_inline=inline_targets,
    inline_cell_needed=inline_cell_needed,
)
