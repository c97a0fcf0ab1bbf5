"""The statistics screen driven by Pilot: opened with `s` from home, today's numbers, every plot, Escape back."""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll

from revise.collection import Collection
from revise.ui.app import ReviseApp
from revise.ui.graphics import cell_pixels, prepare_graphics
from revise.ui.screens.home import HomeScreen
from revise.ui.screens.stats import PLOT_ROOM, StatsScreen
from tests.screen import screen_text, wait_for, wait_for_text

SIZE = (100, 30)
PLOT_TITLES = ["Reviews in the last year", "Due in the next 30 days", "True retention by week", "Cards by state",
               "Intervals:", "Stability:", "Difficulty:", "Retrievability now:", "Drills by week"]


def rate_cards(db_path: Path, cards_dir: Path, ratings: dict[str, int], seconds_each: int) -> None:
    """Rates cards now, as a learner's session earlier today would have."""
    collection = Collection(db_path, cards_dir)
    try:
        collection.sync()
        for card_id, rating in ratings.items():
            collection.rate(collection.card(card_id), rating, duration_ms=seconds_each * 1000)
    finally:
        collection.close()


async def open_stats(pilot) -> StatsScreen:
    """Waits for the collection, presses `s` on the home screen, and waits for the numbers."""
    await wait_for(pilot, lambda: pilot.app.collection is not None, "the collection to open")
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatsScreen), "the stats screen")
    await wait_for_text(pilot, "Streak:")
    screen = pilot.app.screen
    # The plots come after the numbers, from the same worker; Pilot's keys wait for an idle CPU, not for them.
    await wait_for(pilot, lambda: len(screen.query(".stats-plot, .stats-plot-image")) == len(PLOT_TITLES),
                   "every plot in place")
    await pilot.pause()
    return screen


async def every_line_scrolled_through(pilot) -> str:
    """The text of the whole screen, page by page, from the top of the plots to their end: each Page Down waited
    for until the plots have scrolled by a page (or to their end), not taken as done after a pause."""
    area = pilot.app.screen.query_one("#stats-plots", VerticalScroll)
    pages = [screen_text(pilot)]
    while area.scroll_y < area.max_scroll_y:
        target = min(area.scroll_y + area.scrollable_content_region.height, area.max_scroll_y)
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: area.scroll_y == target, f"the plots scrolled to line {target}")
        await pilot.pause()
        pages.append(screen_text(pilot))
    return "\n".join(pages)


async def test_s_opens_todays_numbers_and_every_plot_and_escape_goes_home(db_path: Path, cards_dir: Path) -> None:
    rate_cards(db_path, cards_dir, {"gd-update": 1, "adam-bias": 3, "momentum": 3}, seconds_each=20)
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await open_stats(pilot)
        top = screen_text(pilot)
        assert "Today: 3 reviewed · Again 33% (1) · 1m 00s studied" in top
        assert "Streak: 1 day" in top
        assert "Cards: 0 new · 3 learning · 0 review · 0 relearning · 0 suspended" in top
        assert "Reviews in the last year: 3 on 1 day" in top

        seen = await every_line_scrolled_through(pilot)
        for title in PLOT_TITLES:
            assert title in seen, f"{title!r} never appeared while scrolling"
        assert "Traceback" not in seen

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HomeScreen), "the home screen")
        await wait_for_text(pilot, "3 reviewed today")


async def test_a_collection_never_reviewed_shows_a_friendly_line_and_empty_plots(db_path: Path,
                                                                                 cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await open_stats(pilot)
        seen = await every_line_scrolled_through(pilot)
        assert "Today: nothing reviewed yet" in seen
        assert "Streak: 0 days" in seen
        assert "No reviews yet: the plots fill in as you study" in seen
        for title in PLOT_TITLES:
            assert title in seen
        assert "Computing statistics…" not in seen


async def test_with_terminal_graphics_every_plot_is_drawn_as_an_image(db_path: Path, cards_dir: Path) -> None:
    rate_cards(db_path, cards_dir, {"gd-update": 3}, seconds_each=5)
    prepare_graphics("halfcell")
    app = ReviseApp(db_path, cards_dir, graphics="halfcell")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stats(pilot)
        await wait_for(pilot, lambda: len(screen.query(".stats-plot-image")) == len(PLOT_TITLES), "the plot images")
        heatmap = screen.query_one("#stats-heatmap")
        await wait_for(pilot, lambda: heatmap.size.height == 10, "the heatmap laid out 10 rows high")
        others = [widget for widget in screen.query(".stats-plot-image") if widget is not heatmap]
        await wait_for(pilot, lambda: all(widget.size.height == 22 for widget in others),
                       "every other plot laid out 22 rows high")
        cell_width, cell_height = cell_pixels()
        for widget in [heatmap, *others]:
            assert widget.size.width == SIZE[0] - PLOT_ROOM, "each plot fills the width of the screen"
            assert widget.image.size == (widget.size.width * cell_width, widget.size.height * cell_height), \
                "drawn at the size of its box in pixels, so the terminal shows it unscaled"

        def coloured_half_cells() -> int:
            strips = pilot.app.screen._compositor.render_strips()
            return len({segment.style.bgcolor for strip in strips for segment in strip if "▀" in segment.text})

        await wait_for(pilot, lambda: coloured_half_cells() > 20, "the heatmap drawn in coloured half cells")
