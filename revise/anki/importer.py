"""An Anki package as revise deck files: one file per Anki deck, one card per note (two for a reversed note),
each card's review history and due date ready for `Collection.record_history`."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, unquote

from revise.anki.convert import cloze_sides, to_markdown
from revise.anki.package import AnkiCard, AnkiPackage, Note, Revlog, read_package
from revise.errors import ReviseError

# Written under each deck's title: `revise import` rewrites only files that carry it.
MARK = "by `revise import`"
EMPTY_SIDE = "(empty in Anki)"
NEW_TYPE, SUSPENDED_QUEUE = 0, -1
RATINGS = range(1, 5)
# Learning, review, relearning and filtered-deck ratings; manual changes (4) and reschedules (5) are no ratings.
REVIEW_TYPES = range(0, 4)
TITLE_LENGTH = 60
_DAY_NUMBER_LIMIT = 1_000_000_000  # a due above this counts seconds since the epoch, below it days since `col.crt`


@dataclass(frozen=True)
class ImportedReview:
    """A rating from Anki's review log: the button (1-4), when it was pressed and how long the answer took."""

    rating: int
    reviewed_at: datetime
    duration_ms: int


@dataclass(frozen=True)
class CardHistory:
    """What Anki knew of a card: its ratings in time order, when it is due (None for a new card), if suspended."""

    card_id: str
    reviews: tuple[ImportedReview, ...]
    due: datetime | None
    suspended: bool


@dataclass(frozen=True)
class ImportedCard:
    """A revise card made from an Anki card: its id, title, question and answer (Markdown) and tags."""

    id: str
    title: str
    question: str
    answer: str
    tags: tuple[str, ...]
    history: CardHistory


@dataclass
class ImportedDeck:
    """The cards of one Anki deck, the file they go to, and the images they show (name -> bytes)."""

    name: str
    stem: str
    cards: list[ImportedCard] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)

    @property
    def media_folder(self) -> str:
        """The folder beside the deck file its images are copied into."""
        return f"{self.stem}-media"


def card_id(guid: str, reverse: bool = False) -> str:
    """The revise id of a note's card: `anki-` and its guid in lowercase base32, the same at every import."""
    encoded = base64.b32encode(guid.encode("utf-8")).decode("ascii").rstrip("=").lower()
    return f"anki-{encoded}" + ("-reverse" if reverse else "")


def deck_stem(name: str) -> str:
    """A deck file's name (without `.md`) from an Anki deck's full name: `ML::Optimisation` -> `ml-optimisation`."""
    stem = "-".join(re.findall(r"[^\W_]+", name.lower()))
    return stem or "anki-deck"


def read_decks(path: Path) -> list[ImportedDeck]:
    """The decks of a package with their cards, converted, in the order Anki created the notes."""
    package = read_package(path)
    reviews = _ratings_by_card(package.revlog)
    decks: dict[int, ImportedDeck] = {}
    stems: set[str] = set()
    cards_by_note: dict[int, list[AnkiCard]] = {}
    for card in package.cards:
        cards_by_note.setdefault(card.note_id, []).append(card)
    for note in package.notes:
        notetype = package.notetypes.get(note.notetype_id)
        if notetype is None:
            raise ReviseError(f"{path}: note {note.id} has a note type the package does not hold")
        for card, reverse in _cards_to_import(cards_by_note.get(note.id, []), notetype.is_cloze, reviews):
            deck = decks.get(card.deck_id)
            if deck is None:
                name = package.decks.get(card.deck_id, "Default")
                stem = deck_stem(name)
                while stem in stems:  # two Anki names that read the same as a file name
                    stem += "-2"
                stems.add(stem)
                deck = decks[card.deck_id] = ImportedDeck(name, stem)
            question, answer = _sides(note, notetype.is_cloze, reverse)

            def image_link(source: str, deck: ImportedDeck = deck) -> str:
                """Copies a picture the package holds into the deck's media folder, and links it."""
                name = source if source in package.media else unquote(source)
                if name in package.media:
                    deck.media[name] = package.media[name]
                return f"![]({deck.media_folder}/{quote(Path(name).name)})"

            question, answer = (to_markdown(side, image_link) or EMPTY_SIDE for side in (question, answer))
            history = CardHistory(card_id(note.guid, reverse), tuple(reviews.get(card.id, ())),
                                  _due(card, package.created), card.queue == SUSPENDED_QUEUE)
            deck.cards.append(ImportedCard(history.card_id, _title(question), question, answer,
                                           _tags(note.tags), history))
    return list(decks.values())


def _cards_to_import(cards: list[AnkiCard], is_cloze: bool,
                     reviews: dict[int, list[ImportedReview]]) -> list[tuple[AnkiCard, bool]]:
    """The Anki cards of a note that become revise cards, each with whether it is the reverse one.

    A cloze note is one revise card, which takes the history of its most reviewed cloze; another note is its
    first template's card, and its second template's as the reverse (Basic and reversed), when it has one.
    """
    if not cards:
        return []
    if is_cloze:
        return [(max(cards, key=lambda card: (len(reviews.get(card.id, ())), -card.ord)), False)]
    return [(card, card.ord == 1) for card in cards if card.ord in (0, 1)]


def _sides(note: Note, is_cloze: bool, reverse: bool) -> tuple[str, str]:
    """A note's question and answer as HTML: the first two fields (swapped for the reverse card), or its cloze."""
    first, second = (note.fields + ("", ""))[:2]
    if is_cloze:
        question, answer = cloze_sides(first)
        return question, answer + (f"<br>{second}" if second.strip() else "")
    return (second, first) if reverse else (first, second)


def _ratings_by_card(revlog: list[Revlog]) -> dict[int, list[ImportedReview]]:
    """The ratings of each Anki card, in time order (manual changes and reschedules are no ratings)."""
    ratings: dict[int, list[ImportedReview]] = {}
    for row in revlog:
        if row.ease in RATINGS and row.type in REVIEW_TYPES:
            moment = datetime.fromtimestamp(row.id / 1000, timezone.utc)
            ratings.setdefault(row.card_id, []).append(ImportedReview(row.ease, moment, max(0, row.time_ms)))
    return ratings


def _due(card: AnkiCard, created: int) -> datetime | None:
    """When Anki has the card due: seconds since the epoch for a card learning today, else a day number counted
    from the collection's day 0 (`col.crt`); None for a new card."""
    if card.type == NEW_TYPE:
        return None
    if card.due > _DAY_NUMBER_LIMIT:
        return datetime.fromtimestamp(card.due, timezone.utc)
    return datetime.fromtimestamp(created, timezone.utc) + timedelta(days=card.due)


def _title(question: str) -> str:
    """A card's title: the first line of its question as plain text, cut short (never inside a formula)."""
    lines = [re.sub(r"!\[\]\([^)]*\)|\*\*|\\(?=#)", "", line).replace("|", "/").strip()
             for line in question.split("\n")]
    title = " ".join(next((line for line in lines if line), "").split()) or "Anki note"
    if len(title) > TITLE_LENGTH:
        title = title[:TITLE_LENGTH]
        if len(re.findall(r"(?<!\\)\$", title)) % 2:
            title = title[:title.rfind("$")].rstrip("$")
        title = title.rstrip(" \\") + "…"
    return title


def _tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    """Anki's tags as revise tags (letters, digits, `-`, `_`): `ML::basics` becomes `ML-basics`."""
    cleaned = (re.sub(r"[^\w-]+", "-", tag).strip("-") for tag in tags)
    return tuple(dict.fromkeys(tag for tag in cleaned if tag))


def deck_text(deck: ImportedDeck, package_name: str, chinese: dict[str, tuple[str, str, str]]) -> str:
    """A deck's file in revise's card format: the note's text on both the English and the Chinese sides, except
    where `chinese` holds what the learner wrote there (card id -> Chinese title, question and answer)."""
    title = deck.name.replace("|", "/")
    parts = [f"# {title} | {title}\n\nImported from the Anki package `{package_name}` {MARK}: importing it again "
             "rewrites this file, keeping the Chinese sides you wrote.\n"]
    for card in deck.cards:
        title_zh, question_zh, answer_zh = chinese.get(card.id, (card.title, card.question, card.answer))
        tags = f"tags: {' '.join(card.tags)}\n" if card.tags else ""
        parts.append(f"## {card.title} | {title_zh}\nid: {card.id}\n{tags}\n### Q\n{card.question}\n\n"
                     f"### 问\n{question_zh}\n\n### A\n{card.answer}\n\n### 答\n{answer_zh}\n")
    return "\n".join(parts)


def written_chinese(path: Path, deck: str) -> dict[str, tuple[str, str, str]]:
    """The Chinese sides the learner wrote in an imported deck file (those that differ from the English)."""
    from revise.cards.parser import parse_card_file

    parsed = parse_card_file(path.read_text(encoding="utf-8"), str(path), deck)
    return {card.id: (card.title_zh, card.front_zh, card.back_zh) for card in parsed.cards
            if (card.title_zh, card.front_zh, card.back_zh) != (card.title_en, card.front_en, card.back_en)}


def write_decks(decks: list[ImportedDeck], folder: Path, package_name: str) -> list[Path]:
    """Writes each deck's file and images into `folder`; refuses, before writing anything, to overwrite a file
    that an earlier import did not write."""
    texts: dict[Path, str] = {}
    for deck in decks:
        path = folder / f"{deck.stem}.md"
        chinese: dict[str, tuple[str, str, str]] = {}
        if path.exists():
            try:
                if MARK not in path.read_text(encoding="utf-8"):
                    raise ReviseError(f"{path} exists and was not written by revise import: rename it, or import "
                                      "into another folder with --into")
            except UnicodeDecodeError:
                raise ReviseError(f"{path} exists and is not UTF-8: rename it, or import with --into") from None
            chinese = written_chinese(path, deck.stem)
        texts[path] = deck_text(deck, package_name, chinese)
    folder.mkdir(parents=True, exist_ok=True)
    for deck in decks:
        if deck.media:
            media = folder / deck.media_folder
            media.mkdir(exist_ok=True)
            for name, data in deck.media.items():
                (media / Path(name).name).write_bytes(data)
    for path, text in texts.items():
        temporary = path.with_name(f".{path.name}.revise-import")  # hidden: never read as a deck
        try:
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(path)  # at once: a sync never sees half a file
        finally:
            temporary.unlink(missing_ok=True)
    return list(texts)
