"""What a person sees in a real Sixel terminal (xterm, VT340 mode, on a virtual display): plots and formulas drawn
as images sit on the app's own background, pixel for pixel as they were sent (no band of a foreign colour over
their tops, no scaling), formulas in the text's ink at its size. Screenshots, not escape codes."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from PIL import Image

from revise.cards.loader import load_known_names, read_card_file
from revise.collection import Collection
from revise.figures import screen_image
from revise.paths import PROJECT_ROOT
from revise.stats.plots import PLOTS
from revise.text.card_markdown import DisplayFormula, card_blocks
from revise.text.formula_image import formula_image
from revise.ui.graphics import CELL_POINTS
from revise.ui.screens.stats import PLOT_IMAGE_ROWS, PLOT_ROOM
from tests.real_terminal import (BACKGROUND, CELL, COLUMNS, INK, TerminalApp, contrast, find_image, missing_tools,
                                 near_white, share)

pytestmark = pytest.mark.skipif(bool(missing_tools()), reason=f"needs {', '.join(missing_tools())} "
                                "(.ci/run installs them: apt-get install xvfb xterm xdotool x11-apps imagemagick)")
# With light-theme figures a third of the statistics screen was white (21% of its pixels); now only text is.
MOST_WHITE = 0.03
# How far a shown image may differ from the one sent, mean over its pixels (0-255): Sixel's 256-colour palette.
AS_SENT = 4.0
PLACEHOLDER = "\U0010eeee"  # the character kitty's images sit on when placed in text cells


@pytest.fixture
def sixel_app(tmp_path: Path):
    """The app on the bundled cards in xterm's Sixel mode, closed after the test."""
    app = TerminalApp([sys.executable, "-m", "revise", "--db", str(tmp_path / "data.db"), "--graphics", "sixel"])
    yield app
    app.close()


def png_pixels(png: bytes) -> np.ndarray:
    """A PNG's RGB pixels."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_statistics_plots_sit_on_the_apps_background_not_in_white_boxes(sixel_app: TerminalApp) -> None:
    sixel_app.wait_for_pixels(lambda shot: shot.max() > 100, "the home screen")
    home = sixel_app.wait_until_still("the home screen to settle")
    sixel_app.keys("s")
    shot = sixel_app.wait_until_still("every plot drawn")
    assert (shot != home).any(), "the statistics screen is shown"
    assert share(near_white(shot)) < MOST_WHITE, f"{share(near_white(shot)):.1%} of the screen is white"


def test_a_statistics_plot_fills_the_width_pixel_for_pixel_as_sent(sixel_app: TerminalApp, tmp_path: Path) -> None:
    sixel_app.wait_for_pixels(lambda shot: shot.max() > 100, "the home screen")
    sixel_app.wait_until_still("the home screen to settle")
    sixel_app.keys("s")
    shot = sixel_app.wait_until_still("every plot drawn")
    stats = Collection(tmp_path / "data.db", PROJECT_ROOT / "cards").stats()
    columns = COLUMNS - PLOT_ROOM
    sent = np.asarray(screen_image(PLOTS["forecast"](stats), BACKGROUND, (columns * CELL[0], PLOT_IMAGE_ROWS * CELL[1]),
                                   CELL[1] * 72 / CELL_POINTS))
    difference, shown = find_image(shot, sent)
    assert difference < AS_SENT, f"the forecast plot is shown as drawn (differs by {difference:.1f} at best)"
    title_rows = slice(0, 2 * CELL[1])
    assert np.abs(shown[title_rows].astype(int) - sent[title_rows].astype(int)).mean() < AS_SENT, \
        "its title rows, where xterm used to draw a band of a foreign colour, are as sent"


def adam_formulas() -> list[str]:
    """The LaTeX of the Adam update card's display formulas."""
    known, _ = load_known_names(PROJECT_ROOT / "cards")
    card = next(card for card in read_card_file(PROJECT_ROOT / "cards" / "02-optimisation.md", known).cards
                if card.id == "adam-update")
    return [block.latex for block in card_blocks(card.back_zh) if isinstance(block, DisplayFormula)]


def test_formulas_are_shown_in_the_texts_ink_at_its_size_as_sent(sixel_app: TerminalApp) -> None:
    sixel_app.wait_for_pixels(lambda shot: shot.max() > 100, "the home screen")
    sixel_app.wait_until_still("the home screen to settle")
    sixel_app.keys("ctrl+f")
    sixel_app.type("adam update")
    sixel_app.wait_until_still("the search results")
    formulas = {latex: formula_image(latex, INK, BACKGROUND, CELL, COLUMNS) for latex in adam_formulas()}
    sent = {latex: png_pixels(drawn.png) for latex, drawn in formulas.items() if drawn is not None}
    sixel_app.keys("Return")
    # Until every formula is there as sent: the images are drawn in a worker, which a busy machine can keep past any
    # pause of the screen (waiting for the screen to be still once took the card before its formulas); a formula
    # never shown as sent fails the wait.
    shot = sixel_app.wait_for_pixels(lambda shot: all(find_image(shot, image)[0] < AS_SENT for image in sent.values()),
                                     "the card and its formulas, each shown as drawn, unclipped")
    for latex, drawn in formulas.items():
        assert drawn is not None and drawn.rows <= (4 if r"\frac" in latex else 2), \
            "drawn at the text's size: a line or two, up to four for a fraction over a square root"
        difference, shown = find_image(shot, sent[latex])
        assert difference < AS_SENT, f"{latex} is shown as drawn, unclipped (differs by {difference:.1f} at best)"
        colours = shown.reshape(-1, 3)
        assert (colours == 0).all(axis=1).mean() > 0.5, "on the app's black background, no box of another colour"
        ink = colours[colours.sum(axis=1).argmax()]
        assert contrast(ink, np.zeros(3)) >= 4.5, f"ink {ink} contrasts with the background as the text does"


@pytest.mark.skipif(shutil.which("kitty") is None, reason="needs kitty (.ci/run installs the distribution's)")
def test_a_kitty_without_image_placeholders_gets_text_plots_not_a_wall_of_empty_boxes(tmp_path: Path) -> None:
    """Debian's kitty (0.26) cannot place images in text cells; asked its version, the app draws text plots."""
    app = TerminalApp([sys.executable, "-m", "revise", "--db", str(tmp_path / "data.db")], terminal="kitty")
    try:
        app.wait_for_pixels(lambda shot: shot.max() > 100, "the home screen")
        app.wait_until_still("the home screen to settle")
        app.keys("s")
        app.wait_for_text("Due in the next 30 days", "a plot's title, as text")
        app.wait_until_still("every plot drawn")
        screen = app.text()
    finally:
        app.close()
    assert PLACEHOLDER not in screen, "no image placeholders, which this kitty shows as empty boxes"
