"""Rebuilding cards' schedules from their logs: each card's events in time order from new, each rating applied by
the scheduler (whose fuzz is seeded, so every device gets the same), a manual reset starting the card afresh."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from revise.scheduler.fsrs_scheduler import CardScheduler
from revise.scheduler.schedule import Schedule
from revise.store.schema import MANUAL, MANUAL_RATING, CardSchedule, ReviewLog


def replay_cards(session: Session, scheduler: CardScheduler, card_ids: Iterable[str]) -> int:
    """Gives each card the schedule its log leads to, and each of its log rows the schedule before and after it (so
    that two devices with the same events hold the same log); suspension is left as it is. Returns how many cards
    were replayed (a card the database does not hold is passed over). The log rows are rewritten in one statement."""
    replayed, rewritten = 0, []
    with session.no_autoflush:  # the rows of one card never bear on the next
        for card_id in card_ids:
            row = session.get(CardSchedule, card_id)
            if row is not None:
                rewritten += _replay_card(scheduler, row, session.execute(
                    select(ReviewLog.id, ReviewLog.rating, ReviewLog.reviewed_at).where(ReviewLog.card_id == card_id)
                    .order_by(ReviewLog.reviewed_at, ReviewLog.event_id)).all())
                replayed += 1
    if rewritten:
        session.execute(update(ReviewLog), rewritten)  # by primary key, as SQLAlchemy's bulk update does
    return replayed


def _replay_card(scheduler: CardScheduler, row: CardSchedule, log: list[Row[Any]]) -> list[dict[str, Any]]:
    """Replays one card's log onto its schedule row; returns each log row's new values."""
    schedule, rewritten = Schedule(), []
    for log_id, rating, reviewed_at in log:
        before = schedule
        if rating == MANUAL_RATING:
            schedule, kind = Schedule(), MANUAL
        else:
            schedule = scheduler.outcome(before, rating, reviewed_at, row.card_id).at(reviewed_at)
            kind = before.state
        rewritten.append({"id": log_id, "kind": kind, "state_before": before.to_json(),
                          "state_after": schedule.to_json(), "interval_days": before.review_interval_days})
    schedule.write_to(row)
    return rewritten
