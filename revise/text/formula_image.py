"""Display formulas drawn by matplotlib's mathtext, for terminals that show images (Sixel, Kitty)."""

from __future__ import annotations

import re
from functools import lru_cache
from io import BytesIO

DPI = 200  # letters come out about as tall as a terminal's own text (a 12 pt em is 33 px)
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
# LaTeX that mathtext spells differently.
_MATHTEXT_SPELLINGS = {r"\lVert": r"\Vert", r"\rVert": r"\Vert", "\\ ": r"\;"}


def mathtext_source(latex: str) -> str:
    """The formula in mathtext's dialect of LaTeX."""
    for latex_form, mathtext_form in _MATHTEXT_SPELLINGS.items():
        latex = latex.replace(latex_form, mathtext_form)
    return f"${latex}$"


@lru_cache(maxsize=1024)
def formula_png(latex: str, colour: str) -> bytes | None:
    """The formula as a transparent PNG in `colour`, or None where mathtext cannot draw it (matrices, cases, CJK).

    Imports matplotlib: call it from a worker.
    """
    if _CJK.search(latex):
        return None
    from matplotlib import mathtext

    image = BytesIO()
    try:
        mathtext.math_to_image(mathtext_source(latex), image, dpi=DPI, format="png", color=colour)
    except ValueError:
        return None
    return image.getvalue()
