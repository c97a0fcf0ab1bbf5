"""What a person sees in a real Sixel terminal (xterm, VT340 mode, on a virtual display): plots drawn as images
sit on the app's own background, not in white boxes. Screenshots, not escape codes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.real_terminal import XtermApp, missing_tools, near_white, share

pytestmark = pytest.mark.skipif(bool(missing_tools()), reason=f"needs {', '.join(missing_tools())} "
                                "(.ci/run installs them: apt-get install xvfb xterm xdotool x11-apps imagemagick)")
# With light-theme figures a third of the statistics screen was white (21% of its pixels); now only text is.
MOST_WHITE = 0.03


@pytest.fixture
def sixel_app(tmp_path: Path):
    """The app on the bundled cards in xterm's Sixel mode, closed after the test."""
    app = XtermApp([sys.executable, "-m", "revise", "--db", str(tmp_path / "data.db"), "--graphics", "sixel"])
    yield app
    app.close()


def test_statistics_plots_sit_on_the_apps_background_not_in_white_boxes(sixel_app: XtermApp) -> None:
    sixel_app.wait_for_pixels(lambda shot: shot.max() > 100, "the home screen")
    home = sixel_app.wait_until_still("the home screen to settle")
    sixel_app.keys("s")
    shot = sixel_app.wait_until_still("every plot drawn")
    assert (shot != home).any(), "the statistics screen is shown"
    assert share(near_white(shot)) < MOST_WHITE, f"{share(near_white(shot)):.1%} of the screen is white"


def test_a_demo_plot_sits_on_the_apps_background(sixel_app: XtermApp) -> None:
    sixel_app.wait_for_pixels(lambda shot: shot.max() > 100, "the home screen")
    sixel_app.wait_until_still("the home screen to settle")
    sixel_app.keys("ctrl+f")
    sixel_app.type("scaled dot")
    sixel_app.wait_until_still("the search results")
    sixel_app.keys("Down", "Return")
    sixel_app.wait_until_still("the card")
    sixel_app.keys("d")
    sixel_app.wait_until_still("the demo and its plot")
    sixel_app.keys("End")
    shot = sixel_app.wait_until_still("the plot scrolled into view")
    assert share(near_white(shot)) < MOST_WHITE, f"{share(near_white(shot)):.1%} of the screen is white"
