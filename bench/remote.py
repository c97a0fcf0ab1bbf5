"""Syncing a year of reviews between two devices through a SQLite remote: one device sends 50,000 events, the
other takes them and replays every card they touch; against copying the same rows with sqlite3 alone."""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from revise.collection import Collection, utc_now
from revise.scheduler.today import stored_time
from revise.store.schema import new_event_id

EVENTS, CARDS = 50_000, 2_000  # a year of reviews: about 137 a day, 25 per card


def progress(message: str) -> None:
    """A line on stderr, so that the table on stdout stays clean."""
    print(f"  remote: {message}", file=sys.stderr, flush=True)


def _cards(folder: Path) -> None:
    """A deck of CARDS short cards."""
    folder.mkdir()
    cards = [f"## Card {n} | 卡片 {n}\nid: card-{n}\n\n### Q\nItem {n}?\n\n### 问\n第 {n} 项?\n\n### A\n{n}.\n\n"
             f"### 答\n{n}。\n" for n in range(CARDS)]
    (folder / "deck.md").write_text("# Deck | 卡组\n\n" + "\n".join(cards), encoding="utf-8")


def _year_of_reviews(db_path: Path) -> None:
    """Writes EVENTS ratings (bench setup only: straight into the log; a sync replays their cards anyway)."""
    chance, start = random.Random(0), utc_now() - timedelta(days=365)
    rows = [(f"card-{n % CARDS}", stored_time(start + timedelta(minutes=10.5 * n)), chance.choice((1, 3, 3, 3, 4)),
             chance.randint(2000, 20000), new_event_id()) for n in range(EVENTS)]
    with sqlite3.connect(db_path) as conn:
        conn.executemany("INSERT INTO review_log (card_id, reviewed_at, rating, duration_ms, kind, state_before, "
                         "state_after, event_id) VALUES (?, ?, ?, ?, 'new', '{}', '{}', ?)", rows)


def _plain_copy(source: Path, target: Path) -> float:
    """Seconds to copy the same events' columns from one SQLite file to another with sqlite3 alone."""
    start = time.perf_counter()
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        rows = reading.execute("SELECT event_id, device, card_id, reviewed_at, rating, duration_ms FROM review_log")
        writing.execute("CREATE TABLE events (event_id TEXT PRIMARY KEY, device TEXT, card_id TEXT, reviewed_at TEXT, "
                        "rating INTEGER, duration_ms INTEGER)")
        writing.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", rows)
    return time.perf_counter() - start


def measure() -> dict[str, Any]:
    """Seconds to send the year's events from one device, to take and replay them on another, and the plain copy."""
    folder = Path(tempfile.mkdtemp(prefix="revise-bench-remote-"))
    _cards(folder / "cards")
    laptop, desktop = (Collection(folder / f"{name}.db", folder / "cards") for name in ("laptop", "desktop"))
    try:
        for device in (laptop, desktop):
            device.sync()
        _year_of_reviews(laptop.db_path)
        remote = f"sqlite:///{folder / 'remote.db'}"
        progress(f"sending {EVENTS:,} events from one device…")
        start = time.perf_counter()
        sent = laptop.sync_remote(remote)
        send_s = time.perf_counter() - start
        progress("taking them on the other device and replaying its cards…")
        start = time.perf_counter()
        taken = desktop.sync_remote(remote)
        take_s = time.perf_counter() - start
        if (sent.sent, taken.received, taken.rescheduled) != (EVENTS, EVENTS, CARDS):
            raise RuntimeError(f"the sync did not move every event: {sent.summary()} / {taken.summary()}")
        copy_s = _plain_copy(laptop.db_path, folder / "copy.db")
    finally:
        laptop.close()
        desktop.close()
    return {"send_s": send_s, "take_s": take_s, "copy_s": copy_s}


def report(results: dict[str, Any]) -> str:
    """The Markdown rows for RESULTS.md."""
    send = (f"| sync, sending a year of reviews ({EVENTS:,} events of {CARDS:,} cards) to a SQLite remote, its "
            f"cards replayed on the way | {results['send_s']:.2f} s | sqlite3 alone copying the same rows between "
            f"two files: {results['copy_s']:.2f} s | {results['send_s'] / results['copy_s']:.1f}x | under 10 s |")
    take = (f"| sync, taking the same year on another device and replaying its {CARDS:,} cards "
            f"| {results['take_s']:.2f} s | the same plain copy: {results['copy_s']:.2f} s "
            f"| {results['take_s'] / results['copy_s']:.1f}x | under 10 s |")
    return f"{send}\n{take}"


if __name__ == "__main__":
    print(report(measure()))
