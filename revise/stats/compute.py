"""Computing the statistics: counts over the review log in SQL (read from one covering index), cards in numpy.

Study days are cut in Python (`scheduler.day`) and handed to SQL as UTC ranges of the stored times, so
that daylight-saving changes and half-hour time zones need no date arithmetic in SQL and no per-row function.
"""

from __future__ import annotations

import json

from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from revise.scheduler.day import day_start, study_day
from revise.scheduler.fsrs_scheduler import AGAIN, SchedulerConfig
from revise.scheduler.schedule import LEARNING, NEW, RELEARNING, REVIEW
from revise.stats.model import (FORECAST_DAYS, HEATMAP_DAYS, MATURE_DAYS, RETENTION_WEEKS, DrillTally, Stats,
                                 WeekRetention)
from revise.store.schema import MANUAL_RATING, Card, CardSchedule, DrillAnswer, ReviewLog

ONE_DAY = timedelta(days=1)
STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"


def retrievability(elapsed_days: np.ndarray, stability: np.ndarray, parameters: tuple[float, ...]) -> np.ndarray:
    """FSRS-6's forgetting curve R = (1 + factor * t / S) ** -decay, with t in whole days since the last review.

    As py-fsrs 6.3.2's `Scheduler.get_card_retrievability` computes it: decay = parameters[20],
    factor = 0.9 ** (1 / -decay) - 1 (so that R = 0.9 when t = S), t = max(0, (now - last_review).days).
    """
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return (1 + factor * elapsed_days / stability) ** decay


def _stored(moment: datetime) -> str:
    """An aware datetime as the store keeps it (naive UTC text, as SQLAlchemy writes SQLite datetimes)."""
    return moment.astimezone(timezone.utc).strftime(STORED_TIME)


def reviews_per_day(session: Session, first: date, days: int, rollover_hour: int) -> list[int]:
    """Ratings given on each of `days` study days from `first` on, in one query: a count per day's range of times.

    The ranges go to SQL as one JSON parameter, so that the statement is the same each time (compiled once).
    """
    starts = [_stored(day_start(first + offset * ONE_DAY, rollover_hour)) for offset in range(days + 1)]
    ranges = func.json_each(json.dumps(list(zip(starts, starts[1:])))).table_valued("key", "value")
    count = (select(func.count()).select_from(ReviewLog)
             .where(ReviewLog.reviewed_at >= func.json_extract(ranges.c.value, "$[0]"),
                    ReviewLog.reviewed_at < func.json_extract(ranges.c.value, "$[1]"),
                    ReviewLog.rating != MANUAL_RATING)
             .correlate(ranges).scalar_subquery())
    return list(session.scalars(select(count).select_from(ranges).order_by(ranges.c.key)))


def _trailing_run(counts: list[int]) -> int:
    """How many of the last counts in a row are not zero."""
    return next((run for run, count in enumerate(reversed(counts)) if count == 0), len(counts))


def streak(session: Session, recent: list[int], first: date, rollover_hour: int) -> int:
    """Study days in a row with a rating, back from today (from yesterday when none yet today).

    `recent` holds the ratings per day from `first` to today; earlier days are read only if the run reaches `first`.
    """
    counts = recent if recent[-1] else recent[:-1]
    days = 0
    while True:
        run = _trailing_run(counts)
        days += run
        if run < len(counts):
            return days
        first -= HEATMAP_DAYS * ONE_DAY
        counts = reviews_per_day(session, first, HEATMAP_DAYS, rollover_hour)


def _today(session: Session, start: datetime, end: datetime) -> tuple[int, int, float]:
    """Today's ratings: how many, how many were Again, and the seconds spent on them."""
    query = (select(func.count(), func.count().filter(ReviewLog.rating == AGAIN), func.sum(ReviewLog.duration_ms))
             .where(ReviewLog.reviewed_at >= start, ReviewLog.reviewed_at < end, ReviewLog.rating != MANUAL_RATING))
    reviewed, again, milliseconds = session.execute(query).one()
    return reviewed, again, (milliseconds or 0) / 1000


def week_retention(session: Session, week_start: date, rollover_hour: int) -> WeekRetention:
    """True retention over one week (Monday to Sunday): ratings of review cards, young and mature, and passes."""
    young = ReviewLog.interval_days < MATURE_DAYS
    mature = ReviewLog.interval_days >= MATURE_DAYS
    passed = ReviewLog.rating != AGAIN
    query = (select(func.count().filter(young), func.count().filter(young, passed),
                    func.count().filter(mature), func.count().filter(mature, passed))
             .where(ReviewLog.reviewed_at >= day_start(week_start, rollover_hour),
                    ReviewLog.reviewed_at < day_start(week_start + 7 * ONE_DAY, rollover_hour),
                    ReviewLog.kind == REVIEW))
    return WeekRetention(week_start, *session.execute(query).one())


def drill_tallies(session: Session, this_monday: date, rollover_hour: int) -> tuple[list[DrillTally],
                                                                                   list[DrillTally]]:
    """Drill answers, all right or not, per week over the last RETENTION_WEEKS weeks and per deck (all time)."""
    right = DrillAnswer.all_right.is_(True)
    weeks = []
    for back in reversed(range(RETENTION_WEEKS)):
        monday = this_monday - back * 7 * ONE_DAY
        query = select(func.count(), func.count().filter(right)).where(
            DrillAnswer.answered_at >= day_start(monday, rollover_hour),
            DrillAnswer.answered_at < day_start(monday + 7 * ONE_DAY, rollover_hour))
        weeks.append(DrillTally(monday.isoformat(), *session.execute(query).one()))
    by_deck = session.execute(select(Card.deck, func.count(), func.count().filter(right))
                              .join(Card, Card.id == DrillAnswer.card_id).group_by(Card.deck).order_by(Card.deck))
    return weeks, [DrillTally(deck, answered, passed) for deck, answered, passed in by_deck]


def _stored_times(texts: list[Any]) -> np.ndarray:
    """Stored times (naive UTC text, or None) as numpy datetimes in microseconds, None as NaT."""
    return np.array(texts, dtype="datetime64[us]")


def _as_numpy_time(moment: datetime) -> np.datetime64:
    """An aware datetime as a naive UTC numpy datetime, to compare with stored times."""
    return np.datetime64(moment.astimezone(timezone.utc).replace(tzinfo=None), "us")


def compute_stats(session: Session, now: datetime, config: SchedulerConfig) -> Stats:
    """Every figure of `Stats` at `now`; manual resets are not counted as reviews."""
    hour = config.rollover_hour
    today = study_day(now, hour)
    reviewed, again, seconds = _today(session, day_start(today, hour), day_start(today + ONE_DAY, hour))
    first = today - (HEATMAP_DAYS - 1) * ONE_DAY
    by_day = reviews_per_day(session, first, HEATMAP_DAYS, hour)
    this_monday = today - today.weekday() * ONE_DAY
    retention = [week_retention(session, this_monday - weeks * 7 * ONE_DAY, hour)
                 for weeks in reversed(range(RETENTION_WEEKS))]
    drills_by_week, drills_by_deck = drill_tallies(session, this_monday, hour)

    # Cards are fetched once, through Core rather than the ORM, their times as stored text (parsed by numpy, far
    # faster than one datetime per row).
    rows = session.connection().execute(
        select(CardSchedule.state, CardSchedule.suspended, CardSchedule.stability, CardSchedule.difficulty,
               type_coerce(CardSchedule.due, String), type_coerce(CardSchedule.last_review, String))
        .join(Card).where(Card.retired_at.is_(None))).all()
    states, suspended, stability, difficulty, due, last_review = list(zip(*rows)) or [()] * 6
    state = np.array(states, dtype=object)
    suspended_mask = np.array(suspended, dtype=bool)
    due_at, reviewed_at = _stored_times(due), _stored_times(last_review)

    scheduled = (state != NEW) & ~suspended_mask & ~np.isnat(due_at)
    day_ends = [_as_numpy_time(day_start(today + (offset + 1) * ONE_DAY, hour)) for offset in range(FORECAST_DAYS)]
    due_before = np.searchsorted(np.sort(due_at[scheduled]), np.array(day_ends), side="left")
    forecast = np.diff(due_before, prepend=0)

    in_review = np.isin(state, [REVIEW, RELEARNING]) & ~np.isnat(due_at) & ~np.isnat(reviewed_at)
    intervals = (due_at[in_review] - reviewed_at[in_review]) / np.timedelta64(1, "D")

    stability_days = np.array(stability, dtype=float)
    remembered = ~np.isnan(stability_days) & ~np.isnat(reviewed_at)
    elapsed_days = np.maximum(0, (_as_numpy_time(now) - reviewed_at[remembered]) // np.timedelta64(1, "D"))
    counts = {name: int(np.count_nonzero(state == name)) for name in (NEW, LEARNING, REVIEW, RELEARNING)}
    counts["suspended"] = int(np.count_nonzero(suspended_mask))
    return Stats(
        today=today, reviewed_today=reviewed, again_today=again, seconds_today=seconds, reviews_by_day=by_day,
        streak=streak(session, by_day, first, hour), forecast=forecast.tolist(), retention=retention,
        counts=counts, intervals=intervals.tolist(), stability=stability_days[remembered].tolist(),
        difficulty=np.array(difficulty, dtype=float)[remembered].tolist(),
        retrievability=retrievability(elapsed_days, stability_days[remembered], config.parameters).tolist(),
        drills_by_week=drills_by_week, drills_by_deck=drills_by_deck,
    )
