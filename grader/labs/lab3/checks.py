"""Lab 3's own checks: noise spread, detector channels, U-Net arguments, super-resolution PSNR, angles.

The rubric resolves a check name here first, then in the generic catalogue
(:mod:`grader.checks`).
"""

from __future__ import annotations

import math

import numpy as np

from grader.checks import CheckOutcome, NotObserved, Observed, fmt_shape, psnr, registrar, training_context

CHECKS: dict = {}
check = registrar(CHECKS)


@check
def gaussian_noise_spread(obs: Observed, factors: list[float], level_secret: str, std_tolerance: float, mean_tolerance: float) -> CheckOutcome:
    """Noise added to a flat grey image has mean ~0 and standard deviation ~factor.

    The spread is estimated from the interquartile range, which clipping to
    [0, 1] leaves untouched for factors below ~0.7 on a 0.5 grey level.
    """
    level = float(obs.secret(level_secret))
    lines = []
    ok = True
    for factor in factors:
        noisy = np.asarray(obs.array(f"noisy.{factor}"), dtype=np.float64)
        q1, median, q3 = np.percentile(noisy, [25, 50, 75])
        std = (q3 - q1) / 1.349
        shift = median - level
        if std < 1e-6:
            ok = False
            lines.append(f"noise_factor={factor}: no noise added (output equals a constant or the input)")
        elif abs(std - factor) > std_tolerance * factor:
            ok = False
            lines.append(f"noise_factor={factor}: noise spread (std) about {std:.3f}, expected about {factor}")
        elif abs(shift) > mean_tolerance:
            ok = False
            lines.append(f"noise_factor={factor}: noise shifts values by {shift:+.3f} on average; Gaussian noise should have mean 0")
        else:
            lines.append(f"noise_factor={factor}: std about {std:.3f}")
    if ok:
        return CheckOutcome(True, "; ".join(lines))
    return CheckOutcome(False, "; ".join(line for line in lines if "about" not in line or "expected" in line or "no noise" in line))

@check
def channel_counts(obs: Observed, key: str, expected: list[int], names: list[str]) -> CheckOutcome:
    if key not in obs.values:
        raise NotObserved(f"detector_channels returned {obs.values.get(key + '.repr', 'something that is not a sequence of integers')}")
    found = list(obs.value(key))
    if found == list(expected):
        return CheckOutcome(True, ", ".join(f"{n} {v}" for n, v in zip(names, expected)))
    if len(found) != len(expected):
        return CheckOutcome(False, f"returned {len(found)} counts {tuple(found)}; expected {len(expected)}: ({', '.join(names)})")
    if sorted(found) == sorted(expected):
        return CheckOutcome(False, f"returned {tuple(found)}: the right counts in the wrong order; expected ({', '.join(names)}) = {tuple(expected)}")
    wrong = [f"{n}: {f}, expected {e}" for n, f, e in zip(names, found, expected) if f != e]
    return CheckOutcome(False, "; ".join(wrong))

@check
def respects_arguments(obs: Observed, key: str, input_shape: list, num_classes: int) -> CheckOutcome:
    """Called with another input_shape and num_classes, the model must follow both."""
    info = obs.model(key)
    call = f"build_unet_no_skips(input_shape={tuple(input_shape)}, num_classes={num_classes})"
    found_in, found_out = info.get("input_shapes", [[None]])[0], info.get("output_shapes", [[None]])[0]
    problems = []
    if list(found_in[1:]) != list(input_shape):
        problems.append(f"the input is {fmt_shape(found_in)}: input_shape is ignored")
    if not found_out or found_out[-1] != num_classes:
        problems.append(f"the output has {found_out[-1] if found_out else None} channels: num_classes is ignored")
    if problems:
        return CheckOutcome(False, f"{call}: " + "; ".join(problems))
    return CheckOutcome(True, f"{call} gives {fmt_shape(found_out)}")

def bicubic_psnr(low: np.ndarray, target: np.ndarray) -> float:
    import cv2

    up = np.stack([cv2.resize(img.reshape(low.shape[1:3]), target.shape[1:3][::-1], interpolation=cv2.INTER_CUBIC) for img in low])
    return psnr(up, target)


@check
def super_resolution_psnr(obs: Observed, prefix: str, target: str, low: str, mean_image: str, min_gain_db: float) -> CheckOutcome:
    """Best PSNR over the training seeds must beat predicting the mean training image by ``min_gain_db``."""
    x = obs.secret(target)
    runs = {k: psnr(v, x) for k, v in obs.arrays.items() if k.startswith(prefix)}
    if not runs:
        obs.array(prefix)  # raises NotObserved with the reason
    best = max(runs.values())
    baseline = psnr(np.broadcast_to(obs.secret(mean_image), x.shape), x)
    bicubic = bicubic_psnr(obs.secret(low), x)
    needed = baseline + min_gain_db
    details = {"psnr": best, "psnr_runs": runs, "mean_image_psnr": baseline, "bicubic_psnr": bicubic}
    context = f"(mean-image baseline {baseline:.1f} dB; bicubic upsampling {bicubic:.1f} dB, for comparison)"
    if best < needed:
        return CheckOutcome(False, f"PSNR {best:.1f} dB on held-out digits{training_context(obs)}; expected at least {needed:.1f} dB {context}", details)
    return CheckOutcome(True, f"PSNR {best:.1f} dB on held-out digits{training_context(obs)}, at least {needed:.1f} dB needed {context}", details)

@check
def angle_mae(obs: Observed, key: str, target: str, max_mae: float) -> CheckOutcome:
    predicted = np.asarray(obs.array(key), np.float64)
    truth = np.asarray(obs.secret(target), np.float64)
    if predicted.shape != truth.shape:
        raise NotObserved(f"predictions have shape {predicted.shape}")
    mae = float(np.mean(np.abs(predicted - truth)))
    zero = float(np.mean(np.abs(truth)))
    if not math.isfinite(mae) or mae > max_mae:
        return CheckOutcome(False, f"mean absolute error {mae:.1f}°{training_context(obs)}; expected at most {max_mae:.1f}° (always predicting 0° gives {zero:.1f}°)", {"mae": mae})
    return CheckOutcome(True, f"mean absolute error {mae:.1f}°{training_context(obs)} (at most {max_mae:.1f}° needed)", {"mae": mae})
