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


def ngram_words(text: str) -> str:
    """The text with each CJK run written as its characters and its pairs of characters, as separate words.

    This feeds the word index that answers queries too short for trigrams: 梯度下降 → 梯 度 下 降 梯度 度下 下降.
    """
    def spell(match: re.Match[str]) -> str:
        run = match.group()
        return " " + " ".join([*run, *(run[i:i + 2] for i in range(len(run) - 1))]) + " "

    return CJK_RUN.sub(spell, text)
