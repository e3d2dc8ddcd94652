"""The convnets lab's own check: a convolution compared with the lab's definition, with a diagnosis."""

from __future__ import annotations

import numpy as np

from grader.checks import CheckOutcome, NotObserved, Observed, fmt_shape, registrar

CHECKS: dict = {}
check = registrar(CHECKS)


def correlate(image: np.ndarray, kernel: np.ndarray, padding: str = "valid", flip: bool = False) -> np.ndarray:
    """The lab's ⊛: channels summed, no kernel flip (``flip=True`` gives textbook convolution, for diagnosis)."""
    image, kernel = np.asarray(image, np.float64), np.asarray(kernel, np.float64)
    if image.ndim == 2:
        image, kernel = image[..., None], kernel[..., None]
    if flip:
        kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape[:2]
    if padding == "same":
        image = np.pad(image, ((kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    out = np.empty((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def _diagnosis(found: np.ndarray, image, kernel, bias: float, padding: str) -> str:
    expected = correlate(image, kernel, padding) + bias
    if found.shape != expected.shape:
        if np.ndim(image) == 3 and found.shape == expected.shape + (np.shape(image)[-1],):
            return f"shape {fmt_shape(found.shape)}: one kernel gives one output matrix; sum the channels' results"
        h, w = np.shape(image)[:2]
        if padding == "valid" and found.shape[:2] == (h, w):
            return f"shape {fmt_shape(found.shape)}, the image's own size: this is a same convolution; without padding it is {fmt_shape(expected.shape)}"
        return f"shape {fmt_shape(found.shape)}, expected {fmt_shape(expected.shape)} (image size minus kernel size plus one)"
    if np.allclose(found, correlate(image, kernel, padding, flip=True) + bias):
        return "you flipped the kernel (convolution as in signal processing); the lab's ⊛, like Keras' Conv2D, does not flip it"
    if bias and np.allclose(found, expected - bias):
        return f"the bias ({bias:g}) is not added"
    wrong = int(np.sum(~np.isclose(found, expected)))
    return f"{wrong} of {expected.size} entries differ from image ⊛ kernel (largest difference {float(np.max(np.abs(found - expected))):.3g})"


@check
def cross_correlation(obs: Observed, cases: dict[str, dict], padding: str = "valid") -> CheckOutcome:
    """Each case's output equals ``image ⊛ kernel (+ bias)``, computed here from the inputs the probe was given.

    ``cases`` maps the probe's case name to ``{"image": input name, "kernel": input name, "bias": number}``.
    """
    done = []
    for case, spec in cases.items():
        key = f"output.{case}"
        if obs.values.get(f"{key}.type") not in (None, "ndarray") and key not in obs.arrays:
            raise NotObserved(f"{case}: returned a {obs.values[key + '.type']}, not an array")
        found = np.asarray(obs.array(key), np.float64)
        image, kernel = obs.secret(spec["image"]), obs.secret(spec["kernel"])
        bias = float(spec.get("bias", 0.0))
        expected = correlate(image, kernel, padding) + bias
        if found.shape != expected.shape or not np.allclose(found, expected, atol=1e-6):
            return CheckOutcome(False, f"{case}: {_diagnosis(found, image, kernel, bias, padding)}")
        done.append(case)
    return CheckOutcome(True, f"equals image ⊛ kernel in every case ({', '.join(done)})")
