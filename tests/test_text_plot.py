"""Figures redrawn as braille text stay legible: the shapes land where they should, labels are real text."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from revise.demo_engine.text_plot import BrailleCanvas, figure_to_text
from revise.ui.graphics import detect_graphics, resolve_graphics


def diagonal_figure() -> Figure:
    figure = Figure(figsize=(6, 4))
    ax = figure.add_subplot()
    ax.plot([0, 10], [0, 10], color="red", linewidth=2, label="rising")
    ax.scatter([8], [2], color="blue", label="a point")
    ax.add_patch(Rectangle((1, 6), 2, 2, fill=False, edgecolor="green", linestyle="--", label="box"))
    ax.text(4, 9, "note", color="black")
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_title("A test figure")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    return figure


def plot_rows(text: str) -> list[str]:
    """The rows of the braille area, without the y-axis gutter."""
    return [line.split("│", 1)[1] for line in text.splitlines() if "│" in line]


def test_labels_are_text_and_the_line_is_where_it_should_be() -> None:
    text = figure_to_text(diagonal_figure(), columns=60, rows=20).plain
    lines = text.splitlines()
    assert lines[0].strip() == "A test figure"
    assert lines[-2].split() == ["0", "2", "4", "6", "8", "10"], "matplotlib's ticks, under their places"
    assert "x: step" in lines[-1] and "y: loss" in lines[-1]
    for entry in ("─ rising", "● a point", "□ box"):
        assert entry in lines[-1]
    rows = plot_rows(text)
    assert len(rows) == 16
    assert rows[-1][0] != " ", "the line starts bottom left"
    assert rows[0].rstrip()[-1] != " " and len(rows[0].rstrip()) >= len(rows[0]) - 2, "and ends top right"
    assert "note" in "".join(rows)
    assert "●" in "".join(rows[-5:]), "the point sits low on the right"
    assert any(0x2800 < ord(char) <= 0x28FF for char in "".join(rows)), "lines are braille dots"


def test_log_scale_axes_are_followed() -> None:
    figure = Figure()
    ax = figure.add_subplot()
    ax.plot([1, 10, 100, 1000], [1, 2, 3, 4], marker="o")
    ax.set_xscale("log")
    rows = plot_rows(figure_to_text(figure, columns=50, rows=14).plain)
    columns = sorted({row.index("●") for row in rows if "●" in row})
    gaps = [b - a for a, b in zip(columns, columns[1:])]
    assert len(columns) == 4 and max(gaps) - min(gaps) <= 1, "log-spaced points are evenly spaced"


def test_a_heat_map_colours_the_cells_under_each_pixel_and_keeps_its_labels() -> None:
    figure = Figure()
    ax = figure.add_subplot()
    ax.imshow([[0.0, 1.0], [1.0, 0.0]], cmap="gray", vmin=0, vmax=1)  # dark top left, light top right
    ax.text(0, 0, "0.00", color="red")
    text = figure_to_text(figure, columns=50, rows=20)
    rows = [line for line in text.split("\n") if "│" in line.plain]
    def background(row: int, fraction: float) -> str:
        line = rows[row]
        column = line.plain.index("│") + 1 + int(fraction * (len(line.plain) - line.plain.index("│") - 1))
        styles = [span.style for span in line.spans if span.start <= column < span.end]
        return str(styles[-1]) if styles else ""
    top, bottom = len(rows) // 4, 3 * len(rows) // 4
    assert "on #000000" in background(top, 0.3) and "on #ffffff" in background(top, 0.7)
    assert "on #ffffff" in background(bottom, 0.3) and "on #000000" in background(bottom, 0.7)
    assert "0.00" in text.plain, "text over the image is still written"


def test_canvas_dots_combine_within_a_cell() -> None:
    canvas = BrailleCanvas(1, 1)
    canvas.dots([0, 1], [0, 3], "red")
    assert [line.plain for line in canvas.lines()] == [chr(0x2800 + 0x01 + 0x80)]


def test_graphics_detection() -> None:
    assert detect_graphics({"TERM": "xterm-256color", "TMUX": "/tmp/tmux-0/default,1,0"}) == "text"
    assert detect_graphics({"TERM": "xterm-kitty"}) == "kitty"
    assert detect_graphics({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}) == "sixel"
    assert detect_graphics({"TERM": "foot"}) == "sixel"
    assert detect_graphics({"TERM": "xterm-256color"}) == "text"
    assert resolve_graphics("halfcell", {"TERM": "xterm-kitty"}) == "halfcell"


@pytest.mark.parametrize(("answer", "mode"), [("kitty(0.26.5)", "text"), ("kitty(0.27.1)", "text"),
                                              ("kitty(0.28.0)", "kitty"), ("kitty(0.35.2)", "kitty"),
                                              ("kitty(1.0.0)", "kitty"), (None, "text"), ("WezTerm 2024", "text")])
def test_kitty_gets_images_only_from_the_version_that_places_them_in_text_cells(answer: str | None,
                                                                              mode: str) -> None:
    assert resolve_graphics("auto", {"TERM": "xterm-kitty"}, lambda: answer) == mode
    assert resolve_graphics("kitty", {"TERM": "xterm-kitty"}, lambda: answer) == "kitty", "asked for, it is used"


def x_ticks(text: str) -> list[str]:
    """The labels on the row under the x axis."""
    lines = text.splitlines()
    return lines[next(row for row, line in enumerate(lines) if line.lstrip().startswith("└")) + 1].split()


def test_bars_are_labelled_by_their_ticks_not_by_the_half_bar_beyond_the_axis_ends() -> None:
    figure = Figure(figsize=(6, 4))
    ax = figure.add_subplot()
    ax.bar(range(30), range(30))
    ax.set_xlim(-0.5, 29.5)
    assert x_ticks(figure_to_text(figure, columns=70, rows=12).plain) == ["0", "5", "10", "15", "20", "25"]


def test_named_ticks_keep_their_names() -> None:
    figure = Figure(figsize=(6, 4))
    ax = figure.add_subplot()
    ax.bar([0, 1, 2], [3, 1, 2])
    ax.set_xticks([0, 1, 2], ["sgd", "momentum", "adam"])
    assert x_ticks(figure_to_text(figure, columns=70, rows=12).plain) == ["sgd", "momentum", "adam"]
