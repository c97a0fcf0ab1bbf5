"""The README's screenshots, taken by the real-terminal harness in xterm's Sixel mode: `make screenshots`.

The app runs on the bundled cards with two months of simulated study (so that the home screen and the
statistics have something to show) and is driven with keys as a person would; each picture is the whole window.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from PIL import Image

from revise.collection import Collection, utc_now
from revise.paths import PROJECT_ROOT
from tests.real_terminal import TerminalApp, missing_tools

STUDY_DAYS, CARDS_A_DAY, DAYS_OFF = 60, (4, 24), 0.15
# How often a simulated learner presses Again, Hard, Good and Easy.
RATING_WEIGHTS = {1: 0.12, 2: 0.1, 3: 0.68, 4: 0.1}
# Each picture: its file name and the keys that lead to it from the previous one.
SHOTS = (
    ("home", []),
    ("card", ["ctrl+f", "type:adam update", "Return"]),
    ("demo", ["d", "End"]),  # opens the demo and scrolls down to its plot
    ("stats", ["Escape", "Escape", "s"]),  # back to the search, then home, then the statistics
)


def simulate_study(db_path: Path) -> None:
    """Two months of study, most days, 4 to 24 cards a day, rated as a typical learner would (seeded)."""
    collection = Collection(db_path, PROJECT_ROOT / "cards")
    collection.sync()
    chooser = random.Random(16)
    for days_ago in range(STUDY_DAYS, 0, -1):
        now = utc_now() - timedelta(days=days_ago)
        if chooser.random() < DAYS_OFF:
            continue
        for _ in range(chooser.randint(*CARDS_A_DAY)):
            card = collection.next_card(now)
            if card is None:
                break
            rating = chooser.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))[0]
            collection.rate(card, rating, duration_ms=chooser.randint(4000, 20000), now=now)
            now += timedelta(minutes=1)


def take(folder: Path) -> list[Path]:
    """Takes every screenshot into `folder`; returns the files written."""
    database = Path(tempfile.mkdtemp(prefix="revise-screenshots-")) / "data.db"
    simulate_study(database)
    app = TerminalApp([sys.executable, "-m", "revise", "--db", str(database), "--graphics", "sixel"])
    written = []
    try:
        app.wait_for_pixels(lambda shot: shot.max() > 100, "the home screen")
        for name, keys in SHOTS:
            shot = app.wait_until_still(f"the screen before {name}")
            for key in keys:
                if key.startswith("type:"):
                    app.type(key.removeprefix("type:"))
                else:
                    app.keys(key)
                shot = app.wait_until_still(f"{name}: after {key}")
            path = folder / f"{name}.png"
            Image.fromarray(shot).save(path, optimize=True)
            written.append(path)
    finally:
        app.close()
    return written


if __name__ == "__main__":
    if missing_tools():
        sys.exit(f"screenshots need {', '.join(missing_tools())} (apt-get install xvfb xterm xdotool x11-apps "
                 "imagemagick)")
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_ROOT / "docs"
    target.mkdir(parents=True, exist_ok=True)
    for path in take(target):
        print(path)
