"""The study day: it rolls over at a fixed local hour (4 AM by default), as in Anki."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone


def day_bounds(now: datetime, rollover_hour: int) -> tuple[datetime, datetime]:
    """The UTC start and end of the study day containing `now` (aware), cut at `rollover_hour` local time."""
    local = now.astimezone()
    first_date = local.date() - timedelta(days=1 if local.hour < rollover_hour else 0)
    start, end = (datetime.combine(first_date + timedelta(days=days), time(rollover_hour)).astimezone()
                  for days in (0, 1))
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
