"""Cloze deletions in Anki's syntax, `{{c1::hidden part}}` or `{{c1::hidden part::hint}}`: finding them in a
card text (inside formulas too) and showing a text with one cloze number hidden or highlighted.

A cloze ends at the first `}}` outside braces of its own, so a formula term with braces needs no spaces:
`{{c1::\\frac{a}{b}}}` hides the fraction (Anki itself stops at the first `}}`; `anki_text` writes a cloze
so that both read it alike).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from revise.text.math_markdown import formulas_if_closed

_OPEN = re.compile(r"\{\{c(\d+)::")
ITEM_SEPARATOR = "::c"  # a cloze card's review items are `card-id::c1`, `card-id::c2`, ...
HIDDEN = "…"


class ClozeError(ValueError):
    """A cloze that is not closed or is empty, or that starts outside a formula and ends inside one;
    `line` is counted from 0 within the text."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Cloze:
    """One cloze in a text: its number, the hidden part, its hint (if any) and where it stands."""

    number: int
    answer: str
    hint: str | None
    start: int
    end: int
    in_formula: bool = False


def find_clozes(text: str) -> list[Cloze]:
    """Every cloze of a text, in order; raises ClozeError on one that is unclosed, empty, numbered 0, or only
    partly inside a formula."""
    if "{{c" not in text:
        return []
    found = []
    position = 0
    while (match := _OPEN.search(text, position)) is not None:
        line = text.count("\n", 0, match.start())
        number = int(match.group(1))
        end, separator = _cloze_end(text, match.end())
        if end is None:
            raise ClozeError(f"cloze `{{{{c{number}::` is never closed with `}}}}`", line)
        body = text[match.end():end]
        answer, hint = (body[:separator - match.end()], body[separator - match.end() + 2:]) if separator else (body, None)
        if number == 0:
            raise ClozeError("cloze numbers start at 1: `{{c1::...}}`", line)
        if not answer.strip():
            raise ClozeError(f"cloze c{number} hides nothing", line)
        found.append(Cloze(number, answer, hint, match.start(), end + 2))
        position = end + 2
    formulas = formulas_if_closed(text)
    placed = []
    for cloze in found:
        inside = [formula for formula in formulas if formula.start < cloze.end and cloze.start < formula.end]
        within = bool(inside) and inside[0].start < cloze.start and cloze.end <= inside[0].end
        if inside and not within and not all(cloze.start <= f.start and f.end <= cloze.end for f in inside):
            raise ClozeError(f"cloze c{cloze.number} starts outside a formula and ends inside it (or the other "
                             "way round): put it wholly inside the `$...$` or around all of it",
                             text.count("\n", 0, cloze.start))
        placed.append(Cloze(cloze.number, cloze.answer, cloze.hint, cloze.start, cloze.end, within))
    return placed


def _cloze_end(text: str, start: int) -> tuple[int | None, int | None]:
    """Where the `}}` that closes a cloze opened before `start` stands, and where its `::` hint separator does
    (None when it has none); braces of the hidden part nest, a `\\{` or `\\}` is not a brace."""
    depth, separator, i = 0, None, start
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return (i, separator) if text.startswith("}}", i) else (None, None)
            depth -= 1
        elif depth == 0 and separator is None and text.startswith("::", i):
            separator = i
            i += 2
            continue
        i += 1
    return None, None


def cloze_numbers(text: str) -> list[int]:
    """The cloze numbers of a text, each once, in ascending order; none for a text whose clozes are broken."""
    try:
        return sorted({cloze.number for cloze in find_clozes(text)})
    except ClozeError:
        return []


def replace_clozes(text: str, written: Callable[[Cloze], str]) -> str:
    """The text with each cloze replaced by what `written` makes of it; a text whose clozes are broken stays as
    written (the card check reports it)."""
    try:
        clozes = find_clozes(text)
    except ClozeError:
        return text
    pieces, last = [], 0
    for cloze in clozes:
        pieces += [text[last:cloze.start], written(cloze)]
        last = cloze.end
    return "".join([*pieces, text[last:]])


def show_cloze(text: str, number: int, reveal: bool) -> str:
    """The text with cloze `number` hidden as `[…]` (or `[its hint]`), or, when `reveal`, highlighted (bold, or
    underlined inside a formula); every other cloze shows its hidden part plainly. Number 0 shows them all plainly."""
    return replace_clozes(text, lambda cloze: _shown(cloze, number, reveal))


def _shown(cloze: Cloze, number: int, reveal: bool) -> str:
    """What stands in place of one cloze on the side of cloze `number`."""
    if cloze.number != number:
        return cloze.answer
    if reveal:
        answer = cloze.answer.strip()
        return f"\\underline{{{answer}}}" if cloze.in_formula else f"**{answer}**"
    if cloze.in_formula:
        return f"[\\text{{{cloze.hint}}}]" if cloze.hint else "[\\ldots]"
    return f"\\[{cloze.hint or HIDDEN}\\]"


def anki_text(text: str) -> str:
    """The text with each cloze written so that Anki, which ends a cloze at the first `}}`, reads it as revise does:
    a `}}` inside the hidden part gets a space (`} }`, the same in LaTeX)."""
    return replace_clozes(text, _for_anki)


def _for_anki(cloze: Cloze) -> str:
    """One cloze as Anki reads it: no `}}` before its end."""
    hint = f"::{cloze.hint}" if cloze.hint is not None else ""
    body = f"{{{{c{cloze.number}::{cloze.answer}{hint}".replace("}}", "} }")
    return body + (" }}" if body.endswith("}") else "}}")


def item_id(card_id: str, number: int) -> str:
    """The id of the review item of cloze `number` of a card: `bias-correction::c1`."""
    return f"{card_id}{ITEM_SEPARATOR}{number}"


def split_item_id(item: str) -> tuple[str, int]:
    """A review item's card id and cloze number; number 0 for the item of a question-and-answer card."""
    card_id, separator, number = item.rpartition(ITEM_SEPARATOR)
    return (card_id, int(number)) if separator and number.isdigit() else (item, 0)
