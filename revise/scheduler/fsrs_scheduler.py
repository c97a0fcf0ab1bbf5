"""Previewing and applying ratings with FSRS-6, under Anki's defaults."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from fsrs import Rating, Scheduler
from fsrs.scheduler import FUZZ_RANGES

from revise.scheduler.schedule import REVIEW, Schedule

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATING_NAMES = {AGAIN: "Again", HARD: "Hard", GOOD: "Good", EASY: "Easy"}


@dataclass(frozen=True)
class SchedulerConfig:
    """The scheduling settings, defaulting to Anki's: retention 0.90, steps 1m 10m, relearn 10m, 20/200 a day."""

    desired_retention: float = 0.90
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    enable_fuzzing: bool = True
    new_per_day: int = 20
    reviews_per_day: int = 200
    rollover_hour: int = 4
    leech_threshold: int = 8
    learn_ahead: timedelta = timedelta(minutes=20)
    parameters: tuple[float, ...] = field(default_factory=lambda: tuple(Scheduler().parameters))

    def deciding(self) -> dict[str, Any]:
        """Everything that decides an interval (parameters, retention, steps, fuzz, leeches), JSON-ready: what a rating
        records, so that a replay on any device gives it the interval it was given."""
        return {"parameters": list(self.parameters), "desired_retention": self.desired_retention,
                "learning_steps": [step.total_seconds() for step in self.learning_steps],
                "relearning_steps": [step.total_seconds() for step in self.relearning_steps],
                "enable_fuzzing": self.enable_fuzzing, "leech_threshold": self.leech_threshold}

    def with_deciding(self, deciding: dict[str, Any]) -> SchedulerConfig:
        """These settings with the deciding ones replaced by those a rating recorded (see `deciding`)."""
        return replace(self, parameters=tuple(deciding["parameters"]), desired_retention=deciding["desired_retention"],
                       learning_steps=tuple(timedelta(seconds=s) for s in deciding["learning_steps"]),
                       relearning_steps=tuple(timedelta(seconds=s) for s in deciding["relearning_steps"]),
                       enable_fuzzing=deciding["enable_fuzzing"], leech_threshold=deciding["leech_threshold"])


@dataclass(frozen=True)
class Outcome:
    """What one rating would do to a card: the schedule after it and the interval until it is due."""

    rating: int
    schedule: Schedule
    interval: timedelta

    def at(self, moment: datetime) -> Schedule:
        """The outcome as if rated at `moment`: the same interval, counted from then."""
        return replace(self.schedule, last_review=moment, due=moment + self.interval)


class _SeededScheduler(Scheduler):
    """FSRS's scheduler with its interval fuzz drawn from a seed given for each review, not from the process's random
    numbers, so that replaying a card's reviews (on this machine or another) gives the intervals it gave."""

    seed = ""

    def _get_fuzzed_interval(self, *, interval: timedelta) -> timedelta:
        """FSRS's fuzz (a whole number of days around the interval, wider for longer ones), seeded by `seed`."""
        days = interval.days
        if days < 2.5:
            return interval
        delta = 1.0 + sum(band["factor"] * max(min(float(days), band["end"]) - band["start"], 0.0)
                          for band in FUZZ_RANGES)
        low, high = max(2, round(days - delta)), min(round(days + delta), self.maximum_interval)
        low = min(low, high)
        draw = random.Random(hashlib.sha256(self.seed.encode()).digest()).random()
        return timedelta(days=min(round(draw * (high - low + 1) + low), self.maximum_interval))


class CardScheduler:
    """Gives the four possible outcomes of rating a card; the chosen one is applied as previewed."""

    def __init__(self, config: SchedulerConfig) -> None:
        self.config = config
        self._fsrs = _SeededScheduler(
            parameters=config.parameters, desired_retention=config.desired_retention,
            learning_steps=config.learning_steps, relearning_steps=config.relearning_steps,
            enable_fuzzing=config.enable_fuzzing,
        )

    @property
    def digest(self) -> str:
        """A short digest of the settings that decide an interval (`SchedulerConfig.deciding`): two schedulers with
        the same digest give the same outcome for the same review."""
        return hashlib.sha256(json.dumps(self.config.deciding(), sort_keys=True).encode()).hexdigest()[:16]

    def preview(self, schedule: Schedule, now: datetime, event_id: str = "") -> dict[int, Outcome]:
        """The outcome of each rating at `now`, computed once so the interval shown is the interval given; `event_id`
        is the id the rating will have."""
        return {rating: self.outcome(schedule, rating, now, event_id) for rating in (AGAIN, HARD, GOOD, EASY)}

    def outcome(self, schedule: Schedule, rating: int, now: datetime, event_id: str = "") -> Outcome:
        """The outcome of one rating at `now`; replaying a card's log calls this once per review. Its fuzz is seeded
        by the rating event's id (and the rating), so the same event always gives the same interval."""
        self._fsrs.seed = f"{event_id}\x1f{rating}"
        after, _log = self._fsrs.review_card(schedule.to_fsrs(), Rating(rating), now)
        lapsed = rating == AGAIN and schedule.state == REVIEW
        return Outcome(rating, schedule.after(after, lapsed, self.config.leech_threshold), after.due - now)


def format_interval(interval: timedelta) -> str:
    """A short human interval as Anki shows it on its buttons: 45s, 10m, 3h, 4d, 2.5mo, 1.2y."""
    seconds = interval.total_seconds()
    for unit, size in (("y", 365 * 86400), ("mo", 30 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            value = seconds / size
            return f"{value:.1f}{unit}".replace(".0", "") if unit in ("y", "mo") else f"{round(value)}{unit}"
    return f"{max(0, round(seconds))}s"
