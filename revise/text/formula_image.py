"""Display formulas drawn by matplotlib's mathtext, for terminals that show images (Sixel, Kitty).

A formula is drawn at the size of the terminal's own text, in its ink on its background (opaque, so that no terminal
composites it onto white), and padded to whole cells, so that the image widget shows it pixel for pixel.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import TYPE_CHECKING

from revise.figures import MATPLOTLIB_LOCK

if TYPE_CHECKING:
    from PIL.Image import Image

FONT_POINTS = 10
# A terminal font's letters (its em) take about this share of a cell's height; formulas are drawn to match.
EM_SHARE = 1.05
# A formula wider than the card is drawn smaller to fit, down to this share of its size; smaller would be too
# small to read, so it stays Unicode text.
SMALLEST_SCALE = 0.7
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_FRACTION = re.compile(r"\\frac(?![a-zA-Z])")
# LaTeX that mathtext spells differently.
_MATHTEXT_SPELLINGS = {r"\lVert": r"\Vert", r"\rVert": r"\Vert", "\\ ": r"\;"}


@dataclass(frozen=True)
class FormulaImage:
    """A formula drawn for a terminal: PNG bytes exactly `columns` x `rows` cells in size."""

    png: bytes
    columns: int
    rows: int


def mathtext_source(latex: str) -> str:
    """The formula in mathtext's dialect of LaTeX, its fractions in display style, as LaTeX sets a display
    formula (mathtext sets `\\frac` in text style, too small to read at a terminal's text size)."""
    for latex_form, mathtext_form in _MATHTEXT_SPELLINGS.items():
        latex = latex.replace(latex_form, mathtext_form)
    return "$" + _FRACTION.sub(r"\\dfrac", latex) + "$"


@lru_cache(maxsize=1024)
def formula_image(latex: str, ink: str, background: str, cell: tuple[int, int], columns: int) -> FormulaImage | None:
    """The formula as tall as the text of a terminal with `cell` (width, height in pixels), in `ink` on
    `background`, at most `columns` cells wide; None where mathtext cannot draw it (matrices, cases, CJK) or it
    would only fit too small to read.

    Imports matplotlib and PIL: call it from a worker.
    """
    if _CJK.search(latex):
        return None
    from PIL import Image as Images

    cell_width, cell_height = cell
    dpi = EM_SHARE * cell_height * 72 / FONT_POINTS
    drawn = _draw(latex, ink, background, dpi)
    if drawn is None:
        return None
    if drawn.width > columns * cell_width:
        scale = columns * cell_width / drawn.width
        if scale < SMALLEST_SCALE:
            return None
        drawn = _draw(latex, ink, background, dpi * scale * 0.99)  # a hair smaller: rounding must not push it over
        if drawn is None or drawn.width > columns * cell_width:
            return None
    size = (math.ceil(drawn.width / cell_width), math.ceil(drawn.height / cell_height))
    padded = Images.new("RGB", (size[0] * cell_width, size[1] * cell_height), background)
    padded.paste(drawn, (0, (padded.height - drawn.height) // 2))
    png = BytesIO()
    padded.save(png, format="png")
    return FormulaImage(png.getvalue(), *size)


def _draw(latex: str, ink: str, background: str, dpi: float) -> Image | None:
    """The formula drawn by mathtext in `ink` on `background`; None if mathtext cannot draw it.

    As `matplotlib.mathtext.math_to_image` does, but on the given background rather than savefig's white.
    """
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser
    from PIL import Image as Images

    source, font = mathtext_source(latex), FontProperties(size=FONT_POINTS)
    png = BytesIO()
    with MATPLOTLIB_LOCK:
        try:
            width, height, depth, _, _ = MathTextParser("path").parse(source, dpi=72, prop=font)
        except ValueError:
            return None
        figure = Figure(figsize=(width / 72, height / 72), facecolor=background)
        figure.text(0, depth / height, source, fontproperties=font, color=ink)
        figure.savefig(png, dpi=dpi, format="png", facecolor=background)
    return Images.open(png).convert("RGB")
