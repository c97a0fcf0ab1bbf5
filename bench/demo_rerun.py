"""A warm demo re-run after a parameter change, until the panel has redrawn, against the bare run."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.frames import POLL, FrameClock
from revise.demo_engine.registry import ready_demo
from revise.demo_engine.runner import run_demo
from revise.demo_engine.text_plot import figure_to_text

DEMO, PARAM, VALUES = "optimizers", "steps", ("150", "200")
DECK = f"""# Bench | 基准

## Demo card | 演示卡
id: bench-card
demo: {DEMO}

### Q
q

### 问
问

### A
a

### 答
答
"""
RUNS = 20


async def _panel_times(folder: Path) -> tuple[float, list[float]]:
    """The cold first run (import and compile included) and warm re-run times, measured in the real app.

    A re-run is timed from the edit until the first frame painted after the new result is in the widgets.
    """
    from textual.widgets import Input, Static

    from revise.ui.app import ReviseApp
    from revise.ui.widgets.demo_panel import DemoPanel

    app = ReviseApp(folder / "bench.db", folder / "cards", graphics="text")
    clock = FrameClock(app)
    async with app.run_test(size=(100, 30)) as pilot:
        while app.collection is None:
            await pilot.pause(0.01)
        await pilot.press("space")
        while getattr(app.screen, "card", None) is None:
            await pilot.pause(0.01)
        start = time.perf_counter()
        await pilot.press("d")
        panel = app.screen.query_one(DemoPanel)
        status = panel.query_one("#demo-status", Static)
        while "ran in" not in str(status.render()):
            await asyncio.sleep(POLL)
        cold = time.perf_counter() - start
        times = []
        for index in range(RUNS):
            summary = str(panel.query_one("#demo-summary", Static).render())
            field = panel.query_one(f"#param-{PARAM}", Input)
            start = time.perf_counter()
            with field.prevent(Input.Changed):  # measure one run, without the typing debounce's second one
                field.value = VALUES[index % 2]
            panel.request_run()
            while str(panel.query_one("#demo-summary", Static).render()) == summary:
                await asyncio.sleep(POLL)  # sleeping, not spinning: a spinning loop would starve the worker
            times.append(await clock.first_frame_after(time.perf_counter()) - start)
    return cold, times


def measure() -> dict[str, float]:
    """Median warm re-run-and-redraw time in the app, the cold first run, and the bare run plus text plot."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "cards").mkdir()
        (folder / "cards" / "bench.md").write_text(DECK, encoding="utf-8")
        cold, times = asyncio.run(_panel_times(folder))
    ready_demo(DEMO)
    bare = []
    for index in range(RUNS):
        start = time.perf_counter()
        run = run_demo(DEMO, {PARAM: VALUES[index % 2]})
        figure_to_text(run.result.figure, 96, 22)
        bare.append(time.perf_counter() - start)
    panel, reference = statistics.median(times), statistics.median(bare)
    return {"panel_s": panel, "cold_s": cold, "bare_s": reference, "ratio": panel / reference}


def report(results: dict[str, float]) -> str:
    """The Markdown row for RESULTS.md."""
    return (f"| `{DEMO}` demo: re-run after a parameter change until the new frame is painted (warm; cold first open "
            f"{results['cold_s']:.2f} s) | {results['panel_s'] * 1000:.0f} ms | the same run and text plot "
            f"without the UI: {results['bare_s'] * 1000:.0f} ms | {results['ratio']:.2f}x | under 50 ms |")
