"""`revise demo`: list the demos, or run one with parameters given as options, printing text or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from revise.demo_engine.registry import UnknownDemoError, demo_names, load_demo
from revise.demo_engine.runner import DemoRunError, run_demo
from revise.demo_engine.spec import Demo, DemoParamError
from revise.errors import printable, stdout_json
from revise.figures import figure_png


class _ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, echoing what was typed with control characters escaped, never raw to the terminal."""

    def error(self, message: str) -> NoReturn:
        """Prints the usage and the message, made printable, and exits with status 2."""
        super().error(printable(message))


def _demo_parser(demo: Demo) -> argparse.ArgumentParser:
    """An option parser for one demo: one --option per parameter, plus --json and --plot."""
    parser = _ArgumentParser(prog=f"revise demo {demo.name}", description=demo.description_en)
    for param in demo.params:
        parser.add_argument(f"--{param.name.replace('_', '-')}", dest=param.name, metavar="VALUE",
                            help=f"{param.help_en} ({param.describe_range()}; default {param.as_text(param.default)})"
                            .replace("%", "%%"))
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="save the figure as a PNG file")
    return parser


def _print_table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> None:
    """Prints a table with columns padded to their widest cell (control characters, say from a --hypothesis
    given with an escape sequence, shown escaped)."""
    cells = [[printable(str(cell)) for cell in row] for row in (columns, *rows)]
    widths = [max(len(cell) for cell in column) for column in zip(*cells)]
    for row in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def run_demo_command(name: str | None, options: list[str], list_only: bool) -> int:
    """Runs `revise demo`; bad names and parameters give one line and exit 2."""
    if list_only or name is None:
        for demo_name in demo_names():
            demo = load_demo(demo_name)
            print(f"{demo_name:<12} {demo.title_en} | {demo.title_zh}: {demo.description_en}")
        return 0
    try:
        demo = load_demo(name)
    except UnknownDemoError as error:
        print(f"revise demo: error: {printable(str(error))}", file=sys.stderr)
        return 2
    args = _demo_parser(demo).parse_args(options)
    values = {param.name: getattr(args, param.name) for param in demo.params
              if getattr(args, param.name) is not None}
    try:
        run = run_demo(name, values)
    except (DemoParamError, DemoRunError) as error:
        print(f"revise demo {name}: error: {printable(str(error))}", file=sys.stderr)
        return 2
    if args.plot:
        try:
            args.plot.write_bytes(figure_png(run.result.figure))
        except OSError as error:
            print(f"revise demo {name}: error: cannot write {printable(str(args.plot))}: {error.strerror}",
                  file=sys.stderr)
            return 1
    if args.json:
        print(stdout_json({"demo": name, "params": run.params, "summary": run.result.summary,
                           "summary_zh": run.result.summary_zh, "table": run.result.table.to_json(),
                           "data": run.result.data, "seconds": round(run.seconds, 6)}))
        return 0
    summary = "\n".join(printable(line) for line in run.result.summary_in("both").split("\n"))
    print(f"{demo.title_en} | {demo.title_zh}\n{summary}\n")
    _print_table(run.result.table.columns, run.result.table.rows)
    if args.plot:
        print(f"\nfigure saved to {printable(str(args.plot))}")
    return 0
