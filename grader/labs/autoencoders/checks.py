"""The autoencoders lab's own checks: the loss, what fit was given, and the 2-D codes."""

from __future__ import annotations

import numpy as np

from grader.checks import CheckOutcome, NotObserved, Observed, fmt_shape, registrar, training_context

CHECKS: dict = {}
check = registrar(CHECKS)


#: Losses that compare an output image with its target pixel by pixel, by the names Keras knows them under.
RECONSTRUCTION_LOSSES = {
    "mse": ("mse", "mean_squared_error", "meansquarederror"),
    "mae": ("mae", "mean_absolute_error", "meanabsoluteerror"),
    "binary cross-entropy": ("bce", "binary_crossentropy", "binarycrossentropy"),
}


def _canonical(names: list[str]) -> str | None:
    for canonical, spellings in RECONSTRUCTION_LOSSES.items():
        if any(n.lower().replace(" ", "") in spellings for n in names):
            return canonical
    return None


@check
def reconstruction_loss(obs: Observed) -> CheckOutcome:
    """The compiled loss compares the output with the input pixel by pixel: MSE as the lab suggests, or MAE / binary cross-entropy."""
    if not obs.value("compiled"):
        returned = obs.value("returned")
        return CheckOutcome(False, f"the model is not compiled after your function (it returned {returned}); call model.compile(optimizer=..., loss=...) on the model it is given")
    names = obs.value("loss")
    if not names:
        return CheckOutcome(False, "the model was compiled without a loss: pass loss='mse'")
    loss = _canonical(names)
    if loss == "mse":
        return CheckOutcome(True, "mean squared error, as the lab suggests", {"loss": loss})
    if loss is not None:
        return CheckOutcome(True, f"{loss}: also a pixel-by-pixel reconstruction loss (the lab suggests the mean squared error)", {"loss": loss})
    return CheckOutcome(False, f"loss {names[0]!r}: an autoencoder's output is compared pixel by pixel with its input image, "
                               "which a classification loss does not do; use the mean squared error", {"loss": names[0]})


@check
def compiled_model_learns(obs: Observed, min_gain: float = 1e-6) -> CheckOutcome:
    """A short training of a small autoencoder compiled by the student's function lowers its reconstruction error at all.

    Only "at all": plain SGD at its default learning rate gains 3e-5 of the
    error in the few steps the probe takes, Adam 3e-2, and the lab leaves the
    optimizer open; a learning rate of 1e-5 or less with SGD changes nothing.
    """
    before, after = obs.value("mse.before"), obs.value("mse.after")
    optimizer = obs.values.get("optimizer") or "its optimizer"
    message = f"with {optimizer}, a small autoencoder's error went from {before:.6f} to {after:.6f} in a short training"
    if not np.isfinite(after) or after > before * (1 - min_gain):
        return CheckOutcome(False, f"{message}: the weights did not change; check the optimizer and its learning rate")
    return CheckOutcome(True, message)


@check
def fit_roles(obs: Observed, key: str, x: str, y: str, what: str) -> CheckOutcome:
    """The function's ``fit`` call got ``x`` as its input and ``y`` as its label (the probe named what it passed)."""
    if f"{key}.calls" not in obs.values:
        raise NotObserved(obs._why_missing("call"))
    if obs.value(f"{key}.calls") == 0:
        error = obs.values.get("call.error")
        if error:
            return CheckOutcome(False, f"your function raised {error['type']}: {error['message'][:300]}")
        return CheckOutcome(False, "your function never called fit on the autoencoder it was given")
    found_x, found_y = obs.value(f"{key}.x"), obs.value(f"{key}.y")
    if (found_x, found_y) == (x, y):
        return CheckOutcome(True, f"fit({x}, {y}): {what}")
    if found_y == "nothing":
        return CheckOutcome(False, f"fit was given no label (y); {what}, so call fit({x}, {y})")
    if (found_x, found_y) == (y, x):
        return CheckOutcome(False, f"fit({found_x}, {found_y}) swaps the input and the label; {what}: fit({x}, {y})")
    return CheckOutcome(False, f"fit was given {found_x} as the input and {found_y} as the label; {what}: fit({x}, {y})")


@check
def fit_budget(obs: Observed, key: str, epochs: int, batch_size: int) -> CheckOutcome:
    """The ``fit`` call asked for the lab's epochs and batch size (Keras' default batch size, 32, counts)."""
    if not obs.values.get(f"{key}.calls"):
        raise NotObserved("fit was not called")
    found_epochs, found_batch = obs.value(f"{key}.epochs"), obs.value(f"{key}.batch_size")
    problems = []
    if found_epochs != epochs:
        problems.append(f"epochs={found_epochs}" if found_epochs is not None else "no epochs (Keras trains 1)")
    if found_batch not in (batch_size, None) or (found_batch is None and batch_size != 32):
        problems.append(f"batch_size={found_batch}")
    if problems:
        return CheckOutcome(False, f"fit was called with {', '.join(problems)}; the lab fixes epochs={epochs} and batch_size={batch_size}")
    return CheckOutcome(True, f"epochs={epochs}, batch_size={batch_size} as the lab says (the grader trains on its own shorter budget)")


def neighbour_accuracy(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray, test_labels: np.ndarray, k: int) -> float:
    """Accuracy of a ``k``-nearest-neighbour vote (Euclidean) of the test codes among the training codes."""
    train, test = np.asarray(train, np.float64).reshape(len(train), -1), np.asarray(test, np.float64).reshape(len(test), -1)
    distances = (test ** 2).sum(1)[:, None] - 2 * test @ train.T + (train ** 2).sum(1)[None, :]
    nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]
    votes = np.asarray(train_labels)[nearest]
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    predicted = np.array([np.bincount(v, minlength=classes).argmax() for v in votes])
    return float(np.mean(predicted == np.asarray(test_labels)))


@check
def latent_neighbours(obs: Observed, train: str, test: str, train_labels: str, test_labels: str, k: int, minimum: float,
                      chance: float) -> CheckOutcome:
    """Digits of a class get nearby codes: a ``k``-nearest-neighbour vote among the training codes finds the test digits' classes."""
    codes_train, codes_test = obs.array(train), obs.array(test)
    labels_train, labels_test = np.asarray(obs.secret(train_labels)), np.asarray(obs.secret(test_labels))
    if len(codes_train) != len(labels_train) or len(codes_test) != len(labels_test):
        raise NotObserved(f"codes of shape {fmt_shape(codes_train.shape)} / {fmt_shape(codes_test.shape)} for {len(labels_train)} / {len(labels_test)} digits")
    if not np.all(np.isfinite(codes_test)) or not np.all(np.isfinite(codes_train)):
        return CheckOutcome(False, "some codes are NaN or infinite: the training diverged", {"accuracy": float("nan")})
    accuracy = neighbour_accuracy(codes_train, labels_train, codes_test, labels_test, k)
    message = f"a {k}-nearest-neighbour vote on the {codes_test.shape[-1]}-D codes finds {accuracy:.0%} of the test digits' classes{training_context(obs)}"
    if accuracy < minimum:
        return CheckOutcome(False, f"{message}; expected at least {minimum:.0%} (chance is {chance:.0%}): the codes do not group the digits by class", {"accuracy": accuracy})
    return CheckOutcome(True, f"{message} (chance is {chance:.0%})", {"accuracy": accuracy})
