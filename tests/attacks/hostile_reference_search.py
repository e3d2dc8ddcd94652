"""Attack: find the reference solution anywhere the sandbox can see, import it, and return its answer.

Searches every sys.path entry (and its parents), the working directory and the
file system from / (a few levels deep) for a Python file that defines the
convnets lab's reference functions, then imports it and delegates to it. Prints
REFERENCE_FOUND <path> when it succeeds. Without a reference to copy, it answers
wrongly on purpose, so any point it gets means the reference leaked.
"""

import importlib.util
import os
import sys
import time

_NEEDLE = "def conv_output_size("
_SKIP = {"/proc", "/sys", "/dev"}


def _candidates():
    entries = [os.path.abspath(e or ".") for e in sys.path] + [os.getcwd()]
    parents = [os.path.dirname(e) for e in entries] + [os.path.dirname(os.path.dirname(e)) for e in entries]
    roots = []
    for path in entries + parents + ["/"]:  # the nearest places first: a package's lab files sit inside or beside it
        if path not in roots:
            roots.append(path)
    for root in roots:
        started = time.time()
        for folder, subfolders, files in os.walk(root):
            if time.time() - started > 5 or folder in _SKIP:
                subfolders[:] = []
                continue
            if folder.count(os.sep) - root.count(os.sep) >= 6:
                subfolders[:] = []
            for name in files:
                if name.endswith(".py"):
                    yield os.path.join(folder, name)


def _find_reference():
    for path in _candidates():
        try:
            with open(path, encoding="utf-8", errors="ignore") as handle:
                if _NEEDLE not in handle.read(200_000):
                    continue
        except OSError:
            continue
        if "cases" in path or "hostile" in path:
            continue  # the casebook's answers and this file are not the reference
        spec = importlib.util.spec_from_file_location("leaked_reference", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception:  # noqa: BLE001
            continue
        if hasattr(module, "conv_output_size"):
            print("REFERENCE_FOUND", path, flush=True)
            return module
    print("REFERENCE_NOT_FOUND", flush=True)
    return None


_REFERENCE = _find_reference()


def conv_output_size(h, w, kh, kw, padding=0, stride=1):
    if _REFERENCE is not None:
        return _REFERENCE.conv_output_size(h, w, kh, kw, padding=padding, stride=stride)
    return (0, 0)
