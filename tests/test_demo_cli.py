"""`revise demo` from the command line: every demo runs with --json and --plot; bad input is one line, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from revise.demo_engine.registry import demo_names

def revise(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs the real `revise` command in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "revise", *args], capture_output=True, text=True, timeout=300)


def test_the_real_command_lists_every_demo_and_runs_one_with_json_and_plot(tmp_path: Path) -> None:
    listed = revise("demo", "--list")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == list(demo_names())
    assert "集束搜索" in listed.stdout
    plot = tmp_path / "bleu.png"
    result = revise("demo", "bleu", "--json", "--plot", str(plot))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["demo"] == "bleu" and output["summary"].startswith("BLEU-4 = 0.4671")
    assert plot.read_bytes().startswith(b"\x89PNG"), "a real PNG file"


def test_text_output_and_a_parameter(tmp_path: Path) -> None:
    result = revise("demo", "conv_size", "--preset", "lenet5")
    assert result.returncode == 0, result.stderr
    assert "61,706 parameters" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["optimizers", "--lr", "5"], "revise demo optimizers: error: --lr 5: must be from 1e-05 to 2\n"),
    (["nms", "--iou-threshold", "abc"], "revise demo nms: error: --iou-threshold abc: must be from 0 to 1\n"),
    (["optimizers", "--surface", "moon"], "revise demo optimizers: error: --surface moon: must be one of "),
    (["teleport"], "revise demo: error: unknown demo `teleport` (known: activations, "),
])
def test_bad_parameters_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = revise("demo", *args)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def test_an_unknown_option_gives_usage_and_exit_2() -> None:
    result = revise("demo", "bleu", "--colour", "red")
    assert result.returncode == 2 and result.stderr.startswith("usage: revise demo bleu")


def test_a_demo_help_lists_its_parameters_with_ranges() -> None:
    result = revise("demo", "optimizers", "--help")
    assert result.returncode == 0
    assert "--lr VALUE" in result.stdout and "from 1e-05 to 2" in result.stdout
