"""A searched text as an FTS5 expression over the word index, finding it where a substring search would, but for
the punctuation between words.

The index holds whole words (see `folding.words`), so a text is found as the words it holds, in order, with
whatever punctuation and spaces between them (`y=wx+b` finds "y = wx + b"). Its first and last words may be parts
of longer words when the text cuts them: `radient` finds gradient, `"gradient desc"` finds "gradient descent" and
`"ient desc"` too. A part found inside words becomes the OR of every indexed word holding it, looked up in the
index's vocabulary (`search_terms`), which is kept in memory and read again only for the words added since; a part
at a word's start is an FTS5 prefix query, or for one letter its mark (see `folding.first_letters`). Parts of one
or two letters are found only where a word starts, as each would be inside most words.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from revise.search.folding import WORD, first_letters, is_cjk, words

# A part of a word this long or longer is found inside words too; a shorter one only where a word starts.
MIN_INSIDE = 3
# The words holding this many parts are kept for the next keystrokes (see `Vocabulary.holding`).
KEPT_PARTS = 256


@dataclass
class Vocabulary:
    """The words of one database's index as last read, the ids of the oldest and newest of them, and the words
    holding the parts searched lately."""

    oldest: int = 0
    newest: int = 0
    terms: list[str] = field(default_factory=list)
    _holding: dict[str, list[str]] = field(default_factory=dict)

    def add(self, terms: list[str], newest: int) -> None:
        """Takes the words indexed since the last read, up to the id `newest`."""
        self.terms += terms
        self.newest = newest
        self._holding.clear()

    def holding(self, part: str) -> list[str]:
        """The words holding a part. Typing narrows a part one letter at a time, and every word holding `gradi` holds
        `grad`, so the words of the longest part already looked up that begins this one are the only ones read."""
        if part not in self._holding:
            if len(self._holding) >= KEPT_PARTS:
                self._holding.clear()
            shorter = next((self._holding[part[:end]] for end in range(len(part) - 1, 0, -1)
                            if part[:end] in self._holding), self.terms)
            self._holding[part] = [term for term in shorter if part in term]
        return self._holding[part]


def cut_ends(lowered: str, found: list[str]) -> tuple[bool, bool]:
    """Whether a searched form (in lower case, holding the words `found`) may begin inside a word, and end inside
    one: where it begins or ends with a letter or digit. A CJK character is a word whole, and a phrase's last word of
    one letter is taken whole too, as FTS5 would gather every word starting with it, for a text typed on its way to a
    longer one (`is:d`)."""
    cut_first = WORD.match(lowered) is not None
    cut_last = WORD.match(lowered[-1]) is not None and not is_cjk(found[-1]) and (len(found) == 1 or len(found[-1]) > 1)
    return cut_first, cut_last


# Per database engine, so that each keystroke reads only the words indexed since the last one.
_VOCABULARIES: weakref.WeakKeyDictionary[object, Vocabulary] = weakref.WeakKeyDictionary()


def vocabulary(session: Session) -> Vocabulary:
    """Every word the session's index holds (and maybe some it no longer does, which find nothing)."""
    ends = text("SELECT (SELECT min(id) FROM search_terms), (SELECT max(id) FROM search_terms)")
    oldest, newest = (end or 0 for end in session.execute(ends).one())
    engine = session.get_bind()
    known = _VOCABULARIES.get(engine)
    if known is None or oldest != known.oldest:  # first read, or the vocabulary was emptied (ids are never reused)
        known = _VOCABULARIES[engine] = Vocabulary(oldest)
    if newest > known.newest:
        added = session.scalars(text("SELECT term FROM search_terms WHERE id > :after"), {"after": known.newest})
        known.add(list(added), newest)
    return known


class WordMatcher:
    """Turns searched texts into FTS5 expressions, reading the vocabulary when a part inside words first needs it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._vocabulary: Vocabulary | None = None
        self._expressions: dict[tuple[str, bool], str | None] = {}  # a search asks for each text in every tier

    def _holding(self, part: str, at_end: bool) -> list[str]:
        """The indexed words other than the part itself that hold it: at their end, or anywhere but at their start.
        The vocabulary is read at the first need of this search."""
        if self._vocabulary is None:
            self._vocabulary = vocabulary(self.session)
        holding = self._vocabulary.holding(part)
        if at_end:
            return [term for term in holding if term.endswith(part) and term != part]
        return [term for term in holding if not term.startswith(part)]

    def expression(self, form: str, word_start_only: bool = False) -> str | None:
        """The FTS5 expression finding a searched form (folded), or None when it holds no word (punctuation alone).

        With `word_start_only` the form is found only where a word starts (a short name such as PPL, which is not
        to be found inside "applied").
        """
        if (form, word_start_only) not in self._expressions:
            self._expressions[form, word_start_only] = self._expression(form.lower(), word_start_only)
        return self._expressions[form, word_start_only]

    def _expression(self, lowered: str, word_start_only: bool) -> str | None:
        """`expression` of a form in lower case, worked out."""
        found = words(lowered)
        if not found:
            return None
        cut_first, cut_last = cut_ends(lowered, found)
        first, rest = found[0], " ".join(found[1:])
        inside = cut_first and not word_start_only and len(first) >= MIN_INSIDE and not is_cjk(first)
        star = "*" if cut_last else ""
        if rest:
            firsts = [first, *(self._holding(first, at_end=True) if inside else [])]
            return " OR ".join(f'"{word} {rest}"{star}' for word in firsts)
        if cut_last and len(first) == 1:
            return f'"{first_letters([first])[0]}"'  # words starting with a letter, through its mark
        holding = self._holding(first, at_end=not cut_last) if inside else []
        return " OR ".join([f'"{first}"{star}', *(f'"{term}"' for term in holding)])
