"""A card's question and answer as Markdown ready to show, formulas in Unicode, in the chosen language."""

from __future__ import annotations

from dataclasses import dataclass

from revise.cards.model import CardText
from revise.text.math_markdown import render_math


@dataclass(frozen=True)
class CardSides:
    """The front and back of a card, rendered once for each language mode."""

    front: dict[str, str]
    back: dict[str, str]

    @classmethod
    def of(cls, card: CardText) -> CardSides:
        """Renders a card's four texts and their bilingual combinations."""
        front_en, front_zh = render_math(card.front_en, True), render_math(card.front_zh, True)
        back_en, back_zh = render_math(card.back_en, True), render_math(card.back_zh, True)
        return cls(
            front={"en": front_en, "zh": front_zh, "both": f"{front_en}\n\n{front_zh}"},
            back={"en": back_en, "zh": back_zh, "both": f"{back_en}\n\n---\n\n{back_zh}"},
        )
