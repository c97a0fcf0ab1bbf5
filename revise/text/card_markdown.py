"""A card's question and answer, ready to show: Markdown with formulas in Unicode, display formulas apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from revise.text.latex import latex_to_unicode
from revise.text.math_markdown import find_formulas, render_math

if TYPE_CHECKING:
    from revise.cards.model import CardText


@dataclass(frozen=True)
class DisplayFormula:
    """A formula on a line of its own: its LaTeX, for an image where the terminal draws them, and its Unicode text."""

    latex: str
    unicode: str


# A piece of a card side: a Markdown text (inline formulas in Unicode), or a display formula.
Block = str | DisplayFormula
RULE = "---"


def card_blocks(text: str) -> list[Block]:
    """A card text cut at its display formulas, so that each can be drawn on its own."""
    blocks: list[Block] = []
    last = 0
    for formula in find_formulas(text):
        if formula.display:
            blocks.append(render_math(text[last:formula.start], True))
            blocks.append(DisplayFormula(formula.latex, latex_to_unicode(formula.latex)))
            last = formula.end
    blocks.append(render_math(text[last:], True))
    return [block for block in blocks if not isinstance(block, str) or block.strip()]


@dataclass(frozen=True)
class CardSides:
    """The front and back of a card, rendered once for each language mode."""

    front: dict[str, list[Block]]
    back: dict[str, list[Block]]

    @classmethod
    def of(cls, card: CardText) -> CardSides:
        """Renders a card's four texts and their bilingual combinations (the answers divided by a rule)."""
        front_en, front_zh = card_blocks(card.front_en), card_blocks(card.front_zh)
        back_en, back_zh = card_blocks(card.back_en), card_blocks(card.back_zh)
        return cls(
            front={"en": front_en, "zh": front_zh, "both": front_en + front_zh},
            back={"en": back_en, "zh": back_zh, "both": [*back_en, RULE, *back_zh]},
        )
