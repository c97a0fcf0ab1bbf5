"""Rebuilding cards' schedules from their logs: each card's events in time order from new, each rating applied under
the settings it was given under (whose fuzz is seeded, so every device gets the same), a manual reset starting the
card afresh."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from revise.scheduler.fsrs_scheduler import CardScheduler
from revise.scheduler.schedule import Schedule
from revise.store.schema import MANUAL, MANUAL_RATING, CardSchedule, ParameterApplication, ReviewLog, SchedulerSettings


class RatingSchedulers:
    """The scheduler each rating is replayed under: that of the latest `optimize --apply` when the rating came before
    it (an application reads the history before it under its parameters), else the settings the rating recorded,
    else (a rating from before they were recorded, or whose settings have not arrived yet) `current`."""

    def __init__(self, session: Session, current: CardScheduler) -> None:
        self.current = current
        self.settings = dict(session.execute(select(SchedulerSettings.digest, SchedulerSettings.settings)).all())
        self.latest_application = session.execute(
            select(ParameterApplication.applied_at, ParameterApplication.scheduler)
            .order_by(ParameterApplication.applied_at.desc(), ParameterApplication.event_id.desc()).limit(1)).first()
        self._made = {current.digest: current}

    def for_rating(self, reviewed_at: datetime, recorded: str) -> CardScheduler:
        """The scheduler for a rating given at `reviewed_at` under the settings of digest `recorded`."""
        digest = recorded
        if self.latest_application is not None and self.latest_application[0] >= reviewed_at:
            digest = self.latest_application[1]
        if digest not in self._made:
            if digest not in self.settings:
                return self.current
            self._made[digest] = CardScheduler(self.current.config.with_deciding(self.settings[digest]))
        return self._made[digest]


def replay_cards(session: Session, scheduler: CardScheduler, card_ids: Iterable[str]) -> int:
    """Gives each card the schedule its log leads to, and each of its log rows the schedule before and after it (so
    that two devices with the same events hold the same log); suspension is left as it is. `scheduler` is this
    device's, for ratings whose settings are not known (see `RatingSchedulers`). Returns how many cards were
    replayed (a card the database does not hold is passed over). The log rows are rewritten in one statement."""
    schedulers = RatingSchedulers(session, scheduler)
    replayed, rewritten = 0, []
    with session.no_autoflush:  # the rows of one card never bear on the next
        for card_id in card_ids:
            row = session.get(CardSchedule, card_id)
            if row is not None:
                log = (select(ReviewLog.id, ReviewLog.rating, ReviewLog.reviewed_at, ReviewLog.scheduler,
                              ReviewLog.event_id)
                       .where(ReviewLog.card_id == card_id).order_by(ReviewLog.reviewed_at, ReviewLog.event_id))
                rewritten += _replay_card(schedulers, row, session.execute(log).all())
                replayed += 1
    if rewritten:
        session.execute(update(ReviewLog), rewritten)  # by primary key, as SQLAlchemy's bulk update does
    return replayed


def _replay_card(schedulers: RatingSchedulers, row: CardSchedule, log: list[Row[Any]]) -> list[dict[str, Any]]:
    """Replays one card's log onto its schedule row; returns each log row's new values."""
    schedule, rewritten = Schedule(), []
    for log_id, rating, reviewed_at, recorded, event_id in log:
        before = schedule
        if rating == MANUAL_RATING:
            schedule, kind = Schedule(), MANUAL
        else:
            scheduler = schedulers.for_rating(reviewed_at, recorded)
            schedule = scheduler.outcome(before, rating, reviewed_at, event_id).at(reviewed_at)
            kind = before.state
        rewritten.append({"id": log_id, "kind": kind, "state_before": before.to_json(),
                          "state_after": schedule.to_json(), "interval_days": before.review_interval_days})
    schedule.write_to(row)
    return rewritten


def record_settings(session: Session, scheduler: CardScheduler) -> str:
    """Keeps the settings of a scheduler under their digest (once), for the ratings given under them; returns it."""
    digest = scheduler.digest
    if session.get(SchedulerSettings, digest) is None:
        session.add(SchedulerSettings(digest=digest, settings=scheduler.config.deciding()))
    return digest
