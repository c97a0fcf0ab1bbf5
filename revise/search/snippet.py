"""Highlighting searched text in titles and snippets, at the places the index matched it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from revise.search.folding import CJK, WORD, fold, is_cjk
from revise.search.symbols import symbol_glyph
from revise.search.words import MIN_INSIDE, cut_ends

SNIPPET_WIDTH = 160
SIDE_BREAK = " · "  # between the question and answer texts in the index's body (see `index.document`)


@dataclass(frozen=True)
class Highlighted:
    """Text with the character ranges to highlight, sorted and not overlapping."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()


def _pattern(value: str) -> str:
    """A regex finding a searched text as the index does (see `search.words`): its words with any punctuation between
    them, the first found inside a word only when the text may begin inside one and it is MIN_INSIDE long, the last
    only when the text may end inside one (see `cut_ends`); punctuation alone as it is."""
    lowered = value.lower()
    found = WORD.findall(lowered)
    if not found:
        return re.escape(value)
    cut_first, cut_last = cut_ends(lowered, found)
    inside = is_cjk(found[0]) or cut_first and len(found[0]) >= MIN_INSIDE
    pattern = "" if inside else f"(?<![^\\W_{CJK}])"
    for before, word in zip([None, *found], found):
        if before is not None:  # Latin words need something between them; CJK characters need nothing
            pattern += r"[\W_]*" if is_cjk(before) or is_cjk(word) else r"[\W_]+"
        pattern += re.escape(word)
    return pattern if cut_last or is_cjk(found[-1]) else f"{pattern}(?![^\\W_{CJK}])"


def highlight(text: str, searched: list[str]) -> Highlighted:
    """The text with every occurrence of the searched texts marked, ignoring case and accents."""
    if not searched:
        return Highlighted(text)
    folded = fold(text)
    forms = {*searched, *filter(None, map(symbol_glyph, searched))}
    spans = sorted(match.span() for value in forms
                   for match in re.finditer(_pattern(value), folded, re.IGNORECASE) if match.end() > match.start())
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return Highlighted(text, tuple(merged))


def snippet(body: str, searched: list[str], width: int = SNIPPET_WIDTH) -> Highlighted:
    """About `width` characters of the body around its first match (or its start), matches highlighted."""
    marked = highlight(body, searched)
    first = marked.spans[0][0] if marked.spans else 0
    side_start = body.rfind(SIDE_BREAK, 0, first) + len(SIDE_BREAK)  # the question or answer the match is in
    if first < width // 3:
        start = 0
    elif first - side_start < width // 2:
        start = side_start
    else:  # from a word a little before the match; text without spaces (Chinese) is cut where it stands
        target = first - width // 4
        space = body.rfind(" ", max(0, target - width // 4), target)
        start = space + 1 if space >= 0 else target
    end = min(len(body), start + width)
    if end < len(body) and " " in body[start + width // 2:end]:
        end = body.rindex(" ", start + width // 2, end)
    prefix, suffix = ("…" if start else ""), ("…" if end < len(body) else "")
    spans = tuple((max(a, start) - start + len(prefix), min(b, end) - start + len(prefix))
                  for a, b in marked.spans if a < end and b > start)
    return Highlighted(prefix + body[start:end] + suffix, spans)
