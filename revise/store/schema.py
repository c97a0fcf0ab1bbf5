"""The database tables as typed SQLAlchemy models: cards, their schedule, the review log, settings."""

from __future__ import annotations

import secrets
import time

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        TypeDecorator)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC text and gives them back aware, because SQLite has no time zones."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """The declarative base of every revise table."""


class Deck(Base):
    """A card file's deck: its name (the file stem) and its titles."""

    __tablename__ = "decks"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    title_en: Mapped[str] = mapped_column(String)
    title_zh: Mapped[str] = mapped_column(String)


class CardFile(Base):
    """What sync last saw of a card file, so that an unchanged file is skipped without reading it."""

    __tablename__ = "card_files"

    path: Mapped[str] = mapped_column(String, primary_key=True)
    mtime_ns: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String)


class Card(Base):
    """A card's content as last synced from its file; retired cards keep their row and history."""

    __tablename__ = "cards"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    deck: Mapped[str] = mapped_column(String, index=True)
    path: Mapped[str] = mapped_column(String)
    line: Mapped[int] = mapped_column(Integer)
    title_en: Mapped[str] = mapped_column(String)
    title_zh: Mapped[str] = mapped_column(String)
    front_en: Mapped[str] = mapped_column(Text)
    front_zh: Mapped[str] = mapped_column(Text)
    back_en: Mapped[str] = mapped_column(Text)
    back_zh: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String, default="")
    demo: Mapped[str | None] = mapped_column(String)
    source: Mapped[str | None] = mapped_column(String)
    content_hash: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drill: Mapped[str | None] = mapped_column(String)  # `module.name` of the card's drill, if it has one

    schedule: Mapped[CardSchedule] = relationship(back_populates="card", lazy="joined")


class CardTag(Base):
    """One of a card's tags, lower case, so that `tag:` searches use an index; sync keeps it in step."""

    __tablename__ = "card_tags"
    __table_args__ = {"sqlite_with_rowid": False}

    tag: Mapped[str] = mapped_column(String, primary_key=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), primary_key=True, index=True)


class SearchDoc(Base):
    """A card's row in the full-text index: `id` is the rowid of its entries there; `title`, `keywords` and `body`
    its text as shown (the body compressed: see `search.packing`), from which the (contentless) index's text is made
    (see `search.index`)."""

    __tablename__ = "search_docs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), unique=True)
    title: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class SearchTerm(Base):
    """A word the search index holds, or once held: the vocabulary a search looks up the words holding a part in.

    Ids only grow (AUTOINCREMENT), so that a copy kept in memory can take only the words added since it was read.
    """

    __tablename__ = "search_terms"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String, unique=True)


class CardSchedule(Base):
    """A card's scheduling state: FSRS memory state and due time, plus our own counters and flags."""

    __tablename__ = "card_schedules"

    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String, index=True)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    leech: Mapped[bool] = mapped_column(default=False)
    suspended: Mapped[bool] = mapped_column(default=False)

    card: Mapped[Card] = relationship(back_populates="schedule")


# A manual reset is logged with this kind and rating, so the history shows it and no statistic counts it as a review.
MANUAL, MANUAL_RATING = "manual", 0


# The settings key of this database's device id, made by migration 0007.
DEVICE_KEY = "device_id"


def new_event_id() -> str:
    """A globally unique id for an event (a rating, a reset, a suspension), so that devices syncing it apply it once:
    the time it was made, in nanoseconds, then 64 random bits, in hex. Ids sort in the order they were made, which
    puts two events of one moment (a rating and the reset after it) in the order they happened."""
    return f"{time.time_ns():016x}{secrets.token_hex(8)}"


class ReviewLog(Base):
    """One rating (or manual reset), append-only: when, how, how long, and the card's schedule before and after it;
    `event_id` and `device` name it across the devices that sync the log (see `revise.remote`)."""

    __tablename__ = "review_log"
    # Covers what the statistics read from the log, so that a year of reviews is counted from the index alone.
    __table_args__ = (Index("ix_review_log_stats", "reviewed_at", "rating", "kind", "interval_days"),
                      Index("ix_review_log_event_id", "event_id", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), index=True)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rating: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String)
    state_before: Mapped[dict[str, Any]] = mapped_column(JSON)
    state_after: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Days from the last review to the due time before this one, for a card in the review state; else None.
    interval_days: Mapped[float | None] = mapped_column(Float)
    event_id: Mapped[str] = mapped_column(String, default=new_event_id)
    device: Mapped[str] = mapped_column(String, default="")
    scheduler: Mapped[str] = mapped_column(String, default="")  # `CardScheduler.digest` of the settings it was given under


class SuspensionEvent(Base):
    """A card suspended or unsuspended by the learner, as an event the devices sync: a card's latest decides."""

    __tablename__ = "suspension_events"

    event_id: Mapped[str] = mapped_column(String, primary_key=True, default=new_event_id)
    card_id: Mapped[str] = mapped_column(String, index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    suspended: Mapped[bool] = mapped_column(Boolean)
    device: Mapped[str] = mapped_column(String)


class SchedulerSettings(Base):
    """The settings that decide intervals (`SchedulerConfig.deciding`) under a digest that ratings record, so that a
    replay on any device schedules each rating as it was scheduled."""

    __tablename__ = "scheduler_settings"

    digest: Mapped[str] = mapped_column(String, primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)


class ParameterApplication(Base):
    """`revise optimize --apply` as an event: from then on the history before it is read under these settings
    (their digest), on every device."""

    __tablename__ = "parameter_applications"

    event_id: Mapped[str] = mapped_column(String, primary_key=True, default=new_event_id)
    device: Mapped[str] = mapped_column(String)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduler: Mapped[str] = mapped_column(String)


class CancelledEvent(Base):
    """An event of the log taken back (an undone rating): its row is gone here, and this keeps a sync from bringing
    it back from a device or a remote that still has it, and takes it away there too."""

    __tablename__ = "cancelled_events"

    event_id: Mapped[str] = mapped_column(String, primary_key=True)
    card_id: Mapped[str] = mapped_column(String)
    cancelled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    device: Mapped[str] = mapped_column(String)


class DrillAnswer(Base):
    """One answered drill instance: the values drawn, what was typed, whether it was right; tied to the rating it
    came with (`review_log_id`), or to none for practice outside the schedule."""

    __tablename__ = "drill_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), index=True)
    review_log_id: Mapped[int | None] = mapped_column(ForeignKey("review_log.id"), index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    drill: Mapped[str] = mapped_column(String)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    all_right: Mapped[bool] = mapped_column()


class Setting(Base):
    """One user setting, stored as JSON under its name."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
