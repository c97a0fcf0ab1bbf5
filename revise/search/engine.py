"""Running a search: the parsed query becomes SQL over the cards, their schedules and the index.

Cards are ranked in tiers by where the searched text occurs: every searched text in the title; every one in the
title or the tags and formula symbols; any in the title; any in the tags; then the rest. Within a tier they come
in course order, and the browser may sort by a column instead.

Index keys follow course order, so most searches read each tier straight from the index in order and stop after
the rows shown (`_streamed`), whether one card matches or all of them. The rest (a filter matching few cards, a
column sort, text inside an `or` with a filter, punctuation) rank every match in one statement (`_ranked`).
Counting stops after COUNT_LIMIT: "1,000+ cards".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, TextClause, bindparam, text
from sqlalchemy.orm import Session

from revise.search.folding import words
from revise.search.forms import is_short_name, with_other_forms
from revise.search.query import All, AnyOf, Filter, Node, Not, Query, Text, holds_filter, parse
from revise.search.packing import unpack_body
from revise.search.snippet import Highlighted, highlight, snippet
from revise.search.words import WordMatcher
from revise.store.schema import UTCDateTime

if TYPE_CHECKING:
    from revise.cards.glossary import Glossary

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
# Counting every match of a one-letter search costs more than the search itself; past this, "1,000+ cards".
COUNT_LIMIT = 1000
_FROM = ("FROM search_docs d JOIN cards c ON c.id = d.card_id JOIN card_schedules s ON s.card_id = c.id "
         "WHERE c.retired_at IS NULL")
# Each column of search_docs as shown.
_SHOWN = {"title": "title", "keywords": "keywords", "body": "unpack_body(body)"}
# Each index entry's card and schedule, joined so that rows keep the order of the table they follow (keys).
_CARDS_IN_KEY_ORDER = "CROSS JOIN cards c ON c.id = d.card_id CROSS JOIN card_schedules s ON s.card_id = c.id"


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
    """The cards found for a query, best first, and how many there are in all (counted up to COUNT_LIMIT)."""

    query: Query
    total: int
    hits: list[SearchHit]
    counted_all: bool = True

    def found(self) -> str:
        """How many cards were found, in words: "1 card", "20 cards", "1,000+ cards"."""
        more = "" if self.counted_all else "+"
        return f"{self.total:,}{more} card{'' if self.total == 1 and self.counted_all else 's'}"

    def all_shown(self) -> bool:
        """Whether the hits are every card that matches."""
        return self.counted_all and len(self.hits) >= self.total


def _glob(pattern: str) -> str:
    """An Anki-style pattern (`*` matches anything) as a GLOB pattern, other GLOB characters taken literally."""
    return "".join("*" if char == "*" else f"[{char}]" if char in "?[]" else char for char in pattern)


class _Compiler:
    """Turns a query tree into a SQL condition on `c` (cards) and `s` (card_schedules), collecting parameters."""

    def __init__(self, session: Session, day_end: datetime, filtered: bool) -> None:
        self.day_end, self.filtered = day_end, filtered
        self.words = WordMatcher(session)
        self.params: dict[str, Any] = {}
        self.typed: list[BindParameter[Any]] = []

    def param(self, value: Any) -> str:
        """A new bound parameter holding the value."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        if isinstance(value, datetime):
            self.typed.append(bindparam(name, type_=UTCDateTime()))
        return f":{name}"

    def statement(self, sql: str) -> TextClause:
        """A statement using some of the collected parameters, the datetimes among them typed."""
        return text(sql).bindparams(*(typed for typed in self.typed if re.search(f":{typed.key}\\b", sql)))

    def text_match(self, node: Text, columns: str | None = None) -> str:
        """Cards whose indexed text (or some columns of it, such as "title keywords") contains the text."""
        expression = self.text_expression(node, columns)
        if expression is None:
            scanned = " || ' ' || ".join(_SHOWN[column] for column in (columns or "title keywords body").split())
            return f"d.id IN (SELECT id FROM search_docs WHERE holds_folded({scanned}, {self.param(node.value)}))"
        # With a filter in the query, `+d.id` keeps SQLite from driving the join from both the filter's and the
        # index's matches at once, which costs their product (seconds for `tag:cnn p` on 50,000 cards).
        driver = "+d.id" if self.filtered else "d.id"
        return f"{driver} IN (SELECT rowid FROM card_search WHERE card_search MATCH {self.param(expression)})"

    def text_expression(self, node: Text, columns: str | None = None) -> str | None:
        """The FTS5 expression finding the text or one of its other forms in the index (in some columns only), or
        None for punctuation alone. A short name that was not typed but is another form of what was (PPL for
        perplexity) is found only where a word starts, so that it is not found inside "applied"."""
        if not words(node.value):
            return None
        kept = [expression for expression in (
            self.words.expression(form, word_start_only=form != node.value.lower() and is_short_name(form))
            for form in _needed_forms(node)) if expression is not None]
        if not kept:
            return None
        expression = kept[0] if len(kept) == 1 else " OR ".join(f"({form})" for form in kept)
        return f"{{{columns}}} : ({expression})" if columns else f"({expression})"

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
        """The relevance order: the ranking tier, then course order."""
        tiers = _tiers(query.ranking_texts(), self.text_match)
        ranks = " ".join(f"WHEN {tier} THEN {rank}" for rank, tier in enumerate(tiers))
        return f"CASE {ranks} ELSE {len(tiers)} END, d.id" if tiers else "d.id"


def _needed_forms(node: Text) -> list[str]:
    """The text and those of its other forms that can find more than it: a form holding a form of three characters
    or more (`batch normalisation` holds `batch norm`) finds nothing more and is left out."""
    kept: list[str] = []
    for form in sorted(dict.fromkeys(form.lower() for form in node.searched), key=len):
        if not any(len(shorter) >= 3 and shorter in form for shorter in kept):
            kept.append(form)
    return kept


def _full_text(node: Node, compiler: _Compiler) -> str | None:
    """The node as one FTS5 expression, or None when it cannot be one: it holds punctuation or only exclusions."""
    if isinstance(node, Text):
        return compiler.text_expression(node)
    if not isinstance(node, (All, AnyOf)):
        return None
    wanted = [_full_text(child, compiler) for child in node.children if not isinstance(child, Not)]
    unwanted = [_full_text(child.child, compiler) for child in node.children if isinstance(child, Not)]
    if not wanted or None in wanted or None in unwanted or (unwanted and isinstance(node, AnyOf)):
        return None
    return "((" + (" AND " if isinstance(node, All) else " OR ").join(wanted) + ")" \
        + "".join(f" NOT {expression}" for expression in unwanted) + ")"


def _tiers(texts: list[Text], match: Callable[[Text, str], str | None]) -> list[str]:
    """The conditions of the ranking tiers above the last, best first, with `match` saying a text is in some columns.

    Every searched text in the title; every one in the title or tags; then, with several, any in the title; any
    in the tags.
    """
    def joined(joiner: str, columns: str) -> str:
        return "(" + joiner.join(str(match(text, columns)) for text in texts) + ")"

    if not texts:
        return []
    every = [joined(" AND ", "title"), joined(" AND ", "title keywords")]
    return every + [joined(" OR ", "title"), joined(" OR ", "keywords")] if len(texts) > 1 else every


def search(session: Session, text_query: str, day_end: datetime, limit: int = 50, offset: int = 0,
           sort: str | None = None, descending: bool = False, glossary: Glossary | None = None) -> SearchResults:
    """The cards matching a query in the search language (see `query`), ranked, with highlighted snippets.

    `day_end` is when the study day ends, for `is:due`; `sort` is a key of SORTS, or None to rank by relevance. Each
    searched text is found in any of its spellings and, with a `glossary`, by any name of the concept it names.
    """
    query = with_other_forms(parse(text_query), glossary)
    compiler = _Compiler(session, day_end, query.has_filters())
    streamed = _streamed(session, query, compiler, limit + offset) if sort is None else None
    keys, total = streamed or _ranked(session, query, compiler, limit + offset, sort, descending)
    keys = keys[offset:]
    shown = text(
        "SELECT d.id AS key, c.id, c.deck, c.title_en, c.title_zh, c.demo, s.state, s.due, s.stability, s.lapses, "
        f"s.suspended, s.leech, d.body {_FROM} AND d.id IN (SELECT value FROM json_each(:keys))",
    ).columns(due=UTCDateTime())
    rows = {row.key: row for row in session.execute(shown, {"keys": json.dumps(keys)})}
    texts = [form for node in query.ranking_texts() for form in node.searched]
    return SearchResults(query, min(total, COUNT_LIMIT), [_hit(rows[key], texts) for key in keys],
                         counted_all=total <= COUNT_LIMIT)


def _count(session: Session, compiler: _Compiler, source: str, match: str | None = None) -> int:
    """How many rows a FROM … WHERE clause gives, counting no further than COUNT_LIMIT + 1."""
    counted = compiler.statement(f"SELECT count(*) FROM (SELECT 1 {source} LIMIT {COUNT_LIMIT + 1})")
    return session.execute(counted, {**compiler.params, "match": match}).scalar_one()


def _ranked(session: Session, query: Query, compiler: _Compiler, needed: int, sort: str | None,
            descending: bool) -> tuple[list[int], int]:
    """The index keys of the first matches, ranked in one statement, and their count (up to COUNT_LIMIT + 1)."""
    source = f"{_FROM} AND {compiler.condition(query.root) if query.root is not None else '1'}"
    if sort is None:
        order = compiler.order(query)
    else:
        order = f"{SORTS[sort]} {'DESC' if descending else 'ASC'} NULLS LAST, d.id"
    statement = compiler.statement(f"SELECT d.id {source} ORDER BY {order} LIMIT :needed")
    keys = session.execute(statement, {**compiler.params, "needed": needed}).scalars().all()
    return list(keys), _count(session, compiler, source)


def _streamed(session: Session, query: Query, compiler: _Compiler, needed: int) -> tuple[list[int], int] | None:
    """The index keys of the first matches, read tier by tier in key order, and their count (up to COUNT_LIMIT + 1).

    Each tier costs the rows it reads, however many cards match. None for a search that `_ranked` answers better
    or only it can: filters matching few cards, text this cannot put into one FTS5 expression.
    """
    searched = All(tuple(part for part in query.parts() if not holds_filter(part)))
    filtered = All(tuple(part for part in query.parts() if holds_filter(part)))
    full_text = _full_text(searched, compiler) if searched.children else None
    texts = query.ranking_texts()
    if full_text is None and (searched.children or texts) or any(compiler.text_expression(node) is None
                                                                   for node in texts):
        return None
    condition = compiler.condition(filtered) if filtered.children else "1"
    # How many cards the filters let through: the total with no text, and what decides the plan with both.
    filter_count = _count(session, compiler, f"{_FROM} AND {condition}") if filtered.children or not full_text else 0
    if filtered.children and filter_count <= COUNT_LIMIT:
        return None  # a few cards: ranking them all is cheaper than reading the index past the others
    if full_text is None:
        source, key, matches = f"FROM search_docs d {_CARDS_IN_KEY_ORDER} WHERE {condition}", "d.id", [None]
    else:
        source = "FROM card_search f WHERE f.card_search MATCH :match" if not filtered.children else (
            f"FROM card_search f CROSS JOIN search_docs d ON d.id = f.rowid {_CARDS_IN_KEY_ORDER} "
            f"WHERE f.card_search MATCH :match AND {condition}")
        key, matches = "f.rowid", _tier_expressions(full_text, _tiers(texts, compiler.text_expression))
    keys: list[int] = []
    for match in matches:
        if len(keys) < needed:
            statement = compiler.statement(f"SELECT {key} {source} ORDER BY {key} LIMIT :needed")
            keys += session.execute(statement, {**compiler.params, "match": match, "needed": needed - len(keys)}) \
                .scalars().all()
    return keys, filter_count if full_text is None else _count(session, compiler, source, full_text)


def _tier_expressions(full_text: str, tiers: list[str]) -> list[str]:
    """The FTS5 expression of each ranking tier's cards, the last tier (none of the tiers' conditions) included."""
    expressions = []
    for rank, tier in enumerate([*tiers, None]):
        expression = f"({full_text} AND {tier})" if tier else full_text
        expressions.append(f"({expression} NOT ({' OR '.join(tiers[:rank])}))" if rank else expression)
    return expressions


def _hit(row: Any, texts: list[str]) -> SearchHit:
    """A result row as a hit, its titles highlighted and a snippet of the body around the first match."""
    return SearchHit(
        card_id=row.id, deck=row.deck, title_en=highlight(row.title_en, texts),
        title_zh=highlight(row.title_zh, texts), snippet=snippet(unpack_body(row.body), texts), state=row.state,
        due=row.due, stability=row.stability, lapses=row.lapses, suspended=bool(row.suspended),
        leech=bool(row.leech), demo=row.demo)
