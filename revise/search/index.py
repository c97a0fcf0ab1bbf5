"""The search index: each card's words, folded, in an SQLite FTS5 table that sync keeps in step with the cards.

Words are runs of letters and digits, each CJK character a word of its own (see `folding.words`), so a Chinese
text is found as the phrase of its characters; after them come marks of their first letters, through which one
letter finds the words starting with it (see `folding.first_letters`). Every word indexed is also kept in
`search_terms`, the vocabulary through which a search finds text inside words (see `search.words`).
The table is keyed by `search_docs.id`, which also keeps the text as shown (in snippets); the table itself is
contentless, keeping no copy of the text, so a card is taken out by indexing its shown text again as a
deletion (see `_remove`). Keys follow course order
(file, then line), so that a search reads the index in the order it ranks cards in and can stop after the
first screenful; sync keeps them so.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from revise.cards.model import CardText
from revise.demo_engine.link import parse_demo_link
from revise.search.folding import WORD_START, first_letters, squeeze, words
from revise.search.packing import pack_body, unpack_body
from revise.search.snippet import SIDE_BREAK
from revise.search.symbols import symbol_names
from revise.store.schema import Card, CardTag, SearchDoc, Setting
from revise.text.cloze import show_cloze, split_item_id
from revise.text.math_markdown import ReadMath, read_math, render_math

# Bump when what goes into the index changes: sync then rebuilds it.
INDEX_VERSION = 7
INDEX_VERSION_KEY = "search_index_version"
COLUMNS = ("title", "keywords", "body")
# Keys leave this much room between neighbours, so that a card added between two others takes a key between
# theirs and the cards around it keep their own.
KEY_GAP = 1024
_INSERT = text("INSERT INTO card_search (rowid, title, keywords, body) VALUES (:key, :title, :keywords, :body)")
# A contentless table forgets a row through the text it indexed for it, given in full.
_DELETE = text("INSERT INTO card_search (card_search, rowid, title, keywords, body) "
               "VALUES ('delete', :key, :title, :keywords, :body)")

_ADD_TERM = text("INSERT OR IGNORE INTO search_terms (term) VALUES (:term)")

_MARKUP = re.compile(r"\*\*|__|`|^#+\s|^\s*[-*]\s", re.MULTILINE)


@dataclass(frozen=True)
class SearchDocument:
    """What the index holds for one card: titles, keywords (tags, demo, formula symbols) and body, as shown."""

    card_id: str
    title: str
    keywords: str
    body: str


_SIDES = ("front_en", "back_en", "front_zh", "back_zh")  # in the order the body shows them


def _plain(markdown: str, read: ReadMath) -> str:
    """A card side as one line of plain text, formulas in Unicode."""
    return squeeze(_MARKUP.sub("", render_math(markdown, for_markdown=False, read=read)))


def document(card: CardText) -> SearchDocument:
    """The search document of a card; each side's formulas are converted once (by the parser, or here), for its
    text and its symbols alike."""
    texts = ((side, show_cloze(getattr(card, side), 0, reveal=False) if card.cloze else getattr(card, side))
             for side in _SIDES)
    reads = [(markdown, card.maths.get(side) or read_math(markdown, side.rpartition("_")[2])) for side, markdown in texts]
    symbols = dict.fromkeys(name for markdown, read in reads if read.error is None
                            for name in symbol_names(markdown, read.formulas))
    keywords = [*card.tags, *(tag.replace("-", " ").replace("_", " ") for tag in card.tags if "-" in tag or "_" in tag),
                *([parse_demo_link(card.demo).name] if card.demo else []), *symbols]
    return SearchDocument(card.id, f"{card.title_en} · {card.title_zh}", " ".join(keywords),
                          SIDE_BREAK.join(filter(None, (_plain(markdown, read) for markdown, read in reads))))


def index_cards(session: Session, cards: Iterable[CardText], replace: bool = True) -> None:
    """Writes the cards' documents and tags into the index, replacing what it held for them.

    A card already indexed keeps its key; a new one is keyed after the last, and `keep_course_order` moves it.
    A cloze card is indexed once, by its first cloze.
    """
    cards = list(cards)
    held = _keys(session, [card.id for card in cards]) if replace and cards else {}
    _remove(session, held)
    cards = [card for card in cards if card.stands_for_card]
    if not cards:
        return
    fresh = itertools.count((session.scalar(select(func.max(SearchDoc.id))) or 0) + KEY_GAP, KEY_GAP)
    docs = {held[card.id] if card.id in held else next(fresh): document(card) for card in cards}
    session.execute(insert(SearchDoc.__table__), [{"id": key, "card_id": doc.card_id, "title": doc.title,
                                                   "keywords": doc.keywords, "body": pack_body(doc.body)}
                                                  for key, doc in docs.items()])
    entries = [_entry(key, doc.title, doc.keywords, doc.body) for key, doc in docs.items()]
    session.execute(_INSERT, entries)
    terms = {term for entry in entries for column in COLUMNS for term in entry[column].split()
             if not term.startswith(WORD_START)}
    session.execute(_ADD_TERM, [{"term": term} for term in sorted(terms)])
    tags = [{"card_id": card.id, "tag": tag} for card in cards for tag in {tag.lower() for tag in card.tags}]
    if tags:
        session.execute(insert(CardTag.__table__), tags)


def _entry(key: int, title: str, keywords: str, body: str) -> dict[str, Any]:
    """The parameters of `_INSERT` or `_DELETE` for a card's shown text: its key and each column as indexed."""
    return {"key": key, "title": _indexed(title), "keywords": _indexed(keywords), "body": _indexed(body)}


def _indexed(shown: str) -> str:
    """A column's text as the index holds it: its words, then the marks of their first letters, one space apart."""
    found = words(shown)
    return " ".join([*found, *first_letters(found)])


def unindex_cards(session: Session, card_ids: list[str]) -> None:
    """Takes cards out of the index."""
    _remove(session, _keys(session, card_ids))


def _keys(session: Session, card_ids: list[str]) -> dict[str, int]:
    """The index keys of those of the cards that are indexed."""
    found = text("SELECT card_id, id FROM search_docs WHERE card_id IN (SELECT value FROM json_each(:ids))")
    return {card_id: key for card_id, key in session.execute(found, {"ids": json.dumps(card_ids)})}


def _remove(session: Session, keys: dict[str, int]) -> None:
    """Deletes the index entries and tags of cards, given their keys by card id."""
    if not keys:
        return
    parameters = {"keys": json.dumps(list(keys.values())), "ids": json.dumps(list(keys))}
    _unindex(session, list(keys.values()))
    session.execute(text("DELETE FROM search_docs WHERE id IN (SELECT value FROM json_each(:keys))"), parameters)
    session.execute(text("DELETE FROM card_tags WHERE card_id IN (SELECT value FROM json_each(:ids))"), parameters)


def _unindex(session: Session, keys: list[int]) -> list[tuple[int, str, str, str]]:
    """Takes the entries at these keys out of the full-text table; returns their shown text from search_docs,
    as (key, title, keywords, body) rows."""
    shown = text("SELECT id, title, keywords, body FROM search_docs WHERE id IN (SELECT value FROM json_each(:keys))")
    rows = [(key, title, keywords, unpack_body(body))
            for key, title, keywords, body in session.execute(shown, {"keys": json.dumps(keys)})]
    if rows:
        session.execute(_DELETE, [_entry(*row) for row in rows])
    return rows


def keep_course_order(session: Session) -> int:
    """Rekeys index entries so that key order is course order again, moving as few as it can; says how many moved.

    The longest run of keys already in order stays; each other card takes a key spread between its neighbours',
    or, when a gap has run out, every card is keyed afresh.
    """
    keys = session.scalars(select(SearchDoc.id).join(Card, Card.id == SearchDoc.card_id)
                           .order_by(Card.path, Card.line)).all()
    staying = _longest_increasing(keys)
    if len(staying) == len(keys):
        return 0
    wanted = _spread(keys, staying)
    if wanted is None:
        wanted = [KEY_GAP * (position + 1) for position in range(len(keys))]
    moves = [(old, new) for old, new in zip(keys, wanted) if old != new]
    # Out of the full-text table at the old keys, back in at the new ones (a contentless table cannot rekey a row).
    shown = {row[0]: row[1:] for row in _unindex(session, [old for old, _ in moves])}
    # Through negative keys, so that no card is moved onto a key another has not left yet.
    for pairs in ([(old, -old) for old, _ in moves], [(-old, new) for old, new in moves]):
        session.execute(text("UPDATE search_docs SET id = :new WHERE id = :old"),
                        [{"old": old, "new": new} for old, new in pairs])
    session.execute(_INSERT, [_entry(new, *shown[old]) for old, new in moves])
    return len(moves)


def _longest_increasing(keys: Sequence[int]) -> set[int]:
    """The keys of a longest strictly increasing subsequence (patience sorting, O(n log n))."""
    ends: list[int] = []  # ends[k]: position of the smallest key ending an increasing run of length k + 1
    end_keys: list[int] = []
    before = [-1] * len(keys)
    for position, key in enumerate(keys):
        length = bisect.bisect_left(end_keys, key)
        if length:
            before[position] = ends[length - 1]
        ends[length:length + 1], end_keys[length:length + 1] = [position], [key]
    kept, position = set(), ends[-1] if ends else -1
    while position >= 0:
        kept.add(keys[position])
        position = before[position]
    return kept


def _spread(keys: Sequence[int], staying: set[int]) -> list[int] | None:
    """New keys in course order: staying keys unchanged, each run of others spread evenly in the gap around it.

    None when some gap is too narrow for the run that must fit in it.
    """
    wanted, run, low = list(keys), [], 0
    for position in [*range(len(keys)), len(keys)]:
        if position < len(keys) and keys[position] not in staying:
            run.append(position)
            continue
        if run:
            high = keys[position] if position < len(keys) else low + KEY_GAP * (len(run) + 1)
            step = (high - low) // (len(run) + 1)
            if step < 1:
                return None
            for offset, moved in enumerate(run, 1):
                wanted[moved] = low + step * offset
            run = []
        if position < len(keys):
            low = keys[position]
    return wanted


def clear_if_stale(session: Session) -> bool:
    """Empties the index when it was built by another version of this code, so that every card is indexed again as
    any unindexed card is (see `index_pending`); says whether it did."""
    stored = session.get(Setting, INDEX_VERSION_KEY)
    if stored is not None and stored.value == INDEX_VERSION:
        return False
    session.execute(text("INSERT INTO card_search (card_search) VALUES ('delete-all')"))
    for table in ("search_docs", "card_tags", "search_terms"):
        session.execute(text(f"DELETE FROM {table}"))
    session.merge(Setting(key=INDEX_VERSION_KEY, value=INDEX_VERSION))
    return True


_WITHOUT_ENTRY = text("SELECT c.id FROM cards c LEFT JOIN search_docs d ON d.card_id = c.id "
                      "WHERE c.retired_at IS NULL AND d.id IS NULL ORDER BY c.path, c.line, c.id")
_CLOZES_INDEXED = text("SELECT card_id FROM search_docs WHERE card_id GLOB '*::c[0-9]*'")


def unindexed_ids(session: Session) -> list[str]:
    """The active cards the index does not hold yet, in course order, each by the review item that stands for it
    (a cloze card's first cloze): those a big sync left for later (see `sync_cards`), or all after `clear_if_stale`."""
    indexed_cards = {split_item_id(item)[0] for item in session.scalars(_CLOZES_INDEXED)}
    first_items: dict[str, tuple[int, str]] = {}  # card id -> (cloze number, item) of its first review item
    for item in session.scalars(_WITHOUT_ENTRY):
        card_id, number = split_item_id(item)
        if card_id not in indexed_cards and number <= first_items.get(card_id, (number, ""))[0]:
            first_items[card_id] = (number, item)
    return [item for _, item in first_items.values()]


def index_pending(session: Session, most: int) -> int:
    """Indexes up to `most` of the cards the index does not hold yet, in course order; returns how many are left
    (once none is, the keys are put back in course order)."""
    pending = unindexed_ids(session)
    chosen = pending[:most]
    if chosen:
        rows = session.scalars(select(Card).where(Card.id.in_(chosen)).order_by(Card.path, Card.line, Card.id))
        index_cards(session, [CardText.from_row(row) for row in rows], replace=False)
    left = len(pending) - len(chosen)
    if not left:
        keep_course_order(session)
    return left
