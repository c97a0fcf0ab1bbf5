"""The statistics screen: today's numbers, streak and card counts, then every plot, computed in a worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from revise.ui.graphics import shown_background
from revise.ui.timefmt import describe_duration
from revise.ui.work import WorkFailed, backend_work

if TYPE_CHECKING:
    from revise.ui.context import Context
    from revise.stats.model import Stats

PLOT_ROOM = 4  # the plot area's padding (one cell each side) and its scrollbar (two cells)
PLOT_ROWS = 16
# Rows of the terminal each plot drawn as an image fills (the review heatmap is one short strip).
PLOT_IMAGE_ROWS, IMAGE_ROWS = 22, {"heatmap": 10}


def image_rows(name: str) -> int:
    """The rows a plot drawn as an image fills."""
    return IMAGE_ROWS.get(name, PLOT_IMAGE_ROWS)


def summary_text(stats: Stats) -> Text:
    """The lines above the plots: today's reviews, Again rate and time, the streak, and cards by state."""
    from revise.stats.plots import STATE_NAMES

    out = Text.assemble(("Today: ", "bold"))
    if stats.reviewed_today:
        out.append(f"{stats.reviewed_today} reviewed · Again {stats.again_rate:.0%} ({stats.again_today})"
                   f" · {describe_duration(stats.seconds_today)} studied")
    else:
        out.append("nothing reviewed yet")
    out.append("    Streak: ", style="bold")
    out.append(f"{stats.streak} day{'s' if stats.streak != 1 else ''}")
    out.append("\nCards: ", style="bold")
    out.append(" · ".join(f"{stats.counts.get(state, 0)} {name.lower()}" for state, name in STATE_NAMES.items()))
    if stats.drills_by_deck:
        out.append("\nDrills: ", style="bold")
        out.append(" · ".join(f"{deck.label} {deck.right}/{deck.answered} right" for deck in stats.drills_by_deck))
    if not any(stats.reviews_by_day):
        out.append("\nNo reviews yet: the plots fill in as you study (Space on the home screen starts a review).",
                   style="italic")
    return out


class StatsScreen(Screen[None]):
    """How the learning is going: numbers first, then the heatmap, forecast, retention and distributions."""

    BINDINGS = [Binding("escape,q", "back", "Back", id="back", tooltip="Back to the home screen")]

    @dataclass
    class Computed(Message):
        """The statistics, shown as numbers while their plots are drawn."""

        stats: Stats

    @dataclass
    class Drawn(Message):
        """The plots by name, ready to show: rich Text, or PIL images for terminal graphics."""

        plots: list[tuple[str, Any]]

    def __init__(self, context: Context) -> None:
        super().__init__()
        self.context = context
        self.stats: Stats | None = None  # the statistics on screen, once computed

    def compose(self) -> ComposeResult:
        yield Static("Computing statistics…", id="stats-summary")
        yield VerticalScroll(id="stats-plots")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Starts computing as soon as the screen opens, plots sized to the terminal."""
        plots = self.query_one("#stats-plots", VerticalScroll)
        plots.focus()
        self.compute(self.context.graphics, max(40, self.app.size.width - PLOT_ROOM), shown_background(plots))

    @backend_work("stats", exclusive=True)
    def compute(self, graphics: str, width: int, background: str) -> None:
        """Computes the statistics, then draws every plot (the numbers go on screen in between), off the UI thread."""
        stats = self.context.collection.stats()
        self.post_message(self.Computed(stats))
        self.post_message(self.Drawn(render_plots(stats, graphics, width, background)))

    def on_stats_screen_computed(self, message: Computed) -> None:
        """Shows today's numbers, the streak and the card counts, and says the plots are coming."""
        self.stats = message.stats
        self.query_one("#stats-summary", Static).update(summary_text(message.stats))
        self.query_one("#stats-plots", VerticalScroll).mount(Static("Drawing the plots…"))

    async def on_stats_screen_drawn(self, message: Drawn) -> None:
        """Puts the plots in the scrolling area, in place of the note."""
        area = self.query_one("#stats-plots", VerticalScroll)
        await area.remove_children()
        await area.mount_all(self._plot_widget(name, plot) for name, plot in message.plots)

    def _plot_widget(self, name: str, plot: Any) -> Widget:
        """A widget showing one plot: text as it is, an image with the app's graphics protocol."""
        if isinstance(plot, Text):
            return Static(plot, id=f"stats-{name}", classes="stats-plot")
        from revise.ui.graphics import image_widget_class

        image = image_widget_class(self.context.graphics)(plot, id=f"stats-{name}", classes="stats-plot-image")
        image.styles.height = image_rows(name)
        return image

    async def on_work_failed(self, message: WorkFailed) -> None:
        """Says why the statistics, or only their plots, are missing; numbers already shown stay."""
        message.stop()
        error = Text(f"Cannot show the statistics: {message.error}", style="bold red")
        if self.stats is None:
            self.query_one("#stats-summary", Static).update(error)
            return
        area = self.query_one("#stats-plots", VerticalScroll)
        await area.remove_children()
        await area.mount(Static(error))

    def action_back(self) -> None:
        """Returns to the home screen."""
        self.app.pop_screen()


def render_plots(stats: Stats, graphics: str, width: int, background: str) -> list[tuple[str, Any]]:
    """Every plot by name, in order: text `width` cells wide in text mode, else PIL images drawn on the screen's
    `background`, each filling its box of `width` cells by its rows."""
    from revise.figures import screen_image
    from revise.stats.plots import PLOTS, heatmap_text

    if graphics == "text":
        from revise.demo_engine.text_plot import figure_to_text

        return [(name, heatmap_text(stats) if name == "heatmap" else
                 figure_to_text(make(stats), columns=width, rows=PLOT_ROWS)) for name, make in PLOTS.items()]
    from revise.ui.graphics import image_box

    return [(name, screen_image(make(stats), background, *image_box(width, image_rows(name))))
            for name, make in PLOTS.items()]
