"""Timing the frames a Textual app paints under Pilot, including the work of turning them into terminal output."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

POLL = 0.001
TIMEOUT = 30.0


class FrameClock:
    """Wraps an app's display so that each frame is rendered as a real terminal would be sent it, and timed.

    Headless Pilot runs skip that rendering, so without it a redraw would look cheaper than it is. At each
    frame `probe` is read too, to tell which state of the app the frame shows.
    """

    def __init__(self, app: Any, probe: Callable[[], object] = lambda: None) -> None:
        self.frames: list[tuple[float, object]] = []
        self.probe = probe
        display = app._display

        def display_and_time(screen: object, update: Any) -> None:
            """Paints a frame, renders it to the text a terminal would be sent, and notes when and what it shows."""
            display(screen, update)
            if update is not None:
                update.render_segments(app.console)
                self.frames.append((time.perf_counter(), self.probe()))

        app._display = display_and_time

    async def first_frame_after(self, moment: float) -> float:
        """When the first frame painted after `moment` was done, waiting for it if need be."""
        return await self._first_frame(lambda painted, shown: painted > moment)

    async def first_frame_showing(self, shows: Callable[[object], bool], since: int = 0) -> float:
        """When the first frame (from index `since` on) whose probe value satisfies `shows` was done."""
        return await self._first_frame(lambda painted, shown: shows(shown), since)

    async def _first_frame(self, wanted: Callable[[float, object], bool], since: int = 0) -> float:
        """When the first frame from index `since` on that is `wanted` was done; an error if none comes in time."""
        deadline = time.perf_counter() + TIMEOUT
        while time.perf_counter() < deadline:
            found = next((painted for painted, shown in self.frames[since:] if wanted(painted, shown)), None)
            if found is not None:
                return found
            since = max(since, len(self.frames))
            await asyncio.sleep(POLL)  # sleeping, not spinning: a spinning loop would starve the app's workers
        raise TimeoutError(f"no such frame painted within {TIMEOUT:.0f} s")
