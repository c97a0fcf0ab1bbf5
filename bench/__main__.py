"""Runs every benchmark and writes the figures to bench/RESULTS.md."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
BENCHMARKS = ("startup", "demo_rerun", "search", "stats", "remote", "adam", "bleu", "nms", "foundations",
              "torch_kernels", "optimize")


def main() -> None:
    """Runs the benchmarks in turn, each in a process of its own (so that what one leaves loaded, such as Numba and
    every demo, does not slow the next), printing each row as it comes, and saves a Markdown table."""
    header = [
        "# Benchmark results",
        "",
        f"Measured {date.today()} on {platform.machine()} ({platform.python_implementation()} "
        f"{platform.python_version()}), 2 cores; medians; each benchmark in a fresh process, its reference in the "
        "same one. Run `make bench` to measure again.",
        "",
        "| what | revise | reference (same run) | ratio | aim |",
        "| --- | --- | --- | --- | --- |",
    ]
    print("\n".join(header))
    rows = []
    for name in BENCHMARKS:
        measured = subprocess.run([sys.executable, "-c", f"import bench.{name} as b; print(b.report(b.measure()))"],
                                  stdout=subprocess.PIPE, text=True, check=True)
        row = measured.stdout.strip()
        print(row, flush=True)
        rows.append(row)
    RESULTS.write_text("\n".join([*header, *rows, ""]), encoding="utf-8")


if __name__ == "__main__":
    main()
