"""A card's scheduling state as plain data, convertible to FSRS cards, JSON log entries and table rows."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fsrs import Card as FsrsCard
from fsrs import State

if TYPE_CHECKING:
    from revise.store.schema import CardSchedule

NEW, LEARNING, REVIEW, RELEARNING = "new", "learning", "review", "relearning"
_FROM_FSRS = {State.Learning: LEARNING, State.Review: REVIEW, State.Relearning: RELEARNING}
_TO_FSRS = {LEARNING: State.Learning, REVIEW: State.Review, RELEARNING: State.Relearning}
_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses", "leech")


@dataclass(frozen=True)
class Schedule:
    """Where a card stands: FSRS memory state and due time, and our own counters (FSRS keeps none)."""

    state: str = NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    leech: bool = False

    @property
    def review_interval_days(self) -> float | None:
        """Days from the last review to the due time of a card in the review state (young or mature), else None."""
        if self.state != REVIEW or self.due is None or self.last_review is None:
            return None
        return (self.due - self.last_review) / timedelta(days=1)

    @classmethod
    def from_row(cls, row: CardSchedule) -> Schedule:
        """The schedule stored in a table row."""
        return cls(**{name: getattr(row, name) for name in _FIELDS})

    def write_to(self, row: CardSchedule) -> None:
        """Stores this schedule in a table row."""
        for name in _FIELDS:
            setattr(row, name, getattr(self, name))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict for the review log, datetimes as ISO text."""
        data = {item.name: getattr(self, item.name) for item in fields(self)}  # flat: no deep copy, as asdict makes
        for name in ("due", "last_review"):
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schedule:
        """The schedule a review-log entry recorded."""
        data = dict(data)
        for name in ("due", "last_review"):
            data[name] = datetime.fromisoformat(data[name]) if data[name] else None
        return cls(**data)

    def to_fsrs(self) -> FsrsCard:
        """The FSRS card for this schedule; a new card is an FSRS card in its first learning step."""
        if self.state == NEW:
            return FsrsCard(card_id=0)
        return FsrsCard(card_id=0, state=_TO_FSRS[self.state], step=self.step, stability=self.stability,
                        difficulty=self.difficulty, due=self.due, last_review=self.last_review)

    def after(self, card: FsrsCard, lapsed: bool, leech_threshold: int) -> Schedule:
        """The schedule after a review that gave this FSRS card; a lapse counts and may make a leech."""
        lapses = self.lapses + lapsed
        return replace(self, state=_FROM_FSRS[card.state], step=card.step, stability=card.stability,
                       difficulty=card.difficulty, due=card.due, last_review=card.last_review,
                       reps=self.reps + 1, lapses=lapses, leech=self.leech or lapses >= leech_threshold)
