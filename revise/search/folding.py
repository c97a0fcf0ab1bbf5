"""Folding text for search, one character at a time, so that positions in folded text are positions in the original.

Accents go (é → e), compatibility forms become plain (₁ → 1, Ａ → A). The index holds the folded text's words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Han, kana and Hangul: scripts written without spaces, indexed a character at a time.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_HANGUL = re.compile("[\uac00-\ud7af]")
# A word as the index holds it: a run of letters and digits, or one CJK character, so that a run of CJK text is
# found as the phrase of its characters.
WORD = re.compile(f"[{CJK}]|[^\\W_{CJK}]+")
_CJK_CHAR = re.compile(f"[{CJK}]")
# A private-use character, in no card's text, that marks a word's first letter in the index (see `first_letters`).
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


@lru_cache(maxsize=1)
def _folded_from() -> dict[str, str]:
    """For each character some other folds into, those others (`＋⁺` for +), over every plane holding any: made once,
    in a fifth of a second, at the first search that scans text."""
    sources: dict[str, str] = {}
    for code in range(0x80, 0x30000):
        folded = _FOLD[code]
        if folded != chr(code):
            sources[folded] = sources.get(folded, "") + chr(code)
    return sources


def holds_folded(text: str, part: str) -> bool:
    """Whether the folded text holds a part (itself folded), folding the text only when it holds a character that
    folds into one of the part's: a scan of every card's text then costs a substring search each."""
    if part in text:
        return True
    sources = "".join(_folded_from().get(char, "") for char in set(part))
    return any(char in text for char in sources) and part in fold(text)


def squeeze(text: str) -> str:
    """The text on one line, runs of whitespace turned into single spaces."""
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The text's words as the index holds them: folded, in lower case, a CJK character each."""
    return WORD.findall(fold(text).lower())


def first_letters(found: list[str]) -> list[str]:
    """A mark for each letter or digit some of the words start with (CJK apart), each once: ⌁s for "step" (⌁
    standing for WORD_START). FTS5 gathers every match of a prefix query before giving the first, which for one
    letter means most of the index; a mark is one word to look up."""
    return [WORD_START + letter for letter in dict.fromkeys(word[0] for word in found if not is_cjk(word))]


def is_cjk(word: str) -> bool:
    """Whether a word (see `words`) is a CJK character."""
    return _CJK_CHAR.fullmatch(word) is not None
