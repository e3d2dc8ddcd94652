"""The Gradescope autograder bundle: this grader, packaged to run inside Gradescope.

``build_autograder_zip`` writes a zip with Gradescope's two entry points:
``setup.sh`` (installs bubblewrap and this grader, from the source carried in
the zip) and ``run_autograder`` (grades the file in ``/autograder/submission``
and writes ``/autograder/results/results.json``). ``run_autograder`` always
writes a valid results.json — if grading itself fails, the file says so and
scores 0 — so a student never sees Gradescope's bare "autograder failed".
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from grader.lab import get_lab

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-pip python3-venv bubblewrap >/dev/null
python3 -m venv /opt/labgrader
/opt/labgrader/bin/pip install -q /autograder/source/labgrader
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. Whatever happens, results.json is written.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
GRADER="${{LABGRADER_PYTHON:-/opt/labgrader/bin/python}}"
mkdir -p "$ROOT/results"
exec "$GRADER" -m grader.gradescope run {lab} "$ROOT" ${{LABGRADER_ARGS:-}}
"""

_SOURCE_PARTS = ("grader", "exercises", "reference", "rubrics", "pyproject.toml", "README.md")


def build_autograder_zip(lab: str, out: Path) -> Path:
    """Write the Gradescope autograder zip for ``lab`` to ``out``."""
    source_root = Path(__file__).resolve().parent.parent
    lab_root = get_lab(lab).files_root
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER.format(lab=lab))):
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            zf.writestr(info, text)
        for part in _SOURCE_PARTS:
            base = (lab_root if part in ("exercises", "reference", "rubrics") else source_root) / part
            paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
            for path in paths:
                if "__pycache__" in path.parts or path.name.endswith(".pyc") or "_lab_files" in path.parts:
                    continue
                zf.write(path, f"labgrader/{part}/{path.relative_to(base)}" if base.is_dir() else f"labgrader/{part}")
    return out


def run(lab: str, root: Path, extra: list[str]) -> int:
    """Grade the submission under ``root``/submission into ``root``/results/results.json."""
    import json

    from grader.engine import grade_submission
    from grader.exports import gradescope_results
    from grader.submission import gradable_files

    results_file = root / "results" / "results.json"
    results_file.parent.mkdir(parents=True, exist_ok=True)
    submission_dir = root / "submission"
    try:
        candidates = gradable_files(submission_dir)
        if not candidates:
            raise FileNotFoundError("no .ipynb or .py file was submitted; upload your lab notebook")
        result = grade_submission(candidates[0], lab, quick="--quick" in extra)
        data = gradescope_results(result)
    except Exception as exc:  # noqa: BLE001 - Gradescope must always get a results.json
        data = gradescope_results(None, error=f"{type(exc).__name__}: {exc}")
    results_file.write_text(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    import sys

    if len(sys.argv) >= 4 and sys.argv[1] == "run":
        sys.exit(run(sys.argv[2], Path(sys.argv[3]), sys.argv[4:]))
    sys.exit("usage: python -m grader.gradescope run LAB ROOT [--quick]")
