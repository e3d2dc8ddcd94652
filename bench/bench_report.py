"""Benchmark of the HTML feedback report: grade the reference once, time render_html.

    python3 bench/bench_report.py

Prints the median of 5 renders and the report size; the targets are under
3 s and under 2 MB for a full lab-3 report with every figure.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.engine import grade_submission  # noqa: E402
from grader.report import render_html  # noqa: E402

TARGET_SECONDS, TARGET_BYTES, RUNS = 3.0, 2_000_000, 5


def main() -> int:
    started = time.perf_counter()
    result = grade_submission(REPO / "reference" / "lab3" / "solution.py", "lab3")
    print(f"graded the reference in {time.perf_counter() - started:.1f} s: {result.score:g}/{result.max_score:g}")
    times, html = [], ""
    for _ in range(RUNS):
        t = time.perf_counter()
        html = render_html(result)
        times.append(time.perf_counter() - t)
    median, size = statistics.median(times), len(html.encode())
    print(f"render_html: median {median:.2f} s of {RUNS} (first {times[0]:.2f} s, min {min(times):.2f} s, max {max(times):.2f} s)")
    print(f"report size: {size / 1e6:.2f} MB ({size:,} bytes), {html.count('<img')} figures")
    ok = median < TARGET_SECONDS and size < TARGET_BYTES
    print(f"target (< {TARGET_SECONDS:g} s, < {TARGET_BYTES / 1e6:g} MB): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
