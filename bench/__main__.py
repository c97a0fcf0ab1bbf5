"""Runs every benchmark and writes the figures to bench/RESULTS.md."""

from __future__ import annotations

import platform
from datetime import date
from pathlib import Path

from bench import startup

RESULTS = Path(__file__).with_name("RESULTS.md")


def main() -> None:
    """Runs the benchmarks in turn, printing and saving a Markdown table."""
    rows = [startup.report(startup.measure())]
    table = "\n".join([
        "# Benchmark results",
        "",
        f"Measured {date.today()} on {platform.machine()} ({platform.python_implementation()} "
        f"{platform.python_version()}), medians of 7 runs. Run `make bench` to measure again.",
        "",
        "| what | revise | reference (same run) | ratio | aim |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
    ])
    RESULTS.write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
