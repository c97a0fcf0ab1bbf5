"""The glossary (`glossary.toml` in the card folder): each concept's English term and standard Chinese term, its other
names in both languages, and the cards that teach it.

Search finds a card by any name of its concept (see `revise.search.forms`). `revise check` warns where a card's Chinese
text writes another Chinese name of a concept instead of its standard term (see `Glossary.term_warnings`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from revise.cards.model import CardText, Problem
from revise.cards.parser import ALL_SECTIONS, LINE_BREAK, split_title
from revise.search.folding import CJK, fold, squeeze
from revise.text.math_markdown import FENCE

GLOSSARY_FILE = "glossary.toml"
TERMS = {"en": "its English term", "zh": "its standard Chinese term"}
NAME_LISTS = ("en_other", "zh_other")
FIELDS = (*TERMS, *NAME_LISTS, "cards")
_CHINESE_SECTIONS = frozenset(name for name, side in ALL_SECTIONS.items() if side.endswith("_zh"))
_HAS_CJK = re.compile(f"[{CJK}]")
# The line that opens a table (`[dropout]`) or sets a key (`zh = "随机失活"`, `cards = [`), and its name.
_TABLE = re.compile(r"\s*\[\s*(?:\"([^\"]*)\"|'([^']*)'|([\w-]+))\s*\]\s*(?:#.*)?")
_KEY = re.compile(r"\s*(?:\"([^\"]*)\"|'([^']*)'|([\w-]+))\s*=")


def name_key(name: str) -> str:
    """A name as search and the check compare names: folded (accents, full-width forms), on one line, in lower case."""
    return squeeze(fold(name)).lower()


@dataclass(frozen=True)
class Concept:
    """One concept: its standard terms, its other names, the cards that teach it, and where the glossary says so."""

    key: str
    en: str
    zh: str
    en_other: tuple[str, ...] = ()
    zh_other: tuple[str, ...] = ()
    cards: tuple[str, ...] = ()
    line: int = 0  # where the glossary writes its standard Chinese term
    card_lines: tuple[int, ...] = field(default=(), compare=False)  # where each of its card ids is written

    @property
    def names(self) -> tuple[str, ...]:
        """Every name of the concept: the standard terms first."""
        return (self.en, self.zh, *self.en_other, *self.zh_other)


@dataclass(frozen=True)
class Glossary:
    """The concepts of a card folder's glossary, looked up by any of their names."""

    path: str
    concepts: tuple[Concept, ...]

    @cached_property
    def _names(self) -> dict[str, tuple[str, ...]]:
        """Each name's key, with the keys of every name of the concepts it names."""
        found: dict[str, dict[str, None]] = {}
        for concept in self.concepts:
            keys = dict.fromkeys(map(name_key, concept.names))
            for key in keys:
                found.setdefault(key, {}).update(keys)
        return {key: tuple(names) for key, names in found.items()}

    def other_names(self, text: str) -> tuple[str, ...]:
        """Every name of the concepts `text` names (as `name_key` writes them, `text` included); none when it names
        no concept."""
        return self._names.get(name_key(text), ())

    @cached_property
    def most_words(self) -> int:
        """The most words a name has (`batch normalization`: 2), so that search knows how many words to join."""
        return max((len(name.split()) for name in self._names), default=1)

    def card_problems(self, card_ids: Collection[str]) -> list[Problem]:
        """A problem for each card id a concept lists that is no card's id, where it is written."""
        return [Problem(self.path, line, f"[{concept.key}]: no card has the id `{card_id}`")
                for concept in self.concepts for card_id, line in zip(concept.cards, concept.card_lines)
                if card_id not in card_ids]

    def term_warnings(self, decks: Iterable[tuple[str, str, list[CardText]]]) -> list[Problem]:
        """A warning for each place where a card's Chinese text (its Chinese title, 问 and 答) writes another Chinese
        name of a concept, naming a place that writes the standard term: the first card that does, else the glossary.

        `decks` are each deck file's path, text and cards. The other name is fine in brackets that open right after
        the standard term: 批量归一化(d2l 称批量规范化). A name inside a longer one is that longer name (束搜索 in 集束搜索),
        and a name holding the standard term writes it (动量法 holds 动量).
        """
        names = sorted({name_key(name) for concept in self.concepts for name in (concept.zh, *concept.zh_other)},
                       key=len, reverse=True)
        if not names:
            return []
        pattern = re.compile("|".join(map(re.escape, names)), re.IGNORECASE)
        found = [(path, number, line, match) for path, text, cards in decks
                 for number, line in _chinese_lines(LINE_BREAK.split(text), cards)
                 for match in pattern.finditer(fold(line))]
        standard = {name_key(concept.zh): concept for concept in self.concepts}
        written_at: dict[str, str] = {}
        for path, number, _, match in found:
            if (concept := standard.get(match.group().lower())) is not None:
                written_at.setdefault(concept.key, f"{Path(path).name}:{number}")
        other = {name_key(name): concept for concept in reversed(self.concepts) for name in concept.zh_other}
        warnings = []
        for path, number, line, match in found:
            name = match.group().lower()
            concept = other.get(name) if name not in standard else None
            if concept is not None and name_key(concept.zh) not in name \
                    and not _after_in_brackets(fold(line), match.start(), name_key(concept.zh)):
                where = written_at.get(concept.key, f"{Path(self.path).name}:{concept.line}")
                warnings.append(Problem(path, number, f"{line[match.start():match.end()]} is another name for "
                                        f"{concept.en}: write the standard term {concept.zh} (as at {where}), or give "
                                        f"the other name in brackets after it", warning=True))
        return warnings


def _chinese_lines(lines: list[str], cards: list[CardText]) -> Iterator[tuple[int, str]]:
    """The Chinese text of each card, line by line, with its line number: the Chinese half of its heading, then the
    lines of its 问 and 答 sections (up to the next card's heading). A card past the end (its file shortened since it
    was read) has none."""
    for card in (card for card in cards if card.line <= len(lines)):
        titles = split_title(lines[card.line - 1][3:])
        if titles is not None:
            yield card.line, titles[1]
        chinese = fenced = False
        for number in range(card.line + 1, len(lines) + 1):
            line = lines[number - 1]
            if FENCE.match(line):
                fenced = not fenced
            elif not fenced and line.startswith("## "):
                break
            elif not fenced and line.startswith("### "):
                chinese = line[4:].strip() in _CHINESE_SECTIONS
                continue
            if chinese:
                yield number, line


def _after_in_brackets(text: str, start: int, standard: str) -> bool:
    """Whether the text at `start` stands in brackets that open right after the standard term (folded text, in which
    full-width brackets are plain ones)."""
    opening = text.rfind("(", 0, start)
    return opening >= 0 and ")" not in text[opening:start] and text[:opening].rstrip().lower().endswith(standard)


def read_glossary(data: dict[str, Any], text: str, path: str) -> tuple[Glossary, list[Problem]]:
    """The concepts of a glossary read as TOML (`data`; its `text` gives the lines), and a problem for each mistake,
    at its line. A concept with a mistake in its names or cards is left out; the others are kept."""
    lines = text.split("\n")  # as TOML counts lines
    places = _places(lines)
    concepts: list[Concept] = []
    problems: list[Problem] = []
    for key, table in data.items():
        found = _concept(key, table, lines, places, lambda line, message: problems.append(Problem(path, line, message)))
        if found is not None:
            concepts.append(found)
    return Glossary(path, tuple(concepts)), problems + _clashes(concepts, places, path)


def _concept(key: str, table: Any, lines: list[str], places: dict[tuple[str, str | None], int],
             problem: Callable[[int, str], None]) -> Concept | None:
    """One entry of the glossary as a concept, or None when it has a mistake in its names or cards (each reported
    through `problem`, at its line); an unknown field is reported and passed over."""
    line = places.get((key, None), 1)  # where its table starts
    if not isinstance(table, dict):
        problem(line, f"`{key}` is not a concept: give each concept a table, `[{key}]`, with its {', '.join(FIELDS)}")
        return None
    for unknown in (name for name in table if name not in FIELDS):
        problem(places.get((key, unknown), line), f"[{key}]: unknown field `{unknown}` (known: {', '.join(FIELDS)})")
    sound = True
    for name, meaning in TERMS.items():
        if name not in table:
            problem(line, f"[{key}] has no `{name}` ({meaning})")
            sound = False
        elif not isinstance(table[name], str) or not table[name].strip():
            problem(places.get((key, name), line), f"[{key}]: `{name}` must be {meaning}, a non-empty string")
            sound = False
    for name in (*NAME_LISTS, "cards"):
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            example = "dropout-why" if name == "cards" else "name"
            problem(places.get((key, name), line), f'[{key}]: `{name}` must be a list of non-empty strings, '
                    f'e.g. {name} = ["{example}"]')
            sound = False
    for name in table.get("zh_other", []) if sound else ():
        if not _HAS_CJK.search(name):
            problem(places.get((key, "zh_other"), line), f"[{key}]: `{name}` in zh_other has no Chinese character: "
                    "list it under en_other")
            sound = False
    if not sound:
        return None
    cards = tuple(table.get("cards", []))
    cards_line = places.get((key, "cards"), line)
    return Concept(key, table["en"], table["zh"], tuple(table.get("en_other", [])), tuple(table.get("zh_other", [])),
                   cards, places.get((key, "zh"), line),
                   tuple(_line_holding(lines, cards_line, f'"{card_id}"') for card_id in cards))


def _clashes(concepts: list[Concept], places: dict[tuple[str, str | None], int], path: str) -> list[Problem]:
    """A problem for each other Chinese name that is also a standard Chinese term: the check could not tell whether a
    card writing it is right."""
    standard = {name_key(concept.zh): concept for concept in concepts}
    return [Problem(path, places.get((concept.key, "zh_other"), concept.line),
                    f"[{concept.key}]: {name} is the standard Chinese term of [{standard[name_key(name)].key}], "
                    "so it cannot be another name")
            for concept in concepts for name in concept.zh_other if name_key(name) in standard]


def _places(lines: list[str]) -> dict[tuple[str, str | None], int]:
    """Where each table starts, as (table, None), and where each of its keys is set, as (table, key): line numbers.
    A key set before any table is a table of its own (an inline one, or a mistake)."""
    places: dict[tuple[str, str | None], int] = {}
    table: str | None = None
    for number, line in enumerate(lines, start=1):
        if (opened := _TABLE.fullmatch(line)) is not None:
            table = next(name for name in opened.groups() if name is not None)
            places.setdefault((table, None), number)
        elif (key := _KEY.match(line)) is not None:
            name = next(name for name in key.groups() if name is not None)
            places.setdefault((table, name) if table is not None else (name, None), number)
    return places


def _line_holding(lines: list[str], start: int, needle: str) -> int:
    """The first line from `start` on that holds `needle` (a card id in a list that runs over several lines); `start`
    itself when none does."""
    return next((number for number in range(start, len(lines) + 1) if needle in lines[number - 1]), start)
