"""A card's question and answer, ready to show: Markdown with formulas in Unicode, display formulas apart."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from revise.text.cloze import show_cloze
from revise.text.math_markdown import Formula, formula_text, formulas_if_closed, render_math

if TYPE_CHECKING:
    from revise.cards.model import CardText


@dataclass(frozen=True)
class DisplayFormula:
    """A formula on a line of its own: its LaTeX, for an image where the terminal draws them, and its Unicode text."""

    latex: str
    unicode: str


# Chinese characters to an English word, in the bundled cards' answers (median 1.7).
CHARACTERS_PER_WORD = 1.7
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[^\W_]+(?:['.-][^\W_]+)*")
# A piece of a card side: a Markdown text (inline formulas in Unicode), or a display formula.
Block = str | DisplayFormula
RULE = "---"


def card_blocks(text: str, language: str = "en") -> list[Block]:
    """A card text in `language` (`en` or `zh`) cut at its display formulas, so that each can be drawn on its
    own; a text with an unclosed `$` stays whole, as written."""
    blocks: list[Block] = []
    last = 0
    for formula in formulas_if_closed(text):
        if formula.display:
            blocks.append(render_math(text[last:formula.start], True, language=language))
            blocks.append(DisplayFormula(formula.latex, formula_text(formula.latex, language)))
            last = formula.end
    blocks.append(render_math(text[last:], True, language=language))
    return [block for block in blocks if not isinstance(block, str) or block.strip()]


def word_count(text: str, formulas: Sequence[Formula] | None = None) -> int:
    """About how many words a card text has, to judge how long it takes to read: Latin words and numbers,
    each formula as one word, and Chinese at CHARACTERS_PER_WORD characters a word. `formulas` are the text's,
    when the caller has found them already (none for a text with an unclosed `$`)."""
    for formula in reversed(formulas_if_closed(text) if formulas is None else formulas):
        text = f"{text[:formula.start]} formula {text[formula.end:]}"
    han = len(_HAN.findall(text))
    return len(_LATIN_WORD.findall(_HAN.sub(" ", text))) + round(han / CHARACTERS_PER_WORD)


SIDES = ("front_en", "front_zh", "back_en", "back_zh")


def item_texts(card: CardText) -> dict[str, str]:
    """A review item's four texts as asked and answered, by side (front_en…): a question card's own; for a cloze,
    its text with the cloze hidden, then the whole text with the cloze highlighted, followed by the extra."""
    if not card.cloze:
        return {side: getattr(card, side) for side in SIDES}
    texts = {}
    for language in ("en", "zh"):
        text, extra = getattr(card, f"front_{language}"), getattr(card, f"back_{language}")
        texts[f"front_{language}"] = show_cloze(text, card.cloze, reveal=False)
        texts[f"back_{language}"] = "\n\n".join(filter(None, (show_cloze(text, card.cloze, reveal=True), extra)))
    return texts


@dataclass(frozen=True)
class CardSides:
    """The front and back of a card, rendered once for each language mode; the back of a cloze item is the whole
    text again, its cloze highlighted, so it takes the front's place (`replaces_front`)."""

    front: dict[str, list[Block]]
    back: dict[str, list[Block]]
    replaces_front: bool = False

    @classmethod
    def of(cls, card: CardText) -> CardSides:
        """Renders a card's four texts as asked and answered (see `item_texts`) and their bilingual combinations
        (the answers divided by a rule)."""
        blocks = {side: card_blocks(text, side.rpartition("_")[2]) for side, text in item_texts(card).items()}
        return cls(
            front={"en": blocks["front_en"], "zh": blocks["front_zh"], "both": blocks["front_en"] + blocks["front_zh"]},
            back={"en": blocks["back_en"], "zh": blocks["back_zh"], "both": [*blocks["back_en"], RULE, *blocks["back_zh"]]},
            replaces_front=bool(card.cloze),
        )
