"""Benchmark grading an original fill-in notebook against the same answers in stub form.

Times the whole `grader check lab3 <notebook>` command (Python start-up,
TensorFlow import in the sandbox, every cell of the notebook, every exercise)
for the inline-form notebook and for the stub-form notebook with the same
answers, and prints medians and their ratio. Target (issues 7 and 11): inline <= 2x stub.

    python bench/bench_inline.py [--runs 3] [--quick]
    python bench/bench_inline.py --inline real_notebook.ipynb --stub its_answers_as_stubs.py

By default it times examples/lab3/inline/complete.ipynb against
complete_stub_twin.py, the same answers in the stub form; with --inline
and --stub, any notebook and its stub twin (a real instructor solution, say).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from bench_check import time_check  # noqa: E402  (the same timed `grader check` command)

INLINE = REPO / "examples/lab3/inline/complete.ipynb"
STUB = REPO / "examples/lab3/inline/complete_stub_twin.py"  # the same answers in the stub form


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="structure checks only, for both forms")
    parser.add_argument("--inline", type=Path, help="an original fill-in notebook (default: examples/lab3/inline/complete.ipynb)")
    parser.add_argument("--stub", type=Path, help="the same answers in the stub form")
    args = parser.parse_args()
    inline, stub = (args.inline or INLINE).resolve(), (args.stub or STUB).resolve()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}")
    medians = {}
    for label, path in (("stub", stub), ("inline", inline)):
        times, result = [], {}
        for _ in range(args.runs):
            seconds, result = time_check(path, args.quick)
            times.append(seconds)
        medians[label] = statistics.median(times)
        shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        print(f"{label:6s} {shown}: median {medians[label]:.1f} s (min {min(times):.1f}, max {max(times):.1f}; "
              f"score {result['score']:g}/{result['max_score']:g}, form {result.get('form')})")
        slowest = sorted(result["exercises"], key=lambda e: -e["seconds"])[:3]
        print("       slowest exercises: " + ", ".join(f"{e['name']} {e['seconds']:.1f} s" for e in slowest))
    ratio = medians["inline"] / medians["stub"]
    print(f"inline / stub: {ratio:.2f}x (target <= 2x) {'OK' if ratio <= 2 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
