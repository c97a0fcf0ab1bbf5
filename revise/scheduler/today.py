"""Today's counts in plain SQL on an sqlite3 connection: the collection counts with it, and the app, before
SQLAlchemy has even loaded, shows the home screen's numbers with it at once."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from revise.scheduler.day import day_bounds
from revise.scheduler.schedule import LEARNING, NEW, RELEARNING, REVIEW

LEARNING_STATES = (LEARNING, RELEARNING)
# The rating of a manual reset, as revise.store.schema defines it (imported from there, it would bring
# SQLAlchemy along; a test checks the two stay equal).
MANUAL_RATING = 0
# How SQLAlchemy stores a UTC datetime in SQLite, so that SQL compares moments as text correctly.
STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"

_REVIEWED_TODAY = ("SELECT kind, count(*) FROM review_log WHERE reviewed_at >= :start AND rating != :manual "
                   "GROUP BY kind")


def sibling_rated_since(card_id: str, start: str) -> str:
    """SQL that is true for a cloze item (`card::c2`) when another cloze of its card (`card::c1`) was rated since
    the SQL value `start`: such an item waits for the next day, as Anki buries siblings, so that one cloze does not
    give another away. `card_id` is the SQL of the item's id."""
    prefix = f"substr({card_id}, 1, instr({card_id}, '::c') + 2)"
    return (f"(instr({card_id}, '::c') > 0 AND EXISTS (SELECT 1 FROM review_log sibling WHERE sibling.reviewed_at >= "
            f"{start} AND sibling.rating != {MANUAL_RATING} AND sibling.card_id != {card_id} "
            f"AND sibling.card_id GLOB {prefix} || '*'))")


# The counts of review items (each cloze of a cloze card is one), and of cards (a cloze card once, as its file has it).
_ACTIVE_CARDS = ("SELECT sum(state = :new AND NOT buried), sum(state IN (:learning, :relearning) AND due < :end), "
                 "sum(state = :review AND due < :end AND NOT buried), count(DISTINCT card), "
                 "min(CASE WHEN state != :new THEN due END) "
                 f"FROM (SELECT s.state, s.due, {sibling_rated_since('c.id', ':start')} AS buried, "
                 "CASE WHEN instr(c.id, '::c') > 0 THEN substr(c.id, 1, instr(c.id, '::c') - 1) ELSE c.id END AS card "
                 "FROM cards c JOIN card_schedules s ON s.card_id = c.id "
                 "WHERE c.retired_at IS NULL AND NOT s.suspended)")


@dataclass(frozen=True)
class DueCounts:
    """Today's work: new cards left to learn, learning cards, reviews due (each cloze of a cloze card counted), when
    the next card comes, and how many cards there are (a cloze card once)."""

    new: int
    learning: int
    due: int
    next_due: datetime | None
    reviews_today: int
    cards: int


def todays_counts(connection: sqlite3.Connection, now: datetime, rollover_hour: int, new_per_day: int,
                  reviews_per_day: int) -> DueCounts:
    """Today's counts of the active cards (not retired, not suspended), within the daily limits; a cloze item whose
    sibling was rated today is not counted as new or due (see `sibling_rated_since`)."""
    start, end = (stored_time(moment) for moment in day_bounds(now, rollover_hour))
    reviewed = dict(connection.execute(_REVIEWED_TODAY, {"start": start, "manual": MANUAL_RATING}).fetchall())
    new, learning, due, cards, next_due = connection.execute(_ACTIVE_CARDS, {
        "new": NEW, "learning": LEARNING, "relearning": RELEARNING, "review": REVIEW, "start": start, "end": end,
    }).fetchone()
    new_today = min(max(0, new_per_day - reviewed.get(NEW, 0)), new or 0)
    return DueCounts(
        new=new_today,
        learning=learning or 0,
        due=min(max(0, reviews_per_day - reviewed.get(REVIEW, 0)), due or 0),
        next_due=now if new_today else _loaded(next_due),
        reviews_today=sum(reviewed.values()),
        cards=cards,
    )


def counts_at_once(db_path: Path, now: datetime, rollover_hour: int, new_per_day: int,
                   reviews_per_day: int) -> DueCounts | None:
    """Today's counts read straight from an existing revise database, without SQLAlchemy, or None when they
    cannot be (no file yet, another program's file, an old schema): the collection's own opening says why."""
    if not db_path.is_file():
        return None
    try:
        connection = sqlite3.connect(db_path, timeout=0.5)
        try:
            connection.execute("PRAGMA query_only = ON")
            return todays_counts(connection, now, rollover_hour, new_per_day, reviews_per_day)
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def stored_time(moment: datetime) -> str:
    """An aware datetime as the store writes it: naive UTC text."""
    return moment.astimezone(timezone.utc).strftime(STORED_TIME)


def _loaded(text: str | None) -> datetime | None:
    """A stored datetime read back, aware in UTC."""
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
