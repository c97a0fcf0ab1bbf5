"""Bringing the database in step with the card files, keeping every card's id and review history."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from revise.cards.glossary import Glossary
from revise.cards.loader import (as_folders, claim_ids, file_key, former_id_problems, load_glossary, load_known_names,
                                 parse_card_bytes, scan_card_folder, unreadable_problem)
from revise.cards.model import CardText, ParsedFile, Problem, errors, problem_counts
from revise.search.index import clear_if_stale, index_cards, keep_course_order, unindex_cards
from revise.store.schema import Base, Card, CardFile, CardSchedule, Deck
from revise.text.cloze import split_item_id


# A sync adding more cards than this leaves their search entries for later (`index_pending`), in smaller
# transactions: the cards can be studied as soon as they are saved, and search finds them as they are indexed.
INDEX_AT_ONCE = 2_000


@dataclass
class SyncReport:
    """What a sync changed, by card id, the problems it found in the files, and the glossary it read (for search)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old id, new id): history carried by `was:`
    files_read: int = 0
    files_skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    glossary: Glossary | None = None

    def summary(self) -> str:
        """One line for the user, e.g. `sync: 3 added, 1 updated, 0 retired, 0 restored; 2 files unchanged`, counting
        cards (a cloze card once, however many clozes it has)."""
        line = (f"sync: {_cards(self.added)} added, {_cards(self.updated)} updated, {_cards(self.retired)} retired, "
                f"{_cards(self.restored)} restored")
        if self.renamed:
            shown = ", ".join(f"{old} -> {new}" for old, new in self.renamed[:3])
            more = len(self.renamed) - 3
            line += f", renamed {shown}" + (f" and {more} more" if more > 0 else "")
        line += f"; {self.files_read} files read, {self.files_skipped} unchanged"
        line += problem_counts(self.problems, "; ")
        return line


def _cards(item_ids: list[str]) -> int:
    """How many cards these review items are of (a cloze card's items count once)."""
    return len({split_item_id(item)[0] for item in item_ids})


def sync_cards(session: Session, folders: Path | Sequence[Path], now: datetime) -> SyncReport:
    """Adds new cards, updates edited ones, retires removed ones and revives restored ones, in one transaction, from
    one card folder or several (ids are unique across them; see `file_key` for how their files are named).

    A file whose size and modification time are as last seen is not read. A file with problems still
    contributes its valid cards, but retires none, so that a typo never hides a card's history; nor does
    a deck that cannot be read (a directory or broken link where a deck was, a file that is not UTF-8), nor a
    folder that cannot be listed (or is gone: it is not taken for an empty one).
    A new card whose `was:` line names an id the database holds (retired, or about to be because no file
    holds it any more) takes over that card: its schedule, review log and search entry move to the new id
    (see `rename_card`). A former id still held by a card in the files is a problem, not a rename.
    The search index follows every change, except the cards of a big addition (over INDEX_AT_ONCE, as an import
    brings), which `index_pending` indexes after the cards are saved and can be studied. The first folder's glossary is read every time (its mistakes are
    problems of the sync; the card ids it names and the cards' Chinese terms are left to `check_cards`).
    """
    report = SyncReport()
    clear_if_stale(session)
    folders = as_folders(folders)
    first = folders[0]
    report.glossary, report.problems = load_glossary(first)
    known_files = {row.path: row for row in session.scalars(select(CardFile))}
    unchanged: set[str] = set()
    parsed: dict[str, ParsedFile] = {}
    to_record: dict[str, CardFile] = {}  # recorded once every check passed, so that a file with a problem is read again
    unlisted: set[Path] = set()  # folders whose cards stay as they are: none of them is retired
    for folder in folders:
        names, problems = load_known_names(folder)
        files, stray = scan_card_folder(folder) if folder.is_dir() else (None, [])
        report.problems += problems + stray
        if files is None:
            if not stray:
                report.problems.append(Problem(str(folder), 0, "no such card folder"))
            unlisted.add(folder if folder == first else folder.absolute())
            continue
        for path in files:
            key = file_key(first, path)
            try:
                stat = path.stat()
                seen = known_files.get(key)
                if seen and (seen.mtime_ns, seen.size) == (stat.st_mtime_ns, stat.st_size):
                    unchanged.add(key)
                    continue
                data = path.read_bytes()
            except OSError as error:
                report.problems.append(unreadable_problem(path, error))
                continue
            digest = hashlib.sha256(data).hexdigest()
            if seen and seen.sha256 == digest:
                seen.mtime_ns, seen.size = stat.st_mtime_ns, stat.st_size
                unchanged.add(key)
                continue
            parsed[key] = file = parse_card_bytes(data, path, names)
            report.problems.extend(file.problems)
            if not errors(file.problems):
                to_record[key] = CardFile(path=key, mtime_ns=stat.st_mtime_ns, size=stat.st_size, sha256=digest)
    report.files_read, report.files_skipped = len(parsed), len(unchanged)
    if not parsed and unchanged == set(known_files):
        return report
    in_unlisted = {key for key in known_files if _folder_of(first, key) in unlisted}
    rows = {row.id: row for row in session.scalars(select(Card))}

    kept = {card_id: CardText.from_row(row, first) for card_id, row in rows.items()
            if row.retired_at is None and row.path in unchanged}
    claimed, duplicates = claim_ids((file.cards for file in parsed.values()), kept)
    report.problems.extend(duplicates)
    troubled = {file_key(first, Path(problem.path)) for problem in errors(report.problems)}
    first_former = len(report.problems)
    former, blocked = former_id_problems(claimed)
    report.problems.extend(former)

    new_cards: list[tuple[str, CardText]] = []  # (file name, card): inserted in bulk, as a big import needs
    for name, file in parsed.items():
        if file.deck:
            session.merge(Deck(name=file.deck.name, title_en=file.deck.title_en, title_zh=file.deck.title_zh))
        for card in file.cards:
            if claimed[card.id] is not card or (card.id in blocked and card.id not in rows):
                continue
            renamed = _take_over(session, rows, card, troubled, report) if card.id not in rows and card.was else False
            if renamed is None:
                continue
            if card.id in rows:
                _apply(rows[card.id], card, name, now, report, renamed)
            else:
                new_cards.append((name, card))
    _insert(session, new_cards, now)
    report.added.extend(card.id for _, card in new_cards)
    held_back = {file_key(first, Path(problem.path)) for problem in errors(report.problems[first_former:])}
    for name, record in to_record.items():
        if name not in held_back:  # a `was:` problem: read the file again next time
            session.merge(record)

    unreadable = {file_key(first, Path(problem.path)) for problem in errors(report.problems)} | in_unlisted
    for card_id, row in rows.items():
        if row.retired_at is None and card_id not in claimed and row.path not in unreadable:
            row.retired_at = now
            report.retired.append(card_id)
    for name in set(known_files) - unchanged - set(parsed) - unreadable:
        session.delete(known_files[name])
    session.flush()
    changed = dict.fromkeys([*report.updated, *report.restored, *(new for _, new in report.renamed)])
    index_cards(session, (claimed[card_id] for card_id in changed))
    if len(report.added) <= INDEX_AT_ONCE:
        index_cards(session, (claimed[card_id] for card_id in report.added), replace=False)
    unindex_cards(session, report.retired)
    keep_course_order(session)
    return report


def _folder_of(first_folder: Path, key: str) -> Path:
    """The card folder of a deck file, from the name the database gives it (see `file_key`)."""
    return Path(key).parent if os.path.isabs(key) else first_folder


def _take_over(session: Session, rows: dict[str, Card], card: CardText, troubled: set[str],
               report: SyncReport) -> bool | None:
    """Gives a card new to the database the history of the first id on its `was:` line that the database holds,
    if any; says whether it did, or None when the card must wait. The caller has made sure no card in the files
    holds that id. A live card whose file has problems may still be in it, unread: the rename, and the card,
    wait (a problem) until that file is fixed, since a new card made now could no longer take the history over.
    """
    old = next((old for old in card.was if old in rows), None)
    if old is None:
        return False  # nothing to carry: a new card, or one renamed by an earlier sync
    row = rows[old]
    if row.retired_at is None and row.path in troubled:
        report.problems.append(Problem(card.path, card.was_line, f"was: {old} is the id of a card in {row.path}, "
                                       "which has problems: fix them, then sync again to carry its history"))
        return None
    rows[card.id] = rename_card(session, row, card.id)
    del rows[old]
    report.renamed.append((old, card.id))
    return True


def rename_card(session: Session, row: Card, new_id: str) -> Card:
    """Gives a card a new id in every table that holds card ids (the card, its schedule, its review log, its tags
    and search entry), in the caller's transaction, and returns its row under the new id. The caller makes sure
    no card has the new id yet. Foreign keys are enforced, so the card is copied to the new id, everything that
    refers to it moved over, and the old row deleted.
    """
    old_id = row.id
    session.flush()
    parameters = {"old": old_id, "new": new_id}
    cards = Card.__table__
    columns = ", ".join(column.name for column in cards.columns if column.name != "id")
    session.execute(text(f"INSERT INTO cards (id, {columns}) SELECT :new, {columns} FROM cards WHERE id = :old"),
                    parameters)
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(key.column is cards.c.id for key in column.foreign_keys):
                session.execute(text(f"UPDATE {table.name} SET {column.name} = :new WHERE {column.name} = :old"),
                                parameters)
    session.execute(text("DELETE FROM cards WHERE id = :old"), parameters)
    for stale in (row.schedule, row):  # the session's copies still carry the old id
        if stale is not None and stale in session:
            session.expunge(stale)
    renamed = session.get(Card, new_id)
    assert renamed is not None
    return renamed


def _insert(session: Session, cards: list[tuple[str, CardText]], now: datetime) -> None:
    """Adds new cards, given with their file names, and their schedules (new), in two Core statements (a third
    cheaper per row than the ORM's bulk insert)."""
    if not cards:
        return
    session.execute(insert(Card.__table__), [
        {"id": card.id, "created_at": now, "updated_at": now, "content_hash": card.content_hash(),
         **_file_columns(card, name)} for name, card in cards])
    session.execute(insert(CardSchedule.__table__), [
        {"card_id": card.id, "state": "new", "reps": 0, "lapses": 0, "leech": False, "suspended": False}
        for _, card in cards])


def _file_columns(card: CardText, file_name: str) -> dict[str, object]:
    """The columns of a card's row that its file states: where it stands and what it says."""
    return {"path": file_name, "line": card.line, "deck": card.deck, "title_en": card.title_en,
            "title_zh": card.title_zh, "front_en": card.front_en, "front_zh": card.front_zh, "back_en": card.back_en,
            "back_zh": card.back_zh, "tags": " ".join(card.tags), "demo": card.demo, "drill": card.drill,
            "source": card.source}


def _apply(row: Card, card: CardText, file_name: str, now: datetime, report: SyncReport, renamed: bool) -> None:
    """Writes a card from a file into its existing row: an update, a revival, or only a new position.
    A card just `renamed` (see `_take_over`) comes back to study if it was retired, reported as renamed only."""
    digest = card.content_hash()
    if row.retired_at is not None and not renamed:
        row.retired_at = None
        report.restored.append(card.id)
    elif renamed:
        row.retired_at = None
        if row.content_hash != digest:
            report.updated.append(card.id)
    elif row.content_hash != digest:
        report.updated.append(card.id)
    if row.content_hash != digest:
        row.updated_at = now
    row.content_hash = digest
    for column, value in _file_columns(card, file_name).items():
        setattr(row, column, value)
