"""Bringing the database in step with the card files, keeping every card's id and review history."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from revise.cards.loader import claim_ids, load_known_names, parse_card_bytes, scan_card_folder, unreadable_problem
from revise.cards.model import CardText, ParsedFile, Problem
from revise.search.index import index_cards, keep_course_order, rebuild_if_stale, unindex_cards
from revise.store.schema import Card, CardFile, CardSchedule, Deck


@dataclass
class SyncReport:
    """What a sync changed, by card id, and the problems it found in the files."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    files_read: int = 0
    files_skipped: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the user, e.g. `sync: 3 added, 1 updated, 0 retired, 0 restored; 2 files unchanged`."""
        line = (f"sync: {len(self.added)} added, {len(self.updated)} updated, {len(self.retired)} retired, "
                f"{len(self.restored)} restored; {self.files_read} files read, {self.files_skipped} unchanged")
        if self.problems:
            line += f"; {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        return line


def card_text_from_row(row: Card, cards_dir: Path) -> CardText:
    """The card as the database last synced it, in the loader's shape."""
    return CardText(
        id=row.id, deck=row.deck, path=str(cards_dir / row.path), line=row.line, title_en=row.title_en,
        title_zh=row.title_zh, front_en=row.front_en, front_zh=row.front_zh, back_en=row.back_en,
        back_zh=row.back_zh, tags=tuple(row.tags.split()), demo=row.demo, source=row.source,
    )


def sync_cards(session: Session, cards_dir: Path, now: datetime) -> SyncReport:
    """Adds new cards, updates edited ones, retires removed ones and revives restored ones, in one transaction.

    A file whose size and modification time are as last seen is not read. A file with problems still
    contributes its valid cards, but retires none, so that a typo never hides a card's history; nor does
    a deck that cannot be read (a directory or broken link where a deck was, a file that is not UTF-8).
    The search index follows every change.
    """
    report = SyncReport()
    rebuild_if_stale(session)
    names, report.problems = load_known_names(cards_dir)
    if not cards_dir.is_dir():
        report.problems.append(Problem(str(cards_dir), 0, "no such card folder"))
        return report
    known_files = {row.path: row for row in session.scalars(select(CardFile))}
    rows = {row.id: row for row in session.scalars(select(Card))}
    unchanged: set[str] = set()
    parsed: dict[str, ParsedFile] = {}
    files, stray = scan_card_folder(cards_dir)
    report.problems.extend(stray)
    if files is None:  # a folder that cannot be listed is not an empty one: nothing is retired
        return report
    for path in files:
        try:
            stat = path.stat()
            seen = known_files.get(path.name)
            if seen and (seen.mtime_ns, seen.size) == (stat.st_mtime_ns, stat.st_size):
                unchanged.add(path.name)
                continue
            data = path.read_bytes()
        except OSError as error:
            report.problems.append(unreadable_problem(path, error))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if seen and seen.sha256 == digest:
            seen.mtime_ns, seen.size = stat.st_mtime_ns, stat.st_size
            unchanged.add(path.name)
            continue
        parsed[path.name] = file = parse_card_bytes(data, path, names)
        report.problems.extend(file.problems)
        if not file.problems:
            session.merge(CardFile(path=path.name, mtime_ns=stat.st_mtime_ns, size=stat.st_size, sha256=digest))
    report.files_read, report.files_skipped = len(parsed), len(unchanged)
    if not parsed and unchanged == set(known_files):
        return report

    kept = {card_id: card_text_from_row(row, cards_dir) for card_id, row in rows.items()
            if row.retired_at is None and row.path in unchanged}
    claimed, duplicates = claim_ids((file.cards for file in parsed.values()), kept)
    report.problems.extend(duplicates)

    for name, file in parsed.items():
        if file.deck:
            session.merge(Deck(name=file.deck.name, title_en=file.deck.title_en, title_zh=file.deck.title_zh))
        for card in file.cards:
            if claimed[card.id] is card:
                _apply(session, rows, card, name, now, report)

    unreadable = {Path(problem.path).name for problem in report.problems}
    for card_id, row in rows.items():
        if row.retired_at is None and card_id not in claimed and row.path not in unreadable:
            row.retired_at = now
            report.retired.append(card_id)
    for name in set(known_files) - unchanged - set(parsed) - unreadable:
        session.delete(known_files[name])
    session.flush()
    maths = {card_id: card.maths for card_id, card in claimed.items()}  # each formula converted once, when parsed
    index_cards(session, (rows[card_id] for card_id in report.updated + report.restored), maths=maths)
    index_cards(session, (rows[card_id] for card_id in report.added), replace=False, maths=maths)
    unindex_cards(session, report.retired)
    keep_course_order(session)
    return report


def _apply(session: Session, rows: dict[str, Card], card: CardText, file_name: str, now: datetime,
           report: SyncReport) -> None:
    """Writes one card from a file into its row: a new row, an update, a revival, or only a new position."""
    row = rows.get(card.id)
    digest = card.content_hash()
    if row is None:
        row = Card(id=card.id, created_at=now, content_hash="")
        row.schedule = CardSchedule(state="new", reps=0, lapses=0, leech=False, suspended=False)
        session.add(row)
        rows[card.id] = row
        report.added.append(card.id)
    elif row.retired_at is not None:
        row.retired_at = None
        report.restored.append(card.id)
    elif row.content_hash != digest:
        report.updated.append(card.id)
    if row.content_hash != digest:
        row.updated_at = now
    row.path, row.line, row.content_hash = file_name, card.line, digest
    row.deck, row.title_en, row.title_zh = card.deck, card.title_en, card.title_zh
    row.front_en, row.front_zh, row.back_en, row.back_zh = card.front_en, card.front_zh, card.back_en, card.back_zh
    row.tags, row.demo, row.source = " ".join(card.tags), card.demo, card.source
