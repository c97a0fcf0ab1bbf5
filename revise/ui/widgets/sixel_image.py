"""textual-image's Sixel widget, with every colour register defined before the image's first pixel.

textual-image defines each colour the first time a band uses it. xterm then draws that first band in the
register's previous colour: a band of green or grey, six pixels high, across the top of every image. Defining
all colours up front, as most Sixel encoders do, draws the same image without it. This relies on textual-image's
private `_ImageSixelImpl`, which is why pyproject pins its version.
"""

from __future__ import annotations

import re
from typing import Any

from textual.app import ComposeResult
from textual_image.widget.sixel import Image, _ImageSixelImpl, _NoopRenderable

# The start of a Sixel image: DCS, its parameters, `q`, and the raster attributes if any ("Pan;Pad;Ph;Pv).
_HEADER = re.compile(r'\x1bP[\d;]*q(?:"[\d;]*)?')
_DEFINITION = re.compile(r"#(\d+);2;\d+;\d+;\d+")


def registers_first(sixels: str) -> str:
    """The same Sixel image with its colour definitions (`#n;2;r;g;b`) moved before its first band."""
    header = _HEADER.match(sixels)
    if header is None:
        return sixels
    body = sixels[header.end():]
    definitions = "".join(match.group(0) for match in _DEFINITION.finditer(body))
    return header.group(0) + definitions + _DEFINITION.sub(r"#\1", body)


class _RegistersFirstImpl(_ImageSixelImpl):
    """The widget part that encodes the image, reordered by `registers_first`."""

    def _image_to_sixels(self, image: Any, sixel_options: Any = None, background: Any = None) -> str:
        return registers_first(super()._image_to_sixels(image, sixel_options, background))


class SixelImage(Image, Renderable=_NoopRenderable):
    """An image drawn with Sixel graphics, with no band of a foreign colour over its top in xterm."""

    def compose(self) -> ComposeResult:
        yield _RegistersFirstImpl(self.image, self._sixel_options)
