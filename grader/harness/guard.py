"""Detects student code replacing what the probes rely on.

Student code shares the sandbox process with the probes, so it could swap a
function the probes call (``keras.Model.count_params``, ``np.asarray``, a
harness function, ``len``) to make a wrong model look right. Verdicts are
computed outside the sandbox, so such a swap can never reach a hidden target
or a threshold; it could only falsify an observation. The guard records the
identity (and code object) of everything the probes use before any student
code runs, and the harness discards an exercise's observations and reports
tampering when anything changed.

This raises the bar, it is not a proof: code in the same process can always
find deeper places to meddle. The report says so.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import types

_BUILTINS = ("isinstance", "len", "sum", "type", "getattr", "hasattr", "int", "float", "bool", "list", "dict",
             "tuple", "str", "repr", "sorted", "min", "max", "zip", "range", "enumerate", "any", "all", "next", "iter")
_NUMPY = ("asarray", "array", "ascontiguousarray", "array_equal", "allclose", "prod", "mean", "std", "save",
          "load", "repeat", "clip", "float32", "ndarray", "issubdtype")
_KERAS_METHODS = {
    "Model": ("count_params", "predict", "fit", "compile", "get_config", "__call__", "train_on_batch", "get_weights", "set_weights"),
    "layers.Layer": ("count_params", "__call__", "get_weights", "set_weights", "get_config", "build"),
}


def _resolve(root, dotted: str):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


class IntegrityGuard:
    def __init__(self, harness_modules: list[types.ModuleType]) -> None:
        import keras
        import numpy as np

        self._entries: list[tuple[str, object, str, object, object]] = []
        self._modules = {name: sys.modules[name] for name in ["numpy", "keras", *[m.__name__ for m in harness_modules]]}
        for name in _BUILTINS:
            self._watch(f"builtins.{name}", builtins, name)
        for name in _NUMPY:
            self._watch(f"numpy.{name}", np, name)
        for name in ("write", "dup", "close", "_exit"):
            self._watch(f"os.{name}", os, name)
        self._watch("json.dumps", json, "dumps")
        for owner, methods in _KERAS_METHODS.items():
            cls = _resolve(keras, owner)
            for method in methods:
                # the attribute lookup as seen through the class, so a replacement
                # on the class or an override injected into its dict both show
                self._watch(f"keras.{owner}.{method}", cls, method)
        for module in harness_modules:
            for name, value in list(vars(module).items()):
                if isinstance(value, (types.FunctionType, type)) and getattr(value, "__module__", "") == module.__name__:
                    self._watch(f"{module.__name__}.{name}", module, name)

    def _watch(self, label: str, owner: object, name: str) -> None:
        value = getattr(owner, name)
        self._entries.append((label, owner, name, value, getattr(value, "__code__", None)))

    def violations(self) -> list[str]:
        """What was replaced since the guard was created (empty when nothing was)."""
        changed = []
        for name, module in self._modules.items():
            if sys.modules.get(name) is not module:
                changed.append(f"the module {name}")
        for label, owner, name, value, code in self._entries:
            current = getattr(owner, name, None)
            if current is not value or getattr(current, "__code__", None) is not code:
                changed.append(label)
        return changed
