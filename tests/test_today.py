"""Today's counts in plain SQL: the same numbers read at once from the file as the open collection gives,
and nothing at all where the file is not a revise database."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from revise.collection import Collection, utc_now
from revise.scheduler import today
from revise.scheduler.today import counts_at_once
from revise.store import schema
from revise.ui.app import ReviseApp
from revise.ui.screens.home import HomeScreen
from tests.screen import wait_for_text


def test_the_manual_rating_is_the_stores() -> None:
    assert today.MANUAL_RATING == schema.MANUAL_RATING


def test_counts_read_at_once_equal_the_collections_through_a_day_of_study(collection: Collection) -> None:
    now = utc_now()
    limits = (collection.config.rollover_hour, collection.config.new_per_day, collection.config.reviews_per_day)
    assert counts_at_once(collection.db_path, now, *limits) == collection.counts(now)
    for rating in (3, 1, 4):
        card = collection.next_card(now)
        collection.rate(card, rating, 1000, now)
        assert counts_at_once(collection.db_path, now, *limits) == collection.counts(now)
    collection.set_suspended(["momentum"], True)
    later = now + timedelta(days=3)
    assert counts_at_once(collection.db_path, later, *limits) == collection.counts(later)


def test_no_counts_without_a_revise_database(tmp_path: Path) -> None:
    assert counts_at_once(tmp_path / "missing.db", utc_now(), 4, 20, 200) is None
    assert not (tmp_path / "missing.db").exists(), "looking does not create the file"
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    before = other.read_bytes()
    assert counts_at_once(other, utc_now(), 4, 20, 200) is None
    assert other.read_bytes() == before


async def test_the_home_screen_shows_the_counts_on_the_database_before_the_sync(db_path: Path, cards_dir: Path) -> None:
    opened = Collection(db_path, cards_dir)
    opened.sync()
    opened.close()
    (cards_dir / "optimisation.md").unlink()  # the sync at start will retire every card
    shown: list[int] = []

    def note_counts(message: object) -> None:
        if isinstance(message, HomeScreen.Counted):
            shown.append(message.counts.cards)

    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=(100, 30), message_hook=note_counts) as pilot:
        await wait_for_text(pilot, "(0 cards, 0 reviewed today)")
    assert shown[0] == 3 and shown[-1] == 0, "first what the file held, then what the sync made of it"


async def test_space_pressed_while_the_collection_opens_starts_the_review_once_it_is_open(
        db_path: Path, cards_dir: Path) -> None:
    opened = Collection(db_path, cards_dir)
    opened.sync()
    opened.close()
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_text(pilot, "3 new")  # maybe the early counts, before the collection is open
        await pilot.press("space")
        await wait_for_text(pilot, "Write the gradient-descent update.")
