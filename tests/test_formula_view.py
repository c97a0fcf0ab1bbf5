"""Display formulas: drawn as crisp images where the terminal shows Sixel or Kitty graphics, Unicode elsewhere."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from revise.text.card_markdown import DisplayFormula, card_blocks
from revise.text.formula_image import formula_png
from revise.ui.app import ReviseApp
from revise.ui.graphics import prepare_graphics
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

### 答
$$\\text{BP} = \\begin{cases} 1 & c > r \\\\ e^{1 - r/c} & c \\le r \\end{cases}$$
"""


def test_a_card_text_is_cut_at_its_display_formulas() -> None:
    blocks = card_blocks("Step $\\alpha$ down:\n$$w \\leftarrow w - \\alpha g$$\nthen repeat.")
    assert blocks == ["Step α down:", DisplayFormula("w \\leftarrow w - \\alpha g", "w ← w - α g"), "then repeat."]


def test_mathtext_draws_fractions_and_refuses_what_it_cannot_draw() -> None:
    png = formula_png(r"\hat{v}_t = \frac{v_t}{1 - \beta_2^t}", "#ffffff")
    assert png is not None and png.startswith(b"\x89PNG")
    width, height = Image.open(BytesIO(png)).size
    assert width > 2 * height > 0, "a one-line formula is wider than tall"
    assert formula_png(r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}", "#ffffff") is None
    assert formula_png(r"\text{截断匹配数}", "#ffffff") is None, "mathtext has no CJK glyphs"


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
        assert image.image.size[0] > image.image.size[1]


async def test_in_text_mode_display_formulas_are_unicode(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir, graphics="text")
    async with app.run_test(size=(100, 30)) as pilot:
        await reveal_first_card(pilot)
        await wait_for_text(pilot, "θ ← θ - α ∇_θ J(θ)")
        assert not app.screen.query(".formula-image")


async def test_a_formula_mathtext_cannot_draw_stays_unicode_in_an_image_mode(db_path: Path, tmp_path: Path) -> None:
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
        await wait_for(pilot, lambda: all(view.is_mounted for view in views)
                       and not any(worker.node in views for worker in app.workers), "the drawing workers to finish")
        await pilot.pause()
        assert not app.screen.query(".formula-image")
        assert "BP = {1 if c > r" in screen_text(pilot)
