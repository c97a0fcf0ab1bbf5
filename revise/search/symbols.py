"""Formula symbols by name: the names a formula's LaTeX uses, and the glyph a name stands for."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from revise.search.folding import fold
from revise.text.latex import LatexError, latex_to_unicode
from revise.text.math_markdown import Formula, formulas_if_closed

_MACRO = re.compile(r"\\([A-Za-z]+)\s*(?:_\s*\{?\s*([A-Za-z0-9]+)\s*\}?)?")
_NAME = re.compile(r"([A-Za-z]+)_?([0-9]*)")
_LAYOUT_MACROS = frozenset(
    "left right big Big bigg Bigg text mathrm mathbf mathit mathcal mathbb boldsymbol operatorname quad qquad "
    "begin end displaystyle limits cdot cdots ldots dots vdots ddots".split())


def symbol_names(markdown: str, formulas: Sequence[Formula] | None = None) -> list[str]:
    """The names of a text's formula symbols, so that `beta1` finds $\\beta_1$ and `sqrt` finds $\\sqrt{x}$.

    `formulas` are the text's formulas, when the caller has found them already.
    """
    if formulas is None:
        formulas = formulas_if_closed(markdown)
    names: list[str] = []
    for formula in formulas:
        for macro, subscript in _MACRO.findall(formula.latex):
            if macro not in _LAYOUT_MACROS:
                names.append(macro)
                if subscript:
                    names += [f"{macro}{subscript}", f"{macro}_{subscript}"]
    return names


@lru_cache(maxsize=256)
def symbol_glyph(name: str) -> str | None:
    """The folded glyph a symbol name stands for (`beta1` → β1, `sqrt` → √), or None if it names no symbol."""
    match = _NAME.fullmatch(name)
    if not match:
        return None
    macro, digits = match.groups()
    latex = f"\\{macro}_{{{digits}}}" if digits else f"\\{macro}"
    for attempt in (latex, latex + "{}"):
        try:
            glyph = fold(latex_to_unicode(attempt)).strip()
        except LatexError:
            continue
        # A glyph that folds to plain letters or digits (\Im → ℑ → I, \ell → ℓ → l) would mark every such letter.
        plain = glyph.isascii() and glyph.isalnum()
        return glyph if glyph and glyph.lower() != name.lower() and not plain else None
    return None
