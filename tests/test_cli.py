"""The command line: every command, its JSON, and clear one-line errors with exit 1 or 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from revise.cli import main
from revise.paths import PROJECT_ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs the real `revise` command in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "revise", *args], capture_output=True, text=True, timeout=120)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sync_reports_what_changed(capsys, db_path: Path, cards_dir: Path) -> None:
    code, out, _ = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "sync")
    assert code == 0
    assert out.strip() == "sync: 3 added, 0 updated, 0 retired, 0 restored; 1 files read, 0 unchanged"
    _, out, _ = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "sync")
    assert out.startswith("sync: 0 added")


def test_stats_json_counts_today(capsys, db_path: Path, cards_dir: Path) -> None:
    code, out, _ = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "stats", "--json")
    stats = json.loads(out)
    assert code == 0
    assert {k: stats[k] for k in ("cards", "due", "new", "learning", "reviews_today")} == {
        "cards": 3, "due": 0, "new": 3, "learning": 0, "reviews_today": 0}


def test_db_from_environment(capsys, monkeypatch, tmp_path: Path, cards_dir: Path) -> None:
    monkeypatch.setenv("REVISE_DB", str(tmp_path / "env.db"))
    cli(capsys, "--cards", str(cards_dir), "sync")
    assert (tmp_path / "env.db").exists()


def test_list_json_has_every_card(capsys, db_path: Path, cards_dir: Path) -> None:
    code, out, _ = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "list", "--json")
    rows = json.loads(out)
    assert code == 0
    assert [row["id"] for row in rows] == ["gd-update", "adam-bias", "momentum"]
    assert rows[0]["deck"] == "optimisation" and rows[0]["title_zh"] == "梯度下降"
    assert rows[0]["state"] == "new" and rows[0]["due"] is None


def test_list_as_text(capsys, db_path: Path, cards_dir: Path) -> None:
    _, out, _ = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "list")
    assert "adam-bias" in out and "Adam bias correction | Adam 偏差修正" in out


def test_show_renders_formulas_as_text(capsys, db_path: Path, cards_dir: Path) -> None:
    code, out, _ = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "show", "adam-bias")
    assert code == 0
    assert "v̂ₜ = vₜ/(1-β₂ᵗ)" in out
    assert "\\frac" not in out and "$" not in out
    _, out, _ = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "show", "adam-bias", "--json")
    card = json.loads(out)
    assert card["demo"] == "optimizers" and "v̂ₜ = vₜ/(1-β₂ᵗ)" in card["back_zh"]


def test_show_unknown_card_is_one_line(capsys, db_path: Path, cards_dir: Path) -> None:
    code, _, err = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "show", "nope")
    assert code == 1 and err == "revise: error: no card with id `nope`\n"


def test_check_passes_on_the_bundled_cards(capsys) -> None:
    code, out, _ = cli(capsys, "--cards", str(PROJECT_ROOT / "cards"), "check")
    assert code == 0, out
    count = int(out.strip().splitlines()[-1].split()[0])
    assert count >= 25
    assert out.strip().endswith("cards, 0 problems"), "no problem and no warning"


def test_check_fails_with_file_and_line_on_a_broken_copy(capsys, tmp_path: Path) -> None:
    broken = tmp_path / "cards"
    shutil.copytree(PROJECT_ROOT / "cards", broken)
    deck = sorted(broken.glob("*.md"))[0]
    lines = deck.read_text(encoding="utf-8").splitlines()
    id_line = next(number for number, line in enumerate(lines, 1) if line.startswith("id: "))
    lines[id_line - 1] = "id: Not An Id"
    deck.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = cli(capsys, "--cards", str(broken), "check")
    assert code == 1
    assert f"{deck}:{id_line}: bad id `Not An Id`" in out


def test_check_reports_demo_values_the_demo_refuses_at_their_line(capsys, tmp_path: Path) -> None:
    deck = (PROJECT_ROOT / "cards" / "02-optimisation.md").read_text(encoding="utf-8")
    lines = deck.splitlines()
    first_demo = next(number for number, line in enumerate(lines) if line.startswith("demo: optimizers"))
    lines[first_demo] = "demo: optimizers surface=moon lr=0.1"
    (tmp_path / "02-optimisation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = cli(capsys, "--cards", str(tmp_path), "check")
    assert code == 1
    assert (f"{tmp_path / '02-optimisation.md'}:{first_demo + 1}: demo optimizers: surface=moon: must be one of "
            "rosenbrock, beale, saddle, bowl, himmelblau") in out


def test_warnings_are_printed_but_pass_and_problems_fail(capsys, tmp_path: Path) -> None:
    deck = tmp_path / "deck.md"
    long_answer = " ".join(["word"] * 130)
    deck.write_text(f"# D | 甲\n\n## Long | 长\nid: long\n\n### Q\nQ?\n\n### 问\n问?\n\n### A\n{long_answer}\n\n"
                    "### 答\n答。\n", encoding="utf-8")
    code, out, _ = cli(capsys, "--cards", str(tmp_path), "check")
    assert code == 0 and f"{deck}:13: warning: an answer of about 130 words" in out
    assert out.strip().endswith("1 cards, 1 warning")
    deck.write_text(deck.read_text(encoding="utf-8").replace("id: long", "id: Bad Id"), encoding="utf-8")
    code, out, _ = cli(capsys, "--cards", str(tmp_path), "check")
    assert code == 1 and out.strip().endswith("0 cards, 1 problem, 1 warning")


def test_check_reports_a_missing_folder(capsys, tmp_path: Path) -> None:
    code, out, _ = cli(capsys, "--cards", str(tmp_path / "nowhere"), "check")
    assert code == 1 and "no such card folder" in out


@pytest.mark.parametrize("args", [["--frobnicate"], ["stats", "--nope"], ["show"], ["teleport"]])
def test_bad_arguments_give_usage_and_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: revise")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [[], ["sync"], ["check"], ["stats"], ["list"], ["show"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: revise")


def test_a_database_that_is_not_one_is_a_one_line_error(tmp_path: Path, cards_dir: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite\n" * 100)
    result = run("--db", str(bad), "--cards", str(cards_dir), "stats")
    assert result.returncode == 1
    assert result.stderr.startswith("revise: error:") and "not a revise database" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_reader_closing_the_pipe_early_gets_no_traceback(tmp_path: Path) -> None:
    """A reader gone before the listing ends (`revise list | head -1` once head has its line) ends it quietly, 141.
    The read end is closed before the command starts, so its first write certainly meets the closed pipe: reading
    a line and then closing raced, as the 30 KB listing fits in the pipe's buffer and could all be written first."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        listing = subprocess.run([sys.executable, "-m", "revise", "--db", str(tmp_path / "pipe.db"), "--cards",
                                  str(PROJECT_ROOT / "cards"), "list"], stdout=write_end, stderr=subprocess.PIPE,
                                 timeout=120)
    finally:
        os.close(write_end)
    assert listing.stderr == b"", listing.stderr.decode(errors="replace")
    assert listing.returncode == 141
