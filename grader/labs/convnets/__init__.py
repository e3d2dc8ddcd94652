"""The "convnets" lab: convolution arithmetic by hand, then a small Keras CNN (course material 004).

No data and no training: every exercise is graded from the values its
function returns (generic ``call_function`` probe, cases declared in the
rubric) or the model it builds (generic ``build_model``). The lab's own
Python is one check, :func:`.checks.cross_correlation`, which names a flipped
kernel, a missing channel sum or a wrong output size.
"""

from __future__ import annotations

from grader.lab import Lab
from grader.labs import shipped_files_root
from grader.labs.convnets import checks


class ConvnetsLab(Lab):
    name = "convnets"
    title = "Convnets: convolution, output sizes and parameter counts, by hand and in Keras"
    files_root = shipped_files_root()
    checks = checks.CHECKS
    layer_tables = frozenset({"build_homework_cnn"})


lab = ConvnetsLab()
