"""Syncing the review log through a remote database (any SQLAlchemy URL: a PostgreSQL server, or a SQLite file in a
shared folder): send the events the remote lacks, take those this database lacks, then replay every card whose
events moved, so that devices with the same events hold the same schedules and logs.

The remote holds events only, never card text: ratings and resets, the ids of undone ones, and suspensions. Events
are immutable and known by their ids, so each step can be repeated: a sync cut off half-way is completed by the
next one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Boolean, Column, DateTime, Integer, MetaData, String, Table, create_engine, delete,
                        event, func, insert, select, update)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from revise.errors import ReviseError
from revise.scheduler.fsrs_scheduler import CardScheduler
from revise.scheduler.replay import replay_cards
from revise.scheduler.parameters import store_parameters
from revise.store.schema import (Base, CancelledEvent, Card, CardSchedule, DrillAnswer, ParameterApplication, ReviewLog,
                                 SchedulerSettings, SuspensionEvent)

REMOTE = MetaData()
FETCHED_AT_ONCE = 500  # ids in one `IN (...)` when fetching what the remote has
EVENTS, CANCELLATIONS, SUSPENSIONS, SETTINGS, APPLICATIONS = (
    "events", "cancellations", "suspensions", "settings", "parameter applications")


@dataclass(frozen=True)
class Stream:
    """One kind of event, as this database keeps it (`local`) and as the remote does (`remote`): the columns they
    share, keyed by `key`, their times (UTC, without a zone on the remote) named in `times`."""

    local: type[Base]
    remote: Table
    times: tuple[str, ...] = ()
    key: str = "event_id"

    @property
    def fields(self) -> tuple[str, ...]:
        """The columns a row of this stream travels with."""
        return tuple(column.name for column in self.remote.columns)


def _table(name: str, *columns: Column, of_a_card: bool = True) -> Table:
    """A remote table of events keyed by event id, each made by a device (and about a card, unless not `of_a_card`)."""
    card = [Column("card_id", String, nullable=False)] if of_a_card else []
    return Table(name, REMOTE, Column("event_id", String(32), primary_key=True), Column("device", String(64)),
                 *card, *columns)


STREAMS = {
    SETTINGS: Stream(SchedulerSettings, Table("revise_scheduler_settings", REMOTE,
                                              Column("digest", String(16), primary_key=True),
                                              Column("settings", JSON, nullable=False)), key="digest"),
    APPLICATIONS: Stream(ParameterApplication, _table("revise_parameter_applications",
                                                      Column("applied_at", DateTime, nullable=False),
                                                      Column("scheduler", String(16), nullable=False),
                                                      of_a_card=False), ("applied_at",)),
    EVENTS: Stream(ReviewLog, _table("revise_events", Column("reviewed_at", DateTime, nullable=False),
                                     Column("rating", Integer, nullable=False),
                                     Column("duration_ms", Integer, nullable=False),
                                     Column("scheduler", String(16), nullable=False)), ("reviewed_at",)),
    CANCELLATIONS: Stream(CancelledEvent, _table("revise_cancellations", Column("cancelled_at", DateTime,
                                                                              nullable=False)), ("cancelled_at",)),
    SUSPENSIONS: Stream(SuspensionEvent, _table("revise_suspensions", Column("changed_at", DateTime, nullable=False),
                                                Column("suspended", Boolean, nullable=False)), ("changed_at",)),
}


@dataclass
class Exchange:
    """What one sync moves, by stream: the rows this database sent, and those it received."""

    sent: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class RemoteReport:
    """What a sync with the remote did, for one line of output."""

    sent: int
    received: int
    undone: int
    rescheduled: int
    waiting: int  # received events of cards this database does not have (yet): applied once their card is synced
    # FSRS parameters another device applied (`revise optimize --apply`), now this device's too.
    parameters: tuple[float, ...] | None = None

    def summary(self) -> str:
        """One line, e.g. `remote: 12 events sent, 30 received, 1 undone; 25 cards rescheduled`."""
        line = (f"remote: {self.sent} events sent, {self.received} received, {self.undone} undone; "
                f"{self.rescheduled} cards rescheduled")
        if self.waiting:
            line += f"; {self.waiting} events wait for cards this device does not have"
        if self.parameters is not None:
            line += "; the FSRS parameters another device applied (revise optimize --apply) are used here too"
        return line


# PostgreSQL's lock key for a sync: one at a time per remote, so that each sees the events of the one before.
SYNC_LOCK = 1_954_009_019
# How long a sync waits for another device's sync of a SQLite remote to finish, in seconds.
SQLITE_WAIT = 30


def open_remote(url: str) -> Engine:
    """An engine for the remote's URL; a URL that cannot be read, or whose driver is not installed, is one line.

    Syncs of one remote take turns: on SQLite each transaction takes the write lock as it begins (BEGIN IMMEDIATE,
    waiting up to SQLITE_WAIT seconds), on PostgreSQL an advisory lock (see `_exchange`).
    """
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ValueError) as error:
        raise ReviseError(f"the remote `{_without_password(url)}` is not a database URL ({error}); write it like "
                          "postgresql://user:password@host/dbname or sqlite:////path/to/shared.db") from None
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise ReviseError(f"no database driver for the remote `{_without_password(url)}` ({error}): for PostgreSQL, "
                          "pip install 'psycopg[binary]'") from None
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _manual_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # the driver begins no transaction of its own
            dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_WAIT * 1000}")

        @event.listens_for(engine, "begin")
        def _write_lock_first(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


def _without_password(url: str) -> str:
    """A URL as it may be shown: any password replaced by ***."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}" if ":" in credentials else url


def local_events(session: Session) -> dict[str, list[dict[str, Any]]]:
    """This database's rows of every stream, as the remote holds them (times as naive UTC)."""
    rows = {}
    for name, stream in STREAMS.items():
        columns = [getattr(stream.local, column) for column in stream.fields]
        rows[name] = [{column: _naive(value) if column in stream.times else value
                       for column, value in zip(stream.fields, row)} for row in session.execute(select(*columns))]
    return rows


def exchange(remote: Engine, local: dict[str, list[dict[str, Any]]]) -> Exchange:
    """Sends the remote the rows it lacks and fetches those missing here, in one remote transaction (made on first
    use: the remote's tables are created if missing); a remote that cannot be reached or refuses is one line, and
    nothing is changed here."""
    try:
        return _exchange(remote, local)
    except (SQLAlchemyError, OSError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise ReviseError(f"cannot sync with the remote `{_without_password(remote.url.render_as_string())}`: "
                          f"{reason}; check the URL, that the server runs and the password") from None


def _exchange(remote: Engine, local: dict[str, list[dict[str, Any]]]) -> Exchange:
    """The work of `exchange`: undone events are neither sent nor fetched."""
    moved = Exchange()
    with remote.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(SYNC_LOCK)))  # until this transaction ends
        REMOTE.create_all(conn)
        there = {name: set(conn.scalars(select(stream.remote.c[stream.key]))) for name, stream in STREAMS.items()}
        here = {name: {row[STREAMS[name].key] for row in rows} for name, rows in local.items()}
        cancelled = there[CANCELLATIONS] | here[CANCELLATIONS]
        for name, stream in STREAMS.items():
            passed_over = cancelled if name == EVENTS else set()
            moved.sent[name] = [row for row in local[name] if row[stream.key] not in there[name] | passed_over]
            _insert_new(conn, stream, moved.sent[name])
            moved.received[name] = _fetch(conn, stream, there[name] - here[name] - passed_over)
    return moved


def _insert_new(conn: Connection, stream: Stream, rows: list[dict[str, Any]]) -> None:
    """Inserts rows, passing over any whose key another sync inserted meanwhile (events never change)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(stream.remote).on_conflict_do_nothing(index_elements=[stream.key]), rows)


def _fetch(conn: Connection, stream: Stream, keys: set[str]) -> list[dict[str, Any]]:
    """The remote's rows of a stream with these keys, in batches."""
    wanted, column = sorted(keys), stream.remote.c[stream.key]
    rows = []
    for start in range(0, len(wanted), FETCHED_AT_ONCE):
        batch = wanted[start:start + FETCHED_AT_ONCE]
        rows += [dict(row._mapping) for row in conn.execute(select(stream.remote).where(column.in_(batch)))]
    return rows


def apply_exchange(session: Session, scheduler: CardScheduler, moved: Exchange) -> RemoteReport:
    """Takes in what the remote sent (undone events removed, new events logged, suspensions followed; events of
    unknown cards left waiting), then replays every card whose events moved either way, in the caller's write
    transaction."""
    known_cards = set(session.scalars(select(Card.id)))
    received = {name: [_local(STREAMS[name], row) for row in rows] for name, rows in moved.received.items()}
    undone = received[CANCELLATIONS]
    undone_ids = [row["event_id"] for row in undone]
    if undone_ids:
        gone = select(ReviewLog.id).where(ReviewLog.event_id.in_(undone_ids))
        session.execute(delete(DrillAnswer).where(DrillAnswer.review_log_id.in_(gone)))
        session.execute(delete(ReviewLog).where(ReviewLog.event_id.in_(undone_ids)))
    arrived = [row for row in received[EVENTS] if row["card_id"] in known_cards]
    session.add_all(CancelledEvent(**row) for row in undone)
    session.add_all(SuspensionEvent(**row) for row in received[SUSPENSIONS])
    session.add_all(SchedulerSettings(**row) for row in received[SETTINGS])
    session.add_all(ParameterApplication(**row) for row in received[APPLICATIONS])
    session.flush()
    if arrived:  # in one Core statement (a year of reviews is 50,000 rows); the replay below fills in their states
        session.execute(insert(ReviewLog.__table__), [
            {**row, "kind": "", "state_before": {}, "state_after": {}, "interval_days": None} for row in arrived])
    moved_cards = _cards(moved.sent[EVENTS], moved.sent[CANCELLATIONS], undone, arrived)
    if moved.sent[APPLICATIONS] or received[APPLICATIONS]:  # an application reads the whole history before it anew
        moved_cards |= set(session.scalars(select(ReviewLog.card_id).distinct()))
    parameters = _adopted_parameters(session, received[APPLICATIONS])
    if parameters is not None:
        scheduler = CardScheduler(replace(scheduler.config, parameters=parameters))
    rescheduled = replay_cards(session, scheduler, sorted(moved_cards))
    _follow_suspensions(session, _cards(moved.sent[SUSPENSIONS], received[SUSPENSIONS]))
    waiting = len(received[EVENTS]) - len(arrived)
    return RemoteReport(len(moved.sent[EVENTS]), len(arrived), len(undone), rescheduled, waiting, parameters)


def _adopted_parameters(session: Session, received: list[dict[str, Any]]) -> tuple[float, ...] | None:
    """The FSRS parameters of the latest `optimize --apply` when it came from another device, kept here as this
    device's from now on (see `store_parameters`); None when the latest application is not new here."""
    if not received:
        return None
    latest = session.scalars(select(ParameterApplication).order_by(
        ParameterApplication.applied_at.desc(), ParameterApplication.event_id.desc()).limit(1)).first()
    if latest is None or latest.event_id not in {row["event_id"] for row in received}:
        return None
    settings = session.get(SchedulerSettings, latest.scheduler)
    if settings is None:
        return None
    parameters = tuple(settings.settings["parameters"])
    store_parameters(session, parameters)
    return parameters


def _follow_suspensions(session: Session, card_ids: set[str]) -> None:
    """Suspends or unsuspends each card as its latest suspension event says (ties broken by id, as everywhere)."""
    for card_id in sorted(card_ids):
        latest = session.scalars(select(SuspensionEvent.suspended).where(SuspensionEvent.card_id == card_id)
                                 .order_by(SuspensionEvent.changed_at.desc(), SuspensionEvent.event_id.desc())
                                 .limit(1)).first()
        if latest is not None:
            session.execute(update(CardSchedule).where(CardSchedule.card_id == card_id).values(suspended=latest))


def _cards(*groups: Iterable[dict[str, Any]]) -> set[str]:
    """The cards the rows of some groups of events belong to."""
    return {row["card_id"] for rows in groups for row in rows}


def _local(stream: Stream, row: dict[str, Any]) -> dict[str, Any]:
    """A row from the remote as this database keeps it: times in UTC with their zone."""
    return {column: _aware(value) if column in stream.times else value for column, value in row.items()}


def _naive(moment: datetime) -> datetime:
    """A moment as the remote stores it: UTC without a zone (the same on every database)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    """A moment read from the remote, in UTC with its zone, as this database keeps them."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
