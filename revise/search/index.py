"""The search index: each card's text, folded, in two SQLite FTS5 tables that sync keeps in step with the cards.

`card_search` uses the trigram tokenizer, so any substring of three or more characters is found, CJK included.
`card_search_words` answers shorter queries: Latin words by prefix, CJK as single characters and pairs.
Both are keyed by `search_docs.id`, which also keeps the text shown in snippets: the index holds it folded,
at the same length, so that a match found there is highlighted at the same place in the text shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from revise.search.folding import fold, ngram_words, squeeze
from revise.search.snippet import SIDE_BREAK
from revise.store.schema import Card, CardTag, SearchDoc, Setting
from revise.search.symbols import symbol_names
from revise.text.math_markdown import MathSyntaxError, render_math

# Bump when what goes into the index changes: sync then rebuilds it.
INDEX_VERSION = 2
INDEX_VERSION_KEY = "search_index_version"
COLUMNS = ("title", "keywords", "body")

_MARKUP = re.compile(r"\*\*|__|`|^#+\s|^\s*[-*]\s", re.MULTILINE)


@dataclass(frozen=True)
class SearchDocument:
    """What the index holds for one card: titles, keywords (tags, demo, formula symbols) and body, as shown."""

    card_id: str
    title: str
    keywords: str
    body: str


def _plain(markdown: str) -> str:
    """A card side as one line of plain text, formulas in Unicode."""
    try:
        rendered = render_math(markdown, for_markdown=False)
    except (MathSyntaxError, ValueError):
        rendered = markdown
    return squeeze(_MARKUP.sub("", rendered))


def document(card: Card) -> SearchDocument:
    """The search document of a card row."""
    sides = (card.front_en, card.back_en, card.front_zh, card.back_zh)
    symbols = dict.fromkeys(name for side in sides for name in symbol_names(side))
    tags = card.tags.split()
    keywords = [*tags, *(tag.replace("-", " ").replace("_", " ") for tag in tags if "-" in tag or "_" in tag),
                *([card.demo] if card.demo else []), *symbols]
    return SearchDocument(card.id, f"{card.title_en} · {card.title_zh}", " ".join(keywords),
                          SIDE_BREAK.join(filter(None, map(_plain, sides))))


def index_cards(session: Session, cards: Iterable[Card], replace: bool = True) -> None:
    """Writes the cards' documents and tags into the index, replacing what it held for them."""
    cards = list(cards)
    if not cards:
        return
    if replace:
        unindex_cards(session, [card.id for card in cards])
    first = (session.scalar(select(func.max(SearchDoc.id))) or 0) + 1
    docs = {first + offset: document(card) for offset, card in enumerate(cards)}
    session.execute(insert(SearchDoc), [{"id": key, "card_id": doc.card_id, "body": doc.body}
                                        for key, doc in docs.items()])
    for table, spell in (("card_search", fold), ("card_search_words", lambda text: ngram_words(fold(text)))):
        session.execute(
            text(f"INSERT INTO {table} (rowid, title, keywords, body) VALUES (:key, :title, :keywords, :body)"),
            [{"key": key, **{column: spell(getattr(doc, column)) for column in COLUMNS}} for key, doc in docs.items()])
    tags = [{"card_id": card.id, "tag": tag} for card in cards for tag in {tag.lower() for tag in card.tags.split()}]
    if tags:
        session.execute(insert(CardTag), tags)


def unindex_cards(session: Session, card_ids: list[str]) -> None:
    """Takes cards out of the index."""
    if not card_ids:
        return
    keys = select(SearchDoc.id).where(SearchDoc.card_id.in_(card_ids))
    for table in ("card_search", "card_search_words"):
        session.execute(text(f"DELETE FROM {table} WHERE rowid IN (SELECT value FROM json_each(:keys))"),
                        {"keys": json.dumps(list(session.scalars(keys)))})
    session.execute(delete(SearchDoc).where(SearchDoc.card_id.in_(card_ids)))
    session.execute(delete(CardTag).where(CardTag.card_id.in_(card_ids)))


def rebuild_if_stale(session: Session) -> bool:
    """Rebuilds the whole index when it was built by another version of this code; says whether it did."""
    stored = session.get(Setting, INDEX_VERSION_KEY)
    if stored is not None and stored.value == INDEX_VERSION:
        return False
    for table in ("card_search", "card_search_words"):
        session.execute(text(f"DELETE FROM {table}"))
    session.execute(delete(SearchDoc))
    session.execute(delete(CardTag))
    index_cards(session, session.scalars(select(Card).where(Card.retired_at.is_(None))), replace=False)
    session.merge(Setting(key=INDEX_VERSION_KEY, value=INDEX_VERSION))
    return True
