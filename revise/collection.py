"""The learner's collection: cards synced from files, what is due today, ratings and undo, all on disk."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, delete, func, select, text, tuple_, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from revise.cards.loader import as_folders
from revise.cards.model import CardText
from revise.cards.parser import CARD_ID, bad_id, rewrite_card_id
from revise.cards.sync import SyncReport, rename_card, sync_cards
from revise.cards.writer import replace_file
from revise.errors import ReviseError, explain
from revise.scheduler.day import day_bounds
from revise.scheduler.fsrs_scheduler import CardScheduler, Outcome, SchedulerConfig
from revise.scheduler.parameters import stored_parameters
from revise.scheduler.replay import record_settings
from revise.scheduler.schedule import NEW, REVIEW, Schedule
from revise.scheduler.today import LEARNING_STATES, DueCounts, sibling_rated_since, stored_time, todays_counts
from revise.search.index import index_pending, unindexed_ids
from revise.store.database import WRITE, open_engine, session_factory
from revise.store.schema import (DEVICE_KEY, MANUAL, MANUAL_RATING, CancelledEvent, Card, CardSchedule, DrillAnswer,
                                 ReviewLog, Setting, SuspensionEvent, new_event_id)
from revise.text.cloze import ITEM_SEPARATOR, split_item_id

if TYPE_CHECKING:
    from revise.anki.importer import CardHistory
    from revise.cards.glossary import Glossary
    from revise.remote.sync import RemoteReport
    from revise.scheduler.optimize import FitResult
    from revise.search.engine import SearchResults
    from revise.stats.model import Stats

# Cards indexed in one transaction by `index_pending` (about half a second's work).
INDEX_BATCH = 1_000
# Pauses between attempts at a write that found another writer's lock (each attempt itself waits up to
# BUSY_TIMEOUT_MS): a write gives up after about 7 s, saying so, and the learner can simply try again.
WRITE_RETRY_PAUSES = (0.25, 0.75)
T = TypeVar("T")


class DatabaseBusyError(ReviseError):
    """Another program (a second revise, a long sync) held the write lock past every attempt; nothing was written."""


def _is_locked(error: OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the lock (SQLITE_BUSY or SQLITE_LOCKED)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(error.orig)


def utc_now() -> datetime:
    """The current time, aware and in UTC, as FSRS and the store expect."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class StudyCard:
    """A card with its schedule and, when it is up for review, the outcome of each rating, previewed for the rating
    event `event_id` (whose id seeds the fuzz, so that a replay of the event gives the interval shown)."""

    text: CardText
    schedule: Schedule
    suspended: bool = False
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    event_id: str = field(default_factory=new_event_id)


class Collection:
    """Every operation the app and the command line need, each in its own transaction.

    Methods are safe to call from worker threads: a lock serialises them, so a rating is on disk before the
    next card is chosen.
    """

    def __init__(self, db_path: Path, folders: Path | Sequence[Path], config: SchedulerConfig | None = None) -> None:
        self.db_path, self.folders = db_path, as_folders(folders)
        # Deck files are named relative to the first folder; the learner's own cards (new ones, imports) go in the last.
        self.cards_dir, self.own_folder = self.folders[0], self.folders[-1]
        self.glossary: Glossary | None = None  # the card folder's, as the last sync read it; search finds names by it
        self.unindexed: int | None = None  # cards search cannot find yet, as `index_pending` last counted them
        self.engine = open_engine(db_path)
        self._sessions = session_factory(self.engine)
        self._lock = threading.RLock()
        self.device = str(self.setting(DEVICE_KEY, ""))  # this database's id among the devices that sync a log
        self.scheduler = CardScheduler(self.with_applied_parameters(config or SchedulerConfig()))

    @property
    def config(self) -> SchedulerConfig:
        """The scheduling settings in force."""
        return self.scheduler.config

    def configure(self, config: SchedulerConfig) -> None:
        """Puts new scheduling settings in force: the next card chosen, rated and counted follows them."""
        with self._lock:
            self.scheduler = CardScheduler(config)

    def with_applied_parameters(self, config: SchedulerConfig) -> SchedulerConfig:
        """`config` with the FSRS parameters fitted by `revise optimize --apply`, when the learner applied some."""
        with self._transaction() as session:
            parameters = stored_parameters(session)
        return config if parameters is None else replace(config, parameters=parameters)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A read session, rolled back or committed at the end, one caller at a time."""
        with self._lock, self._sessions.begin() as session:
            yield session

    def _write(self, work: Callable[[Session], T]) -> T:
        """Runs `work` in one write transaction, committed before returning, or not at all.

        The transaction takes the write lock before reading, so what `work` reads is what it writes over. When
        another writer holds the lock, it waits and tries again with a bounded backoff, then raises
        DatabaseBusyError: nothing is half-applied, and the same write can simply be tried again.
        """
        for pause in (*WRITE_RETRY_PAUSES, None):
            try:
                with self._lock, self._sessions.begin() as session:
                    session.connection(execution_options={WRITE: True})
                    return work(session)
            except OperationalError as error:
                if not _is_locked(error):
                    raise
                if pause is None:
                    raise DatabaseBusyError(explain(error, self.db_path)) from None
                time.sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        """Releases the database connections."""
        self.engine.dispose()

    def sync(self, now: datetime | None = None, index_now: bool = True) -> SyncReport:
        """Brings the cards in step with the files (see `sync_cards`), and keeps the glossary it read for search;
        then, unless not `index_now`, indexes what the sync left unindexed (see `index_pending`)."""
        report = self._write(lambda session: sync_cards(session, self.folders, now or utc_now()))
        self.glossary = report.glossary
        if index_now:
            self.index_all()
        return report

    def index_pending(self, most: int = INDEX_BATCH) -> int:
        """Indexes up to `most` of the cards search cannot find yet, in one short write transaction (a rating
        waits at most that long); returns how many are left."""
        with self._transaction() as session:
            pending = bool(unindexed_ids(session))
        # Written only when there is something to index: most syncs leave nothing, and a read-only database stays readable.
        self.unindexed = self._write(lambda session: index_pending(session, most)) if pending else 0
        return self.unindexed

    def index_all(self, on_batch: Callable[[int], None] | None = None) -> None:
        """Indexes every card search cannot find yet, batch by batch, telling `on_batch` how many are left after
        each; stops should a batch index none (so that it never loops)."""
        left, remaining = None, self.index_pending()
        while remaining and remaining != left:
            if on_batch is not None:
                on_batch(remaining)
            left = remaining  # known to be pending: straight to the next batch, without checking first
            remaining = self.unindexed = self._write(lambda session: index_pending(session, INDEX_BATCH))

    def _active(self) -> Any:
        """The filter for cards that take part in study: not retired, not suspended."""
        return and_(Card.retired_at.is_(None), CardSchedule.suspended.is_(False))

    def _reviews_today(self, session: Session, now: datetime) -> Counter[str]:
        """How many ratings were given since the study day began, by the card's state before each (one query)."""
        start, _ = day_bounds(now, self.config.rollover_hour)
        query = (select(ReviewLog.kind, func.count())
                 .where(ReviewLog.reviewed_at >= start, ReviewLog.rating != MANUAL_RATING).group_by(ReviewLog.kind))
        return Counter({kind: count for kind, count in session.execute(query)})

    def counts(self, now: datetime | None = None) -> DueCounts:
        """Today's counts, within the daily limits for new cards and reviews."""
        config = self.config
        with self._transaction() as session:
            connection = session.connection().connection.driver_connection
            return todays_counts(connection, now or utc_now(), config.rollover_hour, config.new_per_day,
                                 config.reviews_per_day)

    def next_card(self, now: datetime | None = None) -> StudyCard | None:
        """The card to study next, as Anki orders them: learning due, reviews due, new, then learning ahead; a cloze
        whose sibling was rated today waits for tomorrow unless it is in learning (see `sibling_rated_since`)."""
        now = now or utc_now()
        start, end = day_bounds(now, self.config.rollover_hour)
        with self._transaction() as session:
            base = select(Card).join(CardSchedule).where(self._active())
            learning = base.where(CardSchedule.state.in_(LEARNING_STATES)).order_by(CardSchedule.due)
            candidates = [learning.where(CardSchedule.due <= now)]
            reviewed = self._reviews_today(session, now)
            unburied = base.where(text(f"NOT {sibling_rated_since('cards.id', ':start')}")
                                  .bindparams(start=stored_time(start)))
            if reviewed[REVIEW] < self.config.reviews_per_day:
                candidates.append(unburied.where(CardSchedule.state == REVIEW, CardSchedule.due < end)
                                  .order_by(CardSchedule.due))
            if reviewed[NEW] < self.config.new_per_day:
                candidates.append(unburied.where(CardSchedule.state == NEW).order_by(Card.path, Card.line, Card.id))
            candidates.append(learning.where(CardSchedule.due <= now + self.config.learn_ahead))
            for query in candidates:
                row = session.scalars(query.limit(1)).first()
                if row is not None:
                    return self._study_card(row, now)
            return None

    def _study_card(self, row: Card, now: datetime) -> StudyCard:
        """A row as a StudyCard, with the four outcomes previewed at `now`."""
        schedule, event_id = Schedule.from_row(row.schedule), new_event_id()
        return StudyCard(CardText.from_row(row, self.cards_dir), schedule, row.schedule.suspended,
                         self.scheduler.preview(schedule, now, event_id), event_id)

    def rate(self, card: StudyCard, rating: int, duration_ms: int, now: datetime | None = None,
             drill: dict[str, Any] | None = None) -> int:
        """Applies a rating and logs it, committed before returning; returns the log entry's id.

        The rating applies to the schedule on disk when it is written: as previewed (the interval shown is
        the interval given) when that is still the card's schedule, else computed afresh from what is there
        (another revise rated the card meanwhile), so both ratings land, in order. `drill` is the card's
        answered drill instance (`DrillInstance.record`), kept with the rating in the same transaction.
        """
        return self._write(lambda session: self._rate(session, card, rating, duration_ms, now or utc_now(), drill))

    def _rate(self, session: Session, card: StudyCard, rating: int, duration_ms: int, now: datetime,
              drill: dict[str, Any] | None) -> int:
        """The work of `rate`, inside its write transaction."""
        row = session.get(CardSchedule, card.text.id)
        if row is None:
            raise ReviseError(f"card {card.text.id} is not in the database")
        before = Schedule.from_row(row)
        outcome = (card.outcomes[rating] if before == card.schedule
                   else self.scheduler.outcome(before, rating, now, card.event_id))
        after = outcome.at(now)
        after.write_to(row)
        log = ReviewLog(event_id=card.event_id, card_id=card.text.id, reviewed_at=now, rating=rating,
                        duration_ms=duration_ms,
                        kind=before.state, state_before=before.to_json(), state_after=after.to_json(),
                        interval_days=before.review_interval_days, device=self.device,
                        scheduler=record_settings(session, self.scheduler))
        session.add(log)
        session.flush()
        if drill is not None:
            session.add(_drill_answer(card.text.id, drill, now, log.id))
        return log.id

    def drill_cards(self, again_within_days: int | None = None, now: datetime | None = None) -> list[CardText]:
        """The cards that have a drill, in course order; with `again_within_days`, only those rated Again in that
        many days before `now` (for practising what was just forgotten)."""
        query = select(Card).where(Card.drill.is_not(None), Card.retired_at.is_(None)).order_by(Card.path, Card.line)
        if again_within_days is not None:
            since = (now or utc_now()) - timedelta(days=again_within_days)
            query = query.where(Card.id.in_(select(ReviewLog.card_id).where(
                ReviewLog.rating == 1, ReviewLog.kind != MANUAL, ReviewLog.reviewed_at >= since)))
        with self._transaction() as session:
            return [CardText.from_row(row, self.cards_dir) for row in session.scalars(query)]

    def practise(self, card_id: str, drill: dict[str, Any], now: datetime | None = None) -> None:
        """Keeps a drill answered in practice, outside the schedule: no rating, no change to the card's schedule."""
        self._write(lambda session: session.add(_drill_answer(card_id, drill, now or utc_now(), None)))

    def undo(self, log_id: int, now: datetime | None = None) -> StudyCard:
        """Takes back a rating: restores the card's schedule exactly, deletes the log entry and its drill answer."""
        return self._write(lambda session: self._undo(session, log_id, now or utc_now()))

    def _undo(self, session: Session, log_id: int, now: datetime) -> StudyCard:
        """The work of `undo`, inside its write transaction."""
        log = session.get(ReviewLog, log_id)
        if log is None:
            raise ReviseError(f"review {log_id} is not in the log")
        # In time order, as a replay reads the log (a rating synced from another device may have come in later).
        later = session.scalar(select(ReviewLog.kind).where(
            ReviewLog.card_id == log.card_id, tuple_(ReviewLog.reviewed_at, ReviewLog.event_id)
            > tuple_(log.reviewed_at, log.event_id)).order_by(ReviewLog.reviewed_at.desc()).limit(1))
        if later is not None:
            happened = "reset" if later == MANUAL else "reviewed again"
            raise ReviseError(f"card {log.card_id} was {happened} after review {log_id}")
        row = session.get(Card, log.card_id)
        Schedule.from_json(log.state_before).write_to(row.schedule)
        session.execute(delete(DrillAnswer).where(DrillAnswer.review_log_id == log_id))
        session.execute(delete(ReviewLog).where(ReviewLog.id == log_id))
        # Remembered, so that a sync never brings the rating back from where it went, and takes it away there too.
        session.add(CancelledEvent(event_id=log.event_id, card_id=log.card_id, cancelled_at=now, device=self.device))
        session.flush()
        return self._study_card(row, now)

    def card(self, card_id: str, now: datetime | None = None) -> StudyCard:
        """One card by id, retired or not; a cloze card's id gives its first cloze."""
        with self._transaction() as session:
            items = self._items(session, card_id)
            if not items:
                raise ReviseError(f"no card with id `{card_id}`")
            return self._study_card(min(items, key=lambda row: split_item_id(row.id)[1]), now or utc_now())

    def cards(self) -> list[StudyCard]:
        """Every card that is not retired, in file order, without previews."""
        with self._transaction() as session:
            rows = session.scalars(select(Card).where(Card.retired_at.is_(None)).order_by(Card.path, Card.line))
            return [StudyCard(CardText.from_row(row, self.cards_dir), Schedule.from_row(row.schedule),
                              row.schedule.suspended) for row in rows]

    def search(self, query: str, limit: int = 50, offset: int = 0, sort: str | None = None,
               descending: bool = False, now: datetime | None = None) -> SearchResults:
        """The cards matching a search (see `revise.search.query`), best first or sorted by a column; a searched word
        also finds its other spellings and, through the glossary, the other names of its concept."""
        from revise.search.engine import search

        _, day_end = day_bounds(now or utc_now(), self.config.rollover_hour)
        with self._transaction() as session:
            return search(session, query, day_end, limit, offset, sort, descending, self.glossary)

    def stats(self, now: datetime | None = None) -> Stats:
        """The statistics of the collection: today, the heatmap, streak, forecast, retention and distributions."""
        from revise.stats.compute import compute_stats

        with self._transaction() as session:
            return compute_stats(session, now or utc_now(), self.config)

    def set_suspended(self, card_ids: list[str], suspended: bool, now: datetime | None = None) -> None:
        """Suspends cards (they leave study until unsuspended, schedule kept) or unsuspends them, each change an
        event that syncs to the learner's other devices."""
        def change(session: Session) -> None:
            session.execute(update(CardSchedule).where(CardSchedule.card_id.in_(card_ids)).values(suspended=suspended))
            session.add_all(SuspensionEvent(card_id=card_id, changed_at=now or utc_now(), suspended=suspended,
                                            device=self.device) for card_id in card_ids)

        self._write(change)

    def reset(self, card_ids: list[str], now: datetime | None = None) -> None:
        """Makes cards new again; their review history stays, with a manual entry recording the reset."""
        self._write(lambda session: self._reset(session, card_ids, now or utc_now()))

    def _reset(self, session: Session, card_ids: list[str], now: datetime) -> None:
        """The work of `reset`, inside its write transaction."""
        for row in session.scalars(select(CardSchedule).where(CardSchedule.card_id.in_(card_ids))):
            before = Schedule.from_row(row)
            Schedule().write_to(row)
            session.add(ReviewLog(card_id=row.card_id, reviewed_at=now, rating=MANUAL_RATING, duration_ms=0,
                                  kind=MANUAL, state_before=before.to_json(), state_after=Schedule().to_json(),
                                  device=self.device))

    def rename(self, old_id: str, new_id: str) -> Path:
        """Gives a card a new id, keeping its history: renames it in the database and rewrites its `id:` line in
        its file (adding `was: OLD`, see docs/card-format.md), all or nothing; returns the file.

        The file is written last, inside the transaction, so a failure leaves both as they were; should the
        commit fail after it, the file's `was:` line makes the next sync do the same rename.
        """
        for card_id in (old_id, new_id):
            if not CARD_ID.fullmatch(card_id):
                raise ReviseError(bad_id(card_id))
        if old_id == new_id:
            raise ReviseError(f"the card already has the id `{new_id}`")
        return self._write(lambda session: self._rename(session, old_id, new_id))

    def _rename(self, session: Session, old_id: str, new_id: str) -> Path:
        """The work of `rename`, inside its write transaction."""
        items = self._items(session, old_id)
        if not items:
            raise ReviseError(f"no card with id `{old_id}`")
        if self._items(session, new_id):
            raise ReviseError(f"a card with id `{new_id}` already exists (ids stay with their history: pick another)")
        row = items[0]
        if row.retired_at is not None:
            raise ReviseError(f"card `{old_id}` is retired (no card file holds it): give a card in a file "
                              f"the line `was: {old_id}` to carry its history over")
        path = (self.cards_dir / row.path).resolve()  # a linked deck is written where it lives
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ReviseError(f"{path} is not UTF-8: run revise check") from None
        rewritten = rewrite_card_id(text, old_id, new_id)
        if rewritten is None:
            raise ReviseError(f"no card with id `{old_id}` in {path}: run revise sync, then try again")
        for item in items:
            rename_card(session, item, new_id + item.id[len(old_id):])
        replace_file(path, rewritten.encode("utf-8"))
        return path

    def written_ids(self) -> set[str]:
        """Every id a card file gives or gave a card (retired ones too: an id stays with its history)."""
        with self._transaction() as session:
            return {split_item_id(card_id)[0] for card_id in session.scalars(select(Card.id))}

    @staticmethod
    def _items(session: Session, card_id: str) -> list[Card]:
        """The review items of the card a file calls `card_id`: the card itself, or each cloze of a cloze card."""
        row = session.get(Card, card_id)
        if row is not None:
            return [row]
        return list(session.scalars(select(Card).where(Card.id.op("GLOB")(f"{card_id}{ITEM_SEPARATOR}*"))))

    def setting(self, key: str, default: Any = None) -> Any:
        """A stored setting, or the default."""
        with self._transaction() as session:
            row = session.get(Setting, key)
            return default if row is None else row.value

    def set_setting(self, key: str, value: Any) -> None:
        """Stores a setting."""
        self._write(lambda session: session.merge(Setting(key=key, value=value)))

    def fit_parameters(self) -> FitResult:
        """FSRS parameters fitted to the review log, with how they and the current ones predict it; changes nothing."""
        from revise.scheduler.optimize import fit, review_histories

        with self._transaction() as session:
            histories = review_histories(session)
        return fit(histories, self.config)

    def apply_parameters(self, parameters: tuple[float, ...]) -> int:
        """Stores FSRS parameters and reschedules every reviewed card under them, all at once; returns how many."""
        from revise.scheduler.optimize import apply_parameters

        rescheduled = self._write(lambda session: apply_parameters(session, self.config, parameters, self.device,
                                                                   utc_now()))
        self.configure(replace(self.config, parameters=parameters))
        return rescheduled

    def sync_remote(self, url: str) -> RemoteReport:
        """Syncs the review log through the remote at `url` (see `revise.remote.sync`): this database's new events go
        there, the remote's come here, and every card whose events moved is replayed. The remote is written first;
        should the rest fail, the next sync completes it."""
        from revise.remote.sync import apply_exchange, exchange, local_events, open_remote

        remote = open_remote(url)
        try:
            with self._transaction() as session:
                local = local_events(session)
            moved = exchange(remote, local)
        finally:
            remote.dispose()
        report = self._write(lambda session: apply_exchange(session, self.scheduler, moved))
        if report.parameters is not None:
            self.configure(replace(self.config, parameters=report.parameters))
        return report

    def record_history(self, histories: list[CardHistory]) -> int:
        """Logs the ratings an Anki package holds for its cards and reschedules the cards, all at once (see
        `record_histories`); returns how many ratings were new to the log."""
        from revise.anki.history import record_histories

        scheduler = CardScheduler(replace(self.config, enable_fuzzing=False))  # a replay gives the same each time
        return self._write(lambda session: record_histories(session, scheduler, histories, self.device))


def _drill_answer(card_id: str, drill: dict[str, Any], now: datetime, review_log_id: int | None) -> DrillAnswer:
    """The row keeping an answered drill instance (see `DrillInstance.record`)."""
    return DrillAnswer(card_id=card_id, review_log_id=review_log_id, answered_at=now, drill=drill["drill"],
                       record=drill, all_right=bool(drill["all_right"]))
