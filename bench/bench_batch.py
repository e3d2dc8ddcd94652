"""Benchmark `grader grade`: throughput with 1 and 2 workers, and the grader's own overhead.

Builds a class of N submissions (a mix of correct and wrong answers from
tests/cases/lab3), grades it with 1 worker and with 2, and prints submissions
per minute, the speed-up, and the grader overhead per submission: the share
of each submission's wall time spent outside the sandboxed processes
(loading, preparing inputs, checking, scoring, writing results).

    python bench/bench_batch.py [--count 20] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from casebook import all_cases, merge_sources  # noqa: E402

from grader.batch import grade_batch  # noqa: E402


def make_class(folder: Path, count: int) -> None:
    """Alternate whole correct submissions with ones carrying one wrong answer per exercise."""
    reference = REPO / "reference" / "lab3" / "solution.py"
    alternative = REPO / "tests" / "cases" / "lab3" / "full_alt_solution.py"
    wrong = [c for c in all_cases() if not c.correct]
    for i in range(count):
        if i % 2 == 0:
            shutil.copy(reference if i % 4 == 0 else alternative, folder / f"student{i:02d}.py")
        else:
            picks = {}
            for case in wrong[i % len(wrong):] + wrong:
                picks.setdefault(case.exercise, case)
            (folder / f"student{i:02d}.py").write_text(merge_sources([reference] + [c.path for c in picks.values()]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="structural checks only")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {args.count} submissions, {'--quick' if args.quick else 'full grading'}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        make_class(folder, args.count)
        rates = {}
        for workers in (1, 2):
            started = time.perf_counter()
            summary = grade_batch(folder, Path(tmp) / f"out{workers}", workers=workers, quick=args.quick, force=True)
            wall = time.perf_counter() - started
            overhead = [(r.seconds - r.sandbox_seconds) / r.seconds for r in summary.results.values() if r.seconds]
            rates[workers] = args.count / wall * 60
            print(f"workers={workers}: {wall:.1f} s, {rates[workers]:.1f} submissions/min, mean score {summary.mean_score:.1f}/{summary.max_score:g}, "
                  f"grader overhead per submission: median {statistics.median(overhead):.1%}, max {max(overhead):.1%}")
        print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
