"""Timing helpers shared by the benchmarks: medians of repeats, per-call times and percentiles, cold Numba compiles."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

from revise.paths import PROJECT_ROOT


def median_seconds(call: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of `runs` calls, and the last call's result (to check it against the reference)."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def seconds_per_call(call: Callable[[Any], Any], samples: Iterable[Any]) -> list[float]:
    """Wall time of one call on each sample, in order: a distribution rather than a median of repeats."""
    times = []
    for sample in samples:
        start = time.perf_counter()
        call(sample)
        times.append(time.perf_counter() - start)
    return times


def percentile(values: list[float], percent: int) -> float:
    """The `percent`th percentile of the values, interpolated between the two nearest (as numpy's default)."""
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def cold_compile_seconds(code: str) -> float:
    """Runs `code` (which prints seconds) in a fresh process with an empty Numba cache: a new machine's first call."""
    with tempfile.TemporaryDirectory() as cache:
        output = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True, text=True,
                                capture_output=True, env={**os.environ, "NUMBA_CACHE_DIR": cache}).stdout
    return float(output)


def comparison_row(what: str, figures: dict[str, float], reference: str, aim: str) -> str:
    """One Markdown row of a kernel against its reference: both times, and how many times faster revise is."""
    ratio = figures["reference_s"] / figures["revise_s"]
    speed = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
    return (f"| {what} | {figures['revise_s'] * 1000:.2f} ms | {reference}: {figures['reference_s'] * 1000:.2f} ms | "
            f"{speed} | {aim} |")
