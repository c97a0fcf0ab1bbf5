"""The study day: it rolls over at a fixed local hour (4 AM by default), as in Anki."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone


def study_day(now: datetime, rollover_hour: int) -> date:
    """The study day `now` (aware) falls in: its local date, or the day before when earlier than the rollover hour."""
    local = now.astimezone()
    return local.date() - timedelta(days=1 if local.hour < rollover_hour else 0)


def day_start(day: date, rollover_hour: int) -> datetime:
    """The moment (aware, UTC) a study day begins: its rollover hour, local time."""
    return datetime.combine(day, time(rollover_hour)).astimezone().astimezone(timezone.utc)


def day_bounds(now: datetime, rollover_hour: int) -> tuple[datetime, datetime]:
    """The UTC start and end of the study day containing `now` (aware), cut at `rollover_hour` local time."""
    day = study_day(now, rollover_hour)
    return day_start(day, rollover_hour), day_start(day + timedelta(days=1), rollover_hour)
