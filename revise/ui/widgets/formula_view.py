"""A display formula on a card: Unicode text, swapped for a crisp image where the terminal draws images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from revise.text.card_markdown import DisplayFormula

IMAGE_MODES = ("sixel", "kitty")  # half-cell blocks are too coarse for formulas: they keep the Unicode


class FormulaView(Vertical):
    """Shows the Unicode form at once; in an image mode, draws the formula in a worker and then shows that."""

    @dataclass
    class Drawn(Message):
        """The formula's image is ready (a PIL image)."""

        image: Any

    def __init__(self, formula: DisplayFormula, graphics: str) -> None:
        super().__init__(classes="formula")
        self.formula, self.graphics = formula, graphics

    def compose(self) -> ComposeResult:
        yield Static(self.formula.unicode, classes="formula-text", markup=False)

    def on_mount(self) -> None:
        """Starts drawing the image where the terminal can show it."""
        if self.graphics in IMAGE_MODES:
            self.draw(self.visual_style.foreground.hex)  # the theme's text colour

    @work(thread=True, exit_on_error=False)
    def draw(self, colour: str) -> None:
        """Renders the formula with mathtext; a formula mathtext cannot draw keeps its Unicode form."""
        from revise.text.formula_image import formula_png
        from revise.ui.graphics import png_image

        png = formula_png(self.formula.latex, colour)
        if png is not None:
            self.post_message(self.Drawn(png_image(png)))

    def on_formula_view_drawn(self, message: Drawn) -> None:
        """Puts the image in place of the text."""
        from revise.ui.graphics import image_widget_class

        self.query_one(".formula-text").display = False
        self.mount(image_widget_class(self.graphics)(message.image, classes="formula-image"))
