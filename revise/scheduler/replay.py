"""Rebuilding cards' schedules from their logs: each card's events in time order from new, each rating applied by
the scheduler (whose fuzz is seeded, so every device gets the same), a manual reset starting the card afresh."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from revise.scheduler.fsrs_scheduler import CardScheduler
from revise.scheduler.schedule import Schedule
from revise.store.schema import MANUAL, MANUAL_RATING, CardSchedule, ReviewLog


def replay_cards(session: Session, scheduler: CardScheduler, card_ids: Iterable[str]) -> int:
    """Gives each card the schedule its log leads to, and each of its log rows the schedule before and after it (so
    that two devices with the same events hold the same log); suspension is left as it is. Returns how many cards
    were replayed (a card the database does not hold is passed over)."""
    replayed = 0
    for card_id in card_ids:
        row = session.get(CardSchedule, card_id)
        if row is None:
            continue
        schedule = Schedule()
        for log in session.scalars(select(ReviewLog).where(ReviewLog.card_id == card_id)
                                   .order_by(ReviewLog.reviewed_at, ReviewLog.event_id)):
            before = schedule
            if log.rating == MANUAL_RATING:
                schedule, log.kind = Schedule(), MANUAL
            else:
                schedule = scheduler.outcome(before, log.rating, log.reviewed_at, card_id).at(log.reviewed_at)
                log.kind = before.state
            log.state_before, log.state_after = before.to_json(), schedule.to_json()
            log.interval_days = before.review_interval_days
        schedule.write_to(row)
        replayed += 1
    return replayed
