"""The statistics as matplotlib figures, one plot per figure, and the review heatmap as coloured text.

matplotlib is imported inside the functions (the app must start without it) and figures are built with
`matplotlib.figure.Figure`, which draws with Agg and never touches pyplot's global state, so that a
worker thread can make them. One plot per figure keeps `figure_to_text`, which draws the first axes, legible.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from revise.errors import ReviseError
from revise.figures import COLOURS, figure_png, new_axes
from revise.stats.model import RETENTION_WEEKS, Stats

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

HEATMAP_SIZE = (9, 2.2)  # 53 weeks by 7 days of square cells
# The card states in the order the counts plot and the screen list them.
STATE_NAMES = {"new": "New", "learning": "Learning", "review": "Review", "relearning": "Relearning",
               "suspended": "Suspended"}
# The heatmap's colours, from no review to the busiest days (GitHub's greens, legible on dark and light).
HEATMAP_COLOURS = ("#3a3a3a", "#0e4429", "#006d32", "#26a641", "#39d353")
WEEKDAY_LABELS = ("Mon", "", "Wed", "", "Fri", "", "")
NOTHING_YET = "no reviews yet"


def _say_empty(ax: Axes, message: str) -> None:
    """Writes a short note at the middle left of an axes that has nothing to show, once its limits are set.

    The note is placed in data coordinates and aligned left, as `figure_to_text` places text labels.
    """
    (left, right), (bottom, top) = ax.get_xlim(), ax.get_ylim()
    ax.text(left + 0.05 * (right - left), (bottom + top) / 2, message, ha="left", va="center", color="#808080")


def _count_axis(ax: Axes, tallest: float, headroom: float = 1.1) -> None:
    """Starts the y axis at 0 and ends it a little above the tallest bar (at 1 when there is none)."""
    ax.set_ylim(0, max(1, math.ceil(tallest * headroom)))


def heatmap_grid(stats: Stats) -> tuple[list[list[int | None]], date]:
    """The daily review counts as 7 rows (Monday first) by one column per week; days outside the year are None.

    Returns the grid and the Monday of its first column.
    """
    first_day = stats.today - timedelta(days=len(stats.reviews_by_day) - 1)
    first_monday = first_day - timedelta(days=first_day.weekday())
    weeks = (stats.today - first_monday).days // 7 + 1
    grid: list[list[int | None]] = [[None] * weeks for _ in range(7)]
    for offset, count in enumerate(stats.reviews_by_day):
        column, row = divmod((first_day - first_monday).days + offset, 7)
        grid[row][column] = count
    return grid, first_monday


def _heat_level(count: int, busiest: int) -> int:
    """The heatmap colour index of a day: 0 for none, 1 to 4 in proportion to the busiest day."""
    return 0 if count <= 0 else max(1, math.ceil(4 * count / busiest))


def _month_starts(first_monday: date, weeks: int) -> list[tuple[int, str]]:
    """The columns where a month begins, with the month's short name, for the heatmap's x axis."""
    starts = []
    for column in range(weeks):
        monday = first_monday + timedelta(weeks=column)
        if column == 0 or monday.month != (monday - timedelta(weeks=1)).month:
            starts.append((column, monday.strftime("%b")))
    if len(starts) > 1 and starts[1][0] < 4:
        del starts[0]  # the first month is cut short: its name would run into the next one's
    return starts


def _heatmap_title(stats: Stats) -> str:
    """The heatmap's title: how many reviews in the year, on how many days."""
    days = sum(1 for count in stats.reviews_by_day if count)
    return f"Reviews in the last year: {sum(stats.reviews_by_day):,} on {days} day{'s' if days != 1 else ''}"


def heatmap_figure(stats: Stats) -> Figure:
    """A calendar heatmap of reviews per day over the last year, one column per week."""
    import numpy as np
    from matplotlib.colors import BoundaryNorm, ListedColormap

    grid, first_monday = heatmap_grid(stats)
    figure, ax = new_axes(_heatmap_title(stats), "", "", size=HEATMAP_SIZE)
    busiest = max(stats.reviews_by_day, default=0)
    levels = np.ma.masked_invalid(np.array(
        [[np.nan if count is None else _heat_level(count, busiest) for count in row] for row in grid], dtype=float))
    cmap = ListedColormap(HEATMAP_COLOURS).with_extremes(bad="none")  # days outside the year stay blank
    ax.imshow(levels, cmap=cmap, norm=BoundaryNorm(np.arange(-0.5, 5), cmap.N), aspect="equal")
    ax.set_yticks(range(7), WEEKDAY_LABELS)
    columns, names = zip(*_month_starts(first_monday, len(grid[0])))
    ax.set_xticks(columns, names)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if not busiest:
        _say_empty(ax, NOTHING_YET)
    return figure


def heatmap_text(stats: Stats) -> Text:
    """The heatmap for text terminals: a title, month names, 7 rows of coloured squares, and a legend."""
    grid, first_monday = heatmap_grid(stats)
    busiest = max(stats.reviews_by_day, default=0)
    gutter = 4
    out = Text(no_wrap=True, overflow="crop")
    out.append(_heatmap_title(stats) + "\n", style="bold")
    months = [" "] * len(grid[0])
    for column, name in _month_starts(first_monday, len(grid[0])):
        months[column:column + len(name)] = name
    out.append(" " * gutter + "".join(months).rstrip() + "\n", style="dim")
    for label, row in zip(WEEKDAY_LABELS, grid):
        out.append(label.ljust(gutter), style="dim")
        for count in row:
            if count is None:
                out.append(" ")
            else:
                out.append("■", style=HEATMAP_COLOURS[_heat_level(count, busiest)])
        out.append("\n")
    out.append(" " * gutter + "less ", style="dim")
    for colour in HEATMAP_COLOURS:
        out.append("■", style=colour)
    out.append(" more", style="dim")
    out.append(f"   busiest day: {busiest} reviews" if busiest else f"   {NOTHING_YET}", style="dim")
    return out


def forecast_figure(stats: Stats) -> Figure:
    """Bars of how many cards fall due on each of the next days, overdue ones counted today."""
    figure, ax = new_axes(f"Due in the next {len(stats.forecast)} days: {sum(stats.forecast):,} reviews",
                           "days from today (0 = today, overdue included)", "cards due")
    ax.bar(range(len(stats.forecast)), stats.forecast, width=0.8, color=COLOURS[0], edgecolor=COLOURS[0])
    ax.set_xlim(-0.5, len(stats.forecast) - 0.5)
    _count_axis(ax, max(stats.forecast, default=0))
    if not any(stats.forecast):
        _say_empty(ax, "no card has been studied yet")
    return figure


def retention_figure(stats: Stats) -> Figure:
    """True retention week by week, one line for young cards and one for mature ones."""
    figure, ax = new_axes(f"True retention by week (last {RETENTION_WEEKS} weeks)",
                           "weeks ago (0 = this week)", "% not rated Again")
    weeks_ago = [(week.week_start - stats.retention[-1].week_start).days // 7 for week in stats.retention]
    for label, colour, rates in (("young", COLOURS[1], [week.young_rate for week in stats.retention]),
                                 ("mature", COLOURS[2], [week.mature_rate for week in stats.retention])):
        percent = [math.nan if rate is None else 100 * rate for rate in rates]
        ax.plot(weeks_ago, percent, color=colour, marker="o", linewidth=2, label=label)
    ax.set_xlim(-RETENTION_WEEKS + 0.5, 0.5)
    ax.set_ylim(0, 100)
    ax.legend(loc="lower left")
    if not any(week.young_reviews or week.mature_reviews for week in stats.retention):
        _say_empty(ax, "no review of a card in the review state yet")
    return figure


def counts_figure(stats: Stats) -> Figure:
    """Bars of how many cards are in each state, each bar labelled with its state and count."""
    total = sum(stats.counts.get(state, 0) for state in STATE_NAMES if state != "suspended")
    figure, ax = new_axes(f"Cards by state: {total:,} cards, suspended ones included", "", "cards")
    values = [stats.counts.get(state, 0) for state in STATE_NAMES]
    colours = [COLOURS[0], COLOURS[1], COLOURS[2], COLOURS[3], COLOURS[9]]
    ax.bar(range(len(values)), values, width=0.6, color=colours, edgecolor=colours)
    ax.set_xticks(range(len(values)), list(STATE_NAMES.values()))
    ax.set_xlim(-0.5, len(values) - 0.5)
    tallest = max(max(values), 1)
    _count_axis(ax, tallest, headroom=1.3)
    for index, (name, value) in enumerate(zip(STATE_NAMES.values(), values)):
        ax.text(index - 0.28, value + tallest * 0.04, f"{name} {value}", ha="left", va="bottom")
    return figure


def _histogram(values: list[float], title: str, x_label: str, colour: str, value_range: tuple[float, float] | None,
               scale: float = 1.0) -> Figure:
    """A histogram of card values (times `scale`) over `value_range`, or from 0 to the largest when None.

    Its title says how many cards and their median; with no cards it holds a note instead.
    """
    import numpy as np

    scaled = np.asarray(values, dtype=float) * scale  # an array: matplotlib walks a list value by value
    summary = f"{len(values):,} cards, median {np.median(scaled):.3g}" if values else "no cards yet"
    figure, ax = new_axes(f"{title}: {summary}", x_label, "cards")
    low, high = value_range or (0, float(scaled.max(initial=0)) or 1)
    ax.set_xlim(low, high)
    heights, _, _ = ax.hist(scaled, bins=20, range=(low, high), color=colour, edgecolor=colour)
    _count_axis(ax, max(heights, default=0))
    if not values:
        _say_empty(ax, "no card has been reviewed yet")
    return figure


def intervals_figure(stats: Stats) -> Figure:
    """The spread of current intervals of cards in review or relearning."""
    return _histogram(stats.intervals, "Intervals", "interval (days)", COLOURS[0], None)


def stability_figure(stats: Stats) -> Figure:
    """The spread of memory stability (days until recall falls to 90 %) of reviewed cards."""
    return _histogram(stats.stability, "Stability", "stability (days)", COLOURS[4], None)


def difficulty_figure(stats: Stats) -> Figure:
    """The spread of FSRS difficulty (1 easy to 10 hard) of reviewed cards."""
    return _histogram(stats.difficulty, "Difficulty", "difficulty (1 easy - 10 hard)", COLOURS[3], (1, 10))


def retrievability_figure(stats: Stats) -> Figure:
    """The spread of the chance of recalling each reviewed card right now."""
    return _histogram(stats.retrievability, "Retrievability now", "chance of recall now (%)", COLOURS[2],
                      (0, 100), scale=100)


def drills_figure(stats: Stats) -> Figure:
    """Drill answers week by week: how many were answered, and how many of those were all right."""
    answered = sum(week.answered for week in stats.drills_by_week)
    right = sum(week.right for week in stats.drills_by_week)
    share = f": {right} of {answered} right ({right / answered:.0%})" if answered else ""
    figure, ax = new_axes(f"Drills by week (last {RETENTION_WEEKS} weeks){share}", "weeks ago (0 = this week)",
                          "drills answered")
    weeks_ago = [-offset for offset in reversed(range(len(stats.drills_by_week)))]
    ax.bar(weeks_ago, [week.answered for week in stats.drills_by_week], width=0.7, color=COLOURS[3],
           edgecolor=COLOURS[3], label="answered")
    ax.bar(weeks_ago, [week.right for week in stats.drills_by_week], width=0.7, color=COLOURS[2],
           edgecolor=COLOURS[2], label="all right")
    ax.set_xlim(-RETENTION_WEEKS + 0.5, 0.5)
    _count_axis(ax, max([week.answered for week in stats.drills_by_week] + [1]))
    ax.legend()
    if not answered:
        _say_empty(ax, "no drill answered yet: press p on the home screen to practise")
    return figure


# Every plot by the name of its PNG file, in the order the screen shows them.
PLOTS: dict[str, Callable[[Stats], Figure]] = {
    "heatmap": heatmap_figure, "forecast": forecast_figure, "retention": retention_figure, "counts": counts_figure,
    "intervals": intervals_figure, "stability": stability_figure, "difficulty": difficulty_figure,
    "retrievability": retrievability_figure, "drills": drills_figure,
}


def save_plots(stats: Stats, folder: Path) -> list[Path]:
    """Writes every plot to `folder` (created if missing) as NAME.png; returns the files written, in order.

    A folder that cannot be created or written raises ReviseError naming it.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReviseError(f"cannot create the plot folder {folder}: {error.strerror or error}") from None
    written = []
    for name, make_figure in PLOTS.items():
        path = folder / f"{name}.png"
        try:
            path.write_bytes(figure_png(make_figure(stats)))
        except OSError as error:
            raise ReviseError(f"cannot write {path}: {error.strerror or error}") from None
        written.append(path)
    return written
