"""The classification lab's own checks: labels, dense classifiers and their compilation, training
configuration, misclassified indices, label and input noise, regularization and the CNNs."""

from __future__ import annotations

import math

import numpy as np

from grader.checks import CheckOutcome, NotObserved, Observed, fmt_shape, registrar

CHECKS: dict = {}
check = registrar(CHECKS)


def _case(key: str) -> str:
    return key.split(".", 1)[1] if "." in key else key


# ---------------------------------------------------------------- 1. the data


@check
def one_hot_labels(obs: Observed, keys: dict[str, str], classes: int = 10) -> CheckOutcome:
    """Each returned label array is the one-hot coding of the integer labels given (``keys``: output key -> labels secret)."""
    for key, secret in keys.items():
        found = np.asarray(obs.array(key))
        labels = np.asarray(obs.secret(secret)).astype(np.int64)
        where = f" [{_case(key)}]"
        if found.shape == labels.shape:
            return CheckOutcome(False, f"the labels are still one integer per image, shape {fmt_shape(found.shape)}; "
                                       f"one-hot code them into shape ({len(labels)}, {classes}){where}")
        if found.shape != (len(labels), classes):
            return CheckOutcome(False, f"labels of shape {fmt_shape(found.shape)}, expected ({len(labels)}, {classes}): one row of "
                                       f"{classes} values per image{where}")
        values = found.astype(np.float64)
        if not (np.all((values == 0) | (values == 1)) and np.all(values.sum(axis=1) == 1)):
            return CheckOutcome(False, f"the rows are not one-hot: each must hold a single 1 and {classes - 1} zeros "
                                       f"(row sums range from {values.sum(axis=1).min():g} to {values.sum(axis=1).max():g}){where}")
        hot = values.argmax(axis=1)
        if not np.array_equal(hot, labels):
            wrong = int(np.sum(hot != labels))
            shift = next((s for s in range(1, classes) if np.array_equal(hot, (labels + s) % classes)), None)
            detail = f": class k is at position {(shift or 0)}+k (mod {classes}); put the 1 at position k" if shift else ""
            return CheckOutcome(False, f"{wrong} of {len(labels)} rows put the 1 at another position than the label{detail}{where}")
    return CheckOutcome(True, f"one-hot rows of {classes}, the 1 at each image's label")


# ---------------------------------------------------------------- 2. dense classifiers


def dense_layers(info: dict) -> list[dict]:
    return [layer for layer in info.get("layers", []) if layer["class"] == "Dense"]


def _activations(info: dict) -> list[str | None]:
    """The activation after each Dense layer: its own, else the Activation / ReLU / Softmax layer that follows it."""
    found = []
    layers = [l for l in info.get("layers", []) if l["class"] not in ("InputLayer", "Dropout")]
    for i, layer in enumerate(layers):
        if layer["class"] != "Dense":
            continue
        activation = layer.get("activation")
        if activation in (None, "linear") and i + 1 < len(layers):
            following = layers[i + 1]
            if following["class"] == "Activation":
                activation = following.get("activation")
            elif following["class"] in ("ReLU", "Softmax"):
                activation = following["class"].lower()
        found.append(activation or "linear")
    return found


def dense_parameters(widths: list[int]) -> int:
    """Weights and biases of a stack of Dense layers of ``widths`` (the input size first)."""
    return sum((a + 1) * b for a, b in zip(widths, widths[1:]))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _extra_first_layer(units: list, expected: list, classes: int) -> bool:
    """The text's own builder: a Dense(classes) before the layers asked for."""
    return len(units) == len(expected) + 1 and units[0] == classes and units[1:] == expected


@check
def dense_classifier(obs: Observed, key: str, hidden: list[int], input_dim: int = 784, classes: int = 10,
                     extra_first_counted: bool = False) -> CheckOutcome:
    """The model is Dense layers of ``hidden`` relu units then Dense(classes, softmax), on inputs of ``input_dim`` values.

    With ``extra_first_counted``, an extra Dense(classes) first (the text's own builder) is let pass here:
    another check (the softmax regression's) already takes its points, so one mistake costs once.
    """
    info = obs.model(key)
    asked = f"hidden_layers={len(hidden)}" + (f", width={hidden[0]}" if hidden else "")
    if info.get("input_shapes") and info["input_shapes"][0] != [None, input_dim]:
        return CheckOutcome(False, f"the model takes inputs of shape {fmt_shape(info['input_shapes'][0])}; the images are flattened "
                                   f"to vectors of {input_dim}, so use keras.Input(shape=({input_dim},)) [{asked}]")
    units = [layer["config"].get("units") for layer in dense_layers(info)]
    expected = [*hidden, classes]
    params = info.get("params")
    counted = dense_parameters([input_dim, *expected])
    if extra_first_counted and _extra_first_layer(units, expected, classes):
        first = dense_layers(info)[0]
        hidden_info = dict(info, layers=[l for l in info["layers"] if l is not first])
        if _activations(hidden_info)[-1] == "softmax":
            return CheckOutcome(True, f"{' → '.join(f'Dense({u})' for u in expected)} after the extra Dense({classes}) "
                                      f"(counted once, in the softmax regression) [{asked}]")
    if units != expected:
        found = " → ".join(f"Dense({u})" for u in units) or "no Dense layer"
        wanted = " → ".join(f"Dense({u})" for u in expected)
        if _extra_first_layer(units, expected, classes):
            return CheckOutcome(False, f"{found}: an extra Dense({classes}) comes first, before what {asked} asks for ({wanted}); "
                                       f"that is {params:,} parameters instead of {counted:,}. Start the stack with the hidden layers "
                                       f"(none when hidden_layers=0)")
        return CheckOutcome(False, f"{found} for {asked}; expected {wanted} ({_plural(len(hidden), 'hidden layer')} before the output)")
    activations = _activations(info)
    if activations[-1] != "softmax":
        return CheckOutcome(False, f"the output layer's activation is {activations[-1]}; a classifier over {classes} classes ends in "
                                   f"Dense({classes}, activation='softmax') [{asked}]")
    other = sorted({a for a in activations[:-1] if a != "relu"})
    if other:
        return CheckOutcome(False, f"hidden layers with the {', '.join(other)} activation; the lab's hidden layers use 'relu' [{asked}]")
    if params is not None and params != counted:
        return CheckOutcome(False, f"{params:,} parameters, expected {counted:,} for {asked} (other layers than Dense add weights?)")
    return CheckOutcome(True, f"{' → '.join(f'Dense({u})' for u in expected)}: {counted:,} parameters [{asked}]")


CATEGORICAL = ("categorical_crossentropy", "categoricalcrossentropy")
SPARSE = ("sparse_categorical_crossentropy", "sparsecategoricalcrossentropy")
ACCURACY = ("accuracy", "acc", "categorical_accuracy", "categoricalaccuracy")


def _compiled(obs: Observed, key: str) -> dict:
    info = obs.value(f"{key}.compile")
    if not info.get("compiled"):
        raise NotObserved("the model the builder returned is not compiled: call model.compile(optimizer=..., loss=..., metrics=['accuracy']) before returning it")
    return info


@check
def compiled_for_classification(obs: Observed, key: str, optimizer: str, learning_rate: float, what: str = "") -> CheckOutcome:
    """Compiled with the categorical cross-entropy, an accuracy metric, and ``optimizer`` at ``learning_rate``."""
    info = _compiled(obs, key)
    where = f" [{what or _case(key)}]"
    losses = [n.lower().replace(" ", "") for n in info.get("loss", [])]
    if not any(n in CATEGORICAL for n in losses):
        if any(n in SPARSE for n in losses):
            return CheckOutcome(False, "loss sparse_categorical_crossentropy expects integer labels; the labels here are one-hot, "
                                       f"so use loss='categorical_crossentropy'{where}")
        named = info.get("loss") or ["none"]
        return CheckOutcome(False, f"loss {named[0]!r}; the lab asks for loss='categorical_crossentropy'{where}")
    metrics = [str(m).lower() for m in info.get("metrics", [])]
    if not any(m in ACCURACY for m in metrics):
        return CheckOutcome(False, f"no accuracy metric (metrics={info.get('metrics', [])}); add metrics=['accuracy'] to compile{where}")
    found = info.get("optimizer")
    if (found or "").lower() != optimizer.lower():
        return CheckOutcome(False, f"optimizer {found}; expected {optimizer}{where}")
    rate = info.get("learning_rate")
    if rate is None:
        return CheckOutcome(False, f"the {found} optimizer has a learning-rate schedule ({info.get('learning_rate_schedule')}); "
                                   f"the lab asks for a fixed learning rate of {learning_rate:g}{where}")
    if not math.isclose(rate, learning_rate, rel_tol=1e-4):
        return CheckOutcome(False, f"{found} with learning rate {rate:.6g}; expected {learning_rate:g}{where}")
    return CheckOutcome(True, f"categorical cross-entropy, accuracy, {found} at learning rate {learning_rate:g}{where}")


# ---------------------------------------------------------------- 3. training configuration


@check
def stops_on_validation_loss(obs: Observed, key: str = "callbacks") -> CheckOutcome:
    """An EarlyStopping callback that watches the validation loss (and stops when it no longer decreases)."""
    callbacks = obs.value(key)
    stopping = [c for c in callbacks if c["class"] == "EarlyStopping" or "monitor" in c]
    if not stopping:
        found = ", ".join(c["class"] for c in callbacks) or "nothing"
        return CheckOutcome(False, f"found {found}; return keras.callbacks.EarlyStopping(monitor='val_loss', ...)")
    callback = stopping[0]
    monitor = callback["monitor"]
    if monitor in ("val_acc", "acc", "val_accuracy", "accuracy"):
        return CheckOutcome(False, f"it watches {monitor!r}; the lab trains until the validation loss stops decreasing: monitor='val_loss'")
    if monitor != "val_loss":
        return CheckOutcome(False, f"it watches {monitor!r}, not the validation loss: monitor='val_loss'")
    if callback.get("mode") == "max":
        return CheckOutcome(False, f"mode={callback['mode']!r} stops when the loss stops *increasing*; use mode='min' (or leave it 'auto')")
    return CheckOutcome(True, f"EarlyStopping on val_loss (patience {callback['patience']})")


@check
def learning_rate_range(obs: Observed, key: str = "rates", count: int = 3, large: float = 0.5, small: float = 0.002,
                        good: list[float] = (0.01, 0.1)) -> CheckOutcome:
    """At least ``count`` rates SGD accepts, one of them large (about 1), one small (about 0.001) and one good one."""
    rates = obs.value(key)
    refused = [r for r in rates if r.get("sgd_error")]
    if refused:
        first = refused[0]
        if first["type"] == "int":
            return CheckOutcome(False, f"{first['repr']} is an int, which Keras 3's SGD refuses (\"learning_rate should be float\"); "
                                       f"write it as a float: 1.0, or 10.0 ** -e instead of 10 ** -e")
        return CheckOutcome(False, f"SGD refuses the learning rate {first['repr']}: {first['sgd_error']}")
    values = sorted({r["value"] for r in rates if r.get("value") is not None})
    if len(values) < count:
        return CheckOutcome(False, f"{_plural(len(values), 'learning rate')} ({', '.join(f'{v:g}' for v in values) or 'none'}); "
                                   f"compare at least {count}")
    missing = []
    if values[-1] < large:
        missing.append(f"a very large one (about 1; the largest is {values[-1]:g})")
    if values[0] > small:
        missing.append(f"a very small one (about 0.001; the smallest is {values[0]:g})")
    if not any(good[0] <= v <= good[1] for v in values):
        missing.append(f"a good one between {good[0]:g} and {good[1]:g}")
    if missing:
        return CheckOutcome(False, f"rates {', '.join(f'{v:g}' for v in values)}: the lab's comparison needs " + " and ".join(missing))
    return CheckOutcome(True, f"{len(values)} learning rates, from {values[0]:g} to {values[-1]:g}")


# ---------------------------------------------------------------- 4. misclassified images


@check
def misclassified(obs: Observed, key: str = "indices", predicted: str = "predicted", labels: str = "labels") -> CheckOutcome:
    """The returned indices are exactly those of the images whose predicted class (argmax) differs from the label."""
    y = np.asarray(obs.secret(labels)).astype(np.int64)
    wrong = set(np.flatnonzero(obs.array(predicted) != y).tolist())
    dtype = obs.values.get("returned.dtype", "")
    found = np.asarray(obs.array(key))
    if dtype == "bool" or (found.shape == y.shape and found.dtype == bool):
        return CheckOutcome(False, f"a boolean mask of shape {fmt_shape(found.shape)}, not indices: np.flatnonzero(mask) gives the indices")
    if found.ndim > 1:
        found = found.reshape(-1) if 1 in found.shape else found
    if found.ndim != 1 or not np.issubdtype(found.dtype, np.integer) and not (found.size and np.all(np.mod(found, 1) == 0)):
        return CheckOutcome(False, f"an array of shape {fmt_shape(found.shape)} and type {found.dtype}; return the integer indices of "
                                   "the misclassified images")
    got = [int(i) for i in found.tolist()]
    if len(set(got)) != len(got):
        return CheckOutcome(False, f"{len(got) - len(set(got))} indices appear more than once")
    got_set = set(got)
    if got_set == wrong:
        return CheckOutcome(True, f"the {len(wrong)} images of {len(y)} whose predicted class differs from the label")
    right = set(range(len(y))) - wrong
    if got_set == right:
        return CheckOutcome(False, f"these are the {len(right)} correctly classified images; the lab asks for the misclassified ones")
    return CheckOutcome(False, f"{len(got_set & wrong)} of your {len(got_set)} indices are misclassified images, and "
                               f"{len(wrong - got_set)} of the {len(wrong)} misclassified are missing: compare "
                               "model.predict(x).argmax(axis=1) with the labels' argmax")


# ---------------------------------------------------------------- 5. label noise


def _noisy(obs: Observed, key: str, clean: str) -> tuple[np.ndarray, np.ndarray]:
    found = np.asarray(obs.array(key), np.float64)
    given = np.asarray(obs.secret(clean), np.float64)
    if found.shape != given.shape:
        raise NotObserved(f"the labels returned have shape {fmt_shape(found.shape)}, not that of the labels given {fmt_shape(given.shape)}")
    return found, given


@check
def noisy_labels_one_hot(obs: Observed, keys: list[str], clean: str) -> CheckOutcome:
    """The noisy labels are still one-hot rows, and the labels given were not changed in place."""
    for key in keys:
        found, _ = _noisy(obs, key, clean)
        if not (np.all((found == 0) | (found == 1)) and np.all(found.sum(axis=1) == 1)):
            bad = int(np.sum(~(np.all((found == 0) | (found == 1), axis=1) & (found.sum(axis=1) == 1))))
            return CheckOutcome(False, f"{bad} rows are no longer one-hot (a single 1 among {found.shape[1]}); give each changed "
                                       f"label a new one-hot row [{_case(key)}]")
        if obs.values.get(f"input_changed.{_case(key)}"):
            return CheckOutcome(False, "the function changed the labels it was given in place; copy them first "
                                       "(y_noisy = y.copy()), so the clean labels stay for the comparison")
    return CheckOutcome(True, "one-hot rows, and the clean labels left as they were")


@check
def noisy_fraction(obs: Observed, cases: dict[str, float], clean: str, classes: int = 10, tolerance: float = 0.03) -> CheckOutcome:
    """About p of the labels change: p when a new label is forced to differ, (1 - 1/classes)·p when redrawn over all classes."""
    for case, p in cases.items():
        found, given = _noisy(obs, f"output.{case}", clean)
        changed = float(np.mean(found.argmax(axis=1) != given.argmax(axis=1)))
        redrawn = (1 - 1 / classes) * p
        if abs(changed - p) <= tolerance or abs(changed - redrawn) <= tolerance:
            continue
        with_replacement = (1 - 1 / classes) * (1 - math.exp(-p))
        if abs(changed - with_replacement) <= tolerance:
            return CheckOutcome(False, f"with p = {p:g}, {changed:.1%} of the labels changed: the rows to corrupt were drawn with "
                                       f"replacement, so only about {1 - math.exp(-p):.0%} distinct rows are picked instead of {p:.0%}; "
                                       "draw them without: np.random.choice(n, int(p * n), replace=False)")
        if changed == 0:
            return CheckOutcome(False, f"with p = {p:g}, no label changed")
        if abs(changed - p / 100) <= tolerance / 10 or abs(changed - redrawn / 100) <= tolerance / 10:
            return CheckOutcome(False, f"with p = {p:g}, only {changed:.2%} of the labels changed: p is a fraction (0.2 is 20%), not a percentage")
        return CheckOutcome(False, f"with p = {p:g}, {changed:.1%} of the labels changed; expected about {p:.0%} "
                                   f"(or {redrawn:.0%} when the new label is drawn over all {classes} classes)")
    return CheckOutcome(True, "about a fraction p of the labels changed (" +
                        ", ".join(f"p = {p:g}" for p in cases.values()) + ")")


@check
def noisy_labels_random(obs: Observed, key: str, clean: str, classes: int = 10) -> CheckOutcome:
    """The new labels are random: spread over the classes, not a fixed function of the old label."""
    found, given = _noisy(obs, key, clean)
    old, new = given.argmax(axis=1), found.argmax(axis=1)
    changed = old != new
    if not changed.any():
        raise NotObserved("no label changed, so there is nothing random to look at")
    counts = np.bincount(new[changed], minlength=classes)
    if np.count_nonzero(counts) < classes - 1:
        return CheckOutcome(False, f"the changed labels take only {np.count_nonzero(counts)} of the {classes} classes; draw each new "
                                   f"label at random over the classes (np.random.randint(0, {classes}))")
    per_class = [len(set(new[changed & (old == c)].tolist())) for c in range(classes) if np.any(changed & (old == c))]
    if per_class and max(per_class) == 1:
        return CheckOutcome(False, "each old label always becomes the same new one (a fixed shift, say); the lab asks for random labels")
    return CheckOutcome(True, f"the new labels spread over {np.count_nonzero(counts)} classes")


# ---------------------------------------------------------------- 6. input noise


@check
def gaussian_input_noise(obs: Observed, cases: dict[str, float], clean: str, mean_tolerance: float = 0.01) -> CheckOutcome:
    """x_noisy − x is zero-mean noise whose variance is the one asked for (clipping to [0, 1] is allowed)."""
    x = np.asarray(obs.secret(clean), np.float64)
    messages = []
    for case, variance in cases.items():
        found = np.asarray(obs.array(f"output.{case}"), np.float64)
        if found.shape != x.shape:
            return CheckOutcome(False, f"the noisy images have shape {fmt_shape(found.shape)}, not that of the images given {fmt_shape(x.shape)}")
        if obs.values.get(f"input_changed.{case}"):
            return CheckOutcome(False, "the function added the noise to the images it was given, in place; return a new array (x + noise)")
        noise = found - x
        # Unclipped noise of variance 0.01 or more always takes some pixel below 0.
        clipped = bool(found.min() >= 0 and found.max() <= 1 and np.any(noise != 0))
        if clipped:
            # On black pixels, clipping keeps the positive half of the noise; the median of |N(0, σ)| is 0.6745 σ,
            # and clipping at 1 does not move it while σ < 1.4.
            background = (x == 0) & (found > 0)
            std = float(np.median(found[background]) / 0.6745) if background.sum() > 100 else float(noise.std())
            mean = 0.0
        else:
            std, mean = float(noise.std()), float(noise.mean())
        expected = math.sqrt(variance)
        if std == 0:
            return CheckOutcome(False, f"no noise was added (variance {variance:g})")
        if abs(mean) > mean_tolerance:
            return CheckOutcome(False, f"the noise has mean {mean:.3f}; the lab asks for zero-mean noise")
        if abs(std - expected) > 0.1 * expected:
            if abs(std - variance) <= 0.1 * variance:
                return CheckOutcome(False, f"for variance {variance:g} the noise's standard deviation is {std:.3f}, i.e. the variance was "
                                           f"used as the standard deviation; numpy's scale= is the standard deviation: np.sqrt(variance) = {expected:.3f}")
            return CheckOutcome(False, f"for variance {variance:g} the noise's standard deviation is {std:.3f}; expected √{variance:g} = {expected:.3f}")
        if not clipped:
            kurtosis = float(np.mean((noise - mean) ** 4) / max(std ** 4, 1e-12))
            if kurtosis < 2.4:
                return CheckOutcome(False, f"the noise is not Gaussian (its kurtosis is {kurtosis:.2f}, a Gaussian's is 3; uniform noise gives 1.8): "
                                           "use np.random.normal")
        messages.append(f"variance {variance:g}: standard deviation {std:.3f}" + (" (clipped to [0, 1])" if clipped else ""))
    return CheckOutcome(True, "zero-mean Gaussian noise; " + "; ".join(messages))


@check
def input_noise_variance_in_range(obs: Observed, noisy: str, clean: str, low: float, high: float) -> CheckOutcome:
    """The noise an original notebook added to its training inputs is zero-mean, of a variance between ``low`` and ``high``."""
    x_noisy, x = np.asarray(obs.array(noisy), np.float64), np.asarray(obs.array(clean), np.float64)
    noise = x_noisy - x
    clipped = bool(x_noisy.min() >= 0 and x_noisy.max() <= 1)
    if clipped:
        background = (x == 0) & (x_noisy > 0)
        std = float(np.median(x_noisy[background]) / 0.6745) if background.sum() > 100 else float(noise.std())
    else:
        std = float(noise.std())
        if abs(noise.mean()) > 0.01:
            return CheckOutcome(False, f"the noise on the training inputs has mean {noise.mean():.3f}; the lab asks for zero-mean noise")
    variance = std ** 2
    if not low * 0.9 <= variance <= high * 1.1:
        return CheckOutcome(False, f"the training inputs carry noise of variance {variance:.4f} (standard deviation {std:.3f}); the lab asks "
                                   f"for a variance between {low:g} and {high:g}, i.e. a standard deviation between {math.sqrt(low):.2f} and {math.sqrt(high):.2f}")
    return CheckOutcome(True, f"zero-mean noise of variance {variance:.3f} (standard deviation {std:.3f}) on the training inputs"
                              + (", clipped to [0, 1]" if clipped else ""))


# ---------------------------------------------------------------- 7. regularization


def _hidden_dense(info: dict, hidden: int | None = None, classes: int = 10) -> tuple[list[dict], dict]:
    """The hidden Dense layers and the output; an extra Dense(classes) first (the text's builder, counted elsewhere) is left out."""
    dense = dense_layers(info)
    if len(dense) < 2:
        raise NotObserved(f"the model has {_plural(len(dense), 'Dense layer')}, so it has no hidden layer to regularize")
    if hidden is not None and len(dense) == hidden + 2 and dense[0]["config"].get("units") == classes:
        dense = dense[1:]
    return dense[:-1], dense[-1]


@check
def l2_on_hidden_layers(obs: Observed, key: str, l2: float, hidden_layers: int | None = None) -> CheckOutcome:
    """Every hidden Dense layer has an L2 kernel regularizer of factor ``l2`` (an L1L2 with l1 = 0 counts)."""
    hidden, _ = _hidden_dense(obs.model(key), hidden_layers)
    for i, layer in enumerate(hidden, 1):
        regularizer = layer["config"].get("kernel_regularizer")
        if not regularizer:
            bias = " (it regularizes the bias instead: kernel_regularizer= is for the weights)" if layer["config"].get("bias_regularizer") else ""
            return CheckOutcome(False, f"hidden layer {i} ({layer['name']}) has no kernel_regularizer{bias}; "
                                       f"pass kernel_regularizer=keras.regularizers.l2({l2:g}) to each hidden Dense")
        if regularizer["l1"]:
            return CheckOutcome(False, f"hidden layer {i} has an L1 penalty ({regularizer['l1']:g}); the lab asks for L2 only")
        if not math.isclose(regularizer["l2"], l2, rel_tol=1e-4):
            return CheckOutcome(False, f"hidden layer {i} has an L2 factor of {regularizer['l2']:g}; the builder was asked for l2={l2:g}")
    return CheckOutcome(True, f"L2({l2:g}) on the kernels of all {_plural(len(hidden), 'hidden layer')}")


@check
def dropout_after_hidden_layers(obs: Observed, key: str, rate: float, hidden_layers: int | None = None) -> CheckOutcome:
    """A Dropout of ``rate`` follows every hidden Dense layer (its activation in between is fine)."""
    info = obs.model(key)
    hidden, _ = _hidden_dense(info, hidden_layers)
    layers = [l for l in info.get("layers", []) if l["class"] != "InputLayer"]
    for i, layer in enumerate(hidden, 1):
        position = next(j for j, l in enumerate(layers) if l["name"] == layer["name"])
        after = layers[position + 1:position + 3]
        drop = next((l for l in after if l["class"] == "Dropout"), None)
        if drop is None or any(l["class"] == "Dense" for l in after[:after.index(drop)]):
            return CheckOutcome(False, f"no Dropout after hidden layer {i} ({layer['name']}); add Dropout({rate:g}) after each hidden Dense")
        if not math.isclose(float(drop["config"].get("rate", -1)), rate, rel_tol=1e-4):
            return CheckOutcome(False, f"Dropout({drop['config'].get('rate')}) after hidden layer {i}; the builder was asked for dropout={rate:g}")
    return CheckOutcome(True, f"Dropout({rate:g}) after all {_plural(len(hidden), 'hidden layer')}")


@check
def no_regularization_by_default(obs: Observed, key: str) -> CheckOutcome:
    """With l2 = 0 and dropout = 0 the model has neither a weight penalty nor a Dropout layer."""
    info = obs.model(key)
    regularized = [l["name"] for l in dense_layers(info) if any(l["config"].get(k) for k in ("kernel_regularizer", "bias_regularizer"))]
    dropped = [l["name"] for l in info.get("layers", []) if l["class"] == "Dropout" and float(l["config"].get("rate", 0)) > 0]
    if regularized or dropped:
        found = ", ".join([f"a regularizer on {n}" for n in regularized] + [f"Dropout {n}" for n in dropped])
        return CheckOutcome(False, f"with l2=0 and dropout=0 the model still has {found}; add them only when asked")
    return CheckOutcome(True, "no penalty and no dropout when l2=0 and dropout=0")


# ---------------------------------------------------------------- 8. convolutional networks


TRICKS = {"BatchNormalization": "batch normalization", "Dropout": "dropout", "SpatialDropout2D": "dropout"}


def cnn_tricks(info: dict) -> list[str]:
    """The regularizing tricks in a model: batch norm, dropout, weight penalties, named."""
    found = []
    for layer in info.get("layers", []):
        if layer["class"] in TRICKS and (layer["class"] == "BatchNormalization" or float(layer["config"].get("rate", 0)) > 0):
            found.append(f"{TRICKS[layer['class']]} ({layer['name']})")
        for key in ("kernel_regularizer", "bias_regularizer"):
            if layer["config"].get(key):
                found.append(f"a {key.split('_')[0]} penalty ({layer['name']})")
    return found


@check
def cnn_classifier(obs: Observed, key: str = "model", classes: int = 10, image: list[int] = (28, 28, 1)) -> CheckOutcome:
    """A convolutional network from the images to ``classes`` softmax outputs, compiled for one-hot labels."""
    info = obs.model(key)
    convs = [l for l in info.get("layers", []) if l["class"] in ("Conv2D", "SeparableConv2D", "DepthwiseConv2D")]
    if not convs:
        return CheckOutcome(False, "the model has no convolutional layer; a CNN starts with keras.layers.Conv2D")
    shape_in = info.get("input_shapes", [[None]])[0]
    if int(np.prod([d for d in shape_in[1:] if d])) != int(np.prod(image)) or None in shape_in[1:]:
        return CheckOutcome(False, f"input shape {fmt_shape(shape_in)}; the CNN takes the {'×'.join(map(str, image))} images: keras.Input(shape={tuple(image)})")
    if info.get("output_shapes", [[None]])[0] != [None, classes]:
        return CheckOutcome(False, f"output shape {fmt_shape(info['output_shapes'][0])}, expected (None, {classes})")
    if info.get("final_activation") != "softmax":
        return CheckOutcome(False, f"the last activation is {info.get('final_activation')}; end with Dense({classes}, activation='softmax')")
    compiled = _compiled(obs, key)
    losses = [n.lower().replace(" ", "") for n in compiled.get("loss", [])]
    if not any(n in CATEGORICAL for n in losses):
        return CheckOutcome(False, f"loss {(compiled.get('loss') or ['none'])[0]!r}; the labels are one-hot: loss='categorical_crossentropy'")
    return CheckOutcome(True, f"{_plural(len(convs), 'convolution')}, {info.get('params', 0):,} parameters, softmax over {classes} classes")


@check
def naive_cnn(obs: Observed, key: str = "model") -> CheckOutcome:
    """No batch norm, dropout or weight penalty: the naive CNN is trained without explicit regularizers."""
    tricks = cnn_tricks(obs.model(key))
    if tricks:
        return CheckOutcome(False, f"the naive CNN already has {', '.join(tricks[:3])}; keep those for the tuned one")
    return CheckOutcome(True, "no batch normalization, dropout or weight penalty")


@check
def tuned_cnn(obs: Observed, key: str = "model") -> CheckOutcome:
    """At least one of batch norm, dropout or a weight penalty."""
    tricks = cnn_tricks(obs.model(key))
    if not tricks:
        return CheckOutcome(False, "no batch normalization, dropout or L2 penalty: the tuned CNN adds at least one of them")
    return CheckOutcome(True, "with " + ", ".join(tricks[:4]) + (f" and {len(tricks) - 4} more" if len(tricks) > 4 else ""))


@check
def loss_falls(obs: Observed, key: str = "training") -> CheckOutcome:
    """One short epoch of the compiled model lowers its loss on those images."""
    before, after = obs.value(f"{key}.loss.before"), obs.value(f"{key}.loss.after")
    message = f"one short epoch took the loss from {before:.3f} to {after:.3f}"
    if not np.isfinite(after):
        return CheckOutcome(False, f"{message}: training diverged (check the learning rate)")
    if after >= before:
        return CheckOutcome(False, f"{message}: it did not fall; check the optimizer and its learning rate")
    return CheckOutcome(True, message)
