"""Statistics over 1,000,000 reviews of 50,000 cards: `compute_stats` against a plain-Python pass over the same log.

The database is synthetic: every card learnt, then reviewed at growing intervals (lapses start it again) over two
years, written in bulk with sqlite3 rather than through `rate()`. It is kept in the temp folder between runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import random
import shutil
import statistics
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.frames import FrameClock
from bench.timing import median_seconds
from revise.collection import Collection
from revise.scheduler.fsrs_scheduler import AGAIN, EASY, GOOD, HARD
from revise.scheduler.schedule import LEARNING, NEW, RELEARNING, REVIEW
from revise.scheduler.day import day_start, study_day
from revise.stats.compute import STORED_TIME
from revise.stats.model import HEATMAP_DAYS, MATURE_DAYS, RETENTION_WEEKS, WeekRetention
from revise.store.migrations import HEAD

CARDS, REVIEWS_PER_CARD, HISTORY_DAYS = 50_000, 20, 730
# Bump when the synthetic database is written differently, so that a cached one is rebuilt.
GENERATOR_VERSION = 3
CACHE_PREFIX, DB_NAME = "revise-bench-stats-", "bench.db"
# The moment the synthetic history ends: fixed, so that a cached database stays meaningful.
NOW = datetime(2026, 6, 15, 18, 0, tzinfo=timezone.utc)
LONGEST_INTERVAL_DAYS = 45  # keeps twenty reviews of a card within the two years
SUSPENDED_SHARE, RETIRED_SHARE = 0.02, 0.01
RUNS = 5
RATINGS, RATING_WEIGHTS = (AGAIN, HARD, GOOD, EASY), (0.12, 0.08, 0.7, 0.1)


def progress(message: str) -> None:
    """A line on stderr, so that the table on stdout stays clean."""
    print(f"  stats: {message}", file=sys.stderr, flush=True)


def _schedule(state: str, step: int | None, stability: float | None, difficulty: float | None, due: float | None,
              last_review: float | None, reps: int, lapses: int) -> dict[str, Any]:
    """A schedule as `Schedule.to_json` writes it, its times still in days from the card's first review."""
    return {"state": state, "step": step, "stability": stability, "difficulty": difficulty, "due": due,
            "last_review": last_review, "reps": reps, "lapses": lapses, "leech": lapses >= 8}


def card_history(chance: random.Random) -> list[tuple[float, int, dict[str, Any]]]:
    """One card's reviews as (days since its first review, rating, schedule after), the schedule before first.

    Learnt with two Goods ten minutes apart, then reviewed a little after each due time: a pass multiplies the
    stability, Again sends the card to relearning for ten minutes and cuts it to a third.
    """
    ten_minutes = 10 / 1440
    stability, difficulty = chance.uniform(1, 4), chance.uniform(3, 7)
    history = [(0.0, GOOD, _schedule(LEARNING, 1, stability, difficulty, ten_minutes, 0.0, 1, 0))]
    moment, lapses = ten_minutes, 0
    stability *= 1.5
    history.append((moment, GOOD, _schedule(REVIEW, None, stability, difficulty, moment + round(stability), moment,
                                            2, 0)))
    while len(history) < REVIEWS_PER_CARD:
        before = history[-1][2]
        moment = before["due"] + chance.uniform(0, 0.6)
        if before["state"] == RELEARNING:
            rating, state = GOOD, REVIEW
        else:
            rating = chance.choices(RATINGS, RATING_WEIGHTS)[0]
            state = RELEARNING if rating == AGAIN else REVIEW
        difficulty = min(10.0, max(1.0, difficulty + (GOOD - rating) * 0.4))
        if rating == AGAIN:
            lapses += 1
            stability = max(0.5, stability / 3)
            due = moment + ten_minutes
        else:
            if before["state"] == REVIEW:
                stability = min(365.0, stability * {HARD: 1.2, GOOD: chance.uniform(1.6, 2.4), EASY: 3.0}[rating])
            due = moment + min(LONGEST_INTERVAL_DAYS, max(1, round(stability)))
        history.append((moment, rating, _schedule(state, 0 if state == RELEARNING else None, stability, difficulty,
                                                  due, moment, len(history) + 1, lapses)))
    return history


def _stored(days: float, origin: datetime) -> str:
    """A time in days from `origin` as SQLAlchemy stores it (naive UTC text)."""
    return (origin + timedelta(days=days)).strftime(STORED_TIME)


def _as_json(schedule: dict[str, Any], origin: datetime) -> str:
    """A schedule as the review log keeps it, its times ISO text in UTC."""
    times = {name: (origin + timedelta(days=schedule[name])).isoformat() for name in ("due", "last_review")
             if schedule[name] is not None}
    return json.dumps({**schedule, **times})


def write_history(db_path: Path) -> None:
    """Fills a migrated database with the synthetic cards, their schedules and their review log."""
    chance = random.Random(0)
    new_json = json.dumps(_schedule(NEW, None, None, None, None, None, 0, 0))
    created = _stored(-HISTORY_DAYS, NOW)
    cards, schedules, log = [], [], []
    for number in range(CARDS):
        card_id = f"card-{number:05d}"
        while True:  # a card in review whose history and next interval fit in the two years, ending around now
            history = card_history(chance)
            *_, (last_moment, _, last) = history
            if last["state"] == REVIEW and last["due"] < HISTORY_DAYS:
                break
        # the last review was a random share of its interval ago, so that some cards are overdue
        origin = NOW - timedelta(days=last_moment + (last["due"] - last_moment) * chance.uniform(0, 1.15))
        retired = _stored(-1, NOW) if chance.random() < RETIRED_SHARE else None
        cards.append((card_id, "bench", "bench.md", number + 1, f"Card {number}", f"卡片 {number}", "Q", "问", "A",
                      "答", "", created, created, retired))
        schedules.append((card_id, last["state"], last["step"], last["stability"], last["difficulty"],
                          _stored(last["due"], origin), _stored(last["last_review"], origin), last["reps"],
                          last["lapses"], last["leech"], chance.random() < SUSPENDED_SHARE))
        before, before_json = {"state": NEW}, new_json
        for moment, rating, after in history:
            after_json = _as_json(after, origin)
            interval = before["due"] - before["last_review"] if before["state"] == REVIEW else None
            log.append((card_id, _stored(moment, origin), rating, chance.randint(2000, 20000), before["state"],
                        before_json, after_json, interval))
            before, before_json = after, after_json
    log.sort(key=lambda row: row[1])  # ids in time order, as ratings given one after another would have
    with sqlite3.connect(db_path) as conn:
        conn.executemany("INSERT INTO cards (id, deck, path, line, title_en, title_zh, front_en, front_zh, back_en,"
                         " back_zh, tags, content_hash, created_at, updated_at, retired_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)", cards)
        conn.executemany("INSERT INTO card_schedules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", schedules)
        conn.executemany("INSERT INTO review_log (card_id, reviewed_at, rating, duration_ms, kind, state_before,"
                         " state_after, interval_days, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                         " lower(hex(randomblob(16))))", log)


def _cache_folder() -> Path:
    """Where the built database is kept, named by what it is built from (generator and schema version)."""
    digest = hashlib.sha256(f"{GENERATOR_VERSION} {HEAD} {CARDS} {REVIEWS_PER_CARD} {NOW}".encode())
    return Path(tempfile.gettempdir()) / f"{CACHE_PREFIX}{digest.hexdigest()[:16]}"


def built_database() -> tuple[Path, float | None]:
    """The synthetic database, built unless a run already did; also the seconds the build took, if it ran now.

    A build goes to a folder of its own and is renamed when complete, so that an interrupted run never leaves a
    half-built database to be reused.
    """
    folder = _cache_folder()
    if (folder / DB_NAME).exists():
        return folder / DB_NAME, None
    for stale in folder.parent.glob(f"{CACHE_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    building = Path(tempfile.mkdtemp(prefix=f"{CACHE_PREFIX}build-"))
    try:
        progress(f"writing {CARDS:,} cards and {CARDS * REVIEWS_PER_CARD:,} reviews (about a minute)…")
        start = time.perf_counter()
        Collection(building / DB_NAME, building).close()  # the migrated, empty database
        write_history(building / DB_NAME)
        seconds = time.perf_counter() - start
        building.rename(folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return folder / DB_NAME, seconds


def plain_python_figures(db_path: Path, now: datetime, rollover_hour: int) -> tuple[list[int], list[WeekRetention]]:
    """The heatmap and the weekly retention, from every row of the last year's log read and counted in Python."""
    today = study_day(now, rollover_hour)
    first = today - timedelta(days=HEATMAP_DAYS - 1)
    first_monday = today - timedelta(days=today.weekday(), weeks=RETENTION_WEEKS - 1)
    by_day = [0] * HEATMAP_DAYS
    weeks = [[0, 0, 0, 0] for _ in range(RETENTION_WEEKS)]  # young, young passed, mature, mature passed
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT reviewed_at, rating, kind, interval_days FROM review_log WHERE reviewed_at >= ?",
                            (day_start(first, rollover_hour).strftime(STORED_TIME),))
        for stored, rating, kind, interval in rows:
            local = datetime.fromisoformat(stored).replace(tzinfo=timezone.utc).astimezone()
            day = (local - timedelta(hours=rollover_hour)).date()
            if rating:
                by_day[(day - first).days] += 1
            if kind == REVIEW and day >= first_monday:
                counts = weeks[(day - first_monday).days // 7]
                mature = 2 if interval >= MATURE_DAYS else 0
                counts[mature] += 1
                counts[mature + 1] += rating != AGAIN
    return by_day, [WeekRetention(first_monday + timedelta(weeks=index), *counts) for index, counts in enumerate(weeks)]


SIZE = (100, 30)


async def _screen_seconds(db_path: Path, graphics: str, opens: int) -> list[float]:
    """Seconds from opening the stats screen until a frame shows its last plot, for each of `opens` openings.

    The real StatsScreen, with its stylesheet, on the real collection, in a host app that opens the collection
    without syncing it (the synthetic database has no card files); the first opening pays matplotlib's import.
    """
    from textual.app import App

    from revise.ui.app import ReviseApp
    from revise.ui.context import Context
    from revise.ui.screens.stats import StatsScreen

    class StatsHost(App[None]):
        CSS_PATH = Path(inspect.getfile(ReviseApp)).with_name(ReviseApp.CSS_PATH)  # the app's stylesheet

    app = StatsHost()
    collection = Collection(db_path, db_path.parent)
    context = Context(collection, graphics, db_path.parent / "revise.toml", threading.Lock())
    clock = FrameClock(app)
    times = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(opens):
                screen = StatsScreen(context)
                clock.probe = lambda: bool(screen.query("#stats-retrievability"))
                start, since = time.perf_counter(), len(clock.frames)
                await app.push_screen(screen)
                times.append(await clock.first_frame_showing(bool, since) - start)
                await app.pop_screen()
                await pilot.pause()
    finally:
        collection.close()
    return times


def measure() -> dict[str, float]:
    """Median seconds of `compute_stats` on the synthetic log, and of the plain-Python pass; checks they agree."""
    db_path, build_s = built_database()
    progress(f"database {'built in %.0f s' % build_s if build_s else 'from the cache'}: {db_path}")
    collection = Collection(db_path, db_path.parent)
    try:
        with sqlite3.connect(db_path) as conn:
            reviews = conn.execute("SELECT count(*) FROM review_log").fetchone()[0]
        hour = collection.config.rollover_hour
        progress(f"timing compute_stats over {reviews:,} reviews, {RUNS} runs…")
        compute_s, figures = median_seconds(lambda: collection.stats(NOW), RUNS)
        progress("timing a plain-Python pass over the last year's log…")
        plain_s, (by_day, retention) = median_seconds(lambda: plain_python_figures(db_path, NOW, hour), 3)
    finally:
        collection.close()
    if (by_day, retention) != (figures.reviews_by_day, figures.retention):
        raise RuntimeError("compute_stats and the plain-Python pass disagree on the heatmap or the retention")
    progress("opening the stats screen: text plots, then terminal-graphics images…")
    text_first, *text_again = asyncio.run(_screen_seconds(db_path, "text", RUNS))
    images = asyncio.run(_screen_seconds(db_path, "halfcell", 3))
    return {"cards": CARDS, "reviews": reviews, "year_reviews": sum(by_day), "compute_s": compute_s,
            "plain_s": plain_s, "screen_first_s": text_first, "screen_s": statistics.median(text_again),
            "screen_images_s": statistics.median(images[1:])}


def _missed(seconds: float, aim: float) -> str:
    """A mark for a figure over its aim."""
    return " — **missed**" if seconds >= aim else ""


def report(results: dict[str, float]) -> str:
    """The Markdown rows for RESULTS.md: every statistic against a plain-Python pass, and the screen against them."""
    missed = _missed(results["compute_s"], 0.5)
    return (f"| statistics, {results['reviews']:,} reviews of {results['cards']:,} cards over two years: every "
            f"figure of the stats screen (median of {RUNS}) | {results['compute_s'] * 1000:.0f} ms "
            f"| plain Python reading the last year's {results['year_reviews']:,} ratings for the heatmap and "
            f"retention only: {results['plain_s'] * 1000:.0f} ms "
            f"| {results['plain_s'] / results['compute_s']:.1f}x faster | under 500 ms{missed} |\n"
            f"| stats screen on the same collection: opening it until every plot is painted, text plots (median of "
            f"{RUNS - 1}; the first opening, which imports matplotlib: {results['screen_first_s']:.2f} s; with "
            f"terminal-graphics images: {results['screen_images_s']:.2f} s) | {results['screen_s']:.2f} s "
            f"| computing the statistics alone: {results['compute_s']:.2f} s "
            f"| {results['screen_s'] / results['compute_s']:.1f}x | under 1 s{_missed(results['screen_s'], 1)} |")


if __name__ == "__main__":
    print(report(measure()))
