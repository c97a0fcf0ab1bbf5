"""Reading an Anki package (.apkg, .colpkg) into plain data: decks, note types, notes, cards, reviews and media.

Both formats are read: the legacy one (`collection.anki21` or `collection.anki2`, schema 11, note types as JSON
in `col.models`, media map as JSON) and the current one (`collection.anki21b`, zstd-compressed, schema 18, note
types in the `notetypes` and `fields` tables, media map and files as zstd-compressed protobuf and bytes).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from revise.errors import ReviseError

# The collection files a package may hold, the current format first: a current package also holds a legacy
# `collection.anki2` that only tells old Anki versions to upgrade.
COLLECTION_FILES = ("collection.anki21b", "collection.anki21", "collection.anki2")
LEGACY_SCHEMA, CURRENT_SCHEMAS = 11, range(15, 19)
CLOZE_KIND = 1  # a note type's kind, in `col.models` ("type") and in the notetype config (field 1)
# A decompressed collection or media file may be large, but not without bound: a zip bomb is refused.
MOST_BYTES = 4 << 30


@dataclass(frozen=True)
class NoteType:
    """A note type: its field names in order and whether it is a cloze type."""

    name: str
    fields: tuple[str, ...]
    is_cloze: bool


@dataclass(frozen=True)
class Note:
    """A note: its guid (stable across exports), note type, field values (HTML) and tags."""

    id: int
    guid: str
    notetype_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class AnkiCard:
    """A card of a note: which template (`ord`), its home deck, type, queue and due as Anki stores them."""

    id: int
    note_id: int
    ord: int
    deck_id: int
    type: int
    queue: int
    due: int


@dataclass(frozen=True)
class Revlog:
    """One row of Anki's review log: when (ms since the epoch), the card, the button (ease), kind and time taken."""

    id: int
    card_id: int
    ease: int
    type: int
    time_ms: int


@dataclass(frozen=True)
class AnkiPackage:
    """Everything revise imports from a package; `media` maps a file name to its bytes."""

    created: int  # `col.crt`: the start of the collection's day 0, in seconds since the epoch
    decks: dict[int, str]  # deck id -> full name, parents joined by `::`
    notetypes: dict[int, NoteType]
    notes: list[Note]
    cards: list[AnkiCard]
    revlog: list[Revlog]
    media: dict[str, bytes]


def read_package(path: Path) -> AnkiPackage:
    """Reads a package, or raises a one-line ReviseError naming the file when it is not one revise can read."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_archive(archive, path)
    except zipfile.BadZipFile:
        raise ReviseError(f"{path}: not an Anki package (not a zip file)") from None
    except (sqlite3.Error, zlib.error, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        raise ReviseError(f"{path}: not a readable Anki package ({type(error).__name__}: {error})") from None


def _read_archive(archive: zipfile.ZipFile, path: Path) -> AnkiPackage:
    """The package in an open zip: its collection database and its media."""
    names = set(archive.namelist())
    name = next((name for name in COLLECTION_FILES if name in names), None)
    if name is None:
        raise ReviseError(f"{path}: not an Anki package (no collection.anki2, .anki21 or .anki21b inside)")
    compressed = name.endswith("b")
    data = _member(archive, name, compressed)
    with tempfile.TemporaryDirectory(prefix="revise-anki-") as folder:
        database = Path(folder) / "collection.sqlite"
        database.write_bytes(data)
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            package = _read_collection(connection, path)
        finally:
            connection.close()
    return AnkiPackage(**{**package, "media": _read_media(archive, names, compressed)})


def _member(archive: zipfile.ZipFile, name: str, compressed: bool) -> bytes:
    """A file of the zip, zstd-decompressed when the package's format compresses it."""
    with archive.open(name) as member:
        data = member.read(MOST_BYTES + 1)
    if len(data) > MOST_BYTES:
        raise ValueError(f"{name} is larger than {MOST_BYTES >> 30} GiB")
    return _decompress(data) if compressed else data


def _decompress(data: bytes) -> bytes:
    """Zstd-compressed bytes, decompressed (zstandard is imported only for the current format)."""
    import zstandard

    try:
        with zstandard.ZstdDecompressor().stream_reader(data) as reader:
            result = reader.read(MOST_BYTES + 1)
    except zstandard.ZstdError as error:
        raise ValueError(f"corrupt zstd data: {error}") from None
    if len(result) > MOST_BYTES:
        raise ValueError(f"a compressed file is larger than {MOST_BYTES >> 30} GiB")
    return result


def _read_collection(db: sqlite3.Connection, path: Path) -> dict[str, Any]:
    """The collection's decks, note types, notes, cards and review log, from either schema."""
    version, created = db.execute("SELECT ver, crt FROM col").fetchone()
    if version == LEGACY_SCHEMA:
        decks, notetypes = _legacy_decks_and_notetypes(db)
    elif version in CURRENT_SCHEMAS:
        decks, notetypes = _current_decks_and_notetypes(db)
    else:
        raise ReviseError(f"{path}: unknown Anki collection schema {version} (revise reads 11 and 15-18)")
    notes = [Note(note_id, guid, notetype_id, tuple(fields.split("\x1f")), tuple(tags.split()))
             for note_id, guid, notetype_id, fields, tags
             in db.execute("SELECT id, guid, mid, flds, tags FROM notes ORDER BY id")]
    # A card in a filtered deck keeps its home deck and due in odid and odue.
    cards = [AnkiCard(card_id, note_id, ord, odid or did, type, queue, odue if odid and odue else due)
             for card_id, note_id, ord, did, odid, type, queue, due, odue
             in db.execute("SELECT id, nid, ord, did, odid, type, queue, due, odue FROM cards ORDER BY nid, ord")]
    revlog = [Revlog(*row) for row in db.execute("SELECT id, cid, ease, type, time FROM revlog ORDER BY id")]
    return {"created": created, "decks": decks, "notetypes": notetypes, "notes": notes, "cards": cards,
            "revlog": revlog}


def _legacy_decks_and_notetypes(db: sqlite3.Connection) -> tuple[dict[int, str], dict[int, NoteType]]:
    """Decks and note types of schema 11, kept as JSON in the `col` row."""
    decks_json, models_json = db.execute("SELECT decks, models FROM col").fetchone()
    decks = {int(deck_id): deck["name"] for deck_id, deck in json.loads(decks_json).items()}
    notetypes = {int(model_id): NoteType(model["name"], tuple(field["name"] for field in
                                                              sorted(model["flds"], key=lambda field: field["ord"])),
                                         model.get("type") == CLOZE_KIND)
                 for model_id, model in json.loads(models_json).items()}
    return decks, notetypes


def _current_decks_and_notetypes(db: sqlite3.Connection) -> tuple[dict[int, str], dict[int, NoteType]]:
    """Decks and note types of schema 15-18, in their own tables (a deck's parents joined by \\x1f)."""
    decks = {deck_id: name.replace("\x1f", "::") for deck_id, name in db.execute("SELECT id, name FROM decks")}
    fields: dict[int, list[str]] = {}
    for notetype_id, name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(notetype_id, []).append(name)
    notetypes = {notetype_id: NoteType(name, tuple(fields.get(notetype_id, ())),
                                       _protobuf_fields(config).get(1) == CLOZE_KIND)
                 for notetype_id, name, config in db.execute("SELECT id, name, config FROM notetypes")}
    return decks, notetypes


def _read_media(archive: zipfile.ZipFile, names: set[str], compressed: bool) -> dict[str, bytes]:
    """The package's media files by name: the `media` map names each numbered file of the zip."""
    if "media" not in names:
        return {}
    listing = _member(archive, "media", compressed)
    if compressed:  # MediaEntries: repeated MediaEntry (1) {name (1), size (2), sha1 (3)}, the zip names 0, 1, …
        numbered = {str(index): _protobuf_fields(entry)[1].decode("utf-8")
                    for index, entry in enumerate(_protobuf_repeated(listing, 1))}
    else:
        numbered = json.loads(listing or b"{}")
    return {Path(name).name: _member(archive, number, compressed) for number, name in numbered.items()
            if number in names and Path(name).name not in ("", ".", "..")}


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """A protobuf varint at `at`: its value and where the next field starts."""
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at


def _protobuf_items(data: bytes) -> list[tuple[int, int | bytes]]:
    """A protobuf message's fields in order, as (number, varint or bytes); the few revise reads need no library."""
    items: list[tuple[int, int | bytes]] = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, at = _varint(data, at)
            items.append((number, value))
        elif wire_type == 2:
            length, at = _varint(data, at)
            items.append((number, data[at:at + length]))
            at += length
        elif wire_type in (1, 5):
            at += 8 if wire_type == 1 else 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type}")
    return items


def _protobuf_fields(data: bytes) -> dict[int, Any]:
    """A protobuf message's fields by number (the last value of a repeated one)."""
    return dict(_protobuf_items(data))


def _protobuf_repeated(data: bytes, number: int) -> list[bytes]:
    """Every value of one repeated message field."""
    return [value for field, value in _protobuf_items(data) if field == number and isinstance(value, bytes)]
