"""Sync: files are the truth for content, the database for history; edits and removals never lose reviews."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from revise.collection import Collection
from revise.scheduler.fsrs_scheduler import GOOD
from revise.store.schema import ReviewLog
from tests.conftest import touch_later


def review_count(collection: Collection, card_id: str) -> int:
    with collection._sessions() as session:
        return session.scalar(select(func.count()).select_from(ReviewLog).where(ReviewLog.card_id == card_id))


def rate_first(collection: Collection) -> str:
    card = collection.next_card()
    collection.rate(card, GOOD, 1000)
    return card.text.id


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    touch_later(path)


def test_first_sync_adds_every_card(db_path: Path, cards_dir: Path) -> None:
    collection = Collection(db_path, cards_dir)
    report = collection.sync()
    assert report.added == ["gd-update", "adam-bias", "momentum"]
    assert (report.updated, report.retired, report.problems) == ([], [], [])
    assert collection.counts().new == 3


def test_unchanged_files_are_skipped(collection: Collection) -> None:
    report = collection.sync()
    assert (report.files_read, report.files_skipped) == (0, 1)
    assert report.summary() == "sync: 0 added, 0 updated, 0 retired, 0 restored; 0 files read, 1 unchanged"


def test_edit_keeps_id_and_history(collection: Collection, cards_dir: Path) -> None:
    card_id = rate_first(collection)
    schedule_before = collection.card(card_id).schedule
    edit(cards_dir / "optimisation.md", "Write the gradient-descent update.", "State the update rule.")
    report = collection.sync()
    assert report.updated == [card_id] and report.added == [] and report.retired == []
    edited = collection.card(card_id)
    assert edited.text.front_en == "State the update rule."
    assert edited.schedule == schedule_before
    assert review_count(collection, card_id) == 1


def test_moving_a_card_within_its_file_is_not_an_edit(collection: Collection, cards_dir: Path) -> None:
    edit(cards_dir / "optimisation.md", "# Optimisation | 优化\n", "# Optimisation | 优化\n\nA note on this deck.\n")
    report = collection.sync()
    assert report.updated == []
    assert collection.card("gd-update").text.line == 5


def test_removed_card_is_retired_and_restored_with_its_history(collection: Collection, cards_dir: Path) -> None:
    card_id = rate_first(collection)
    deck = cards_dir / "optimisation.md"
    original = deck.read_text(encoding="utf-8")
    start = original.index("## Gradient descent")
    end = original.index("## Adam bias correction")
    deck.write_text(original[:start] + original[end:], encoding="utf-8")
    touch_later(deck)
    report = collection.sync()
    assert report.retired == [card_id]
    assert card_id not in [card.text.id for card in collection.cards()]
    assert review_count(collection, card_id) == 1

    deck.write_text(original, encoding="utf-8")
    touch_later(deck)
    report = collection.sync()
    assert report.restored == [card_id]
    assert collection.card(card_id).schedule.reps == 1
    assert review_count(collection, card_id) == 1


def test_deleting_a_file_retires_its_cards(collection: Collection, cards_dir: Path) -> None:
    (cards_dir / "optimisation.md").unlink()
    report = collection.sync()
    assert sorted(report.retired) == ["adam-bias", "gd-update", "momentum"]
    assert collection.counts().cards == 0


def test_card_moved_to_another_file_keeps_history(collection: Collection, cards_dir: Path) -> None:
    card_id = rate_first(collection)
    deck = cards_dir / "optimisation.md"
    text = deck.read_text(encoding="utf-8")
    start, end = text.index("## Gradient descent"), text.index("## Adam bias correction")
    (cards_dir / "basics.md").write_text("# Basics | 基础\n\n" + text[start:end], encoding="utf-8")
    deck.write_text(text[:start] + text[end:], encoding="utf-8")
    touch_later(deck)
    report = collection.sync()
    assert report.retired == [] and report.added == []
    moved = collection.card(card_id)
    assert moved.text.path.endswith("basics.md") and moved.schedule.reps == 1


def test_duplicate_id_across_files_names_both_places(collection: Collection, cards_dir: Path) -> None:
    text = (cards_dir / "optimisation.md").read_text(encoding="utf-8")
    start, end = text.index("## Momentum"), len(text)
    (cards_dir / "zz-extra.md").write_text("# Extra | 额外\n\n" + text[start:end], encoding="utf-8")
    first_line = text[:start].count("\n") + 1
    report = collection.sync()
    assert [str(problem) for problem in report.problems] == [
        f"{cards_dir / 'zz-extra.md'}:3: duplicate id `momentum`: also at {cards_dir / 'optimisation.md'}:{first_line}"
    ]
    assert collection.card("momentum").text.path.endswith("optimisation.md")


def test_malformed_file_reports_and_keeps_everything_else(collection: Collection, cards_dir: Path) -> None:
    card_id = rate_first(collection)
    deck = cards_dir / "optimisation.md"
    edit(deck, "id: gd-update\n", "")
    (cards_dir / "second.md").write_text((cards_dir / "optimisation.md").read_text(encoding="utf-8")
                                         .replace("id: adam-bias", "id: other-one")
                                         .replace("id: momentum", "id: other-two"), encoding="utf-8")
    report = collection.sync()
    assert any("no `id:` line" in problem.message and problem.line == 3 for problem in report.problems)
    assert report.retired == [], "a typo must not retire a card"
    assert collection.card(card_id).schedule.reps == 1
    assert {"other-one", "other-two"} <= {card.text.id for card in collection.cards()}
