"""Choosing how plots are drawn: terminal graphics (Sixel, Kitty), half-block cells, or braille text."""

from __future__ import annotations

import os
from typing import Any

_SIXEL_TERMINALS = {"foot", "foot-extra", "mlterm", "yaft-256color", "contour"}
_SIXEL_PROGRAMS = {"WezTerm", "iTerm.app", "mintty"}


def detect_graphics(environ: dict[str, str] | None = None) -> str:
    """The best mode this terminal is known to support, judged from its environment without querying it.

    Inside tmux or screen, graphics are unreliable, so text; Kitty has its own protocol; a few terminals
    are known for Sixel; everywhere else braille text, which every terminal draws.
    """
    env = os.environ if environ is None else environ
    term = env.get("TERM", "")
    if env.get("TMUX") or term.startswith(("screen", "tmux")):
        return "text"
    if term == "xterm-kitty" or env.get("KITTY_WINDOW_ID"):
        return "kitty"
    if term in _SIXEL_TERMINALS or env.get("TERM_PROGRAM") in _SIXEL_PROGRAMS or env.get("KONSOLE_VERSION"):
        return "sixel"
    return "text"


def resolve_graphics(mode: str, environ: dict[str, str] | None = None) -> str:
    """The mode to use: the one asked for, or the detected one for `auto`."""
    return detect_graphics(environ) if mode == "auto" else mode


def prepare_graphics(mode: str) -> None:
    """Loads textual-image before the app starts when images will be drawn, so it can measure the terminal.

    textual-image reads the cell size in pixels from the terminal once; after Textual takes over the
    terminal it no longer can. Text mode needs none of this and keeps start-up light.
    """
    if mode in ("sixel", "kitty", "halfcell"):
        import textual_image.widget  # noqa: F401 - imported for its one-time terminal measurement


def png_image(png: bytes) -> Any:
    """PNG bytes as the PIL image textual-image draws; imports PIL, so call it from a worker."""
    from io import BytesIO

    from PIL import Image

    return Image.open(BytesIO(png))


def image_widget_class(mode: str) -> type:
    """The textual-image widget class that draws with the given protocol."""
    from textual_image.widget import HalfcellImage, SixelImage, TGPImage

    return {"sixel": SixelImage, "kitty": TGPImage, "halfcell": HalfcellImage}[mode]
