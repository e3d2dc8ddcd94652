"""Probes for the batchnorm lab. Each takes (student_object, inputs, params, obs).

Inputs are arrays the grader chose (random batches, Fashion-MNIST images with
one-hot labels, noisy digits); the clean test digits stay in the grader. A
probe never decides pass/fail: it records what the student's code did.

- ``batchnorm_forward`` is the generic ``call_function``, ``BatchNormalizedLayer``
  the generic ``batch_normalized_layer`` (shared with lab 3);
- ``improved_model``: builds ``get_improved_model(input_shape)``, describes its
  layers (each wrapper with the layer it wraps and its activation) and trains
  it briefly on the student's own compile settings;
- ``denoising_decoder``: the decoder on the given encoder's (4, 4, 8) features,
  described, then the whole autoencoder trained on salt-and-pepper digits;
- ``vgg_encoders``: the two VGG19 sub-models, on one VGG19 built without
  weights (``weights=None``: the structure is what is graded);
- ``segmentation_decoder``: the decoder on (14, 14, 512) features, described.
"""

from __future__ import annotations

import inspect
import re

import numpy as np

from harness.generic_probes import batch_normalized_layer, call_function
from harness.lab_api import LabProbes
from harness.notebook_mode import code_lines
from harness.observe import describe_model

from .given import encoder  # the lab's given code, defined once in its master notebook


def _keras():
    import keras

    return keras


# ---------------------------------------------------------------- get_improved_model

_WRAPPED = ("Conv2D", "Dense", "Conv2DTranspose")


def _activation_of(layer) -> str | None:
    keras = _keras()
    if type(layer).__name__ == "ReLU":
        return "relu"
    if type(layer).__name__ == "Softmax":
        return "softmax"
    act = getattr(layer, "activation", None)
    if act is None:
        return None
    if isinstance(act, str):
        return act
    try:
        name = keras.activations.serialize(act)
        return name if isinstance(name, str) else getattr(act, "__name__", None)
    except Exception:  # noqa: BLE001 - a student's own callable
        return getattr(act, "__name__", type(act).__name__)


def _sublayers(layer) -> list:
    found = []
    for sub in getattr(layer, "_layers", None) or []:
        found.append(sub)
        found.extend(_sublayers(sub))
    return found


def wrapper_entry(layer) -> dict:
    """A custom layer wrapping others: which Keras layer it wraps, whether it normalizes, and its activation."""
    subs = _sublayers(layer)
    wrapped = [s for s in subs if type(s).__name__ in _WRAPPED]
    activations = [a for a in (_activation_of(s) for s in subs if type(s).__name__ in ("Activation", "ReLU", "Softmax")) if a]
    inner_activation = _activation_of(wrapped[0]) if wrapped else None
    own = getattr(layer, "activation", None)
    if isinstance(own, str) or callable(own):
        activations.append(_activation_of(layer))
    activation = next((a for a in activations if a and a != "linear"), None)
    entry = {"class": type(layer).__name__, "wrapper": True,
             "normalizes": any(type(s).__name__ == "BatchNormalization" for s in subs),
             "activation": activation}
    if wrapped:
        inner = wrapped[0]
        config = inner.get_config()
        entry["wrapped"] = {"class": type(inner).__name__, "size": config.get("filters", config.get("units")),
                            "activation": inner_activation, "use_bias": config.get("use_bias")}
    return entry


def layer_entries(model) -> list[dict]:
    """The model's layers in order: plain Keras layers by class and size, wrappers by what they wrap."""
    from harness.observe import _all_layers

    entries = []
    for layer in _all_layers(model):
        cls = type(layer).__name__
        if cls == "InputLayer":
            continue
        if not type(layer).__module__.startswith("keras.") and _sublayers(layer):
            entries.append(wrapper_entry(layer))
            continue
        entry = {"class": cls, "activation": _activation_of(layer)}
        config = layer.get_config()
        for key in ("filters", "units", "rate", "pool_size", "padding"):
            if key in config:
                entry[key] = config[key]
        entries.append(entry)
    return entries


def _compiled(model) -> bool:
    return getattr(model, "optimizer", None) is not None and getattr(model, "loss", None) is not None


def improved_model(fn, inputs, params, obs):
    keras = _keras()
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    # One-hot labels, as the lab's data cell makes them (keras.utils.to_categorical).
    x_train, y_train = inputs["x_train"], keras.utils.to_categorical(inputs["y_train"], int(params.get("num_classes", 10)))
    def build():
        try:
            return fn(tuple(int(d) for d in x_train.shape[1:]))
        except NotImplementedError:
            code = getattr(fn, "__code__", None)
            if code is None or "NotImplementedError" in code.co_names:
                raise  # get_improved_model itself is still the stub
            # The function is written; what it uses (the student's BatchNormalizedLayer, say) is not yet.
            raise RuntimeError("get_improved_model uses something not implemented yet (is BatchNormalizedLayer done?)") from None

    model = obs.step("model", build)
    if "model.error" in obs.values:
        return
    obs.put("model", describe_model(model))
    if not isinstance(model, keras.Model):
        return
    obs.step("layers", lambda: obs.put("layers", layer_entries(model)))
    obs.put("compiled", _compiled(model))
    if params.get("skip_training"):
        return
    if not _compiled(model):
        # The lab asks for the baseline's compile settings; without any, train as the baseline does.
        model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-4), loss="categorical_crossentropy")
    history = obs.step("training", model.fit, x_train, y_train, epochs=int(params["epochs"]),
                       batch_size=int(params.get("batch_size", 32)), verbose=0)
    if history is not None:
        obs.put("training.loss", [float(v) for v in history.history.get("loss", [])])
        obs.put("training.samples", int(len(x_train)))


# ---------------------------------------------------------------- decoder (denoising)


def _decoder_model(fn, shape):
    keras = _keras()
    features = keras.Input(shape=shape)
    return keras.Model(features, fn(features))


def denoising_decoder(fn, inputs, params, obs):
    keras = _keras()
    keras.utils.set_random_seed(int(params.get("seed", 0)))
    decoder_alone = obs.step("model", _decoder_model, fn, (4, 4, 8))
    if "model.error" in obs.values:
        return
    obs.put("model", describe_model(decoder_alone))
    if params.get("skip_training"):
        return

    def autoencoder():
        images = keras.Input(shape=(28, 28, 1))
        return keras.Model(images, fn(encoder(images)))

    model = obs.step("autoencoder", autoencoder)
    if model is None:
        return
    obs.put("autoencoder", describe_model(model))

    def train():
        # Many steps per call: the same training, step for step, with less of Keras' per-step overhead.
        model.compile(optimizer=keras.optimizers.Adam(float(params.get("learning_rate", 1e-3))), loss="mse",
                      steps_per_execution=int(params.get("steps_per_execution", 32)))
        model.fit(inputs["noisy_train"], inputs["clean_train"], epochs=int(params["epochs"]),
                  batch_size=int(params.get("batch_size", 128)), verbose=0)
        return model.predict(inputs["noisy_test"], batch_size=256, verbose=0)

    predictions = obs.step("training", train)
    if predictions is not None:
        obs.put_array("test_predictions", predictions, dtype=np.float32)
        obs.put("training.epochs", int(params["epochs"]))
        obs.put("training.samples", int(len(inputs["noisy_train"])))


# ---------------------------------------------------------------- VGG19 sub-models


def _sub_model(target, vgg):
    keras = _keras()
    return target if isinstance(target, keras.Model) else target(vgg)


def vgg_encoders(targets, inputs, params, obs):
    keras = _keras()
    needs_vgg = not all(isinstance(t, keras.Model) for t in targets.values())
    vgg = None
    for target in targets.values():
        if not isinstance(target, keras.Model):
            try:
                # A stub still as handed out raises NotImplementedError at once: no need to build VGG19 (575 MB) for it.
                target(None)
            except NotImplementedError:
                raise
            except Exception:  # noqa: BLE001 - any answer fails on None; it is called on VGG19 below
                pass
    if needs_vgg:
        vgg = obs.grader_step("vgg19", keras.applications.VGG19, weights=None, include_top=True)
        if vgg is None:
            return
    for key, name in (("block5_conv2", "encoder_block5_conv2"), ("fc2", "encoder_fc2")):
        model = obs.step(f"model.{key}", _sub_model, targets[name], vgg)
        if f"model.{key}.error" not in obs.values:
            obs.put(f"model.{key}", {k: v for k, v in describe_model(model).items() if k != "layers"})


# ---------------------------------------------------------------- segmentation decoder


def segmentation_decoder(fn, inputs, params, obs):
    model = obs.step("model", _decoder_model, fn, (14, 14, 512))
    if "model.error" not in obs.values:
        obs.put("model", describe_model(model))


# ================================================================ original fill-in notebooks
#
# The original handout's answers live in cells under a "Put your implementation
# here" banner: the class BatchNormalizedLayer, get_improved_model(), decoder()
# (twice: the denoiser's, on (4, 4, 8) features, and later the segmentation
# network's, on (14, 14, 512) ones), and the variables encoder_block5_conv2 and
# encoder_fc2. Each is found by what it is, with the values its names had when
# its cell ran. The handout has no batchnorm_forward (the rubric marks it
# inline_optional).

BANNER = "Put your implementation here"
_MISSING = object()
INLINE_ANCHORS = {
    "BatchNormalizedLayer": r"class\s+BatchNormalizedLayer|BatchNormalizedLayer",
    "get_improved_model": r"def\s+get_improved_model",
    "decoder": r"Conv2DTranspose",
    "vgg_encoders": r"encoder_block5_conv2|encoder_fc2|VGG19",
    "segmentation_decoder": r"Conv2DTranspose",
}


def inline_cell_needed(source: str) -> bool:
    """Whether a cell of an original notebook belongs to an exercise (see notebook_mode.needed_cells)."""
    return any(re.search(anchor, source, re.MULTILINE) for anchor in INLINE_ANCHORS.values())


_UNFILLED_MARKS = re.compile(r"\(\s*\?\s*,\s*\?\s*\)")


def _banner_unfilled(cell) -> bool:
    """A cell whose "Put your implementation here" banner has no code under it (a bare return or pass aside)."""
    if BANNER not in cell.source:
        return False
    after = cell.source[cell.source.rindex(BANNER):].split("\n", 1)[-1]
    return not [line for line in code_lines(after) if not re.match(r"\s*(#|return\b|pass\b|[\"']{3})", line)]


def _unfilled(cell, where: str):
    from harness.notebook_mode import Located

    return Located("not_implemented", detail=f"{cell.where} still holds only the '{BANNER}' banner ({where})", cell=cell)


def _not_found(session, anchor: str, what: str):
    """Why ``what`` was not found: a banner with nothing under it, a blank or error in its cell, or nothing at all."""
    from harness.notebook_mode import locate_blank_or_error

    unfilled = [c for c in session.cells if _banner_unfilled(c)]
    matching = [c for c in unfilled if re.search(anchor, c.source, re.MULTILINE)]
    if matching:
        return _unfilled(matching[-1], f"no cell makes {what}")
    located = locate_blank_or_error(session, anchor, what)
    error_type = ((located.cell.error if located.cell is not None else None) or {}).get("type")
    if unfilled and (located.status in ("missing", "not_in_notebook")
                     or located.status == "error" and error_type in ("NameError", "SyntaxError")):
        return _unfilled(unfilled[0], f"no cell makes {what}")
    return located


def _functions_named(session, name: str) -> list:
    """Every definition of function ``name`` the notebook made, in cell order: (function, cell)."""
    found = []
    for cell in session.cells:
        if cell.status != "ok" or not re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", cell.source, re.MULTILINE):
            continue
        try:
            namespace = session.replay(cell.index, {})
        except Exception:  # noqa: BLE001 - a cell that does not replay: the current binding is used below
            continue
        if inspect.isfunction(namespace.get(name)):
            found.append((namespace[name], cell))
    return found


def _locate_BatchNormalizedLayer(session):
    from harness.notebook_mode import Located

    value = session.value("BatchNormalizedLayer")
    if isinstance(value, type):
        index = session.last_assigned.get("BatchNormalizedLayer")
        cell = session.cells[index] if index is not None else None
        if cell is not None and _banner_unfilled(cell):
            return _unfilled(cell, "the class's call() has no code")
        return Located("found", value, cell=cell)
    return _not_found(session, INLINE_ANCHORS["BatchNormalizedLayer"], "the class BatchNormalizedLayer")


def _locate_get_improved_model(session):
    from harness.notebook_mode import Located

    fn = session.value("get_improved_model")
    if inspect.isfunction(fn):
        index = session.last_assigned.get("get_improved_model")
        cell = session.cells[index] if index is not None else None
        try:
            takes_shape = len([p for p in inspect.signature(fn).parameters.values() if p.default is p.empty]) >= 1
        except (TypeError, ValueError):
            takes_shape = False
        if takes_shape:
            return Located("found", fn, cell=cell)

        def builder(input_shape, _fn=fn):
            # The handout's function reads x_train.shape[1:] (and num_classes) from the notebook: it is called
            # with x_train bound to images of the grader's input shape, then the notebook's own is put back.
            namespace = _fn.__globals__
            saved = namespace.get("x_train", _MISSING)
            namespace["x_train"] = np.zeros((1, *input_shape), np.float32)
            try:
                return _fn()
            finally:
                if saved is _MISSING:
                    namespace.pop("x_train", None)
                else:
                    namespace["x_train"] = saved

        return Located("found", builder, cell=cell)
    return _not_found(session, INLINE_ANCHORS["get_improved_model"], "get_improved_model()")


def _decoder_of(session, shape, target, what, first: bool):
    """The notebook's ``decoder`` for features of ``shape``: the handout defines one for the denoiser and, later, one
    for segmentation, and either may take the other's features. The one giving ``target`` wins; else the first (the
    denoiser's) or the last (the segmentation network's) that builds."""
    from harness.notebook_mode import Located

    candidates = []
    for fn, cell in _functions_named(session, "decoder"):
        try:
            model = _decoder_model(fn, shape)
            output = list(model.outputs[0].shape)[1:]
        except Exception:  # noqa: BLE001 - the other decoder of the handout (or a broken one)
            continue
        candidates.append((fn, cell, output))
    exact = [c for c in candidates if c[2] == list(target)]
    pool = exact or candidates
    if pool:
        fn, cell, _ = pool[0] if first else pool[-1]
        return Located("found", fn, cell=cell)
    definitions = [c for c in session.cells if re.search(r"^\s*def\s+decoder\s*\(", c.source, re.MULTILINE)]
    marked = [c for c in definitions if c.status in ("syntax_error", "error") and _UNFILLED_MARKS.search(c.source)]
    if marked and shape == (4, 4, 8):
        return Located("not_implemented", detail=f"the ? marks in {marked[-1].where} are not filled in", cell=marked[-1])
    return _not_found(session, r"^\s*def\s+decoder\s*\(" if definitions else INLINE_ANCHORS["decoder"], what)


def _locate_decoder(session):
    return _decoder_of(session, (4, 4, 8), (28, 28, 1), "decoder(input_layer) on the encoder's (4, 4, 8) features", first=True)


def _locate_segmentation_decoder(session):
    return _decoder_of(session, (14, 14, 512), (224, 224, 1), "the segmentation decoder on (14, 14, 512) features", first=False)


def _locate_vgg_encoders(session):
    from harness.notebook_mode import Located

    keras = _keras()
    found = {name: session.value(name) for name in ("encoder_block5_conv2", "encoder_fc2")}
    if all(isinstance(v, keras.Model) for v in found.values()):
        index = session.last_assigned.get("encoder_fc2")
        return Located("found", found, cell=session.cells[index] if index is not None else None)
    return _not_found(session, INLINE_ANCHORS["vgg_encoders"], "the models encoder_block5_conv2 and encoder_fc2")


def _locate_batchnorm_forward(session):
    from harness.notebook_mode import Located

    fn = session.value("batchnorm_forward")
    if inspect.isfunction(fn):
        index = session.last_assigned.get("batchnorm_forward")
        return Located("found", fn, cell=session.cells[index] if index is not None else None)
    if session.cells_matching(r"batchnorm_forward"):
        from harness.notebook_mode import locate_blank_or_error

        return locate_blank_or_error(session, r"batchnorm_forward", "batchnorm_forward")
    return Located("not_in_notebook", detail="the original handout has no batchnorm_forward (its equations are written by hand there)")


def inline_targets(session) -> dict:
    """Exercise name -> :class:`harness.notebook_mode.Located` for an executed original-style notebook."""
    from harness.notebook_mode import locate_each

    locators = {
        "batchnorm_forward": _locate_batchnorm_forward, "BatchNormalizedLayer": _locate_BatchNormalizedLayer,
        "get_improved_model": _locate_get_improved_model, "decoder": _locate_decoder,
        "vgg_encoders": _locate_vgg_encoders, "segmentation_decoder": _locate_segmentation_decoder,
    }
    return locate_each(session, locators)


PROBES = LabProbes(
    probes={
        "batchnorm_forward": call_function, "BatchNormalizedLayer": batch_normalized_layer,
        "improved_model": improved_model, "denoising_decoder": denoising_decoder,
        "vgg_encoders": vgg_encoders, "segmentation_decoder": segmentation_decoder,
    },
    locate_inline=inline_targets,
    inline_cell_needed=inline_cell_needed,
)
