"""The shared figure helpers: a heat map puts each label on its own cell and colours each cell by its value."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure

from revise.figures import heat_map, new_axes


def cell_centres(ax) -> dict[str, tuple[float, float]]:
    """Each label's text and where it is written, in data coordinates."""
    return {text.get_text(): tuple(text.get_position()) for text in ax.texts}


def test_each_label_is_written_at_the_centre_of_its_cell() -> None:
    _, ax = new_axes("t", "", "")
    values = np.arange(6.0).reshape(2, 3)
    labels = [[f"r{r}c{c}" for c in range(3)] for r in range(2)]
    image = heat_map(ax, values, 2.0, 1.0, labels=labels)
    assert len(ax.texts) == 6
    for r in range(2):
        for c in range(3):
            assert cell_centres(ax)[f"r{r}c{c}"] == (2.0 + c + 0.5, 1.0 + r + 0.5)
    assert all(text.get_ha() == "center" and text.get_va() == "center" for text in ax.texts)
    assert tuple(image.get_extent()) == (2.0, 5.0, 3.0, 1.0), "rows go down from top = 1"
    clips = {id(text.get_clip_path()) for text in ax.texts}
    assert len(clips) == 1, "the labels share one clip path"


def test_default_labels_are_the_values_and_masked_or_empty_cells_stay_blank() -> None:
    _, ax = new_axes("t", "", "")
    values = np.ma.masked_array([[0.123456, 2.0], [-1.5, 7.0]], mask=[[False, False], [True, False]])
    heat_map(ax, values)
    assert sorted(text.get_text() for text in ax.texts) == ["0.123", "2", "7"]
    _, ax = new_axes("t", "", "")
    heat_map(ax, [[1.0, 2.0]], labels=[["a", ""]])
    assert [text.get_text() for text in ax.texts] == ["a"]


def test_cells_are_painted_in_their_values_colour() -> None:
    figure, ax = new_axes("t", "", "")
    rng = np.random.default_rng(3)
    values = rng.uniform(-2, 5, (3, 4))
    heat_map(ax, values, 0.0, 0.0, cmap="viridis", vmin=-2.0, vmax=5.0, labels=[[""] * 4] * 3)
    ax.set_xlim(0, 4)
    ax.set_ylim(3, 0)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3] / 255.0
    height = pixels.shape[0]
    colour_map, norm = matplotlib.colormaps["viridis"], Normalize(-2.0, 5.0)
    for r in range(3):
        for c in range(4):
            x, y = ax.transData.transform((c + 0.5, r + 0.5))
            shown = pixels[int(height - y), int(x)]
            assert np.abs(shown - np.array(colour_map(norm(values[r, c]))[:3])).max() < 0.02, (r, c)


def test_labels_are_white_on_dark_cells_and_black_on_light_ones_unless_given() -> None:
    _, ax = new_axes("t", "", "")
    heat_map(ax, [[0.0, 1.0]], cmap="viridis", labels=[["dark", "light"]])  # viridis: dark purple to yellow
    colours = {text.get_text(): to_rgb(text.get_color()) for text in ax.texts}
    assert colours == {"dark": (1.0, 1.0, 1.0), "light": (0.0, 0.0, 0.0)}
    _, ax = new_axes("t", "", "")
    heat_map(ax, [[0.0, 1.0]], cmap="gray", alpha=0.2, labels=[["faint", "x"]])  # black at 20% over white
    assert to_rgb(ax.texts[0].get_color()) == (0.0, 0.0, 0.0), "the colour seen, not the colour map's, decides"
    _, ax = new_axes("t", "", "")
    heat_map(ax, [[0.0, 1.0]], labels=[["a", "b"]], text_colours=[["red", None]])
    assert [to_rgb(text.get_color()) for text in ax.texts] == [(1.0, 0.0, 0.0), (0.0, 0.0, 0.0)]
    _, ax = new_axes("t", "", "")
    heat_map(ax, [[0.0, 1.0]], labels=[["a", "b"]], text_colours="blue")
    assert {text.get_color() for text in ax.texts} == {"blue"}


@pytest.mark.parametrize("constant", [0.0, 3.0])
def test_a_constant_grid_is_drawn(constant: float) -> None:
    _, ax = new_axes("t", "", "")
    heat_map(ax, np.full((2, 2), constant))
    assert len(ax.texts) == 4 and len(ax.images) == 1


def test_a_figure_for_the_screen_is_drawn_on_its_background_in_light_ink_and_a_file_stays_white() -> None:
    import io

    import numpy as np
    from PIL import Image

    from revise.figures import figure_png, new_axes, screen_image

    def figure() -> Figure:
        figure, ax = new_axes("A title", "x", "y")
        ax.plot([0, 1], [0, 1], color="black", label="line")
        ax.scatter([0.5], [0.2], color="black", label="start")
        ax.legend()
        return figure

    on_screen = np.asarray(screen_image(figure(), "#121212", (350, 225), dpi=50))
    in_file = np.asarray(Image.open(io.BytesIO(figure_png(figure(), dpi=50))).convert("RGB"))
    assert on_screen.shape == (225, 350, 3), "exactly the size asked for"
    assert tuple(on_screen[0, 0]) == (0x12, 0x12, 0x12) and tuple(in_file[0, 0]) == (255, 255, 255)
    assert (on_screen.min(axis=2) > 235).mean() < 0.001, "no white box on screen"
    assert (on_screen.max(axis=2) > 150).mean() > 0.002, "the title, labels and line are drawn in light ink"
    assert not (on_screen.max(axis=2) < 0x10).any(), "no black left, which would vanish: lines and points inked"
