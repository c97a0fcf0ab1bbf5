"""Writing a new card into a deck file from a template, for the learner to fill in with their editor (`a` in the
app), and taking the template back out when it comes back untouched."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from revise.cards.loader import decode_utf8, scan_card_folder
from revise.cards.parser import LINE_BREAK, split_title

_SLUG_BREAK = re.compile(r"[^a-z0-9]+")
QUESTION_SECTIONS = ("Q", "问", "A", "答")
CLOZE_SECTIONS = ("Cloze", "填空", "Extra", "补充")
CLOZE_EXAMPLE = ("The learning rate is written {{c1::$\\alpha$::a Greek letter}}.",
                 "学习率记作 {{c1::$\\alpha$::一个希腊字母}}。")


@dataclass(frozen=True)
class DeckFile:
    """A deck file a new card can go into: its path and its title as its first line states it."""

    path: Path
    title: str


@dataclass(frozen=True)
class Draft:
    """A template written into a deck file: where, the card's id and the line its heading stands on, the file's
    bytes before (None for a new deck file) and after, to tell an untouched template from a written card."""

    path: Path
    card_id: str
    line: int
    before: bytes | None
    written: bytes


def writable_decks(folders: Sequence[Path]) -> list[DeckFile]:
    """The deck files of the card folders that the learner may write, the last folder's (their own) first, each with
    its title (the file name when its first line is no deck title)."""
    decks = []
    for folder in reversed(folders):
        files, _ = scan_card_folder(folder) if folder.is_dir() else (None, [])
        for path in files or []:
            if os.access(path, os.W_OK):
                decks.append(DeckFile(path, _title(path)))
    return decks


def _title(path: Path) -> str:
    """A deck file's title from its first line (`# English | 中文`), or its name when it has none."""
    try:
        with path.open("rb") as file:
            first = decode_utf8(file.readline()).strip()
    except (OSError, UnicodeDecodeError):
        return path.name
    return first[2:].strip() if first.startswith("# ") else path.name


def fresh_id(stem: str, taken: Collection[str]) -> str:
    """An id no card has, made from a deck's file name: `optimisation-1`, `optimisation-2`, ..."""
    base = _SLUG_BREAK.sub("-", stem.lower()).strip("-") or "card"
    number = 1
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def card_template(card_id: str, cloze: bool = False) -> str:
    """A new card with its id and empty sections (a cloze card's with an example cloze to write over)."""
    names = CLOZE_SECTIONS if cloze else QUESTION_SECTIONS
    bodies = [*CLOZE_EXAMPLE, "", ""] if cloze else ["", "", "", ""]
    sections = "".join(f"### {name}\n{body}\n\n" for name, body in zip(names, bodies))
    return f"## New card | 新卡片\nid: {card_id}\ntags:\n\n{sections}"


def deck_heading(title: str) -> str:
    """A new deck file's first line from the title the learner typed (`English | 中文`, or one title for both)."""
    halves = split_title(title)
    english, chinese = halves if halves else (title.strip(), title.strip())
    return f"# {english} | {chinese}\n\n"


def new_deck_path(folder: Path, title: str) -> Path:
    """A file name for a new deck in a folder, from its English title, that no file has yet."""
    stem = _SLUG_BREAK.sub("-", title.split("|")[0].lower()).strip("-") or "my-cards"
    path, number = folder / f"{stem}.md", 2
    while path.exists():
        path, number = folder / f"{stem}-{number}.md", number + 1
    return path


def write_draft(path: Path, card_id: str, cloze: bool = False, new_deck_title: str | None = None) -> Draft:
    """Appends a card template to a deck file (or makes the file, with a deck title, for a new deck) and says where
    it stands; the file's line endings are kept."""
    if new_deck_title is not None:
        before, text = None, deck_heading(new_deck_title)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        before = path.read_bytes()
        text = decode_utf8(before)
    ending = match.group() if (match := LINE_BREAK.search(text)) else "\n"
    if text and not text.endswith(("\n", "\r")):
        text += ending
    if text and not text.endswith(ending * 2):
        text += ending
    line = len(LINE_BREAK.split(text))  # the line after the last: the template's heading
    written = (text + card_template(card_id, cloze).replace("\n", ending)).encode("utf-8")
    replace_file(path, written)
    return Draft(path, card_id, line, before, written)


def take_back_if_untouched(draft: Draft) -> bool:
    """Takes the template out again (restoring the file, or removing the new deck file) when the editor left it as it
    was written; says whether it did."""
    try:
        if draft.path.read_bytes() != draft.written:
            return False
    except FileNotFoundError:
        return True
    if draft.before is None:
        draft.path.unlink()
    else:
        replace_file(draft.path, draft.before)
    return True


def replace_file(path: Path, data: bytes) -> None:
    """Writes a card file in one step (through a hidden temporary file, never read as a deck), keeping its
    permissions: an editor or a sync never sees half a file."""
    temporary = path.with_name(f".{path.name}.revise-write")
    try:
        temporary.write_bytes(data)
        if path.exists():
            temporary.chmod(path.stat().st_mode & 0o7777)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
