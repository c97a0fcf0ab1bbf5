"""The one figure style of revise: every demo plot and statistics plot starts from `new_axes`.

Figures are `matplotlib.figure.Figure` objects (drawn with Agg, no pyplot state), so worker threads can
build them; matplotlib is imported inside the function, keeping it off the start-up path. One axes per
figure keeps the braille rendering of `figure_to_text`, which draws the first axes, complete.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage
    from matplotlib.transforms import TransformedPatchPath
    from PIL.Image import Image

FIGURE_SIZE = (7, 4.5)  # inches; at 100-150 dpi about the width of a 100-column terminal
TITLE_SIZE, LABEL_SIZE, TICK_SIZE = 12, 10, 9
# Series colours in order (matplotlib's tab10, legible on light and dark backgrounds alike).
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive",
           "tab:cyan", "tab:gray")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
GRID_COLOUR = "0.6"  # contour lines, reference lines and other scenery
DARK_TEXT, LIGHT_TEXT = "black", "white"  # a heat map's labels on light and on dark cells
CELL_LABEL = "cell-label"  # the gid of a heat map's labels: their colour is chosen for their cell, kept on screen
# The ink of plots drawn as terminal images, on a dark or a light screen background.
SCREEN_INK_ON_DARK, SCREEN_INK_ON_LIGHT = "#d4d4d4", "#202020"
PNG_DPI = 150
# Held while matplotlib draws text: its font objects and mathtext's parser are shared and not thread-safe, and
# workers draw plots and formulas at the same time (two formulas parsed at once fail as if undrawable).
MATPLOTLIB_LOCK = threading.Lock()
# Relative luminance below which white text contrasts more than black (WCAG: (L + 0.05) / 0.05 = 1.05 / (L + 0.05)).
DARK_CELL = 0.179


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


@functools.cache
def _colour_map(name: str) -> Colormap:
    """Matplotlib's colour map of that name, one copy kept, so that its lookup table is built once, not per figure
    (built here, before any thread shares it)."""
    import matplotlib

    colour_map = matplotlib.colormaps[name]
    colour_map(0.0)
    return colour_map


def shared_clip(ax: Axes) -> TransformedPatchPath:
    """The axes' clip path as one object to pass as clip_path= to many ax.text labels, which otherwise each build
    their own (4x slower)."""
    from matplotlib.transforms import TransformedPatchPath
    from PIL.Image import Image

    return TransformedPatchPath(ax.patch)


def heat_map(ax: Axes, values: np.ndarray, left: float = 0.0, top: float = 0.0, *,
             labels: Sequence[Sequence[str | None]] | None = None, cmap: str = "viridis", vmin: float | None = None,
             vmax: float | None = None, fontsize: float = 8, alpha: float = 1.0,
             text_colours: str | Sequence[Sequence[str | None]] | None = None) -> AxesImage:
    """Draws `values` as coloured cells, cell (r, c) spanning [left + c, left + c + 1] x [top + r, top + r + 1]
    (rows going down), each labelled at its centre (`labels`, else its value to 3 digits; "" or None, or a masked
    cell, stays blank) in `text_colours` (one, or one a cell) or else black or white, whichever reads on the cell's
    colour; returns the image."""
    import numpy as np
    from matplotlib.colors import to_rgb
    from matplotlib.font_manager import FontProperties

    grid = values if isinstance(values, np.ma.MaskedArray) else np.asarray(values, dtype=float)
    rows, columns = grid.shape
    colour_map = _colour_map(cmap)
    image = ax.imshow(grid, cmap=colour_map, vmin=vmin, vmax=vmax, alpha=None if alpha == 1 else alpha,
                      interpolation="nearest", aspect="auto", origin="upper",
                      extent=(left, left + columns, top + rows, top))
    hidden = np.ma.getmaskarray(grid)
    if labels is None:
        labels = [[None if hidden[r, c] else f"{grid[r, c]:.3g}" for c in range(columns)] for r in range(rows)]
    # The colour each cell shows: the colour map's (on the image's scale, as imshow set it; NaN and masked cells
    # have none), blended by its opacity into the axes' background.
    low, high = image.norm.vmin, image.norm.vmax
    scaled = (np.ma.getdata(grid) - low) / (high - low) if high > low else np.zeros(grid.shape)
    rgba = colour_map(np.clip(scaled, 0.0, 1.0))
    opacity = np.where(hidden[..., None], 0.0, rgba[..., 3:] * alpha)
    shown = opacity * rgba[..., :3] + (1 - opacity) * np.array(to_rgb(ax.get_facecolor()))
    dark = luminance(shown) < DARK_CELL
    clip, font = shared_clip(ax), FontProperties(size=fontsize)  # shared by the labels: each is made 1.3x faster
    for r in range(rows):
        for c in range(columns):
            text = labels[r][c]
            if not text:
                continue
            colour = text_colours if text_colours is None or isinstance(text_colours, str) else text_colours[r][c]
            ax.text(left + c + 0.5, top + r + 0.5, text, ha="center", va="center", fontproperties=font,
                    color=colour or (LIGHT_TEXT if dark[r, c] else DARK_TEXT), clip_path=clip, gid=CELL_LABEL)
    return image


def figure_png(figure: Figure, dpi: float = PNG_DPI) -> bytes:
    """The figure as PNG bytes, as drawn: on white, for files and printing."""
    from io import BytesIO

    buffer = BytesIO()
    with MATPLOTLIB_LOCK:
        figure.savefig(buffer, format="png", dpi=dpi, facecolor=figure.get_facecolor())
    return buffer.getvalue()


def screen_image(figure: Figure, background: str, size: tuple[int, int], dpi: float) -> Image:
    """The figure as the picture a terminal shows: on the screen's `background` colour in the screen's ink, so
    that it sits in the app like its text does, laid out again to exactly `size` (width, height in pixels).

    An RGB PIL image straight from Agg's buffer: no PNG to encode and decode again.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image as Images

    _on_screen(figure, background)
    figure.set_dpi(dpi)
    figure.set_size_inches(size[0] / dpi, size[1] / dpi)
    canvas = FigureCanvasAgg(figure)
    with MATPLOTLIB_LOCK:
        canvas.draw()
        return Images.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")


def _on_screen(figure: Figure, background: str) -> None:
    """Recolours a figure for a screen background: the background behind it, and its black and dark-grey ink
    (titles, labels, ticks, frames, legends, text, black lines and points) in the screen's ink; series colours
    and heat-map labels keep theirs."""
    from matplotlib.collections import Collection
    from matplotlib.colors import to_rgb
    from matplotlib.lines import Line2D

    ink = SCREEN_INK_ON_DARK if luminance(to_rgb(background)) < 0.5 else SCREEN_INK_ON_LIGHT

    def inked(artist_colour: object) -> bool:
        """Whether a colour is the default ink, black or a dark grey, which vanishes on a dark background."""
        try:
            red, green, blue = to_rgb(artist_colour)
        except ValueError:
            return False
        return max(red, green, blue) - min(red, green, blue) < 0.05 and luminance((red, green, blue)) < 0.3

    def ink_marks(artists: Sequence[object]) -> None:
        """Inks black lines and black points (such as a start marker); colour-mapped ones keep their colours."""
        for artist in artists:
            if isinstance(artist, Line2D) and inked(artist.get_color()):
                artist.set_color(ink)
            elif isinstance(artist, Collection) and artist.get_array() is None:
                faces = artist.get_facecolors()
                if len(faces) and all(inked(face) for face in faces):
                    artist.set_facecolor(ink)
                    artist.set_edgecolor(ink)

    figure.set_facecolor(background)
    for text in figure.texts:
        if inked(text.get_color()):
            text.set_color(ink)
    for ax in figure.axes:
        ax.set_facecolor(background)
        ax.tick_params(colors=ink, which="both")
        for label in (ax.title, ax.xaxis.label, ax.yaxis.label):
            label.set_color(ink)
        for spine in ax.spines.values():
            if inked(spine.get_edgecolor()):
                spine.set_edgecolor(ink)
        for text in ax.texts:
            if text.get_gid() != CELL_LABEL and inked(text.get_color()):
                text.set_color(ink)
        ink_marks([*ax.get_lines(), *ax.collections])
        legend = ax.get_legend()
        if legend is not None:
            legend.get_frame().set_facecolor(background)
            legend.get_frame().set_edgecolor(GRID_COLOUR)
            for text in legend.get_texts():
                text.set_color(ink)
            ink_marks(legend.legend_handles)


def luminance(rgb: Sequence[float] | np.ndarray) -> np.ndarray:
    """Relative luminance (WCAG) of sRGB colours with channels in 0-1, over the last axis (one colour or a grid)."""
    import numpy as np

    shown = np.asarray(rgb, dtype=float)
    linear = np.where(shown <= 0.04045, shown / 12.92, ((shown + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])
