"""Syncing the review log through a remote database (any SQLAlchemy URL: a PostgreSQL server, or a SQLite file in a
shared folder): send the events the remote lacks, take those this database lacks, then replay every card whose
events moved, so that devices with the same events hold the same schedules and logs.

The remote holds events only (ratings and resets, and the ids of undone ones); card content stays in the files.
Events are immutable and known by their ids, so each step can be repeated: a sync cut off half-way is completed
by the next one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, delete, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from revise.errors import ReviseError
from revise.scheduler.fsrs_scheduler import CardScheduler
from revise.scheduler.replay import replay_cards
from revise.store.schema import CancelledEvent, Card, DrillAnswer, ReviewLog

REMOTE = MetaData()
EVENTS = Table(
    "revise_events", REMOTE,
    Column("event_id", String(32), primary_key=True),
    Column("device", String(64), nullable=False),
    Column("card_id", String, nullable=False),
    Column("reviewed_at", DateTime, nullable=False),  # UTC
    Column("rating", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False),
)
CANCELLATIONS = Table(
    "revise_cancellations", REMOTE,
    Column("event_id", String(32), primary_key=True),
    Column("card_id", String, nullable=False),
    Column("cancelled_at", DateTime, nullable=False),  # UTC
    Column("device", String(64), nullable=False),
)
EVENT_FIELDS = ("event_id", "device", "card_id", "reviewed_at", "rating", "duration_ms")
CANCELLATION_FIELDS = ("event_id", "card_id", "cancelled_at", "device")
FETCHED_AT_ONCE = 500  # ids in one `IN (...)` when fetching what the remote has


@dataclass
class Exchange:
    """What one sync moves: the events and cancellations this database sent, and those it received."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    sent_cancellations: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    received_cancellations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RemoteReport:
    """What a sync with the remote did, for one line of output."""

    sent: int
    received: int
    undone: int
    rescheduled: int
    waiting: int  # received events of cards this database does not have (yet): applied once their card is synced

    def summary(self) -> str:
        """One line, e.g. `remote: 12 events sent, 30 received, 1 undone; 25 cards rescheduled`."""
        line = (f"remote: {self.sent} events sent, {self.received} received, {self.undone} undone; "
                f"{self.rescheduled} cards rescheduled")
        if self.waiting:
            line += f"; {self.waiting} events wait for cards this device does not have"
        return line


def open_remote(url: str) -> Engine:
    """An engine for the remote's URL; a URL that cannot be read, or whose driver is not installed, is one line."""
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ValueError) as error:
        raise ReviseError(f"the remote `{_without_password(url)}` is not a database URL ({error}); write it like "
                          "postgresql://user:password@host/dbname or sqlite:////path/to/shared.db") from None
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise ReviseError(f"no database driver for the remote `{_without_password(url)}` ({error}): for PostgreSQL, "
                          "pip install 'psycopg[binary]'") from None


def _without_password(url: str) -> str:
    """A URL as it may be shown: any password replaced by ***."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}" if ":" in credentials else url


def local_events(session: Session) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """This database's events and cancellations, as the remote holds them (times as naive UTC)."""
    events = [dict(zip(EVENT_FIELDS, (*row[:3], _naive(row[3]), *row[4:])))
              for row in session.execute(select(*(getattr(ReviewLog, name) for name in EVENT_FIELDS)))]
    cancellations = [dict(zip(CANCELLATION_FIELDS, (row[0], row[1], _naive(row[2]), row[3])))
                     for row in session.execute(select(*(getattr(CancelledEvent, name) for name in CANCELLATION_FIELDS)))]
    return events, cancellations


def exchange(remote: Engine, events: list[dict[str, Any]], cancellations: list[dict[str, Any]]) -> Exchange:
    """Sends the remote the events and cancellations it lacks and fetches those missing here, in one remote
    transaction (made on first use: the remote's tables are created if missing); a remote that cannot be reached
    or refuses is one line, and nothing is changed here."""
    try:
        return _exchange(remote, events, cancellations)
    except (SQLAlchemyError, OSError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise ReviseError(f"cannot sync with the remote `{_without_password(remote.url.render_as_string())}`: "
                          f"{reason}; check the URL, that the server runs and the password") from None


def _exchange(remote: Engine, events: list[dict[str, Any]], cancellations: list[dict[str, Any]]) -> Exchange:
    """The work of `exchange`."""
    moved = Exchange()
    with remote.begin() as conn:
        REMOTE.create_all(conn)
        remote_events = set(conn.scalars(select(EVENTS.c.event_id)))
        remote_cancelled = set(conn.scalars(select(CANCELLATIONS.c.event_id)))
        moved.sent_cancellations = [row for row in cancellations if row["event_id"] not in remote_cancelled]
        cancelled = remote_cancelled | {row["event_id"] for row in cancellations}
        moved.sent = [row for row in events if row["event_id"] not in remote_events | cancelled]
        _insert_new(conn, EVENTS, moved.sent)
        _insert_new(conn, CANCELLATIONS, moved.sent_cancellations)
        here = {row["event_id"] for row in events}
        moved.received_cancellations = _fetch(conn, CANCELLATIONS, remote_cancelled - {
            row["event_id"] for row in cancellations})
        moved.received = _fetch(conn, EVENTS, remote_events - here - cancelled)
    return moved


def _insert_new(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Inserts rows, passing over any whose id another sync inserted meanwhile (events never change)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(table).on_conflict_do_nothing(index_elements=["event_id"]), rows)


def _fetch(conn: Connection, table: Table, ids: set[str]) -> list[dict[str, Any]]:
    """The remote's rows of a table with these ids, in batches."""
    wanted = sorted(ids)
    rows = []
    for start in range(0, len(wanted), FETCHED_AT_ONCE):
        batch = wanted[start:start + FETCHED_AT_ONCE]
        rows += [dict(row._mapping) for row in conn.execute(select(table).where(table.c.event_id.in_(batch)))]
    return rows


def apply_exchange(session: Session, scheduler: CardScheduler, moved: Exchange) -> RemoteReport:
    """Takes in what the remote sent (undone events removed, new events logged, those of unknown cards left
    waiting), then replays every card whose events moved either way, in the caller's write transaction."""
    known_cards = set(session.scalars(select(Card.id)))
    cancelled_here = set(session.scalars(select(CancelledEvent.event_id)))
    undone = [row for row in moved.received_cancellations if row["event_id"] not in cancelled_here]
    undone_ids = [row["event_id"] for row in undone]
    for row in undone:
        session.add(CancelledEvent(**{**row, "cancelled_at": _aware(row["cancelled_at"])}))
    if undone_ids:
        gone = select(ReviewLog.id).where(ReviewLog.event_id.in_(undone_ids))
        session.execute(delete(DrillAnswer).where(DrillAnswer.review_log_id.in_(gone)))
        session.execute(delete(ReviewLog).where(ReviewLog.event_id.in_(undone_ids)))
    skipped = cancelled_here | set(undone_ids)
    arrived = [row for row in moved.received if row["event_id"] not in skipped and row["card_id"] in known_cards]
    for row in arrived:
        session.add(ReviewLog(**{**row, "reviewed_at": _aware(row["reviewed_at"])}, kind="", state_before={},
                              state_after={}, interval_days=None))
    session.flush()
    moved_cards = _cards(moved.sent, moved.sent_cancellations, undone, arrived)
    rescheduled = replay_cards(session, scheduler, sorted(moved_cards))
    waiting = sum(1 for row in moved.received if row["card_id"] not in known_cards and row["event_id"] not in skipped)
    return RemoteReport(len(moved.sent), len(arrived), len(undone), rescheduled, waiting)


def _cards(*groups: Iterable[dict[str, Any]]) -> set[str]:
    """The cards the rows of some groups of events belong to."""
    return {row["card_id"] for rows in groups for row in rows}


def _naive(moment: datetime) -> datetime:
    """A moment as the remote stores it: UTC without a zone (the same on every database)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    """A moment read from the remote, in UTC with its zone, as this database keeps them."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
