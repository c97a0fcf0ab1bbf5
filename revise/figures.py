"""The one figure style of revise: every demo plot and statistics plot starts from `new_axes`.

Figures are `matplotlib.figure.Figure` objects (drawn with Agg, no pyplot state), so worker threads can
build them; matplotlib is imported inside the function, keeping it off the start-up path. One axes per
figure keeps the braille rendering of `figure_to_text`, which draws the first axes, complete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FIGURE_SIZE = (7, 4.5)  # inches; at 100-150 dpi about the width of a 100-column terminal
TITLE_SIZE, LABEL_SIZE, TICK_SIZE = 12, 10, 9
# Series colours in order (matplotlib's tab10, legible on light and dark backgrounds alike).
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive",
           "tab:cyan", "tab:gray")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
GRID_COLOUR = "0.6"  # contour lines, reference lines and other scenery


def new_axes(title: str, x_label: str, y_label: str, size: tuple[float, float] = FIGURE_SIZE) -> tuple[Figure, Axes]:
    """A figure of the shared size and fonts with one titled, labelled axes."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    ax = figure.add_subplot()
    ax.set_title(title, fontsize=TITLE_SIZE)
    ax.set_xlabel(x_label, fontsize=LABEL_SIZE)
    ax.set_ylabel(y_label, fontsize=LABEL_SIZE)
    ax.tick_params(labelsize=TICK_SIZE)
    return figure, ax
