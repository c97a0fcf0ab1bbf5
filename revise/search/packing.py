"""A card's body as shown, kept zlib-compressed in `search_docs`: a third smaller, read back only for the cards shown
(their snippets) and for those taken out of the index."""

from __future__ import annotations

import zlib


def pack_body(shown: str) -> bytes:
    """The shown body as stored."""
    return zlib.compress(shown.encode("utf-8"))


def unpack_body(packed: bytes) -> str:
    """The shown body back from its stored form."""
    return zlib.decompress(packed).decode("utf-8")
