"""Saying when something is due, and how long studying took, in words a learner reads at a glance."""

from __future__ import annotations

from datetime import datetime, timedelta


def describe_due(due: datetime, now: datetime) -> str:
    """`now`, `in 8 minutes (22:41)`, `tomorrow at 09:12` or `on Mon 24 Nov at 10:00`, in local time."""
    due, now = due.astimezone(), now.astimezone()
    if due <= now:
        return "now"
    if due - now < timedelta(hours=1):
        minutes = max(1, round((due - now).total_seconds() / 60))
        return f"in {minutes} minute{'s' if minutes > 1 else ''} ({due:%H:%M})"
    if due.date() == now.date():
        return f"today at {due:%H:%M}"
    if due.date() == now.date() + timedelta(days=1):
        return f"tomorrow at {due:%H:%M}"
    return f"on {due:%a %d %b} at {due:%H:%M}"


def describe_duration(seconds: float) -> str:
    """Time spent studying, as `revise stats` prints it: 45s, 1m 21s, 2h 05m."""
    minutes, whole_seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {whole_seconds:02d}s" if minutes else f"{whole_seconds}s"
