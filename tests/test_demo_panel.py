"""The live demo under a card, driven by Pilot: `d` opens it, editing a parameter re-runs and redraws it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input

from revise.paths import PROJECT_ROOT
from revise.ui.app import ReviseApp
from revise.ui.graphics import cell_pixels, prepare_graphics
from revise.ui.widgets.demo_panel import SCROLLBAR_ROOM, DemoPanel
from tests.screen import screen_text, wait_for, wait_for_text


def panel_text(pilot) -> str:
    """Everything the demo panel shows, read from its widgets' rendered content."""
    panel = pilot.app.screen.query_one(DemoPanel)
    return "\n".join(str(static.render()) for static in panel.query("Static"))


async def open_demo_card(pilot) -> None:
    """Goes to the second card of the test deck, the one with the optimizers demo, and opens its demo."""
    await wait_for_text(pilot, "3 new")
    await pilot.press("space")
    await wait_for_text(pilot, "Write the gradient-descent update.")
    await pilot.press("space", "4")
    await wait_for_text(pilot, "▶ demo: d")
    await pilot.press("d")
    await wait_for(pilot, lambda: "ran in" in panel_text(pilot), "the first demo run", timeout=120)


async def test_d_opens_the_demo_inline_and_an_edit_reruns_it(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir, graphics="text")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_demo_card(pilot)
        first = panel_text(pilot)
        assert "adam" in first and "rosenbrock" in first.lower()
        assert any(0x2800 < ord(char) <= 0x28FF for char in first), "the plot is drawn as braille"

        steps = pilot.app.screen.query_one("#param-steps", Input)
        steps.value = "5"
        await wait_for(pilot, lambda: panel_text(pilot) != first and "ran in" in panel_text(pilot),
                       "the re-run after an edit")
        assert panel_text(pilot) != first

        steps.value = "999999"
        await wait_for(pilot, lambda: "--steps 999999: must be from 1 to 5000" in panel_text(pilot), "the range error")
        assert "adam" in panel_text(pilot), "the last good result stays on screen"


async def test_arrow_keys_step_a_whole_number_and_rerun_at_once_within_its_range(db_path: Path,
                                                                                   cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir, graphics="text")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_demo_card(pilot)
        steps = pilot.app.screen.query_one("#param-steps", Input)
        start = int(steps.value)
        steps.focus()
        before = panel_text(pilot)
        await pilot.press("up", "up")
        assert steps.value == str(start + 2)
        await wait_for(pilot, lambda: f"{start + 2} steps" in panel_text(pilot), "the run of the stepped value")
        assert panel_text(pilot) != before

        steps.value = "1"
        await wait_for(pilot, lambda: "1 steps" in panel_text(pilot) or "1 step " in panel_text(pilot),
                       "the run at the low end")
        await pilot.press("down")
        assert steps.value == "1", "the low end of the range holds"


async def test_d_again_closes_the_demo_and_rating_still_works(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir, graphics="text")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_demo_card(pilot)
        pilot.app.screen.set_focus(None)
        await pilot.press("d")
        await wait_for(pilot, lambda: not pilot.app.screen.query(DemoPanel), "the panel to close")
        await pilot.press("space", "3")
        await wait_for_text(pilot, "What does momentum average?")
        assert "ran in" not in screen_text(pilot)


def test_the_first_compile_on_a_machine_shows_a_progress_bar(db_path: Path, cards_dir: Path, tmp_path: Path) -> None:
    empty_cache = tmp_path / "numba-cache"
    empty_cache.mkdir()
    probe = subprocess.run([sys.executable, "-m", "tests.first_compile_probe", str(db_path), str(cards_dir)],
                           capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
                           env={**os.environ, "NUMBA_CACHE_DIR": str(empty_cache)})
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.splitlines()[-1])
    steps = [done for done, total in seen["steps"] if total]
    total = seen["steps"][-1][1]
    assert seen["bar_drawn"], "the bar is on screen under 'Loading the demo'"
    assert total and total >= 3, "one step for the import and one per kernel"
    assert any(1 <= done < total for done in steps), f"the bar stopped part-way at least once: {seen['steps']}"
    assert steps == sorted(steps), "and only moves forward"
    assert seen["ran"] and seen["bar_hidden_after"], "once compiled the demo runs and the bar goes away"
    assert any(empty_cache.rglob("*.nbi")), "the kernels were compiled into the cache"


PLOT_EVIDENCE = {
    "halfcell": lambda cells, segments: len({style.bgcolor for char, style in cells if char == "▀"}) > 50,
    "sixel": lambda cells, segments: any(text.startswith("\x1bP") and "#" in text for text in segments),
    "kitty": lambda cells, segments: sum(char == "\U0010eeee" for char, style in cells) >= 22 * 40,
}


@pytest.mark.parametrize("mode", sorted(PLOT_EVIDENCE))
async def test_image_modes_draw_the_plot_and_redraw_it_after_an_edit(mode: str, db_path: Path, cards_dir: Path) -> None:
    prepare_graphics(mode)
    app = ReviseApp(db_path, cards_dir, graphics=mode)
    async with app.run_test(size=(100, 60)) as pilot:
        await open_demo_card(pilot)
        image = pilot.app.screen.query_one("#demo-plot-image")
        await wait_for(pilot, lambda: image.size.height == 22, "the image laid out 22 rows high")
        first = image.image
        cell_width, cell_height = cell_pixels()
        assert first.size == (image.size.width * cell_width, 22 * cell_height), "drawn to fill its box, unscaled"
        plot_area = pilot.app.screen.query_one("#demo-plot")
        assert plot_area.size.width - SCROLLBAR_ROOM <= image.size.width <= plot_area.size.width, \
            "as wide as the panel, room for its scrollbar apart"

        def drawn() -> bool:
            strips = pilot.app.screen._compositor.render_strips()
            cells = [(char, segment.style) for strip in strips for segment in strip for char in segment.text]
            return PLOT_EVIDENCE[mode](cells, [segment.text for strip in strips for segment in strip])

        await wait_for(pilot, drawn, f"the plot drawn with {mode}")
        pilot.app.screen.query_one("#param-steps", Input).value = "5"
        await wait_for(pilot, lambda: image.image is not first and "ran in" in panel_text(pilot), "the redrawn plot")
        assert pilot.app.screen.query_one("#demo-plot-image") is image, "the new plot replaces the old in place"
        await wait_for(pilot, drawn, f"the new plot drawn with {mode}")


PRESET_DECK = """\
# Optimisation | 优化

## Saddle points | 鞍点
id: saddle
demo: optimizers surface=saddle methods=sgd,momentum start_x=-1.5 start_y=0.001

### Q
What does gradient descent do near a saddle point?

### 问
梯度下降在鞍点附近会怎样?

### A
It slows down.

### 答
它会变慢。

## A card with values its demo refuses | 演示参数有误的卡片
id: bad-values
demo: optimizers lr=7

### Q
Bad?

### 问
错?

### A
Yes.

### 答
是。
"""


@pytest.fixture
def preset_cards(tmp_path: Path) -> Path:
    """A card folder with the two cards of PRESET_DECK: one with demo values, one with values the demo refuses."""
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "deck.md").write_text(PRESET_DECK, encoding="utf-8")
    return folder


async def open_demo_of(pilot, question: str) -> None:
    """Waits for the card asking `question`, reveals it, opens its demo and waits for the first run."""
    await wait_for_text(pilot, question)
    await pilot.press("space", "d")
    await wait_for(pilot, lambda: "ran in" in panel_text(pilot), "the first demo run", timeout=120)


async def test_a_card_opens_its_demo_on_its_own_values_and_follows_the_language(db_path: Path,
                                                                                  preset_cards: Path) -> None:
    app = ReviseApp(db_path, preset_cards, graphics="text")
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_text(pilot, "2 new")
        await pilot.press("space")
        await open_demo_of(pilot, "near a saddle point")
        shown = panel_text(pilot)
        assert "steps on saddle" in shown and "Saddle point: (0, 0)" in shown
        assert pilot.app.screen.query_one("#param-methods", Input).value == "sgd,momentum"
        assert pilot.app.screen.query_one("#param-start_x", Input).value == "-1.5"
        assert "adam" not in shown, "only the card's two methods race"
        pilot.app.screen.set_focus(None)
        await pilot.press("l")
        await wait_for(pilot, lambda: "在鞍面上" in panel_text(pilot), "the summary in Chinese")
        assert "优化器" in panel_text(pilot), "and the table headers"


async def test_values_the_demo_refuses_are_set_aside_for_the_defaults_with_a_note(db_path: Path,
                                                                                    preset_cards: Path) -> None:
    app = ReviseApp(db_path, preset_cards, graphics="text")
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_text(pilot, "2 new")
        await pilot.press("space")
        await wait_for_text(pilot, "near a saddle point")
        await pilot.press("space", "3")
        await open_demo_of(pilot, "Bad?")
        shown = panel_text(pilot)
        assert "--lr 7: must be from 1e-05 to 2" in shown and "set aside for the defaults" in shown
        assert "steps on rosenbrock at lr=0.002" in shown, "the demo still runs, on its defaults"
