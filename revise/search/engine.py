"""Running a search: the parsed query becomes one SQL statement over the cards, their schedules and the index.

Cards are ranked by where the searched text occurs (in the title first, then tags and symbols, then the body),
then in course order; the browser may sort by a column instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, text
from sqlalchemy.orm import Session

from revise.search.folding import CJK_RUN, ngram_words
from revise.search.query import All, AnyOf, Filter, Node, Not, Query, Text, parse
from revise.search.snippet import Highlighted, highlight, snippet
from revise.store.schema import UTCDateTime

# The columns the browser can sort by, and the SQL each sorts on (ties broken by course order).
SORTS = {
    "deck": "c.deck", "title": "c.title_en COLLATE NOCASE", "title_zh": "c.title_zh", "state": "s.state", "due": "s.due",
    "stability": "s.stability", "lapses": "s.lapses",
}
_STATES = {
    "new": "s.state = 'new'",
    "learn": "s.state IN ('learning', 'relearning')",
    "review": "s.state IN ('review', 'relearning')",
    "suspended": "s.suspended",
    "leech": "s.leech",
}
_WORD = re.compile(r"[^\W_]+")
_TITLE_WEIGHT, _KEYWORD_WEIGHT = 4, 1


@dataclass(frozen=True)
class SearchHit:
    """One card found: what the results list, the browser and `revise search` show of it."""

    card_id: str
    deck: str
    title_en: Highlighted
    title_zh: Highlighted
    snippet: Highlighted
    state: str
    due: datetime | None
    stability: float | None
    lapses: int
    suspended: bool
    leech: bool
    demo: str | None


@dataclass(frozen=True)
class SearchResults:
    """The cards found for a query, best first, and how many there are in all."""

    query: Query
    total: int
    hits: list[SearchHit]


def _glob(pattern: str) -> str:
    """An Anki-style pattern (`*` matches anything) as a GLOB pattern, other GLOB characters taken literally."""
    return "".join("*" if char == "*" else f"[{char}]" if char in "?[]" else char for char in pattern)


class _Compiler:
    """Turns a query tree into a SQL condition on `c` (cards) and `s` (card_schedules), collecting parameters."""

    def __init__(self, day_end: datetime, filtered: bool) -> None:
        self.day_end, self.filtered = day_end, filtered
        self.params: dict[str, Any] = {}
        self.typed: list[BindParameter[Any]] = []

    def param(self, value: Any) -> str:
        """A new bound parameter holding the value."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        if isinstance(value, datetime):
            self.typed.append(bindparam(name, type_=UTCDateTime()))
        return f":{name}"

    def text_match(self, node: Text, column: str | None = None) -> str:
        """Cards whose indexed text (or one column of it) contains the text.

        Three characters or more are a substring search in the trigram index. Shorter text is looked up in the
        word index, by word prefix (`lr`) or as CJK characters (`梯度`); punctuation alone is scanned for.
        """
        value, scope = node.value, f"{{{column}}} : " if column else ""
        if len(value) >= 3:
            return self._fts("card_search", f'{scope}"{value.replace(chr(34), chr(34) * 2)}"')
        if CJK_RUN.fullmatch(value):
            return self._fts("card_search_words", f'{scope}"{value}"')
        words = _WORD.findall(ngram_words(value))
        if words:
            return self._fts("card_search_words", f'{scope}"{" ".join(words)}" *')
        columns = column or "title || ' ' || keywords || ' ' || body"
        return (f"d.id IN (SELECT rowid FROM card_search WHERE instr({columns}, {self.param(value)}) > 0)")

    def _fts(self, table: str, expression: str) -> str:
        """Cards whose entry in an index matches an FTS5 expression.

        With a filter in the query, `+d.id` keeps SQLite from driving the join from both the filter's and the
        index's matches at once, which costs their product (seconds for `tag:cnn p` on 50,000 cards).
        """
        driver = "+d.id" if self.filtered else "d.id"
        return f"{driver} IN (SELECT rowid FROM {table} WHERE {table} MATCH {self.param(expression)})"

    def condition(self, node: Node) -> str:
        """The SQL condition a card meets when it matches the node."""
        if isinstance(node, Text):
            return self.text_match(node)
        if isinstance(node, Not):
            return f"NOT ({self.condition(node.child)})"
        if isinstance(node, (All, AnyOf)):
            joiner = " AND " if isinstance(node, All) else " OR "
            return "(" + joiner.join(self.condition(child) for child in node.children) + ")"
        return self.filter(node)

    def filter(self, node: Filter) -> str:
        """The SQL condition of a `key:value` filter."""
        if node.key == "tag":
            return f"c.id IN (SELECT card_id FROM card_tags WHERE tag GLOB {self.param(_glob(node.value))})"
        if node.key == "deck":
            pattern = self.param(_glob(node.value))
            return (f"c.deck IN (SELECT name FROM decks WHERE lower(name) GLOB {pattern} "
                    f"OR lower(ltrim(ltrim(name, '0123456789'), '-')) GLOB {pattern} "
                    f"OR lower(title_en) GLOB {pattern} OR title_zh GLOB {pattern})")
        if node.key == "has":
            return "c.demo IS NOT NULL"
        if node.value == "due":
            return f"(s.state != 'new' AND s.due < {self.param(self.day_end)} AND NOT s.suspended)"
        return _STATES[node.value]

    def order(self, query: Query) -> str:
        """The relevance order: a score counting each searched text found in the title or keywords, then course order."""
        parts = [f"({self.text_match(node, 'title')}) * {_TITLE_WEIGHT} + "
                 f"({self.text_match(node, 'keywords')}) * {_KEYWORD_WEIGHT}" for node in query.ranking_texts()]
        return f"({' + '.join(parts)}) DESC, c.path, c.line" if parts else "c.path, c.line"


def search(session: Session, text_query: str, day_end: datetime, limit: int = 50, offset: int = 0,
           sort: str | None = None, descending: bool = False) -> SearchResults:
    """The cards matching a query in the search language (see `query`), ranked, with highlighted snippets.

    `day_end` is when the study day ends, for `is:due`; `sort` is a key of SORTS, or None to rank by relevance.
    """
    query = parse(text_query)
    compiler = _Compiler(day_end, query.has_filters())
    where = compiler.condition(query.root) if query.root is not None else "1"
    if sort is None:
        order = compiler.order(query)
    else:
        order = f"{SORTS[sort]} {'DESC' if descending else 'ASC'} NULLS LAST, c.path, c.line"
    matching = ("FROM cards c JOIN card_schedules s ON s.card_id = c.id JOIN search_docs d ON d.card_id = c.id "
                f"WHERE c.retired_at IS NULL AND {where}")
    params = {**compiler.params, "limit": limit, "offset": offset}
    # Ids first, so that sorting every match carries only its keys; the shown rows' columns are read after.
    ranked = session.execute(text(f"SELECT c.id {matching} ORDER BY {order} LIMIT :limit OFFSET :offset")
                             .bindparams(*compiler.typed), params).scalars().all()
    total = session.execute(text(f"SELECT count(*) {matching}").bindparams(*compiler.typed), params).scalar_one()
    shown = text(
        "SELECT c.id, c.deck, c.title_en, c.title_zh, c.demo, s.state, s.due, s.stability, s.lapses, s.suspended, "
        "s.leech, d.body FROM cards c JOIN card_schedules s ON s.card_id = c.id JOIN search_docs d ON d.card_id = c.id "
        "WHERE c.id IN (SELECT value FROM json_each(:ids))").columns(due=UTCDateTime())
    rows = {row.id: row for row in session.execute(shown, {"ids": json.dumps(ranked)})}
    texts = [node.value for node in query.ranking_texts()]
    return SearchResults(query, total, [_hit(rows[card_id], texts) for card_id in ranked])


def _hit(row: Any, texts: list[str]) -> SearchHit:
    """A result row as a hit, its titles highlighted and a snippet of the body around the first match."""
    return SearchHit(
        card_id=row.id, deck=row.deck, title_en=highlight(row.title_en, texts),
        title_zh=highlight(row.title_zh, texts), snippet=snippet(row.body, texts), state=row.state,
        due=row.due, stability=row.stability, lapses=row.lapses, suspended=bool(row.suspended),
        leech=bool(row.leech), demo=row.demo)
