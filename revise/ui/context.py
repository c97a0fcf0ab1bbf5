"""The one seam between the screens and the rest of revise: what a screen may use, handed to it by the app."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from revise.collection import Collection


@dataclass(frozen=True)
class Context:
    """The open collection and how to show and save things; screens get it when they are made, and change the
    app's state (settings, language) only by posting messages."""

    collection: Collection
    graphics: str  # how plots and formulas are drawn: sixel, kitty, halfcell or text
    config_path: Path  # the settings file
    settings_lock: threading.Lock  # one writer of the settings file at a time
