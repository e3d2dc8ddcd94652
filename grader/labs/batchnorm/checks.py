"""The batchnorm lab's own checks (observations + hidden targets -> verdict).

- :func:`batchnorm_equations`: ``batchnorm_forward`` against the reference
  solution's output on the same random batches, naming the usual slips (the
  variance without its square, the mean over the wrong axis, 1/n for 1/b,
  the unbiased variance, gamma and beta swapped, epsilon left out);
- :func:`improved_model_builds`: the model was built, or which mistake stopped
  it (``'relu'`` passed positionally into ``axis``);
- :func:`wrapped_layer_sequence`: the baseline's layers with each Conv2D/Dense
  + relu wrapped in the student's ``BatchNormalizedLayer``;
- :func:`training_loss_falls`: a short run lowers the training loss;
- :func:`layer_pattern`: the layer classes (and sizes) in order, whatever the
  activations and kernel sizes;
- :func:`frozen`: a model has no trainable weights.
"""

from __future__ import annotations

import math
import re

import numpy as np

from grader.checks import CheckOutcome, NotObserved, Observed, fmt_shape, layer_tokens, registrar

CHECKS: dict = {}
check = registrar(CHECKS)


# ---------------------------------------------------------------- 1. batchnorm_forward


def _bn(z, gamma, beta, eps, *, mean_axis=0, square=True, divisor=None, ddof=0, use_eps=True):
    z = np.asarray(z, np.float64)
    b = z.shape[mean_axis]
    d = divisor or b
    mu = z.sum(axis=mean_axis, keepdims=True) / d
    centred = z - mu
    var = ((centred ** 2) if square else centred).sum(axis=mean_axis, keepdims=True) / (d - ddof)
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = centred / np.sqrt(var + (eps if use_eps else 0.0))
    return gamma * normal + beta


def _slips(z, gamma, beta, eps):
    n = z.shape[1]
    return [
        ("the variance is missing its square: sigma^2 is the mean of (z - mu)**2 over the batch (the sum of plain differences is 0)",
         _bn(z, gamma, beta, eps, square=False)),
        ("the mean and variance are taken over the features (axis=1); batch norm averages each feature over the batch (axis=0)",
         _bn(z, gamma, beta, eps, mean_axis=1)),
        (f"the sums are divided by the number of features n={n}, not by the batch size b={z.shape[0]}",
         _bn(z, gamma, beta, eps, divisor=n)),
        ("the variance is the unbiased one (divided by b - 1, ddof=1); batch norm divides by b",
         _bn(z, gamma, beta, eps, ddof=1)),
        ("gamma and beta are swapped: the output is gamma * z_norm + beta", _bn(z, beta, gamma, eps)),
        ("eps is left out of the square root", _bn(z, gamma, beta, eps, use_eps=False)),
        ("the output is z_norm, without the scale gamma and shift beta", _bn(z, 1.0, 0.0, eps)),
    ]


@check
def batchnorm_equations(obs: Observed, cases: dict, atol: float = 1e-4) -> CheckOutcome:
    """Each case's ``output.<case>`` equals the reference's ``reference_output.<case>``.

    ``cases`` maps a case to the names of its inputs: ``{ z = "z_a", gamma = "gamma_a", beta = "beta_a", eps = 1e-5 }``.
    """
    for case, names in cases.items():
        if f"reference_output.{case}_error" in obs.secrets:
            from grader.checks import GraderStepFailed

            raise GraderStepFailed(f"the reference computation failed: {obs.secrets[f'reference_output.{case}_error']}")
        found = np.asarray(obs.array(f"output.{case}"), np.float64)
        expected = np.asarray(obs.secret(f"reference_output.{case}"), np.float64)
        z, gamma, beta = (np.asarray(obs.secret(names[k]), np.float64) for k in ("z", "gamma", "beta"))
        eps = float(names.get("eps", 1e-5))
        if found.shape != expected.shape:
            return CheckOutcome(False, f"{case}: shape {fmt_shape(found.shape)} for z of shape {fmt_shape(z.shape)}; "
                                       "the result has z's shape (b, n)")
        if np.allclose(found, expected, atol=atol, rtol=1e-4):
            continue
        for why, wrong in _slips(z, gamma, beta, eps):
            if np.allclose(found, wrong, atol=atol, rtol=1e-4, equal_nan=True):
                return CheckOutcome(False, f"{case}: {why}")
        worst = float(np.nanmax(np.abs(found - expected))) if np.isfinite(found).any() else float("nan")
        return CheckOutcome(False, f"{case}: the result differs from batch norm of z (largest difference {worst:.3g}); "
                                   f"per feature, mean {np.round(found.mean(0), 2).tolist()} where beta is {np.round(beta, 2).tolist()}")
    return CheckOutcome(True, f"batch norm of z in every case ({', '.join(cases)})")


# ---------------------------------------------------------------- 3. get_improved_model

_POSITIONAL_ACTIVATION = re.compile(r"invalid literal for int\(\) with base 10: '(\w+)'|axis.*'(relu|tanh|sigmoid)'")


@check
def improved_model_builds(obs: Observed) -> CheckOutcome:
    """``get_improved_model`` returned a Keras model; else what stopped it, named when it is a known slip."""
    error = obs.values.get("model.error")
    if error:
        match = _POSITIONAL_ACTIVATION.search(error.get("message", ""))
        if match and error.get("type") in ("ValueError", "TypeError"):
            name = match.group(1) or match.group(2)
            return CheckOutcome(False, f"BatchNormalizedLayer(layer, '{name}') passes '{name}' as the second parameter, axis "
                                       f"(the normalized axis, an int), so BatchNormalization(axis='{name}') fails; "
                                       f"pass it by name: BatchNormalizedLayer(layer, activation='{name}')")
        return CheckOutcome(False, f"get_improved_model raised {error['type']}: {error['message']}")
    info = obs.model("model")
    return CheckOutcome(True, f"a {info.get('graph_kind', 'Keras')} model, output {fmt_shape((info.get('output_shapes') or [None])[0])}")


def _entry_tokens(entries: list[dict]) -> list[str]:
    tokens: list[str] = []
    for e in entries:
        cls = e["class"]
        if e.get("wrapper"):
            inner = e.get("wrapped")
            if inner is None:
                tokens.append(f"{cls}(?)")
                continue
            name = f"{inner['class'].lower().replace('2d', '')}{inner['size']}"
            token = f"BN({name})" if e.get("normalizes") else f"{cls}({name})"
            tokens.append(token)
            inner_act = inner.get("activation")
            if inner_act and inner_act != "linear":
                tokens.append(f"{inner_act}-before-BN")
            if e.get("activation"):
                tokens.append(e["activation"])
            continue
        if cls in ("Conv2D", "Dense"):
            tokens.append(f"{cls.lower().replace('2d', '')}{e.get('filters', e.get('units'))}")
        elif cls == "Dropout":
            tokens.append(f"dropout{e.get('rate'):g}")
        elif cls == "MaxPooling2D":
            tokens.append("pool")
        elif cls in ("Activation", "ReLU", "Softmax"):
            pass
        else:
            tokens.append(cls)
        act = e.get("activation")
        if act and act != "linear":
            tokens.append(act)
    # relu twice in a row is relu once (the handout's own solution adds Activation('relu') after a relu wrapper).
    return [t for i, t in enumerate(tokens) if not (t == "relu" and i and tokens[i - 1] == "relu")]


@check
def wrapped_layer_sequence(obs: Observed, expected: list[str], what: str) -> CheckOutcome:
    """The model's layers as tokens (``BN(conv32)``, ``relu``, ``pool``, ``dropout0.25``, ``dense10``, ``softmax``) are ``expected``."""
    found = _entry_tokens(obs.value("layers"))
    if found == expected:
        return CheckOutcome(True, f"{what}: {' → '.join(found)}")
    i = next((i for i, (a, b) in enumerate(zip(found, expected)) if a != b), min(len(found), len(expected)))
    window = lambda seq: " → ".join(seq[max(0, i - 2): i + 3]) or "(end)"  # noqa: E731
    unwrapped = [t for t in found if re.fullmatch(r"(conv|dense)\d+", t) and t != expected[-2]]
    advice = ""
    if unwrapped:
        advice = f"; {unwrapped[0]} is not wrapped in BatchNormalizedLayer"
    elif any(t.endswith("-before-BN") for t in found):
        advice = "; a wrapped layer has its own activation, so it acts before batch norm: give the activation to BatchNormalizedLayer"
    elif any(t.startswith("BN(") for t in found) and "relu" not in found:
        advice = "; the wrappers apply no activation (pass activation='relu' by name)"
    return CheckOutcome(False, f"{what} differ at layer {i + 1}: found {window(found)}; expected {window(expected)}{advice}")


@check
def training_loss_falls(obs: Observed, ratio: float) -> CheckOutcome:
    """Over the probe's short run the last epoch's training loss is at most ``ratio`` times the first's."""
    error = obs.values.get("training.error")
    if error:
        return CheckOutcome(False, f"training failed: {error['type']}: {error['message'][:300]}")
    losses = obs.value("training.loss")
    if len(losses) < 2:
        raise NotObserved("fewer than two epochs were trained")
    first, last = losses[0], losses[-1]
    shown = ", ".join(f"{v:.3f}" for v in losses)
    samples = obs.values.get("training.samples")
    context = f" ({len(losses)} epochs on {samples:,} images)" if samples else ""
    details = {"losses": losses, "ratio": last / first if first else float("nan")}
    if not (math.isfinite(last) and last <= ratio * first):
        return CheckOutcome(False, f"the training loss went {shown}{context}; expected the last epoch at most {ratio:g} × the first's", details)
    return CheckOutcome(True, f"the training loss fell: {shown}{context}", details)


# ---------------------------------------------------------------- 4-5. decoders


_ACTIVATIONS = {"relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "leaky_relu", "gelu", "silu", "swish",
                "hard_sigmoid", "exponential", "LeakyReLU", "PReLU", "ELU"}


@check
def layer_pattern(obs: Observed, expected: list[str], what: str, key: str = "model") -> CheckOutcome:
    """The layers in order (see :func:`grader.checks.layer_tokens`), activations left out, are ``expected``."""
    found = [t for t in layer_tokens(obs.model(key)) if t not in _ACTIVATIONS]
    if found == expected:
        return CheckOutcome(True, f"{what}: {' → '.join(found)}")
    return CheckOutcome(False, f"{what}: found {' → '.join(found) or 'no layers'}; expected {' → '.join(expected)}")


@check
def final_activation_is(obs: Observed, activation: str, why: str, key: str = "model") -> CheckOutcome:
    found = obs.model(key).get("final_activation")
    if found != activation:
        return CheckOutcome(False, f"the last layer's activation is {found or 'none'}, expected {activation} ({why})")
    return CheckOutcome(True, f"ends in {activation}")


@check
def frozen(obs: Observed, keys: list[str]) -> CheckOutcome:
    """Each model's trainable parameter count is 0."""
    thawed = []
    for key in keys:
        info = obs.model(key)
        if info.get("trainable_params", 0):
            thawed.append(f"{key.split('.', 1)[-1]} has {info['trainable_params']:,} trainable parameters")
    if thawed:
        return CheckOutcome(False, "; ".join(thawed) + ": set layer.trainable = False on every layer (or model.trainable = False)")
    return CheckOutcome(True, "every layer frozen (0 trainable parameters)")
