"""Start-up: launch to the home screen with today's counts drawn, against a minimal Textual app."""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.terminal import time_to_text
from revise.cards.loader import check_cards
from revise.paths import PROJECT_ROOT

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello from a minimal app")

Hello().run()
"""
RUNS = 7


def measure(runs: int = RUNS) -> dict[str, float]:
    """Median seconds to first useful screen for revise (bundled cards, warm database) and a minimal app."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        cards = Path(folder) / "cards"
        shutil.copytree(PROJECT_ROOT / "cards", cards)
        revise = [sys.executable, "-m", "revise", "--db", str(db), "--cards", str(cards)]
        time_to_text(revise, b"reviewed today")  # the first run creates and syncs the database
        revise_times = [time_to_text(revise, b"reviewed today") for _ in range(runs)]
        minimal_times = [time_to_text([sys.executable, "-c", MINIMAL_APP], b"hello from a minimal app")
                         for _ in range(runs)]
    revise_median, minimal_median = statistics.median(revise_times), statistics.median(minimal_times)
    return {"revise_s": revise_median, "minimal_textual_app_s": minimal_median,
            "ratio": revise_median / minimal_median, "cards": check_cards(PROJECT_ROOT / "cards")[0]}


def report(results: dict[str, float]) -> str:
    """The Markdown lines for RESULTS.md."""
    return (f"| launch to home screen with today's counts ({results['cards']} bundled cards; read from the "
            "database before the start-up sync, which updates them if card files changed) | "
            f"{results['revise_s']:.3f} s "
            f"| minimal Textual app to first paint: {results['minimal_textual_app_s']:.3f} s "
            f"| {results['ratio']:.2f}x | at most 1.8x the minimal app |")
