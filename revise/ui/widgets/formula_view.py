"""Display formulas on a card: Unicode text, swapped for crisp images where the terminal draws images."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from revise.text.card_markdown import DisplayFormula
from revise.ui.graphics import shown_background, shown_colour

IMAGE_MODES = ("sixel", "kitty")  # half-cell blocks are too coarse for formulas: they keep the Unicode


class FormulaView(Vertical):
    """A run of display formulas (one after another, no text between): the Unicode form at once; in an image mode,
    images once every formula of the run is drawn, or Unicode for them all, so that a run never mixes the two."""

    @dataclass
    class Drawn(Message):
        """Every formula of the run is drawn: a PIL image and its size in cells, for each."""

        images: list[tuple[Any, int, int]]

    def __init__(self, formulas: list[DisplayFormula], graphics: str) -> None:
        super().__init__(classes="formula")
        self.formulas, self.graphics = formulas, graphics
        self.drawing = False

    def compose(self) -> ComposeResult:
        for formula in self.formulas:
            yield Static(formula.unicode, classes="formula-text", markup=False)

    def on_resize(self) -> None:
        """Starts drawing where the terminal can show images, once shown and laid out: the images must fit its
        width (an answer not yet revealed has none)."""
        if self.graphics in IMAGE_MODES and not self.drawing and self.content_size.width > 0:
            self.drawing = True
            self.draw(shown_colour(self, self.visual_style.foreground), shown_background(self),
                      self.content_size.width)

    @work(thread=True, exit_on_error=False)
    def draw(self, ink: str, background: str, columns: int) -> None:
        """Renders every formula with mathtext at the terminal's text size; if one cannot be drawn (or would not
        fit `columns` legibly), the run keeps its Unicode form."""
        from revise.text.formula_image import formula_image
        from revise.ui.graphics import cell_pixels, png_image

        cell = cell_pixels()
        drawn = [formula_image(formula.latex, ink, background, cell, columns) for formula in self.formulas]
        if all(image is not None for image in drawn):
            self.post_message(self.Drawn([(png_image(image.png), image.columns, image.rows) for image in drawn]))

    def on_formula_view_drawn(self, message: Drawn) -> None:
        """Puts the images in place of the text, each exactly its own size in cells."""
        from revise.ui.graphics import image_widget_class

        self.query(".formula-text").remove()
        for image, columns, rows in message.images:
            widget = image_widget_class(self.graphics)(image, classes="formula-image")
            widget.styles.width, widget.styles.height = columns, rows
            self.mount(widget)
