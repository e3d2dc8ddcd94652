"""Benchmark `grader check LAB` on a lab's reference solution, as a student would run it.

Times the whole command (Python start-up, TensorFlow import in the sandbox,
every exercise) with and without --quick, and prints the median of N runs.
Targets (issue: core grader check) on a 2-core CPU: full <= 30 s, --quick <= 8 s.

    python bench/bench_check.py [--runs 3] [--lab lab3] [--submission PATH]   (default: the lab's reference solution)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def time_check(lab: str, submission: Path, quick: bool) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "grader", "check", lab, str(submission), "--json", str(out)] + (["--quick"] if quick else [])
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if proc.returncode not in (0, 1):
            raise SystemExit(f"grader check failed ({proc.returncode}):\n{proc.stderr}")
        return seconds, json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lab", default="lab3", help="a lab `grader labs` lists (the toy lab: PYTHONPATH=tests/labs/toy_labs)")
    parser.add_argument("--submission", type=Path, default=None)
    args = parser.parse_args()
    if args.submission is None:
        from grader.lab import get_lab

        args.submission = get_lab(args.lab).reference_dir / "solution.py"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"submission: {args.submission}")
    for quick in (True, False):
        times, per_exercise = [], {}
        for _ in range(args.runs):
            seconds, result = time_check(args.lab, args.submission, quick)
            times.append(seconds)
            for ex in result["exercises"]:
                per_exercise.setdefault(ex["name"], []).append(ex["seconds"])
        label = "--quick" if quick else "full   "
        print(f"{label}: median {statistics.median(times):.1f} s over {args.runs} runs (min {min(times):.1f}, max {max(times):.1f}); "
              f"score {result['score']:g}/{result['max_score']:g}")
        print("         per exercise (median s): " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in per_exercise.items()))


if __name__ == "__main__":
    main()
