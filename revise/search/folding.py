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
# The first one or two letters of each word, CJK apart; and each CJK character with the next one, if CJK too.
_LATIN_START = re.compile(f"(?<![^\\W_{CJK}])[^\\W_{CJK}]{{1,2}}")
_CJK_START = re.compile(f"(?=([{CJK}][{CJK}]?))")
# A private-use character, in no card's text: it marks word starts in the index (see `word_starts`).
WORD_START = "\ue000"


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
    """Index words for each word's first two characters and each CJK character, so that the trigram index finds them.

    A trigram index cannot look up one or two characters, so each is also written after WORD_START marks, as
    ⌁⌁le for "learning" and ⌁⌁梯度 ⌁⌁度 for 梯度 (⌁ standing for WORD_START); `short_text` spells a query alike.
    Each is written once, lower-cased, with nothing between them (⌁⌁le⌁⌁梯度⌁⌁度): the index only needs to find a
    mark, so repeats and spaces would only make it bigger and slower to fill.
    """
    marks = dict.fromkeys([*_LATIN_START.findall(text.lower()), *_CJK_START.findall(text)])
    return "".join(WORD_START * 2 + mark for mark in marks)


def short_text(value: str) -> list[str]:
    """What the index holds for a query of one or two characters: one trigram per word in it, none for punctuation.

    `l` is ⌁⌁l and `lr` is ⌁lr (words starting so), and `梯度` is ⌁梯度; see `word_starts`.
    """
    parts = [*_WORD.findall(CJK_RUN.sub(" ", value)), *CJK_RUN.findall(value)]
    return [WORD_START * (3 - len(part)) + part for part in parts]
