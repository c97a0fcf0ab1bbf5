"""Reading a card folder: which files are decks, which notes sources may name, and whole-folder checks."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

from revise.cards.model import CardText, KnownNames, ParsedFile, Problem
from revise.cards.parser import parse_card_file
from revise.demo_engine.link import preset_problems
from revise.demo_engine.registry import demo_names

SOURCES_FILE = "sources.toml"


def card_files(cards_dir: Path) -> list[Path]:
    """The deck files of a card folder, in name order (the order new cards are introduced in)."""
    return sorted(cards_dir.glob("*.md"))


def load_known_names(cards_dir: Path) -> tuple[KnownNames, list[Problem]]:
    """The demos cards may name, and the notes from `sources.toml` (any note when there is no such file)."""
    demos = frozenset(demo_names())
    path = cards_dir / SOURCES_FILE
    if not path.exists():
        return KnownNames(None, demos), []
    try:
        return KnownNames(frozenset(tomllib.loads(path.read_text(encoding="utf-8"))), demos), []
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        return KnownNames(frozenset(), demos), [Problem(str(path), 1, f"cannot read the list of notes: {error}")]


def read_card_file(path: Path, known: KnownNames) -> ParsedFile:
    """Parses one deck file, turning an unreadable file into a problem at line 1."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return ParsedFile(None, [], [Problem(str(path), 1, f"cannot read file: {error}")])
    return parse_card_file(text, str(path), path.stem, known)


def claim_ids(groups: Iterable[list[CardText]], claimed: dict[str, CardText] | None = None
              ) -> tuple[dict[str, CardText], list[Problem]]:
    """Gives each id to the first card that uses it; every later use is a problem naming both places."""
    claimed = dict(claimed or {})
    problems = []
    for cards in groups:
        for card in cards:
            first = claimed.setdefault(card.id, card)
            if first is not card:
                problems.append(Problem(card.path, card.line,
                                        f"duplicate id `{card.id}`: also at {first.path}:{first.line}"))
    return claimed, problems


def check_cards(cards_dir: Path) -> tuple[int, list[Problem]]:
    """Validates every deck file of a folder, the values on `demo:` lines too (which imports those demos);
    returns the number of valid cards and every problem."""
    if not cards_dir.is_dir():
        return 0, [Problem(str(cards_dir), 0, "no such card folder")]
    known, problems = load_known_names(cards_dir)
    parsed = [read_card_file(path, known) for path in card_files(cards_dir)]
    claimed, duplicates = claim_ids(file.cards for file in parsed)
    for file in parsed:
        problems.extend(file.problems)
    return len(claimed), problems + duplicates + preset_problems(list(claimed.values()))
