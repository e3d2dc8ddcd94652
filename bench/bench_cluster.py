"""Benchmark grading on Dask against the local thread pool, on the same class.

Builds the class of bench_batch.py (lab 3, correct and wrong answers mixed),
then grades it four ways, in one run: the local thread pool with 1 and 2
workers, and a LocalCluster (grader.cluster.DaskPool, TCP on loopback) with 1
and 2 worker processes. Prints the wall time and throughput of each, the
Dask overhead at equal workers, the speed-up from 1 to 2 workers, and an
extrapolation to N machines from the measured per-submission time.

    python bench/bench_cluster.py [--count 20] [--full]
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
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from bench_batch import make_class  # noqa: E402

from grader.batch import LocalPool, grade_batch  # noqa: E402
from grader.cluster import DaskPool  # noqa: E402


def run(folder: Path, out: Path, pool, quick: bool) -> tuple[float, list[float]]:
    started = time.perf_counter()
    summary = grade_batch(folder, out, "lab3", pool=pool, quick=quick, force=True, reports=False)
    wall = time.perf_counter() - started
    assert summary.graded == len(summary.results) and not summary.errors, "every submission should be graded"
    return wall, [r.seconds for r in summary.results.values()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--full", action="store_true", help="full grading (default: --quick, structural checks only)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    args = parser.parse_args()
    quick = not args.full
    counts = [int(n) for n in args.workers.split(",")]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {args.count} lab-3 submissions, {'--quick' if quick else 'full grading'}")
    walls: dict[tuple[str, int], float] = {}
    per_submission: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        make_class(folder, args.count)
        for workers in counts:
            for kind in ("threads", "dask"):
                if kind == "threads":
                    wall, seconds = run(folder, Path(tmp) / f"{kind}{workers}", LocalPool(workers), quick)
                else:
                    with DaskPool.local(workers) as pool:
                        wall, seconds = run(folder, Path(tmp) / f"{kind}{workers}", pool, quick)
                walls[kind, workers] = wall
                if workers == counts[0]:
                    per_submission.extend(seconds)
                print(f"{kind:7s} workers={workers}: {wall:6.1f} s, {args.count / wall * 60:5.1f} submissions/min, "
                      f"median {statistics.median(seconds):.1f} s per submission")
    for workers in counts:
        print(f"Dask overhead at {workers} worker(s): {walls['dask', workers] / walls['threads', workers] - 1:+.1%}")
    for kind in ("threads", "dask"):
        for fewer, more in zip(counts, counts[1:]):
            print(f"{kind}: speed-up from {fewer} to {more} workers {walls[kind, fewer] / walls[kind, more]:.2f}x")
    one = statistics.median(per_submission)
    print(f"extrapolation: one sandbox grades a submission in {one:.1f} s (median, {counts[0]} worker(s), this CPU), so a machine running k sandboxes "
          f"at once grades about {60 / one:.1f}·k a minute; N such machines about {60 / one:.1f}·k·N a minute if the scheduler keeps up "
          f"(300 students on 10 machines × 4 sandboxes: about {300 * one / 40 / 60:.1f} min)")


if __name__ == "__main__":
    main()
