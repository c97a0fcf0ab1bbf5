"""`revise drill` and the `drill:` line from the command line: list, print, check an answer, refuse bad names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from revise.demo_engine.registry import all_drills, load_drill
from tests.test_drill_review import DRILL_DECK


def revise(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs the real `revise` command in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "revise", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def test_list_names_every_drill_one_per_line() -> None:
    listed = revise("drill", "--list")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == sorted(all_drills())


def test_an_instance_prints_its_question_answer_and_solution_in_both_languages_and_is_the_same_for_a_seed() -> None:
    first, again = revise("drill", "conv_size.output_shape", "--seed", "7"), revise(
        "drill", "conv_size.output_shape", "--seed", "7")
    assert first.returncode == 0 and first.stdout == again.stdout
    instance = load_drill("conv_size.output_shape").instance(7)
    for part in (instance.question_en, instance.question_zh, "Worked solution:", "解答：",
                 "x".join(map(str, instance.worked.answers["shape"]))):
        assert part in first.stdout


def test_an_answer_is_checked_right_or_wrong_with_exit_0_and_json_says_so() -> None:
    side, _, filters = load_drill("conv_size.output_shape").instance(7).worked.answers["shape"]
    right = revise("drill", "conv_size.output_shape", "--seed", "7", "--answer", f"({side}, {side}, {filters})")
    wrong = revise("drill", "conv_size.output_shape", "--seed", "7", "--answer", "1x1x1")
    unreadable = revise("drill", "conv_size.output_shape", "--seed", "7", "--answer", "twelve")
    assert (right.returncode, wrong.returncode, unreadable.returncode) == (0, 0, 0)
    assert "✓ output shape" in right.stdout and "is right" in right.stdout
    assert f"1x1x1 is wrong; the answer is {side}x{side}x{filters}" in wrong.stdout
    assert "`twelve` is not a shape" in unreadable.stdout
    data = json.loads(revise("drill", "conv_size.output_shape", "--seed", "7", "--json", "--answer", "1x1x1",
                             PYTHONIOENCODING="ascii").stdout)
    assert data["all_right"] is False and data["marks"]["shape"] == {"typed": "1x1x1", "right": False, "problem": ""}
    assert data["answers"]["shape"] == f"{side}x{side}x{filters}" and data["solution_zh"][-1].startswith("每个")


def test_an_unknown_drill_is_one_line_and_exit_2() -> None:
    result = revise("drill", "conv_size.nope")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("revise drill: error: unknown drill `conv_size.nope` (conv_size has: output_shape")
    assert result.stderr.count("\n") == 1


def test_check_reports_a_drill_that_does_not_exist_or_is_misspelt_at_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    deck = DRILL_DECK.replace("drill: conv_size.output_shape", "drill: conv_size.no_such_drill")
    deck += "\n" + DRILL_DECK.split("\n", 2)[2].replace("conv-output", "conv-two").replace(
        "drill: conv_size.output_shape", "drill: output shape")
    (folder / "01-conv.md").write_text(deck, encoding="utf-8")
    result = revise("--cards", str(folder), "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{folder / '01-conv.md'}:5: unknown drill `conv_size.no_such_drill`")
               for line in lines), lines
    bad_line = deck.splitlines().index("drill: output shape") + 1
    assert any(f":{bad_line}: drill `output shape` must read `demo.drill`" in line for line in lines), lines
