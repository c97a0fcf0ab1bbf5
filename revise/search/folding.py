"""Folding text for search, one character at a time, so that positions in folded text are positions in the original.

Accents go (é → e), compatibility forms become plain (₁ → 1, Ａ → A); case is left to the index, which ignores it.
"""

from __future__ import annotations

import re
import unicodedata

# Han, kana and Hangul: scripts written without spaces, indexed as single characters and pairs.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK}]+")
_HANGUL = re.compile("[\uac00-\ud7af]")
_WORD = re.compile(r"[^\W_]+")
# A word's first one or two characters.
_WORD_START = re.compile(r"(?<![^\W_])[^\W_]{1,2}")


class _FoldTable(dict[int, str]):
    """A `str.translate` table that works out each character's folding the first time it meets it."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        decomposed = unicodedata.normalize("NFKD", char)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        # Only one-for-one replacements, so that folding never moves text; Hangul syllables stay whole; only
        # letters lose their marks, so that ≠ (= with a stroke) stays ≠ and is not found as =.
        whole = len(folded) != 1 or _HANGUL.match(char) or (folded != decomposed and not char.isalpha())
        self[code] = result = char if whole else folded
        return result


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """The text with accents and compatibility forms folded, the same length as the original."""
    return text if text.isascii() else text.translate(_FOLD)


def squeeze(text: str) -> str:
    """The text on one line, runs of whitespace turned into single spaces."""
    return " ".join(text.split())


def word_starts(text: str) -> str:
    """The words' starts that find them by one or two characters, once each, for the short-query index.

    Each word's first character and first two, and each CJK character and pair of neighbours, as `l le` for
    "learning" and `梯 梯度 度` for 梯度: a trigram index cannot look up fewer than three characters, so these go
    to a small table of their own (see `search.index`); `short_text` cuts a query alike.
    """
    ascii = text.isascii()
    marks = set(_WORD_START.findall(text if ascii else CJK_RUN.sub(" ", text)))
    marks.update([mark[0] for mark in marks if len(mark) > 1])
    for run in [] if ascii else CJK_RUN.findall(text):
        marks.update(run)
        marks.update(run[start:start + 2] for start in range(len(run) - 1))
    # Sorted, so that the same text always gives the same marks, as taking a card out of the index needs.
    return " ".join(sorted(marks))


def short_text(value: str) -> list[str]:
    """The marks (see `word_starts`) a query of one or two characters looks up, one per word, none for punctuation.

    `l` finds words starting with l, `lr` those starting with lr, and `梯度` the pair 梯度 in a CJK run.
    """
    return [*_WORD.findall(CJK_RUN.sub(" ", value)), *CJK_RUN.findall(value)]
