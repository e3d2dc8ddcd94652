"""Grade every lab-3 test answer, example and test notebook, and record the verdicts.

Used to show that a refactoring changed no verdict: run it before and after,
then compare the two snapshots::

    python tests/tools/snapshot_lab3.py --out before.json      # on the old commit
    python tests/tools/snapshot_lab3.py --out after.json       # on the new one
    python tests/tools/snapshot_lab3.py --compare before.json after.json

A verdict is (status, score, max score, names of the failing checks) for each
exercise and trained model of each graded item. It takes about half an hour
on two cores: every inline notebook is a full sandbox run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))


def _verdict(exercise) -> dict:
    return {
        "status": exercise.status,
        "score": round(exercise.score, 4),
        "max_score": round(exercise.max_score, 4),
        "failing": sorted(c.name for c in exercise.checks if not c.passed),
    }


def _submission_verdicts(result) -> dict:
    out = {e.name: _verdict(e) for e in result.exercises}
    out.update({f"trained:{e.name}": _verdict(e) for e in result.trained_models})
    out["_total"] = {"score": round(result.score, 4), "max_score": round(result.max_score, 4), "form": result.form}
    return out


def snapshot(only: str | None = None) -> dict:
    from grader.engine import grade_submission

    import casebook
    import course_notebooks
    import inline_notebooks

    verdicts: dict[str, dict] = {}

    def grade(key: str, path: Path) -> None:
        if only and only not in key:
            return
        started = time.perf_counter()
        try:
            verdicts[key] = _submission_verdicts(grade_submission(path, "lab3"))
        except Exception as exc:  # noqa: BLE001 - a refusal is a verdict too
            verdicts[key] = {"_refused": f"{type(exc).__name__}: {exc}"}
        print(f"{key}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not only or "casebook" in only:
            cases = casebook.all_cases()
            for case_id, result in casebook.grade_cases(cases, tmp, "cases").items():
                verdicts[f"casebook/{case_id}"] = _verdict(result)
        for path in sorted((REPO / "examples" / "lab3").rglob("*")):
            if path.suffix in (".ipynb", ".py") and path.name != "build_examples.py":
                grade(f"example/{path.relative_to(REPO / 'examples')}", path)
        grade("exercise/lab3.ipynb", REPO / "exercises" / "lab3" / "lab3.ipynb")
        grade("keras2/keras2_style.py", REPO / "tests" / "keras2" / "keras2_style.py")
        for module, prefix in ((inline_notebooks, "inline"), (course_notebooks, "course")):
            names = module.variants() if hasattr(module, "variants") else module.COURSE_VARIANTS
            for name in sorted(names):
                path = tmp / f"{prefix}_{name}.ipynb"
                nbformat.write(module.build_variant(name), str(path))
                grade(f"{prefix}/{name}", path)
    return verdicts


def compare(before: dict, after: dict) -> int:
    differences = 0
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            differences += 1
            print(f"DIFFERENT {key}\n  before: {before.get(key)}\n  after:  {after.get(key)}")
    entries = sum(len(v) for v in before.values())
    print(f"{len(before)} graded items ({entries} verdicts) before, {len(after)} after; {differences} differ")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only", help="grade only items whose key contains this text")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        return compare(*(json.loads(p.read_text()) for p in args.compare))
    verdicts = snapshot(args.only)
    text = json.dumps(verdicts, indent=1, sort_keys=True)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
