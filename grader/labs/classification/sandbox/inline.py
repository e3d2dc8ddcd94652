"""Original notebooks of the classification lab: finding each answer in free cells (filled in below)."""

from __future__ import annotations


def inline_probes() -> dict:
    return {}


def inline_targets(session) -> dict:
    return {}


inline_cell_needed = None
