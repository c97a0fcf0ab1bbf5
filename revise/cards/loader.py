"""Reading a card folder: which files are decks, which notes sources may name, the glossary, and whole-folder
checks."""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from revise.cards.glossary import GLOSSARY_FILE, Glossary, read_glossary
from revise.cards.model import CardText, KnownNames, ParsedFile, Problem
from revise.cards.parser import parse_card_file
from revise.demo_engine.drill import drill_problems
from revise.demo_engine.link import preset_problems
from revise.demo_engine.registry import demo_names

SOURCES_FILE = "sources.toml"
_TOML_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def scan_card_folder(cards_dir: Path) -> tuple[list[Path] | None, list[Problem]]:
    """The deck files of a card folder in name order (the order new cards are introduced in), and a problem
    for each `*.md` entry that is not a file that can be read (a directory, a broken link, a link loop).

    Hidden entries (`.deck.md`, the `.#deck.md` lock links of Emacs, the `._deck.md` files of macOS) are not
    decks and are passed over in silence. Nothing is opened here, so a named pipe never blocks. The files
    are None when the folder itself cannot be listed (so that no caller takes it for an empty folder).
    """
    try:
        names = sorted(entry.name for entry in os.scandir(cards_dir)
                       if entry.name.endswith(".md") and not entry.name.startswith("."))
    except OSError as error:
        return None, [Problem(str(cards_dir), 0, f"cannot read the card folder ({_reason(error)})")]
    files, problems = [], []
    for name in names:
        path = cards_dir / name
        try:
            mode = path.stat().st_mode
        except OSError as error:
            if error.errno == errno.ENOENT and not path.is_symlink():
                continue  # removed since the folder was listed
            problems.append(Problem(str(path), 1, f"{_stat_failure(path, error)}, skipped"))
            continue
        if stat.S_ISREG(mode):
            files.append(path)
        else:
            kind = next((kind for test, kind in _KINDS if test(mode)), "a special file")
            problems.append(Problem(str(path), 1, f"not a regular file ({kind}), skipped"))
    return files, problems


def as_folders(folders: Path | Sequence[Path]) -> list[Path]:
    """One card folder or several, as a list: the first is the one deck files are named relative to."""
    return [folders] if isinstance(folders, Path) else list(folders)


def file_key(first_folder: Path, path: Path) -> str:
    """How the database names a deck file: by its name in the first card folder (as ever), by its absolute path in
    any other, so that two folders may each have a `notes.md`."""
    return path.name if path.parent == first_folder else str(path.absolute())


def card_files(cards_dir: Path) -> list[Path]:
    """The deck files of a card folder, in name order; entries that are not readable files are left out."""
    return scan_card_folder(cards_dir)[0] or []


def _reason(error: OSError) -> str:
    """An OSError's reason without the path it names, e.g. `permission denied`."""
    return (error.strerror or str(error)).lower()


def _stat_failure(path: Path, error: OSError) -> str:
    """Why an entry that cannot even be looked at is no deck: a broken link, a link loop, or the system's reason."""
    if error.errno == errno.ELOOP:
        return "not a regular file (a symbolic link loop)"
    if error.errno == errno.ENOENT:
        try:
            return f"not a regular file (a broken link to {os.readlink(path)})"
        except OSError:
            return "not a regular file (a broken link)"
    return f"cannot be read ({_reason(error)})"


def load_known_names(cards_dir: Path) -> tuple[KnownNames, list[Problem]]:
    """The demos cards may name, and the notes from `sources.toml` (any note when there is no such file).

    A `sources.toml` that cannot be read is one problem, at the line of its mistake; the cards' `source:`
    lines are then not checked against it, rather than every one of them being reported as well.
    """
    demos = frozenset(demo_names())
    notes, _, problems = _read_toml(cards_dir / SOURCES_FILE, "the list of notes", "the cards' sources are not checked")
    return KnownNames(None if notes is None else frozenset(notes), demos), problems


def load_glossary(cards_dir: Path) -> tuple[Glossary | None, list[Problem]]:
    """The folder's glossary (None when it has no `glossary.toml`), and the mistakes in it, each at its line.

    A glossary that cannot be read is one problem, and no glossary: search then finds cards by their own words only.
    """
    path = cards_dir / GLOSSARY_FILE
    data, text, problems = _read_toml(path, "the glossary", "it is not used")
    if data is None:
        return None, problems
    glossary, mistakes = read_glossary(data, text, str(path))
    return glossary, problems + mistakes


def _read_toml(path: Path, what: str, consequence: str) -> tuple[dict[str, Any] | None, str, list[Problem]]:
    """A TOML file of the card folder as data, with its text; None when there is no such file, or with one problem
    (at the line of its mistake, saying `what` the file is and the `consequence`) when it cannot be read."""
    if not path.exists():
        return None, "", []
    try:
        text = decode_utf8(path.read_bytes())
    except OSError as error:
        return None, "", [Problem(str(path), 1, f"cannot read {what} ({_reason(error)}); {consequence}")]
    except UnicodeDecodeError as error:
        return None, "", [_not_utf8(path, error)]
    try:
        return tomllib.loads(text), text, []
    except tomllib.TOMLDecodeError as error:
        return None, text, [_toml_problem(path, text, error, consequence)]


def _toml_problem(path: Path, text: str, error: tomllib.TOMLDecodeError, consequence: str) -> Problem:
    """A TOML mistake at its own line (tomllib only gives the place inside its message)."""
    message = str(error)
    place = _TOML_PLACE.search(message)
    if place is None:
        line, where = 1, ""
    elif place.group(1):
        line, where = int(place.group(1)), f" at column {place.group(2)}"
    else:
        line, where = text.count("\n") + 1, " at the end of the file"
    reason = _TOML_PLACE.sub("", message)
    reason = reason[:1].lower() + reason[1:]
    return Problem(str(path), line, f"not valid TOML ({reason}{where}); {consequence}")


def decode_utf8(data: bytes) -> str:
    """A file's bytes as text; a UTF-8 byte-order mark at the start is dropped, any other bad byte raises."""
    return data.decode("utf-8").removeprefix("\ufeff")


def _not_utf8(path: Path, error: UnicodeDecodeError) -> Problem:
    """A byte that is not UTF-8, reported at its line and column (columns in characters, as an editor counts)."""
    data = error.object
    line_start = data.rfind(b"\n", 0, error.start) + 1
    column = len(data[line_start:error.start].decode("utf-8", errors="replace").removeprefix("\ufeff")) + 1
    return Problem(str(path), data.count(b"\n", 0, error.start) + 1,
                   f"not UTF-8 (byte 0x{data[error.start]:02x} at column {column}); save the file as UTF-8")


def read_card_file(path: Path, known: KnownNames) -> ParsedFile:
    """Reads and parses one deck file; a file that cannot be read is one problem at line 1, and no cards."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return ParsedFile(None, [], [unreadable_problem(path, error)])
    return parse_card_bytes(data, path, known)


def unreadable_problem(path: Path, error: OSError) -> Problem:
    """The problem for a deck file whose reading failed."""
    return Problem(str(path), 1, f"cannot be read ({_reason(error)}), skipped")


def parse_card_bytes(data: bytes, path: Path, known: KnownNames) -> ParsedFile:
    """Parses a deck file's bytes; bytes that are not UTF-8 are one problem at their line, and no cards."""
    try:
        text = decode_utf8(data)
    except UnicodeDecodeError as error:
        return ParsedFile(None, [], [_not_utf8(path, error)])
    return parse_card_file(text, str(path), path.stem, known)


def claim_ids(groups: Iterable[list[CardText]], claimed: dict[str, CardText] | None = None
              ) -> tuple[dict[str, CardText], list[Problem]]:
    """Gives each id to the first card that uses it (a cloze card's items go with their card); every later use is
    a problem naming both places, once per card."""
    claimed = dict(claimed or {})
    places = {card.written_id: (card.path, card.line) for card in claimed.values()}
    problems = []
    reported: set[tuple[str, int]] = set()
    for cards in groups:
        for card in cards:
            first = places.setdefault(card.written_id, (card.path, card.line))
            if first == (card.path, card.line):
                claimed[card.id] = card
            elif (card.path, card.line) not in reported:
                reported.add((card.path, card.line))
                problems.append(Problem(card.path, card.line,
                                        f"duplicate id `{card.written_id}`: also at {first[0]}:{first[1]}"))
    return claimed, problems


def former_id_problems(claimed: dict[str, CardText]) -> tuple[list[Problem], set[str]]:
    """The problems of `was:` lines, and the ids of the cards they stop from taking over a history.

    A former id still held by a live card cannot pass its history on (it would be taken from that card);
    nor can one already named by an earlier card's `was:` (the first card, in file order, has it).
    """
    problems: list[Problem] = []
    blocked: set[str] = set()
    named: dict[str, CardText] = {}
    for card in claimed.values():
        for old in card.was:
            holder = claimed.get(old)
            first = named.setdefault(old, card)
            if holder is not None and holder is not card:
                where = f"{Path(holder.path).name}:{holder.line}"
                problems.append(Problem(card.path, card.was_line, f"was: {old} is still the id of a card at {where}"))
            elif first is not card:
                where = f"{Path(first.path).name}:{first.line}"
                problems.append(Problem(card.path, card.was_line, f"was: {old} is also named by the card at {where}"))
            else:
                continue
            blocked.add(card.id)
    return problems, blocked


def check_cards(folders: Path | Sequence[Path]) -> tuple[int, list[Problem]]:
    """Validates every deck file of one or more card folders (ids are unique across them all), the values on
    `demo:` lines and the names on `drill:` lines too (which imports those demos), and the first folder's glossary:
    its card ids, and the Chinese terms of the cards (warnings); returns the number of valid cards and every problem.
    A card folder's `sources.toml` says which notes its own cards may name."""
    folders = as_folders(folders)
    problems: list[Problem] = []
    parsed: list[ParsedFile] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(str(folder), 0, "no such card folder"))
            continue
        known, known_problems = load_known_names(folder)
        files, stray = scan_card_folder(folder)
        problems += known_problems + stray
        parsed += [read_card_file(path, known) for path in files or []]
    claimed, duplicates = claim_ids(file.cards for file in parsed)
    former, _ = former_id_problems(claimed)
    for file in parsed:
        problems.extend(file.problems)
    cards = list(claimed.values())
    glossary, glossary_problems = load_glossary(folders[0])
    if glossary is not None:
        decks = [(file.cards[0].path, file.text, file.cards) for file in parsed if file.cards]
        glossary_problems += glossary.card_problems({card.written_id for card in cards}) + glossary.term_warnings(decks)
    return len({card.written_id for card in cards}), (problems + duplicates + former + preset_problems(cards)
                                                      + drill_problems(cards) + glossary_problems
                                                      + one_language_warnings(cards))


def one_language_warnings(cards: list[CardText]) -> list[Problem]:
    """A warning for each card whose English and Chinese sides are the same text, as `revise import` writes an Anki
    note until the learner writes the other language (a warning: the card is reviewed as it is)."""
    seen: set[str] = set()
    warnings = []
    for card in cards:
        if card.written_id not in seen and (card.title_en, card.front_en, card.back_en) == (
                card.title_zh, card.front_zh, card.back_zh):
            seen.add(card.written_id)
            warnings.append(Problem(card.path, card.line, "the English and Chinese sides are the same text: write "
                                    "the other language in its sections", warning=True))
    return warnings
