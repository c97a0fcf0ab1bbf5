"""Redrawing a matplotlib figure as text for terminals without graphics: braille lines, real labels.

It walks the figure's artists (lines, scatter points, rectangles, contour lines, text labels, and images such
as heat maps, which colour the cells' background) and draws
them on a braille canvas, two dots wide and four high per cell; the title, tick values, axis labels and
legend are written as ordinary text so that they stay legible at 100x30 in tmux.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage

_BRAILLE_BASE = 0x2800
# Dot bit for a (column 0-1, row 0-3) position inside a braille cell.
_DOT_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.int32)
_MARKERS = {"o": "●", "s": "■", "^": "▲", "v": "▼", "D": "◆", "d": "◆", "*": "★", "x": "✕", "X": "✕",
            "+": "+", "P": "+", ".": "•", "p": "⬟", "h": "⬢", "<": "◀", ">": "▶"}
_DIM = "#6c6c6c"


class BrailleCanvas:
    """A grid of cells, each holding braille dots in one colour, or a single marker character."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.bits = np.zeros((rows, columns), dtype=np.int32)
        self.colour_index = np.full((rows, columns), -1, dtype=np.int32)
        self.palette: list[str] = []
        self.glyphs: dict[tuple[int, int], tuple[str, str]] = {}
        self.backgrounds: dict[tuple[int, int], str] = {}  # cells under an image, by colour

    @property
    def width(self) -> int:
        """Dots across."""
        return self.columns * 2

    @property
    def height(self) -> int:
        """Dots down."""
        return self.rows * 4

    def dots(self, x: np.ndarray, y: np.ndarray, colour: str) -> None:
        """Sets the dots at (x, y) in dot coordinates, y down, in one colour; dots off the canvas are dropped."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        on_canvas = (x >= 0) & (x < self.width) & (y >= 0) & (y < self.height)
        column, row = x[on_canvas].astype(np.int64), y[on_canvas].astype(np.int64)
        cells = (row // 4, column // 2)
        np.bitwise_or.at(self.bits, cells, _DOT_BITS[row % 4, column % 2])
        if colour not in self.palette:
            self.palette.append(colour)
        self.colour_index[cells] = self.palette.index(colour)

    def polyline(self, points: np.ndarray, colour: str, dashed: bool = False) -> None:
        """Joins consecutive (x, y) dot positions with straight lines, every other stretch left out when dashed.

        Segments with a non-finite end, or absurdly long ones (a point far off the canvas), are skipped.
        """
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        start, delta = points[:-1], np.diff(points, axis=0)
        with np.errstate(invalid="ignore"):
            length = np.maximum(np.abs(delta).max(axis=1, initial=0), 1)
            drawable = np.isfinite(points[:-1]).all(axis=1) & np.isfinite(points[1:]).all(axis=1)
            drawable &= length <= 4 * (self.width + self.height)
        start, delta, steps = start[drawable], delta[drawable], length[drawable].astype(np.int64)
        counts = steps + 1
        segment = np.repeat(np.arange(len(steps)), counts)
        step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        if dashed:
            solid = (step // 3) % 2 == 0
            segment, step = segment[solid], step[solid]
        along = start[segment] + delta[segment] * (step / steps[segment])[:, None]
        self.dots(along[:, 0], along[:, 1], colour)

    def glyph(self, x: float, y: float, char: str, colour: str) -> None:
        """Puts a marker character in the cell holding dot (x, y)."""
        if 0 <= x < self.width and 0 <= y < self.height:
            self.glyphs[(int(y) // 4, int(x) // 2)] = (char, colour)

    def write(self, x: float, y: float, text: str, colour: str) -> None:
        """Writes a short label starting at the cell holding dot (x, y), clipped at the right edge."""
        row, column = int(y) // 4, int(x) // 2
        if not 0 <= row < self.rows:
            return
        for offset, char in enumerate(text):
            if 0 <= column + offset < self.columns:
                self.glyphs[(row, column + offset)] = (char, colour)

    def lines(self) -> Iterator[Text]:
        """The canvas as rows of styled text, one span per run of cells in the same style."""
        for row in range(self.rows):
            text = Text()
            run, run_style = [], ""
            for column in range(self.columns):
                char, style = self._cell(row, column)
                if style != run_style and run:
                    text.append("".join(run), style=run_style or None)
                    run = []
                run.append(char)
                run_style = style
            text.append("".join(run), style=run_style or None)
            yield text

    def _cell(self, row: int, column: int) -> tuple[str, str]:
        """The character and style of one cell: a marker, braille dots, or a blank, over an image's colour if any."""
        background = f" on {self.backgrounds[(row, column)]}" if (row, column) in self.backgrounds else ""
        if (row, column) in self.glyphs:
            char, colour = self.glyphs[(row, column)]
            return char, f"bold {colour}{background}"
        if self.bits[row, column]:
            colour = self.palette[self.colour_index[row, column]]
            return chr(_BRAILLE_BASE + int(self.bits[row, column])), colour + background
        return " ", background.strip()


def _hex(colour: object) -> str:
    """A matplotlib colour as #rrggbb."""
    from matplotlib.colors import to_hex

    return to_hex(colour)


def _tick(value: float) -> str:
    """A tick value in at most about 7 characters."""
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    return f"{value:.1e}"


class _Projection:
    """Maps data coordinates of one axes to dot coordinates of the canvas, whatever the axes' scales."""

    def __init__(self, ax: Axes, canvas: BrailleCanvas) -> None:
        self.transform = ax.transData
        box = ax.bbox
        self.x0, self.y0, self.x1, self.y1 = box.x0, box.y0, box.x1, box.y1
        self.canvas = canvas

    def __call__(self, points: Iterable[Iterable[float]]) -> np.ndarray:
        """Dot coordinates (x right, y down) of data points, as an (N, 2) array."""
        data = np.asarray(list(points) if not isinstance(points, np.ndarray) else points, dtype=float)
        if data.size == 0:
            return np.zeros((0, 2))
        with np.errstate(all="ignore"):
            display = self.transform.transform(data.reshape(-1, 2))
        x = (display[:, 0] - self.x0) / (self.x1 - self.x0) * (self.canvas.width - 1)
        y = (self.y1 - display[:, 1]) / (self.y1 - self.y0) * (self.canvas.height - 1)
        return np.column_stack([x, y])


def _draw_axes_content(ax: Axes, canvas: BrailleCanvas) -> list[tuple[str, str, str]]:
    """Draws every supported artist of the axes; returns legend entries (marker, colour, label)."""
    from matplotlib.collections import Collection, PathCollection
    from matplotlib.patches import Rectangle

    project = _Projection(ax, canvas)
    legend: list[tuple[str, str, str]] = []
    for image in ax.images:
        _draw_image(image, ax, canvas)
    for collection in ax.collections:
        if isinstance(collection, PathCollection) and len(collection.get_offsets()):
            colours = collection.get_facecolors() if len(collection.get_facecolors()) else collection.get_edgecolors()
            for index, (x, y) in enumerate(project(collection.get_offsets())):
                canvas.glyph(x, y, "●", _hex(colours[index % len(colours)]) if len(colours) else "white")
            if not collection.get_label().startswith("_") and len(colours):
                legend.append(("●", _hex(colours[0]), collection.get_label()))
        elif isinstance(collection, Collection):
            colours = collection.get_edgecolors()
            for index, path in enumerate(collection.get_paths()):
                colour = _hex(colours[index % len(colours)]) if len(colours) else _DIM
                for polygon in path.to_polygons(closed_only=False):
                    canvas.polyline(project(polygon), colour)
    for patch in ax.patches:
        if isinstance(patch, Rectangle):
            x, y = patch.get_xy()
            w, h = patch.get_width(), patch.get_height()
            corners = project([(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)])
            dashed = patch.get_linestyle() not in ("-", "solid")
            canvas.polyline(corners, _hex(patch.get_edgecolor()), dashed)
            if not patch.get_label().startswith("_"):
                legend.append(("□", _hex(patch.get_edgecolor()), patch.get_label()))
    for line in ax.get_lines():
        colour = _hex(line.get_color())
        points = project(line.get_xydata())
        if line.get_linestyle() not in ("None", "", " "):
            canvas.polyline(points, colour, dashed=line.get_linestyle() in ("--", ":", "-."))
        marker = _MARKERS.get(str(line.get_marker()))
        if marker:
            every = max(1, len(points) // 12)
            for x, y in points[::every]:
                canvas.glyph(x, y, marker, colour)
        if not line.get_label().startswith("_"):
            legend.append((marker or "─", colour, line.get_label()))
    for text in ax.texts:
        label = text.get_text().strip().replace("\n", " ")
        if label:
            x, y = project([text.get_position()])[0]
            shift = {"center": len(label) - 1, "right": 2 * (len(label) - 1)}.get(text.get_horizontalalignment(), 0)
            canvas.write(x - shift, y, label, _hex(text.get_color()))
    return legend


def _draw_image(image: AxesImage, ax: Axes, canvas: BrailleCanvas) -> None:
    """Colours the background of every cell whose centre falls on the image (a heat map) with its pixel's colour,
    blended into the axes' background as far as it is transparent (masked pixels leave the cell as it is)."""
    from matplotlib.colors import to_rgb

    pixels = image.get_array()
    if pixels is None or np.ndim(pixels) < 2:
        return
    rgba = image.to_rgba(pixels)
    alpha = image.get_alpha()  # None, one number, or one a pixel
    opacity = rgba[..., 3:] * (1.0 if alpha is None else np.asarray(alpha, dtype=float)[..., None])
    colours = opacity * rgba[..., :3] + (1 - opacity) * np.array(to_rgb(ax.get_facecolor()))
    rows, columns = colours.shape[:2]
    left, right, bottom, top = image.get_extent()
    box = ax.bbox
    cell_rows, cell_columns = np.mgrid[0:canvas.rows, 0:canvas.columns]
    display = np.column_stack([box.x0 + (cell_columns.ravel() * 2 + 1) / (canvas.width - 1) * box.width,
                               box.y1 - (cell_rows.ravel() * 4 + 2) / (canvas.height - 1) * box.height])
    x, y = ax.transData.inverted().transform(display).T
    first_row_at = top if image.origin == "upper" else bottom
    last_row_at = bottom if image.origin == "upper" else top
    with np.errstate(all="ignore"):
        column = np.floor((x - left) / (right - left) * columns)
        row = np.floor((y - first_row_at) / (last_row_at - first_row_at) * rows)
    inside = (column >= 0) & (column < columns) & (row >= 0) & (row < rows)
    inside[inside] = opacity[row[inside].astype(int), column[inside].astype(int), 0] > 0
    for cell_row, cell_column, pixel_row, pixel_column in zip(cell_rows.ravel()[inside], cell_columns.ravel()[inside],
                                                             row[inside].astype(int), column[inside].astype(int)):
        canvas.backgrounds[(int(cell_row), int(cell_column))] = _hex(colours[pixel_row, pixel_column])


def figure_to_text(figure: Figure, columns: int = 96, rows: int = 22) -> Text:
    """The figure's first axes drawn in `columns` x `rows` cells, with title, ticks, labels and legend as text."""
    if not figure.axes:
        return Text("(empty figure)")
    ax = figure.axes[0]
    ax.get_xlim(), ax.get_ylim()  # autoscales the view limits now; a full draw would cost tens of ms
    ax.apply_aspect()
    legend_rows = 1
    y_labels = [_tick(value) for value in _y_ticks(ax)]
    gutter = max(len(label) for label in y_labels) + 1
    plot_rows = max(4, rows - 3 - legend_rows)
    canvas = BrailleCanvas(max(10, columns - gutter - 1), plot_rows)
    legend = _draw_axes_content(ax, canvas)

    out = Text(no_wrap=True, overflow="crop")
    title = ax.get_title() or (figure._suptitle.get_text() if figure._suptitle else "")
    out.append(title.center(columns).rstrip() + "\n", style="bold")
    top, bottom = y_labels[-1], y_labels[0]
    middle_row = plot_rows // 2
    for row, text in enumerate(canvas.lines()):
        label = top if row == 0 else bottom if row == plot_rows - 1 else (y_labels[1] if row == middle_row and len(y_labels) > 2 else "")
        out.append(label.rjust(gutter - 1) + " │", style=_DIM)
        out.append_text(text)
        out.append("\n")
    out.append(" " * gutter + "└" + "─" * canvas.columns + "\n", style=_DIM)
    out.append(" " * (gutter + 1) + _x_tick_row(ax, canvas) + "\n", style=_DIM)
    x_label, y_label = ax.get_xlabel(), ax.get_ylabel()
    entries = Text("".join(f"{axis}: {label}   " for axis, label in (("x", x_label), ("y", y_label)) if label),
                   style=_DIM)
    for marker, colour, label in legend:
        entries.append(f"{marker} ", style=f"bold {colour}")
        entries.append(f"{label}   ")
    out.append_text(entries)
    return out


def _x_tick_row(ax: Axes, canvas: BrailleCanvas) -> str:
    """The x axis's tick labels, each centred under its place, as many as fit with a space between them.

    matplotlib's own ticks (their values, or their names, such as categories), not the axis's ends, which for
    bars are half a bar beyond the first and last (-0.5 and 29.5 for 30 days).
    """
    from matplotlib.ticker import LogFormatter, ScalarFormatter

    low, high = sorted(ax.get_xlim())
    ticks = [tick for tick in ax.get_xticks() if low <= tick <= high]
    formatter = ax.xaxis.get_major_formatter()
    numbered = isinstance(formatter, (ScalarFormatter, LogFormatter))  # written our way, as the y axis's are
    labels = [_tick(tick) for tick in ticks] if numbered else formatter.format_ticks(ticks)
    row, free_from = [" "] * canvas.columns, 0
    places = _Projection(ax, canvas)([(tick, ax.get_ylim()[0]) for tick in ticks])[:, 0] / 2
    for place, label in zip(places, labels):
        if not math.isfinite(place):
            continue
        start = min(canvas.columns - len(label), max(0, round(place) - len(label) // 2))
        if label and start >= free_from:
            row[start:start + len(label)] = label
            free_from = start + len(label) + 1
    return "".join(row)


def _y_ticks(ax: Axes) -> list[float]:
    """Bottom, middle and top of the y range, the middle in the axes' own scale."""
    low, high = ax.get_ylim()
    if ax.get_yscale() == "log" and low > 0 and high > 0:
        return [low, math.sqrt(low * high), high]
    return [low, (low + high) / 2, high]
