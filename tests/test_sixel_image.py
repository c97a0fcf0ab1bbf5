"""Sixel images define every colour before their first pixel (xterm draws the first band wrong otherwise)."""

from __future__ import annotations

import re

from PIL import Image
from textual_image._sixel import image_to_sixels

from revise.ui.widgets.sixel_image import registers_first


def test_every_colour_is_defined_before_the_first_band_and_the_pixels_are_unchanged() -> None:
    picture = Image.new("RGB", (40, 12), (200, 30, 30))
    picture.paste((30, 30, 200), (20, 0, 40, 12))
    sixels = image_to_sixels(picture)
    assert re.search(r"[?-~]#\d+;2;", sixels), "textual-image defines a colour after pixels of the first band"
    reordered = registers_first(sixels)
    header = re.match(r'\x1bP[\d;]*q"[\d;]*((?:#\d+;2;\d+;\d+;\d+)+)', reordered)
    assert header is not None, "the definitions come right after the raster attributes"
    assert sorted(re.findall(r"#\d+;2;[\d;]+", header.group(1))) == sorted(re.findall(r"#\d+;2;[\d;]+", sixels))
    body = reordered[header.end():]
    assert ";2;" not in body, "and nowhere else"
    assert body == re.sub(r"#(\d+);2;\d+;\d+;\d+", r"#\1", sixels[sixels.index("#"):]), "the pixels as they were"


def test_data_that_is_not_a_sixel_image_is_left_alone() -> None:
    assert registers_first("plain text #1;2;3;4;5") == "plain text #1;2;3;4;5"
