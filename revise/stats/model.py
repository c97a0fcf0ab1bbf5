"""What the statistics say: plain data, computed by `stats.compute` and drawn by `stats.plots` and the stats screen.

Days are study days, which roll over at the configured local hour (4 AM by default), as in Anki.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# A review card whose interval before a review was at least this many days counts as mature (Anki's rule).
MATURE_DAYS = 21
HEATMAP_DAYS = 365
FORECAST_DAYS = 30
RETENTION_WEEKS = 12


def _share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


@dataclass(frozen=True)
class WeekRetention:
    """True retention over one week of reviews of cards in the review state: the share not rated Again."""

    week_start: date  # the study day the week begins on (a Monday)
    young_reviews: int  # reviews of cards whose interval before the review was under MATURE_DAYS
    young_passed: int  # of those, not rated Again
    mature_reviews: int
    mature_passed: int

    @property
    def young_rate(self) -> float | None:
        return _share(self.young_passed, self.young_reviews)

    @property
    def mature_rate(self) -> float | None:
        return _share(self.mature_passed, self.mature_reviews)


@dataclass(frozen=True)
class DrillTally:
    """Drill answers over one week (or in one deck): how many were answered, and how many all right."""

    label: str  # the week's Monday as ISO text, or the deck's name
    answered: int
    right: int

    @property
    def rate(self) -> float | None:
        return _share(self.right, self.answered)


@dataclass(frozen=True)
class Stats:
    """The statistics of a collection at one moment; ratings only (a manual reset is not a review)."""

    today: date  # the current study day
    reviewed_today: int  # ratings given today
    again_today: int  # of those, rated Again
    seconds_today: float  # time spent on today's ratings
    reviews_by_day: list[int]  # HEATMAP_DAYS counts, oldest first; the last is today
    streak: int  # study days in a row with a review, back from today (from yesterday if none yet today)
    forecast: list[int]  # FORECAST_DAYS counts: [0] due by the end of today (overdue included), [i] due on day i
    retention: list[WeekRetention]  # the last RETENTION_WEEKS weeks, oldest first, this week last
    counts: dict[str, int]  # cards not retired: "new", "learning", "review", "relearning", and "suspended" of those
    intervals: list[float] = field(default_factory=list)  # days, of cards in the review or relearning state
    stability: list[float] = field(default_factory=list)  # days, of every card reviewed at least once
    difficulty: list[float] = field(default_factory=list)  # 1 to 10, of the same cards
    retrievability: list[float] = field(default_factory=list)  # 0 to 1, now, of the same cards
    # Drill answers (in reviews and practice alike): the last RETENTION_WEEKS weeks, oldest first, and by deck.
    drills_by_week: list[DrillTally] = field(default_factory=list)
    drills_by_deck: list[DrillTally] = field(default_factory=list)

    @property
    def again_rate(self) -> float | None:
        """The share of today's ratings that were Again, or None before the first."""
        return _share(self.again_today, self.reviewed_today)
