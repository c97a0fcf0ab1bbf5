"""What the card loader produces: decks, cards as written in their files, and problems found in them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from revise.demo_engine.link import DemoLink, parse_demo_link
from revise.text.cloze import cloze_numbers, split_item_id

if TYPE_CHECKING:
    from pathlib import Path

    from revise.store.schema import Card
    from revise.text.math_markdown import ReadMath


@dataclass(frozen=True)
class Problem:
    """A mistake in a card file, reported as `path:line: message`; a warning (`path:line: warning: message`)
    loses nothing: the card loads as usual."""

    path: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {'warning: ' if self.warning else ''}{self.message}"


def errors(problems: list[Problem]) -> list[Problem]:
    """The problems that are not warnings: those that keep a card (or a file) from loading."""
    return [problem for problem in problems if not problem.warning]


def problem_counts(problems: list[Problem], before: str = "") -> str:
    """How many problems and warnings there are, e.g. `2 problems, 1 warning` after `before`; "" for none."""
    count = len(errors(problems))
    said = [f"{number} {word}{'s' if number != 1 else ''}"
            for number, word in ((count, "problem"), (len(problems) - count, "warning")) if number]
    return before + ", ".join(said) if said else ""


@dataclass(frozen=True)
class KnownNames:
    """The names a card may refer to: note keys for `source:`, demo names for `demo:`; None allows any."""

    sources: frozenset[str] | None = None
    demos: frozenset[str] | None = None


@dataclass(frozen=True)
class DeckInfo:
    """A deck: its name (the file stem) and its English and Chinese titles."""

    name: str
    title_en: str
    title_zh: str


@dataclass(frozen=True)
class CardText:
    """One review item of a card as its file states it: the card itself, or one cloze number of a cloze card (whose
    items share its text); `line` is where the card's heading stands."""

    id: str
    deck: str
    path: str
    line: int
    title_en: str
    title_zh: str
    front_en: str
    front_zh: str
    back_en: str
    back_zh: str
    tags: tuple[str, ...] = ()
    demo: str | None = None  # the `demo:` line: a demo name, then the values it opens on
    source: str | None = None
    demo_line: int = 0  # where the `demo:` line stands in the file (0 when not read from a file)
    drill: str | None = None  # the `drill:` line: `module.name` of a worked problem with fresh numbers
    drill_line: int = 0
    # The ids the card had before (its `was:` line, most recent first): sync carries the history of the first
    # one the database holds over to this id. Not part of what the learner sees, so not of the content hash.
    was: tuple[str, ...] = ()
    was_line: int = 0  # where the `was:` line stands in the file (0 when there is none)
    # Each side's formulas as the parser converted them, by side (front_en…), so that sync indexes the card
    # without converting them again; empty when not read from a file. Not part of the card's value.
    maths: dict[str, ReadMath] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: Card, cards_dir: Path | None = None) -> CardText:
        """The card as the database last synced it; its path is under `cards_dir` when given."""
        return cls(
            id=row.id, deck=row.deck, path=str(cards_dir / row.path) if cards_dir else row.path, line=row.line,
            title_en=row.title_en, title_zh=row.title_zh, front_en=row.front_en, front_zh=row.front_zh,
            back_en=row.back_en, back_zh=row.back_zh, tags=tuple(row.tags.split()), demo=row.demo, drill=row.drill,
            source=row.source,
        )

    @property
    def written_id(self) -> str:
        """The id its file gives the card: a cloze card's review items (`bias-correction::c1`) share one."""
        return split_item_id(self.id)[0]

    @property
    def cloze(self) -> int:
        """The cloze number this review item asks (its clozes are in `front_en` and `front_zh`); 0 for a question."""
        return split_item_id(self.id)[1]

    @property
    def stands_for_card(self) -> bool:
        """Whether this item stands for its whole card where a card is listed once (search): a question-and-answer
        card, or a cloze card's first cloze."""
        return self.cloze == 0 or cloze_numbers(self.front_en)[:1] == [self.cloze]

    @property
    def demo_link(self) -> DemoLink | None:
        """The demo the card opens and the values it opens on; None for a card without a demo."""
        return parse_demo_link(self.demo) if self.demo else None

    def content_hash(self) -> str:
        """A digest of everything a learner sees, so sync can tell an edited card from a moved one."""
        parts = (self.deck, self.title_en, self.title_zh, self.front_en, self.front_zh, self.back_en,
                 self.back_zh, " ".join(self.tags), self.demo or "", self.source or "",
                 *([self.drill] if self.drill else []))  # cards without a drill keep the hash they had
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class ParsedFile:
    """The result of reading one card file: its deck, its cards, any problems, and the text they were read from
    (for checks that need the file's own lines, such as the glossary's terms)."""

    deck: DeckInfo | None
    cards: list[CardText] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    text: str = ""
