"""Folding text for search, one character at a time, so that positions in folded text are positions in the original.

Accents go (é → e), compatibility forms become plain (₁ → 1, Ａ → A). The index holds the folded text's words.
"""

from __future__ import annotations

import re
import unicodedata

# Han, kana and Hangul: scripts written without spaces, indexed a character at a time.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_HANGUL = re.compile("[\uac00-\ud7af]")
# A word as the index holds it: a run of letters and digits, or one CJK character, so that a run of CJK text is
# found as the phrase of its characters.
WORD = re.compile(f"[{CJK}]|[^\\W_{CJK}]+")
_CJK_CHAR = re.compile(f"[{CJK}]")


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


def words(text: str) -> list[str]:
    """The text's words as the index holds them: folded, in lower case, a CJK character each."""
    return WORD.findall(fold(text).lower())


def is_cjk(word: str) -> bool:
    """Whether a word (see `words`) is a CJK character."""
    return _CJK_CHAR.fullmatch(word) is not None
