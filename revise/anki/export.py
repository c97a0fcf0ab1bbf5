"""The collection's cards as an Anki package (`revise export`), so that a learner can review them in Anki or
AnkiDroid: one Anki deck per revise deck, a Front/Back note per question-and-answer card and a Cloze note per cloze
card, formulas as MathJax, images as media."""

from __future__ import annotations

import hashlib
import html
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

import genanki
from markdown_it import MarkdownIt
from markdown_it.token import Token
from sqlalchemy import select
from sqlalchemy.orm import Session

from revise.anki.convert import PLACEHOLDER, placeholder
from revise.anki.importer import note_guid_of
from revise.errors import ReviseError
from revise.store.schema import Deck
from revise.text.cloze import anki_text
from revise.text.math_markdown import MathSyntaxError, find_formulas

if TYPE_CHECKING:
    from revise.cards.model import CardText
    from revise.collection import Collection

LANGUAGES = ("en", "zh", "both")
# Fixed, so that Anki knows the note types again at every import and updates their notes in place.
MODEL_ID, CLOZE_MODEL_ID = 1_733_214_905, 1_733_214_906
CSS = ".card { font-family: sans-serif; font-size: 20px; text-align: left; color: black; background: white; }"
MODEL = genanki.Model(
    MODEL_ID, "revise (Front/Back)", fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}], css=CSS)
# Anki makes a card of each cloze number of the Text field (its `ord` the number - 1), as revise makes an item.
CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID, "revise (Cloze)", fields=[{"name": "Text"}, {"name": "Back Extra"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Back Extra}}"}],
    css=CSS + " .cloze { font-weight: bold; }", model_type=genanki.Model.CLOZE)
DECK_PREFIX = "revise::"
# Single newlines are line breaks, as the app shows them; raw HTML in a card is text, as in the app.
_MARKDOWN = MarkdownIt("commonmark", {"breaks": True, "html": False})


@dataclass
class Export:
    """What went into a package: its Anki decks by name, the media files (name in the package -> file), and the
    images a card links that are not there (as `file: link`)."""

    decks: dict[str, genanki.Deck] = field(default_factory=dict)
    media: dict[str, Path] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def note_count(self) -> int:
        """How many notes the package holds."""
        return sum(len(deck.notes) for deck in self.decks.values())

    def media_name(self, image: Path, deck: str) -> str:
        """The name an image goes by in the package: its file name, prefixed by its deck when another image
        already has that name."""
        name = image.name
        if self.media.setdefault(name, image) != image:
            name = f"{deck}-{image.name}"
            self.media[name] = image
        return name


def to_html(text: str, image_name: Callable[[str], str | None]) -> str:
    """A card side (Markdown) as the HTML of an Anki field: formulas as MathJax `\\(...\\)` and `\\[...\\]`,
    each image's `src` as `image_name` gives it from the link (None leaves the link as written)."""
    try:
        formulas = find_formulas(text)
    except MathSyntaxError:
        formulas = []  # an unclosed `$` stays as written, as the app shows it
    mathjax: list[str] = []
    for formula in reversed(formulas):
        opening, closing = ("\\[", "\\]") if formula.display else ("\\(", "\\)")
        mathjax.append(f"{opening}{html.escape(formula.latex, quote=False)}{closing}")
        text = text[:formula.start] + placeholder(len(formulas) - len(mathjax)) + text[formula.end:]
    mathjax.reverse()
    tokens = _MARKDOWN.parse(text)
    for image in _images(tokens):
        if (name := image_name(unquote(image.attrGet("src") or ""))) is not None:
            image.attrSet("src", name)
    rendered = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return PLACEHOLDER.sub(lambda match: mathjax[int(match[1])], rendered).strip()


def _images(tokens: list[Token]) -> list[Token]:
    """The image tokens among parsed Markdown's inline tokens."""
    return [child for token in tokens for child in token.children or () if child.type == "image"]


def _field(english: str, chinese: str, language: str, image_name: Callable[[str], str | None]) -> str:
    """A note's field from a card's English and Chinese texts of one side, in the language asked for; `both` gives
    the English then the Chinese, or the text once where they are the same (an imported Anki card's own text). An
    empty text (a cloze card's missing extra) gives nothing."""
    texts = {"en": [english], "zh": [chinese], "both": list(dict.fromkeys([english, chinese]))}[language]
    return "\n".join(to_html(part, image_name) for part in texts if part)


def deck_name(title_en: str, title_zh: str) -> str:
    """An Anki deck's name from a revise deck's titles: `revise::Optimisation | 优化`, one title when the two are
    the same (an imported Anki deck)."""
    return DECK_PREFIX + (title_en if title_en == title_zh else f"{title_en} | {title_zh}")


def _deck_id(name: str) -> int:
    """A deck's Anki id, the same at every export so that the notes go back into the deck they were in."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big") | 1 << 32


def note_guid(card_id: str) -> str:
    """A card's note guid, from its id alone: importing a later export into Anki updates the note, and a card
    imported from Anki goes back to the note it came from (its guid), not to a copy of it."""
    return note_guid_of(card_id) or genanki.guid_for("revise", card_id)


def build_export(collection: Collection, deck: str | None = None, language: str = "both") -> Export:
    """The notes of every deck of the collection (or of the one named by its file name or English title), read
    from the database as the last sync left it."""
    with Session(collection.engine) as session:
        titles = {row.name: (row.title_en, row.title_zh) for row in session.scalars(select(Deck))}
    # One note per card: a cloze card's review items share its text.
    cards = list({card.text.written_id: card.text for card in collection.cards()}.values())
    if deck is not None:
        chosen = {name for name, (title_en, _) in titles.items() if deck in (name, title_en)}
        if not chosen:
            known = ", ".join(sorted({text.deck for text in cards})) or "none"
            raise ReviseError(f"no deck named {deck!r} (decks: {known})")
        cards = [text for text in cards if text.deck in chosen]
    if not cards:
        raise ReviseError("no cards to export")
    export = Export()
    for text in cards:
        name = deck_name(*titles.get(text.deck, (text.deck, text.deck)))
        anki_deck = export.decks.get(name)
        if anki_deck is None:
            anki_deck = export.decks[name] = genanki.Deck(_deck_id(name), name)

        def image_name(link: str, text: CardText = text) -> str | None:
            """The package's name for an image the card links, taken into its media; None for a web address."""
            if "://" in link or link.startswith("data:"):
                return None
            image = (Path(text.path).parent / link).resolve()
            if not image.is_file():
                export.missing.append(f"{text.path}: {link}")
                return Path(link).name
            return export.media_name(image, text.deck)

        # A cloze card's text is its note's Text, each cloze written so that Anki ends it where revise does.
        question = [anki_text(part) if text.cloze else part for part in (text.front_en, text.front_zh)]
        fields = [_field(*question, language, image_name), _field(text.back_en, text.back_zh, language, image_name)]
        anki_deck.add_note(genanki.Note(CLOZE_MODEL if text.cloze else MODEL, fields,
                                        tags=list(dict.fromkeys([*text.tags, text.deck])),
                                        guid=note_guid(text.written_id)))
    return export


def write_package(export: Export, path: Path) -> None:
    """Writes the package whole or not at all: media under their package names, then the file put in place."""
    with tempfile.TemporaryDirectory(prefix=".revise-export-", dir=path.parent) as folder:
        media = []
        for name, image in export.media.items():
            copy = Path(folder, "media", name)
            copy.parent.mkdir(exist_ok=True)
            shutil.copyfile(image, copy)
            media.append(str(copy))
        written = Path(folder, path.name)
        genanki.Package(list(export.decks.values()), media).write_to_file(str(written))
        written.replace(path)
