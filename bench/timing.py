"""Timing helpers shared by the benchmarks: a median over repeated calls, and a cold Numba compile."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def cold_compile_seconds(code: str) -> float:
    """Runs `code` (which prints seconds) in a fresh process with an empty Numba cache: a new machine's first call."""
    with tempfile.TemporaryDirectory() as cache:
        output = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True, text=True,
                                capture_output=True, env={**os.environ, "NUMBA_CACHE_DIR": cache}).stdout
    return float(output)
