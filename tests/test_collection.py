"""The collection: what is due, ratings committed at once, undo several steps deep, daily limits."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from revise.collection import Collection, utc_now
from revise.errors import ReviseError
from revise.scheduler.fsrs_scheduler import AGAIN, EASY, GOOD, SchedulerConfig
from revise.store.schema import ReviewLog


def log_rows(collection: Collection) -> list[ReviewLog]:
    with collection._sessions() as session:
        return list(session.scalars(select(ReviewLog).order_by(ReviewLog.id)))


def test_new_cards_come_in_file_order(collection: Collection) -> None:
    assert collection.next_card().text.id == "gd-update"


def test_a_rating_is_on_disk_for_another_connection(collection: Collection, db_path: Path, cards_dir: Path) -> None:
    card = collection.next_card()
    collection.rate(card, GOOD, 4200)
    other = Collection(db_path, cards_dir)
    try:
        counts = other.counts()
        assert counts.reviews_today == 1 and counts.new == 2 and counts.learning == 1
        [log] = log_rows(other)
        assert (log.card_id, log.rating, log.duration_ms, log.kind) == ("gd-update", GOOD, 4200, "new")
        assert log.state_before["state"] == "new" and log.state_after["state"] == "learning"
    finally:
        other.close()


def test_learning_card_returns_when_due(collection: Collection) -> None:
    now = utc_now()
    collection.rate(collection.next_card(now), AGAIN, 1000, now)
    assert collection.next_card(now).text.id == "adam-bias", "new cards come before a learning card not yet due"
    assert collection.next_card(now + timedelta(minutes=2)).text.id == "gd-update"


def test_undo_restores_each_card_exactly_several_steps_deep(collection: Collection) -> None:
    now = utc_now()
    before = {card.text.id: card.schedule for card in collection.cards()}
    log_ids = []
    for rating in (GOOD, EASY, AGAIN):
        card = collection.next_card(now)
        log_ids.append(collection.rate(card, rating, 1000, now))
    assert len(log_rows(collection)) == 3
    for log_id in reversed(log_ids):
        restored = collection.undo(log_id)
        assert restored.schedule == before[restored.text.id]
    assert log_rows(collection) == []
    assert {card.text.id: card.schedule for card in collection.cards()} == before
    assert collection.counts().new == 3


def test_undo_refuses_to_skip_a_later_review(collection: Collection) -> None:
    now = utc_now()
    first = collection.rate(collection.next_card(now), AGAIN, 1000, now)
    later = now + timedelta(minutes=30)
    again = collection.next_card(later)
    assert again.text.id == "gd-update"
    collection.rate(again, GOOD, 1000, later)
    with pytest.raises(ReviseError, match="reviewed again"):
        collection.undo(first)


def test_undo_after_a_reset_says_the_card_was_reset(collection: Collection) -> None:
    now = utc_now()
    card = collection.next_card(now)
    rating = collection.rate(card, GOOD, 1000, now)
    collection.reset([card.text.id], now)
    with pytest.raises(ReviseError, match=f"card {card.text.id} was reset after review {rating}"):
        collection.undo(rating)
    assert collection.card(card.text.id).schedule.state == "new", "the reset stays"


def test_daily_new_limit(db_path: Path, cards_dir: Path) -> None:
    collection = Collection(db_path, cards_dir, SchedulerConfig(new_per_day=2))
    collection.sync()
    now = utc_now()
    assert collection.counts(now).new == 2
    for _ in range(2):
        collection.rate(collection.next_card(now), EASY, 1000, now)
    counts = collection.counts(now)
    assert counts.new == 0 and counts.due == 0
    assert collection.next_card(now) is None
    assert counts.next_due is not None and counts.next_due > now
    collection.close()


def test_nothing_due_says_when_the_next_card_comes(collection: Collection) -> None:
    now = utc_now()
    for _ in range(3):
        collection.rate(collection.next_card(now), EASY, 1000, now)
    counts = collection.counts(now)
    assert (counts.new, counts.learning, counts.due) == (0, 0, 0)
    assert collection.next_card(now) is None
    assert counts.next_due >= now + timedelta(days=1)
