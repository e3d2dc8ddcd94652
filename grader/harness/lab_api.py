"""What a lab's sandbox half declares: its probes and, for original notebooks, its locators.

A lab's ``sandbox_package`` folder is copied into the sandbox as
``harness/lab/``; its ``probes.py`` defines ``PROBES``, a :class:`LabProbes`.
Like everything in the sandbox, it imports nothing of the grader.

A probe is ``probe(target, inputs, params, obs)``: ``target`` is the student's
function, class or model, ``inputs`` the arrays the grader prepared, ``params``
the rubric's ``probe_params`` and ``obs`` an :class:`harness.observe.Observations`
to record into. A probe never decides pass or fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

Probe = Callable[[Any, dict, dict, Any], None]


@dataclass
class LabProbes:
    """A lab's sandbox half.

    Attributes:
        probes: probe functions by the name a rubric's ``probe`` gives.
        inline_probes: for original fill-in notebooks, probes that replace
            ``probes[name]`` when the target was found by a locator.
        locate_inline: ``locate_inline(session) -> {exercise: Located}``: finds
            each exercise's answer in an executed original notebook.
        inline_cell_needed: ``inline_cell_needed(source) -> bool``: whether a
            cell of an original notebook belongs to an exercise (its cells,
            and those they depend on, run; others may be skipped).
    """

    probes: dict[str, Probe] = field(default_factory=dict)
    inline_probes: dict[str, Probe] = field(default_factory=dict)
    locate_inline: Callable[[Any], dict] | None = None
    inline_cell_needed: Callable[[str], bool] | None = None

    def probe(self, name: str, inline: bool = False) -> Probe | None:
        """The probe called ``name``: the lab's own (inline first, when asked), then a generic one."""
        from harness.generic_probes import GENERIC_PROBES

        if inline and name in self.inline_probes:
            return self.inline_probes[name]
        return self.probes.get(name) or GENERIC_PROBES.get(name)
