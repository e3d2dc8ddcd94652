"""The autoencoders lab's report figures: reconstructions and the 2-D codes of the student's trained autoencoder.

See :mod:`grader.figures` for the contract (one exercise's observations in,
PNG bytes or None out) and the drawing helpers used here.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from grader.figures import arrays_of, as_images, png, registrar, secrets_of, show

FIGURES: dict = {}
figure = registrar(FIGURES)


@figure("trained_autoencoder")
def reconstructions_and_codes(observed) -> bytes | None:
    """Test digits above their reconstructions, and the test digits' 2-D codes coloured by class."""
    arrays, secrets = arrays_of(observed), secrets_of(observed)
    predictions, originals = arrays.get("test_predictions"), secrets.get("x_test")
    if predictions is None or originals is None:
        return None
    predictions, originals = as_images(predictions), as_images(originals)
    codes, labels = arrays.get("codes.test"), secrets.get("y_test")
    n = 6
    fig = Figure(figsize=(8.0, 2.6))
    grid = fig.add_gridspec(2, n + 2, width_ratios=[1] * n + [0.2, 2.6])
    for i in range(n):
        show(fig.add_subplot(grid[0, i]), originals[i], "test digit" if i == 0 else "")
        show(fig.add_subplot(grid[1, i]), np.clip(predictions[i], 0, 1), "rebuilt" if i == 0 else "")
    if codes is not None and labels is not None and codes.ndim == 2 and codes.shape[1] == 2:
        ax = fig.add_subplot(grid[:, n + 1])
        cmap = matplotlib.colormaps["tab10"]
        labels = np.asarray(labels)[: len(codes)]
        for digit in range(10):
            chosen = labels == digit
            ax.scatter(codes[chosen, 0], codes[chosen, 1], s=4, color=cmap(digit), label=str(digit), alpha=0.8, linewidths=0)
        ax.legend(fontsize=5, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, title="digit", title_fontsize=5)
        ax.set_title("2-D codes of the test digits", fontsize=7)
        ax.tick_params(labelsize=5)
    fig.subplots_adjust(left=0.01, right=0.9, top=0.88, bottom=0.08, wspace=0.1, hspace=0.25)
    return png(fig)
