"""Opens a demo in the app on a machine whose Numba cache is empty, printing what the loading bar showed.

Run in a subprocess by the tests (`python -m tests.first_compile_probe DB CARDS`, with NUMBA_CACHE_DIR set to an
empty folder), because kernels compiled once in a process never compile again there.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from textual.widgets import ProgressBar

from revise.ui.app import ReviseApp
from revise.ui.widgets.demo_panel import DemoPanel
from tests.screen import screen_text, wait_for_text


async def probe(db_path: Path, cards_dir: Path) -> dict[str, object]:
    """The (done, total) steps the bar showed while the demo loaded, and the screen once it ran."""
    app = ReviseApp(db_path, cards_dir, graphics="text")
    steps: list[tuple[float | None, float | None]] = []
    bar_drawn = False
    move_bar = DemoPanel.on_demo_panel_progressed

    def move_bar_and_note_it(panel: DemoPanel, message: DemoPanel.Progressed) -> None:
        """Moves the bar as the app does and notes every (done, total) it is given: sampling the bar every 20 ms
        would miss the steps a busy machine delivers between two samples."""
        move_bar(panel, message)
        bar = panel.query_one(ProgressBar)
        if not steps or steps[-1] != (bar.progress, bar.total):
            steps.append((bar.progress, bar.total))

    DemoPanel.on_demo_panel_progressed = move_bar_and_note_it  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_text(pilot, "3 new")
        await pilot.press("space", "space")
        app.simulate_key("4")  # keys posted without Pilot's wait for an idle CPU: compiling keeps it busy
        await wait_for_text(pilot, "▶ demo: d")
        app.simulate_key("d")
        for _ in range(6000):
            await pilot.pause(0.02)
            bars = app.screen.query(ProgressBar)
            if bars and bars.first().display:
                bar_drawn = bar_drawn or ("━" in screen_text(pilot) and "Loading the demo" in screen_text(pilot))
            if "ran in" in screen_text(pilot):
                break
        final = screen_text(pilot)
        hidden = not app.screen.query_one(ProgressBar).display
    return {"steps": steps, "bar_drawn": bar_drawn, "ran": "ran in" in final, "bar_hidden_after": hidden}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe(Path(sys.argv[1]), Path(sys.argv[2])))))
