"""Benchmark `grader similarity`: a generated lab-3 class of N notebooks (default 300).

Every notebook fills the lab's handout with answer files of tests/cases/lab3
(drawn with replacement, so many pairs share code). Prints the time to find
the submissions, fingerprint them, rank every pair and write the report, as
the median of a few runs.

    python bench/bench_similarity.py [--count 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from lab3_class import HANDOUT, build_large_class  # noqa: E402

from grader.batch import discover_submissions  # noqa: E402
from grader.engine import load_lab_rubric  # noqa: E402
from grader import similarity  # noqa: E402
from grader.similarity import similarity_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {args.count} lab-3 notebooks")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        build_large_class(folder, load_lab_rubric("lab3"), args.count)
        seconds = []
        for run in range(args.runs):
            for cached in (similarity._raw_tokens, similarity._bound_names, similarity._token_value):
                cached.cache_clear()  # each run starts cold, as a fresh `grader similarity` does
            started = time.perf_counter()
            entries = discover_submissions(folder, Path(tmp) / f"work{run}")
            pairs = similarity_report(entries, [HANDOUT], Path(tmp) / f"report{run}", "lab3")
            seconds.append(time.perf_counter() - started)
            print(f"run {run + 1}: {seconds[-1]:.1f} s, {len(pairs)} pairs share code beyond the handout")
    print(f"median: {statistics.median(seconds):.1f} s for {args.count} notebooks (target: under 60 s)")


if __name__ == "__main__":
    main()
