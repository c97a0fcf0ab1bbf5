"""Start-up stays light: opening the app and showing a card imports neither numba nor matplotlib."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import asyncio, sys
from pathlib import Path
from revise.ui.app import ReviseApp

async def main():
    app = ReviseApp(Path(sys.argv[1]), Path(sys.argv[2]))
    async with app.run_test(size=(100, 30)) as pilot:
        while app.collection is None:
            await pilot.pause(0.05)
        await pilot.press("space")
        while getattr(app.screen, "card", None) is None:
            await pilot.pause(0.05)
        await pilot.press("space")
        while not app.screen.revealed:
            await pilot.pause(0.05)
        while list(app.workers):  # whatever showing the answer started has run, however long it took
            await pilot.pause(0.05)
        await pilot.pause()
        card_id = app.screen.card.text.id
    heavy = sorted(name for name in sys.modules if name.split(".")[0] in ("numba", "matplotlib", "llvmlite"))
    print("HEAVY:", ",".join(heavy) or "none")
    print("CARD:", card_id)

asyncio.run(main())
"""


def test_starting_the_app_and_showing_a_card_loads_no_heavy_module(db_path: Path, cards_dir: Path) -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(db_path), str(cards_dir)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "HEAVY: none" in result.stdout, result.stdout
    assert "CARD: gd-update" in result.stdout, "the script must really have reached a card"


def test_the_app_module_paints_before_sqlalchemy_is_imported() -> None:
    """The database layer loads in the worker that opens the collection, after the first paint."""
    script = ("import sys, revise.ui.app; "
              "print(sorted(n for n in sys.modules if n.split('.')[0] in ('sqlalchemy', 'fsrs', 'numba', 'matplotlib')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
