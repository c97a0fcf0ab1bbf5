"""An Anki package as revise deck files: one file per Anki deck, one card per note (two for a reversed note, a
cloze card for a Cloze note), each review item's history and due date ready for `Collection.record_history`."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, unquote

from revise.anki.convert import to_markdown
from revise.anki.package import AnkiCard, Note, Revlog, read_package
from revise.errors import ReviseError
from revise.text.cloze import HIDDEN, cloze_numbers, item_id, replace_clozes

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
    """A revise review item made from an Anki card: its card's id, title, question and answer (Markdown; a cloze
    card's text and extra) and tags, whether it is a cloze card, and the item's own history (the cloze items of a
    card share all but their history)."""

    id: str
    title: str
    question: str
    answer: str
    tags: tuple[str, ...]
    history: CardHistory
    is_cloze: bool


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


def note_guid_of(revise_id: str) -> str | None:
    """The guid of the Anki note a card was imported from (the inverse of `card_id`), or None for any other card (a
    reversed note's second card included: exported, it is a note of its own)."""
    encoded = revise_id.removeprefix("anki-")
    if encoded == revise_id or not encoded.isalnum():
        return None
    try:
        guid = base64.b32decode(encoded.upper() + "=" * (-len(encoded) % 8)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return guid if card_id(guid) == revise_id else None


def deck_stem(name: str) -> str:
    """A deck file's name (without `.md`) from an Anki deck's full name: `ML::Optimisation` -> `ml-optimisation`."""
    stem = "-".join(re.findall(r"[^\W_]+", name.lower()))
    return stem or "anki-deck"


def read_decks(path: Path) -> list[ImportedDeck]:
    """The decks of a package with their cards' review items, converted, in the order Anki created the notes; an
    Anki card of a cloze number its note's text no longer has (Anki keeps it until Empty Cards) is left out."""
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
        for card, reverse in _cards_to_import(cards_by_note.get(note.id, []), notetype.is_cloze):
            deck = decks.get(card.deck_id)
            if deck is None:
                name = package.decks.get(card.deck_id, "Default")
                stem = deck_stem(name)
                while stem in stems:  # two Anki names that read the same as a file name
                    stem += "-2"
                stems.add(stem)
                deck = decks[card.deck_id] = ImportedDeck(name, stem)
            question, answer = _sides(note, reverse)

            def image_link(source: str, deck: ImportedDeck = deck) -> str:
                """Copies a picture the package holds into the deck's media folder, and links it."""
                name = source if source in package.media else unquote(source)
                if name in package.media:
                    deck.media[name] = package.media[name]
                return f"![]({deck.media_folder}/{quote(Path(name).name)})"

            question = to_markdown(question, image_link) or EMPTY_SIDE
            if notetype.is_cloze and (numbers := cloze_numbers(question)) and card.ord + 1 not in numbers:
                continue
            answer = to_markdown(answer, image_link) or ("" if notetype.is_cloze else EMPTY_SIDE)  # Extra is optional
            written_id = card_id(note.guid, reverse)
            history = CardHistory(item_id(written_id, card.ord + 1) if notetype.is_cloze else written_id,
                                  tuple(reviews.get(card.id, ())), _due(card, package.created),
                                  card.queue == SUSPENDED_QUEUE)
            title = _title(_all_hidden(question) if notetype.is_cloze else question)
            deck.cards.append(ImportedCard(written_id, title, question, answer, _tags(note.tags), history,
                                           notetype.is_cloze))
    return list(decks.values())


def _cards_to_import(cards: list[AnkiCard], is_cloze: bool) -> list[tuple[AnkiCard, bool]]:
    """The Anki cards of a note that become revise review items, each with whether it is the reverse card.

    Each card of a cloze note (`ord` is its cloze number - 1) is an item of one cloze card, in the deck of the
    note's first card (a card lives in one file); another note is its first template's card, and its second
    template's as the reverse (Basic and reversed), when it has one.
    """
    if is_cloze:
        return [(replace(card, deck_id=cards[0].deck_id), False) for card in cards]
    return [(card, card.ord == 1) for card in cards if card.ord in (0, 1)]


def _sides(note: Note, reverse: bool) -> tuple[str, str]:
    """A note's question and answer as HTML: its first two fields (a cloze note's text and extra), swapped for the
    reverse card."""
    first, second = (note.fields + ("", ""))[:2]
    return (second, first) if reverse else (first, second)


def _all_hidden(text: str) -> str:
    """A cloze text with every cloze as `[…]` (or `[its hint]`), so that a title made from it gives no answer away."""
    return replace_clozes(text, lambda cloze: f"[{cloze.hint or HIDDEN}]")


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


Sides = tuple[str, str, str]  # a card's title, question and answer in one language
Written = dict[tuple[str, bool], tuple[Sides, Sides]]  # (card id, is a cloze card) -> its English and Chinese sides


def deck_text(deck: ImportedDeck, package_name: str, written: Written) -> str:
    """A deck's file in revise's card format, each card once: the note's text on both the English and the Chinese
    sides, except the side the learner wrote (see `_sides_kept`); an empty extra of a cloze card has no section."""
    title = deck.name.replace("|", "/")
    parts = [f"# {title} | {title}\n\nImported from the Anki package `{package_name}` {MARK}: importing it again "
             "rewrites this file, keeping the sides you wrote in the other language.\n"]
    cards = {card.id: card for card in deck.cards}  # a cloze card's items share its text
    for card in cards.values():
        english, chinese = _sides_kept((card.title, card.question, card.answer), written.get((card.id, card.is_cloze)))
        tags = f"tags: {' '.join(card.tags)}\n" if card.tags else ""
        names = ("Cloze", "填空", "Extra", "补充") if card.is_cloze else ("Q", "问", "A", "答")
        sections = "\n".join(f"### {name}\n{text}\n" for name, text
                             in zip(names, (english[1], chinese[1], english[2], chinese[2])) if text)
        parts.append(f"## {english[0]} | {chinese[0]}\nid: {card.id}\n{tags}\n{sections}")
    return "\n".join(parts)


def _sides_kept(note: Sides, written: tuple[Sides, Sides] | None) -> tuple[Sides, Sides]:
    """A card's English and Chinese sides at a new import: the note's text on both, but where the file's two sides
    differ the learner wrote one of them, which stays: the English one when the Chinese still is the note's text (a
    Chinese note), else the Chinese one."""
    if written is None:
        return note, note
    english, chinese = written
    return (english, note) if chinese == note else (note, chinese)


def written_sides(path: Path, deck: str) -> Written:
    """The English and Chinese sides of the cards of an imported deck file whose two sides differ (the learner wrote
    one), by card id and whether it is a cloze card: a note imported before as a question keeps none when it
    becomes a cloze."""
    from revise.cards.parser import parse_card_file

    parsed = parse_card_file(path.read_text(encoding="utf-8"), str(path), deck)
    sides = {(card.written_id, card.cloze > 0): ((card.title_en, card.front_en, card.back_en),
                                                (card.title_zh, card.front_zh, card.back_zh)) for card in parsed.cards}
    return {key: pair for key, pair in sides.items() if pair[0] != pair[1]}


def write_decks(decks: list[ImportedDeck], folder: Path, package_name: str) -> list[Path]:
    """Writes each deck's file and images into `folder`; refuses, before writing anything, to overwrite a file
    that an earlier import did not write."""
    texts: dict[Path, str] = {}
    for deck in decks:
        path = folder / f"{deck.stem}.md"
        written: Written = {}
        if path.exists():
            try:
                if MARK not in path.read_text(encoding="utf-8"):
                    raise ReviseError(f"{path} exists and was not written by revise import: rename it, or import "
                                      "into another folder with --into")
            except UnicodeDecodeError:
                raise ReviseError(f"{path} exists and is not UTF-8: rename it, or import with --into") from None
            written = written_sides(path, deck.stem)
        texts[path] = deck_text(deck, package_name, written)
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
