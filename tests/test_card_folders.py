"""Several card folders: the bundled deck and the learner's own, each synced, ids unique across them, given by
repeated `--cards` or by the settings file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from revise.cards.loader import check_cards
from revise.cli import main
from revise.collection import Collection

MINE = """\
# My notes | 我的笔记

## Weight decay | 权重衰减
id: my-weight-decay

### Q
What does weight decay add to the loss?

### 问
权重衰减给损失加上什么?

### A
$\\frac{\\lambda}{2}\\|w\\|^2$

### 答
$\\frac{\\lambda}{2}\\|w\\|^2$
"""


@pytest.fixture
def own_folder(tmp_path: Path) -> Path:
    """A learner's folder holding a deck of the same file name as the bundled test deck's."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "optimisation.md").write_text(MINE, encoding="utf-8")
    return folder


def test_cards_of_every_folder_are_synced_and_files_of_the_same_name_do_not_clash(db_path: Path, cards_dir: Path,
                                                                                 own_folder: Path) -> None:
    collection = Collection(db_path, [cards_dir, own_folder])
    report = collection.sync()
    assert report.problems == [] and len(report.added) == 4
    card = collection.card("my-weight-decay").text
    assert Path(card.path) == own_folder / "optimisation.md"
    assert collection.card("gd-update").text.path == str(cards_dir / "optimisation.md")
    assert collection.sync().summary().endswith("0 files read, 2 unchanged")
    collection.close()


def test_an_id_is_unique_across_folders(db_path: Path, cards_dir: Path, own_folder: Path) -> None:
    deck = own_folder / "optimisation.md"
    deck.write_text(MINE.replace("my-weight-decay", "momentum"), encoding="utf-8")
    count, problems = check_cards([cards_dir, own_folder])
    assert count == 3
    assert [str(problem) for problem in problems] == [
        f"{deck}:3: duplicate id `momentum`: also at {cards_dir / 'optimisation.md'}:38"]


def test_a_folder_that_is_gone_retires_none_of_its_cards(db_path: Path, cards_dir: Path, own_folder: Path) -> None:
    collection = Collection(db_path, [cards_dir, own_folder])
    collection.sync()
    shutil.move(own_folder, own_folder.with_name("moved"))
    report = collection.sync()
    assert report.retired == [] and [str(problem) for problem in report.problems] == [
        f"{own_folder}:0: no such card folder"]
    assert collection.card("my-weight-decay").text.id == "my-weight-decay"
    collection.close()
    own_folder.with_name("moved").rename(own_folder)
    (own_folder / "optimisation.md").unlink()
    collection = Collection(db_path, [cards_dir, own_folder])
    assert collection.sync().retired == ["my-weight-decay"], "a deck deleted from a folder that is there retires"
    collection.close()


def test_repeated_cards_options_and_the_settings_name_the_folders(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                 cards_dir: Path, own_folder: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    database = ["--db", str(tmp_path / "data.db")]
    assert main([*database, "--cards", str(cards_dir), "--cards", str(own_folder), "sync"]) == 0
    assert "sync: 4 added" in capsys.readouterr().out
    settings = tmp_path / "revise.toml"
    settings.write_text('card_folders = ["mine"]\n', encoding="utf-8")
    monkeypatch.setenv("REVISE_CONFIG", str(settings))
    assert main([*database, "list"]) == 0
    listed = capsys.readouterr().out
    assert "my-weight-decay" in listed, "the settings' folder, relative to the settings file, is read"
