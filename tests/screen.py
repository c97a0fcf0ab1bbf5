"""Reading what a learner would see on a Pilot-driven screen, and waiting for it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot


def screen_text(pilot: Pilot) -> str:
    """The characters on the terminal, one line per row, as the compositor drew them."""
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def wait_for(pilot: Pilot, predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Pauses the app until `predicate` holds, failing with the screen's text if it never does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen_text(pilot)}")
        await pilot.pause(0.05)


async def wait_for_text(pilot: Pilot, text: str, timeout: float = 15.0) -> None:
    """Waits until `text` appears on the screen."""
    await wait_for(pilot, lambda: text in screen_text(pilot), repr(text), timeout)


def notifications(pilot: Pilot) -> list[str]:
    """The messages of the toasts on screen (toasts are drawn on a layer the compositor strips leave out)."""
    return [notification.message for notification in pilot.app._notifications]
