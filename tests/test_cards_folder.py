"""A card folder as users leave it: stray entries, hidden files, encodings, a broken notes list, huge formulas.

Each case is met the way a user meets it (`revise check` in a real process, the other commands through
`main`, sync on a real SQLite file, the app under Pilot): one line naming the file and line, and every
other card still loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from revise.cards.loader import check_cards
from revise.cli import main
from revise.collection import Collection
from revise.scheduler.fsrs_scheduler import GOOD
from tests.conftest import DECK, touch_later

ALL_IDS = ["gd-update", "adam-bias", "momentum"]
OTHER_DECK = DECK.replace("# Optimisation | 优化", "# Other | 其他").replace("id: gd-update", "id: other-gd") \
    .replace("id: adam-bias", "id: other-adam").replace("id: momentum", "id: other-momentum")


def cli(capsys: pytest.CaptureFixture[str], db_path: Path, cards_dir: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db_path), "--cards", str(cards_dir), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def add_strays(cards_dir: Path) -> list[str]:
    """A directory, a broken link and a link loop named like decks, and hidden copies of the deck;
    returns the problem lines `revise` should print for them, in name order."""
    (cards_dir / "drafts.md").mkdir()
    (cards_dir / "moved.md").symlink_to("elsewhere/moved.md")
    (cards_dir / "loop.md").symlink_to("loop.md")
    (cards_dir / ".#optimisation.md").symlink_to("root@host.1234:1700000000")  # Emacs's lock link
    for hidden in (".optimisation.md", "._optimisation.md"):  # a hidden copy, macOS's resource fork file
        (cards_dir / hidden).write_text(DECK, encoding="utf-8")
    return [f"{cards_dir / 'drafts.md'}:1: not a regular file (a directory), skipped",
            f"{cards_dir / 'loop.md'}:1: not a regular file (a symbolic link loop), skipped",
            f"{cards_dir / 'moved.md'}:1: not a regular file (a broken link to elsewhere/moved.md), skipped"]


def test_check_lists_stray_entries_and_skips_hidden_files(cards_dir: Path) -> None:
    expected = add_strays(cards_dir)
    done = subprocess.run([sys.executable, "-m", "revise", "--cards", str(cards_dir), "check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [*expected, "3 cards, 3 problems"], "hidden files are not decks"
    assert done.stderr == ""


@pytest.mark.parametrize("command", [["sync"], ["stats"], ["list"], ["show", "adam-bias"], ["search", "momentum"]])
def test_every_command_works_beside_stray_entries(capsys, db_path: Path, cards_dir: Path,
                                                  command: list[str]) -> None:
    expected = add_strays(cards_dir)
    code, out, err = cli(capsys, db_path, cards_dir, *command)
    assert err.splitlines() == expected
    assert code == (1 if command == ["sync"] else 0)
    shown = {"sync": "sync: 3 added, 0 updated, 0 retired, 0 restored; 1 files read", "stats": "cards: 3",
             "list": "Momentum | 动量", "show": "Adam bias correction | Adam 偏差修正", "search": "Momentum | 动量"}
    assert shown[command[0]] in out
    _, out, _ = cli(capsys, db_path, cards_dir, "list", "--json")
    assert [row["id"] for row in json.loads(out)] == ALL_IDS


def test_a_deck_that_becomes_a_stray_entry_keeps_its_cards_until_it_is_removed(db_path: Path, cards_dir: Path
                                                                                ) -> None:
    collection = Collection(db_path, cards_dir)
    try:
        deck = cards_dir / "other.md"
        deck.write_text(OTHER_DECK, encoding="utf-8")
        collection.sync()
        collection.rate(collection.card("other-gd"), GOOD, 1000)
        deck.unlink()
        deck.symlink_to("unmounted/other.md")  # e.g. a link into a folder that is not mounted
        for _ in range(2):  # the second sync must not forget the deck either
            report = collection.sync()
            assert [str(problem) for problem in report.problems] == [
                f"{deck}:1: not a regular file (a broken link to unmounted/other.md), skipped"]
            assert report.retired == []
        assert {"other-gd", "other-adam", "other-momentum"} <= {card.text.id for card in collection.cards()}
        assert collection.card("other-gd").schedule.reps == 1
        deck.unlink()
        report = collection.sync()
        assert sorted(report.retired) == ["other-adam", "other-gd", "other-momentum"]
    finally:
        collection.close()


def test_an_unreadable_deck_is_one_problem(monkeypatch, db_path: Path, cards_dir: Path) -> None:
    # Tests may run as root, where mode 000 does not stop a read: the read itself is made to fail.
    locked = cards_dir / "locked.md"
    locked.write_text(OTHER_DECK, encoding="utf-8")
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == "locked.md":
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    expected = [f"{locked}:1: cannot be read (permission denied), skipped"]
    count, problems = check_cards(cards_dir)
    assert (count, [str(problem) for problem in problems]) == (3, expected)
    collection = Collection(db_path, cards_dir)
    try:
        report = collection.sync()
        assert [str(problem) for problem in report.problems] == expected
        assert [card.text.id for card in collection.cards()] == ALL_IDS
    finally:
        collection.close()


async def test_the_app_opens_beside_stray_entries(db_path: Path, cards_dir: Path) -> None:
    from revise.ui.app import ReviseApp
    from tests.screen import screen_text, wait_for_text

    add_strays(cards_dir)
    async with ReviseApp(db_path, cards_dir).run_test(size=(200, 30)) as pilot:
        await wait_for_text(pilot, "3 new")
        assert "drafts.md:1: not a regular file (a directory), skipped" in screen_text(pilot)


def test_a_byte_order_mark_is_not_a_problem(capsys, db_path: Path, cards_dir: Path) -> None:
    (cards_dir / "optimisation.md").write_bytes(b"\xef\xbb\xbf" + DECK.encode())
    (cards_dir / "sources.toml").write_bytes(b"\xef\xbb\xbf" + (cards_dir / "sources.toml").read_bytes())
    assert check_cards(cards_dir) == (3, [])
    code, out, err = cli(capsys, db_path, cards_dir, "sync")
    assert (code, err) == (0, "") and out.startswith("sync: 3 added")


def test_a_byte_that_is_not_utf8_is_reported_at_its_line_and_the_file_is_skipped(capsys, db_path: Path,
                                                                                  cards_dir: Path) -> None:
    bad = cards_dir / "other.md"
    lines = OTHER_DECK.encode().split(b"\n")
    assert lines[19] == "沿梯度反方向走一小步。".encode()
    lines[19] = "沿梯度反方向".encode() + b"\xff" + "走一小步。".encode()  # a byte pasted from a Latin-1 file
    bad.write_bytes(b"\n".join(lines))
    expected = f"{bad}:20: not UTF-8 (byte 0xff at column 7); save the file as UTF-8"
    code, out, err = cli(capsys, db_path, cards_dir, "sync")
    assert (code, err.splitlines()) == (1, [expected])
    _, out, _ = cli(capsys, db_path, cards_dir, "list", "--json")
    assert [row["id"] for row in json.loads(out)] == ALL_IDS, "none of the file is half-read"


def test_a_file_saved_in_another_encoding_does_not_retire_its_cards(collection: Collection, cards_dir: Path) -> None:
    deck = cards_dir / "optimisation.md"
    card = collection.next_card()
    collection.rate(card, GOOD, 1000)
    deck.write_bytes(DECK.encode("gb18030"))  # as a Chinese Windows editor might save it
    touch_later(deck)
    report = collection.sync()
    assert [problem.line for problem in report.problems] == [1]
    assert report.problems[0].message == "not UTF-8 (byte 0xd3 at column 18); save the file as UTF-8"
    assert report.retired == [] and collection.card(card.text.id).schedule.reps == 1


def test_a_long_bad_formula_is_cut_in_its_message(cards_dir: Path) -> None:
    formula = "\\frac{a}{b} + " * 700 + "\\frobnicate{x}"  # about 10 KB
    deck = cards_dir / "optimisation.md"
    deck.write_text(DECK.replace("The recent gradients, exponentially weighted.", f"see\n\n${formula}$"),
                    encoding="utf-8")
    line = DECK.split("\n").index("The recent gradients, exponentially weighted.") + 3
    count, problems = check_cards(cards_dir)
    assert count == 3 and len(problems) == 1, "the card loads: a formula the converter cannot read is a warning"
    message = str(problems[0])
    assert message.startswith(f"{deck}:{line}: warning: formula $\\frac{{a}}{{b}} + \\frac")
    assert "…$: unknown command \\frobnicate" in message
    assert "\n" not in message and len(message) < len(str(deck)) + 180


def test_a_mistake_in_sources_toml_is_one_problem(capsys, db_path: Path, cards_dir: Path) -> None:
    sources = cards_dir / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8") + '\n[another]\ntitle = "unclosed\n', encoding="utf-8")
    expected = (f"{sources}:6: not valid TOML (illegal character '\\n' at column 18); "
                "the cards' sources are not checked")
    done = subprocess.run([sys.executable, "-m", "revise", "--cards", str(cards_dir), "check"],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == [expected, "3 cards, 1 problem"]
    code, _, err = cli(capsys, db_path, cards_dir, "sync")
    assert (code, err.splitlines()) == (1, [expected])
    assert check_cards(cards_dir)[0] == 3, "every card with a `source:` line still loads"


@pytest.mark.parametrize(("text", "line"), [
    ('[a]\ntitle = "x"\n\n[a]\n', 4),
    ('[a]\ntitle = "never closed', 2),
])
def test_sources_toml_mistakes_point_at_their_line(cards_dir: Path, text: str, line: int) -> None:
    (cards_dir / "sources.toml").write_text(text, encoding="utf-8")
    count, problems = check_cards(cards_dir)
    assert count == 3 and [problem.line for problem in problems] == [line], problems
    assert "\n" not in problems[0].message


def test_a_card_folder_that_is_a_file_is_one_problem(tmp_path: Path, capsys, db_path: Path) -> None:
    not_a_folder = tmp_path / "cards"
    not_a_folder.write_text("", encoding="utf-8")
    code, out, _ = cli(capsys, db_path, not_a_folder, "check")
    assert code == 1 and out.splitlines() == [f"{not_a_folder}:0: no such card folder", "0 cards, 1 problem"]


def test_a_folder_that_cannot_be_listed_retires_nothing(monkeypatch, collection: Collection, cards_dir: Path
                                                         ) -> None:
    scandir = os.scandir

    def refuse(path):
        if Path(path) == cards_dir:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    report = collection.sync()
    assert [str(problem) for problem in report.problems] == [
        f"{cards_dir}:0: cannot read the card folder (permission denied)"]
    assert report.retired == [] and [card.text.id for card in collection.cards()] == ALL_IDS


def test_a_file_replaced_between_listing_and_reading_is_one_problem(monkeypatch, cards_dir: Path) -> None:
    from revise.cards import loader

    real_scan = loader.scan_card_folder

    def scan_then_replace(folder: Path):
        files, problems = real_scan(folder)
        (folder / "optimisation.md").unlink()
        os.mkdir(folder / "optimisation.md")
        return files, problems

    monkeypatch.setattr(loader, "scan_card_folder", scan_then_replace)
    count, problems = check_cards(cards_dir)
    assert count == 0
    assert [str(problem) for problem in problems] == [
        f"{cards_dir / 'optimisation.md'}:1: cannot be read (is a directory), skipped"]
