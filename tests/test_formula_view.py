"""Display formulas: drawn as crisp images where the terminal shows Sixel or Kitty graphics, Unicode elsewhere."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from revise.text.card_markdown import DisplayFormula, card_blocks
from revise.text.formula_image import formula_image, mathtext_source
from revise.ui.app import ReviseApp
from revise.ui.graphics import cell_pixels, prepare_graphics
from revise.ui.widgets.formula_view import FormulaView
from tests.screen import screen_text, wait_for, wait_for_text

CASES_DECK = """\
# Formulas | 公式

## Brevity penalty | 简短惩罚
id: bp

### Q
What is the brevity penalty?

### 问
简短惩罚是什么?

### A
$$\\text{BP} = \\begin{cases} 1 & c > r \\\\ e^{1 - r/c} & c \\le r \\end{cases}$$
$$\\text{BLEU} = \\text{BP} \\cdot \\exp(\\frac{1}{4} \\sum_n \\log p_n)$$

### 答
$$\\text{BP} = \\begin{cases} 1 & c > r \\\\ e^{1 - r/c} & c \\le r \\end{cases}$$
$$\\text{BLEU} = \\text{BP} \\cdot \\exp(\\frac{1}{4} \\sum_n \\log p_n)$$
"""


def test_a_card_text_is_cut_at_its_display_formulas() -> None:
    blocks = card_blocks("Step $\\alpha$ down:\n$$w \\leftarrow w - \\alpha g$$\nthen repeat.")
    assert blocks == ["Step α down:", DisplayFormula("w \\leftarrow w - \\alpha g", "w ← w - α g"), "then repeat."]


CELL = (8, 17)  # DejaVu Sans Mono 10 in xterm
INK, BACKGROUND = "#e0e0e0", "#121212"


def drawn(latex: str, columns: int = 100) -> Image.Image:
    """A formula drawn for the test terminal, as a PIL image, asserting it was drawn to its size in cells."""
    image = formula_image(latex, INK, BACKGROUND, CELL, columns)
    assert image is not None, f"{latex} is drawn"
    picture = Image.open(BytesIO(image.png)).convert("RGB")
    assert picture.size == (image.columns * CELL[0], image.rows * CELL[1]), "whole cells, shown unscaled"
    return picture


def test_a_formula_is_drawn_opaque_in_the_texts_ink_at_the_texts_height() -> None:
    picture = drawn(r"v_{dW} = \beta_1 v_{dW} + (1 - \beta_1) \, dW")
    pixels = np.asarray(picture).reshape(-1, 3)
    colours = {tuple(pixel) for pixel in pixels}
    assert (0x12, 0x12, 0x12) in colours and (0xE0, 0xE0, 0xE0) in colours, "the background and the ink, no white"
    assert (pixels == 0x12).all(axis=1).mean() > 0.6, "mostly background: no box of another colour"
    assert picture.height <= 2 * CELL[1], "a one-line formula takes at most two rows, like the text around it"
    assert picture.width > 10 * CELL[0]


def test_fractions_are_set_in_display_style_so_that_they_stay_legible() -> None:
    assert mathtext_source(r"\frac{a}{b} + \dfrac{c}{d}") == r"$\dfrac{a}{b} + \dfrac{c}{d}$"
    assert drawn(r"\hat{v} = \frac{v}{1 - \beta_1^t}").height >= 2 * CELL[1], "numerator and denominator full size"


def test_a_formula_wider_than_the_card_is_drawn_to_fit_or_left_as_text() -> None:
    latex = r"J(G) = \alpha \, J_{\text{content}}(C, G) + \beta \, J_{\text{style}}(S, G)"
    natural = drawn(latex).width // CELL[0]
    assert drawn(latex, columns=natural - 4).width <= (natural - 4) * CELL[0], "a little smaller, to fit"
    assert formula_image(latex, INK, BACKGROUND, CELL, natural // 2) is None, "half size would be unreadable"


def test_mathtext_refuses_what_it_cannot_draw() -> None:
    assert formula_image(r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}", INK, BACKGROUND, CELL, 100) is None
    assert formula_image(r"\text{截断匹配数}", INK, BACKGROUND, CELL, 100) is None, "mathtext has no CJK glyphs"


async def reveal_first_card(pilot) -> None:
    """Starts a review and shows the first card's answer."""
    await wait_for_text(pilot, "new")
    await pilot.press("space")
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "card", None) is not None, "the first card")
    await pilot.press("space")


@pytest.mark.parametrize("mode", ["sixel", "kitty"])
async def test_in_an_image_mode_a_display_formula_becomes_an_image(mode: str, db_path: Path, cards_dir: Path) -> None:
    prepare_graphics(mode)
    app = ReviseApp(db_path, cards_dir, graphics=mode)
    async with app.run_test(size=(100, 30)) as pilot:
        await reveal_first_card(pilot)
        await wait_for(pilot, lambda: bool(app.screen.query(".formula-image")), "the formula drawn as an image")
        image = app.screen.query_one(".formula-image")
        await wait_for(pilot, lambda: image.size.height >= 1, "the image laid out")
        assert "θ ← θ" not in screen_text(pilot), "the Unicode form gives way to the image"
        cell_width, cell_height = cell_pixels()
        assert image.image.size == (image.size.width * cell_width, image.size.height * cell_height), \
            "the widget is the image's size in cells: shown pixel for pixel, never clipped or stretched"
        assert image.size.width < app.screen.size.width


async def test_in_text_mode_display_formulas_are_unicode(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir, graphics="text")
    async with app.run_test(size=(100, 30)) as pilot:
        await reveal_first_card(pilot)
        await wait_for_text(pilot, "θ ← θ - α ∇_θ J(θ)")
        assert not app.screen.query(".formula-image")


async def test_a_run_of_formulas_with_one_mathtext_cannot_draw_stays_unicode_all_of_it(db_path: Path,
                                                                                      tmp_path: Path) -> None:
    prepare_graphics("sixel")
    cards = tmp_path / "formula-cards"
    cards.mkdir()
    (cards / "formulas.md").write_text(CASES_DECK, encoding="utf-8")
    app = ReviseApp(db_path, cards, graphics="sixel")
    async with app.run_test(size=(100, 30)) as pilot:
        await reveal_first_card(pilot)
        await wait_for_text(pilot, "BP = {1 if c > r; e^(1-r/c) if c ≤ r}")
        views = list(app.screen.query(FormulaView))
        assert views
        # Every formula's drawing worker has finished (a mounted view has started its own), rather than a guess at
        # how long drawing takes; a worker's message, posted before it ends, is handled by the next pause.
        await wait_for(pilot, lambda: all(view.drawing for view in views)
                       and not any(worker.node in views for worker in app.workers), "the drawing workers to finish")
        await pilot.pause()
        assert not app.screen.query(".formula-image"), "no image beside text in one run"
        assert "BP = {1 if c > r" in screen_text(pilot) and "BLEU = BP" in screen_text(pilot)
