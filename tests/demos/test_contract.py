"""What every demo module promises, checked for each one found in `demos/`, and for each card's demo values."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from revise.cards.loader import card_files, load_known_names, read_card_file
from revise.demo_engine.catalogue import END_MARK, START_MARK, demo_table
from revise.demo_engine.command import run_demo_command
from revise.demo_engine.registry import demo_names, load_demo
from revise.demo_engine.runner import run_demo
from revise.paths import PROJECT_ROOT

DEMOS = demo_names()
BUNDLED = PROJECT_ROOT / "cards"
CJK = re.compile(r"[\u4e00-\u9fff]")


def bundled_links() -> list[tuple[str, str, dict[str, str]]]:
    """(card id, demo name, values) for every bundled card with a `demo:` line."""
    known, _ = load_known_names(BUNDLED)
    return [(card.id, card.demo_link.name, card.demo_link.as_dict())
            for path in card_files(BUNDLED) for card in read_card_file(path, known).cards if card.demo_link]


LINKS = bundled_links()
WARM_EVERY_KERNEL = """
import sys
from numba.core.dispatcher import Dispatcher
from revise.demo_engine.registry import load_demo
for name in sys.argv[1:]:
    demo = load_demo(name)
    demo.warm()
    module = sys.modules[f"demos.{name}"]
    cold = [key for key, value in vars(module).items() if isinstance(value, Dispatcher) and not value.signatures]
    kernels = [key for key, value in vars(module).items() if isinstance(value, Dispatcher)]
    print(name, len(kernels), ",".join(cold) or "-")
"""


def test_there_are_demos_and_the_list_shows_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(DEMOS) >= 5
    assert run_demo_command(None, [], list_only=True) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == list(DEMOS)
    assert all(CJK.search(line) for line in listed), "each demo is listed with its Chinese title"


@pytest.mark.parametrize("name", DEMOS)
def test_parameters_are_the_run_functions_own(name: str) -> None:
    demo = load_demo(name)
    signature = inspect.signature(demo.run).parameters
    assert demo.name == name
    assert [param.name for param in demo.params] == list(signature)
    for param in demo.params:
        assert param.default == signature[param.name].default
        assert param.help_en and CJK.search(param.help_zh), f"{param.name} is explained in both languages"
        if param.kind in ("int", "float"):
            assert param.low <= param.default <= param.high
    assert demo.validate({}) == demo.defaults()


@pytest.mark.parametrize("name", DEMOS)
def test_a_run_gives_summary_table_and_figure_in_both_languages(name: str) -> None:
    demo = load_demo(name)
    result = demo.run(**demo.defaults())
    assert result.summary.strip() and not CJK.search(result.summary)
    assert CJK.search(result.summary_zh)
    table = result.table
    assert table.columns and table.rows
    assert len(table.columns_zh) == len(table.columns) and any(CJK.search(header) for header in table.columns_zh)
    assert all(len(row) == len(table.columns) and all(isinstance(cell, str) for cell in row) for row in table.rows)
    assert result.figure.axes and result.figure.axes[0].get_title()
    data = json.loads(json.dumps(result.data, allow_nan=False))
    assert data == result.data, "data is plain JSON: lists, not tuples or arrays"


@pytest.mark.parametrize("name", DEMOS)
def test_help_lists_each_parameter_with_its_range(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_demo_command(name, ["--help"], list_only=False)
    help_text = "".join(capsys.readouterr().out.split())  # argparse wraps lines, even inside "comma-separated"
    for param in load_demo(name).params:
        assert f"--{param.name.replace('_', '-')}VALUE" in help_text
        assert "".join(f"{param.describe_range()}; default {param.as_text(param.default)}".split()) in help_text


@pytest.mark.parametrize("name", DEMOS)
def test_json_and_plot_from_the_command(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plot = tmp_path / f"{name}.png"
    assert run_demo_command(name, ["--json", "--plot", str(plot)], list_only=False) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["demo"] == name and output["summary"] and output["summary_zh"]
    assert output["table"]["rows"]
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_warm_compiles_every_kernel_of_every_demo(tmp_path: Path) -> None:
    """As on a new machine: a fresh interpreter and an empty Numba cache (a kernel loaded from the cache
    leaves the kernels it calls without signatures, so only a real compile shows that warm() reaches them)."""
    result = subprocess.run([sys.executable, "-c", WARM_EVERY_KERNEL, *DEMOS], capture_output=True, text=True,
                            timeout=900, env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    reports = [line.split() for line in result.stdout.splitlines()]
    assert [name for name, _, _ in reports] == list(DEMOS)
    for name, kernels, cold in reports:
        assert int(kernels) >= 1, f"{name} has no @njit kernel"
        assert cold == "-", f"{name}.warm() leaves these kernels uncompiled: {cold}"


@pytest.mark.parametrize(("card_id", "name", "values"), LINKS, ids=[link[0] for link in LINKS])
def test_each_card_opens_its_demo_on_values_the_demo_accepts(card_id: str, name: str, values: dict[str, str]) -> None:
    run = run_demo(name, values)
    assert run.result.summary
    for key, raw in values.items():
        assert run.params[key] == load_demo(name).validate({key: raw})[key]


def test_the_readme_demo_table_is_made_from_the_demos_and_cards() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split(START_MARK, 1)[1].split(END_MARK, 1)[0].strip()
    assert table == demo_table(BUNDLED), "the README's demo table is stale: run `make readme`"
    assert table.count("\n| `") == len(DEMOS)


def test_most_bundled_cards_open_a_demo() -> None:
    assert len(LINKS) >= 170, "issue 14: at least 170 of the bundled cards open a demo"
    assert sum(1 for _, _, values in LINKS if values) >= 160, "cards open their demo on their own example"
