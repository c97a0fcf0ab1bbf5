"""Choosing how plots and formulas are drawn (terminal graphics: Sixel, Kitty; half-block cells; or braille text),
and sizing and colouring images so that they sit in the terminal's cells like its text."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

# Kitty draws images placed in text cells (Unicode placeholders) from this version on.
KITTY_PLACEHOLDERS = (0, 28)
VERSION_WAIT = 0.2  # seconds a terminal has to answer XTVERSION
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


def resolve_graphics(mode: str, environ: dict[str, str] | None = None,
                     terminal_version: Callable[[], str | None] | None = None) -> str:
    """The mode to use: the one asked for, or for `auto` the detected one, for Kitty once its version is known
    (`terminal_version` asks the terminal, as `ask_terminal_version` does by default)."""
    if mode != "auto":
        return mode
    detected = detect_graphics(environ)
    return kitty_mode((terminal_version or ask_terminal_version)()) if detected == "kitty" else detected


def kitty_mode(version: str | None) -> str:
    """Kitty images for a kitty that draws them in text cells (Unicode placeholders, as textual-image uses them:
    0.28 and later); text for an older one, or one that does not say, which would show a wall of empty boxes
    (text rather than half-cell blocks, whose plot titles are too coarse to read)."""
    found = re.fullmatch(r"kitty\((\d+)\.(\d+)[^)]*\)", version or "")
    return "kitty" if found and (int(found[1]), int(found[2])) >= KITTY_PLACEHOLDERS else "text"


def ask_terminal_version() -> str | None:
    """The terminal's name and version as it answers XTVERSION, e.g. `kitty(0.26.5)`; None if it does not
    answer within VERSION_WAIT. Call it before the app starts: Textual reads the terminal's answers after."""
    import sys

    from textual_image._terminal import TerminalError, capture_terminal_response

    if not (sys.__stdout__ and sys.__stdout__.isatty() and sys.__stdin__ and sys.__stdin__.isatty()):
        return None
    try:
        with capture_terminal_response(start_marker="\x1bP>|", end_marker="\x1b\\", timeout=VERSION_WAIT) as answer:
            sys.__stdout__.write("\x1b[>0q")
            sys.__stdout__.flush()
    except (TerminalError, TimeoutError, OSError):
        return None
    return answer.sequence[len("\x1bP>|"):-len("\x1b\\")]


def prepare_graphics(mode: str) -> None:
    """Loads textual-image before the app starts when images will be drawn, so it can measure the terminal.

    textual-image reads the cell size in pixels from the terminal once; after Textual takes over the
    terminal it no longer can. Text mode needs none of this and keeps start-up light.
    """
    if mode in ("sixel", "kitty", "halfcell"):
        import textual_image.widget  # noqa: F401 - imported for its one-time terminal measurement


# Figure text of this many points is drawn as tall as a terminal cell: titles; labels and ticks are a little smaller,
# about the height of the terminal's letters.
CELL_POINTS = 12


def cell_pixels() -> tuple[int, int]:
    """The terminal's cell (width, height) in pixels, as textual-image measured it before the app started."""
    from textual_image._terminal import get_cell_size

    size = get_cell_size()
    return size.width, size.height


def image_box(columns: int, rows: int) -> tuple[tuple[int, int], float]:
    """The pixel size of an image that fills `columns` x `rows` cells exactly (so the terminal shows it unscaled),
    and the dpi at which a figure of that size has text the size of the terminal's own."""
    cell_width, cell_height = cell_pixels()
    return (columns * cell_width, rows * cell_height), cell_height * 72 / CELL_POINTS


def shown_colour(widget: Any, colour: Any) -> str:
    """A Textual colour as the terminal shows it (hex): brought down to the terminal's colour system, as Rich
    writes it, so that an image drawn on a widget's background blends with the cells around it."""
    from rich.color import ColorSystem

    systems = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT, "windows": ColorSystem.WINDOWS}
    system = systems.get(widget.app.console.color_system or "", ColorSystem.TRUECOLOR)
    return colour.rich_color.downgrade(system).get_truecolor().hex


def shown_background(widget: Any) -> str:
    """The background behind a widget, as the terminal shows it (see `shown_colour`)."""
    return shown_colour(widget, widget.background_colors[1])


def png_image(png: bytes) -> Any:
    """PNG bytes as the PIL image textual-image draws; imports PIL, so call it from a worker."""
    from io import BytesIO

    from PIL import Image

    return Image.open(BytesIO(png))


def image_widget_class(mode: str) -> type:
    """The textual-image widget class that draws with the given protocol."""
    from textual_image.widget import HalfcellImage, TGPImage

    from revise.ui.widgets.sixel_image import SixelImage

    return {"sixel": SixelImage, "kitty": TGPImage, "halfcell": HalfcellImage}[mode]
