"""Statistics on a known history, in a time zone five hours behind UTC: every figure is counted by hand here."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fsrs import Card as FsrsCard
from fsrs import Scheduler, State
from sqlalchemy import select

from revise.cli import main
from revise.collection import Collection, utc_now
from revise.scheduler.fsrs_scheduler import AGAIN, EASY, GOOD, HARD
from revise.stats.model import FORECAST_DAYS, HEATMAP_DAYS, RETENTION_WEEKS
from revise.store import migrations
from revise.store.schema import CardSchedule, ReviewLog

LOCAL = timezone(timedelta(hours=-5))  # what the TZ below makes local time; study days roll over at 4 AM of it
NOW = datetime(2026, 3, 12, 15, 0, tzinfo=LOCAL)  # a Thursday; this week began on Monday 9 March


@pytest.fixture(autouse=True)
def _five_hours_behind_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC-5 (no daylight saving), so that a study day's bounds differ from UTC midnight and 4 AM."""
    monkeypatch.setenv("TZ", "XXX+5")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local moment in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=LOCAL)


# (local moment, kind, rating, milliseconds, interval before in days) of each log entry; rating 0 is a manual reset.
HISTORY = [
    # the week of Monday 2 March
    (at(2, 9), "review", GOOD, 1000, 5.0),     # young, passed
    (at(3, 9), "learning", GOOD, 1000, None),  # not a review of a review card: no retention
    (at(3, 9, 5), "manual", 0, 0, None),       # a reset: counted nowhere
    (at(4, 9), "review", AGAIN, 1000, 5.0),    # young, failed
    (at(5, 9), "review", AGAIN, 1000, 21.0),   # mature (21 days is mature), failed
    (at(8, 22), "review", GOOD, 1000, 5.0),    # young, passed; Sunday
    (at(9, 3, 30), "review", EASY, 1000, 30.0),  # mature, passed: Monday before 4 AM is still Sunday's study day
    # this week; nothing on Monday 9 March (the 3:30 review above belongs to the 8th)
    (at(10, 9), "review", HARD, 1000, 10.0),   # young, passed
    (at(11, 10), "new", GOOD, 1000, None),
    (at(12, 3, 59), "learning", GOOD, 1000, None),  # before 4 AM: the study day of the 11th
    (at(12, 4), "review", AGAIN, 2000, 40.0),  # today's first: mature, failed
    (at(12, 10), "learning", GOOD, 3000, None),
    (at(12, 12), "manual", 0, 0, None),
    (at(12, 14), "relearning", AGAIN, 5000, None),
]


def write_history(collection: Collection) -> None:
    """The log above (on one card, which does not matter here) and three schedules, written through the ORM.

    gd-update: review, due overdue (10 March); adam-bias: review, due at exactly 4 AM on the 13th (tomorrow's
    first moment); momentum: relearning but suspended, so out of the forecast.
    """
    schedules = {
        "gd-update": dict(state="review", stability=10.0, difficulty=5.0, last_review=at(5, 9), due=at(10, 9)),
        "adam-bias": dict(state="review", stability=30.0, difficulty=7.0, last_review=at(3, 4), due=at(13, 4)),
        "momentum": dict(state="relearning", stability=2.0, difficulty=8.0, last_review=at(12, 14), due=at(14, 14),
                         suspended=True),
    }
    with collection._sessions.begin() as session:
        for moment, kind, rating, milliseconds, interval in HISTORY:
            session.add(ReviewLog(card_id="gd-update", reviewed_at=moment, rating=rating, duration_ms=milliseconds,
                                  kind=kind, state_before={}, state_after={}, interval_days=interval))
        for card_id, values in schedules.items():
            row = session.get(CardSchedule, card_id)
            for name, value in values.items():
                setattr(row, name, value)


@pytest.fixture
def history(collection: Collection) -> Collection:
    """The collection with the history above."""
    write_history(collection)
    return collection


def test_today_counts_ratings_since_4_am_local_without_resets(history: Collection) -> None:
    stats = history.stats(NOW)
    assert stats.today == date(2026, 3, 12)
    assert (stats.reviewed_today, stats.again_today, stats.seconds_today) == (3, 2, 10.0)
    assert stats.again_rate == pytest.approx(2 / 3)


def test_heatmap_counts_each_study_day(history: Collection) -> None:
    by_day = history.stats(NOW).reviews_by_day
    assert len(by_day) == HEATMAP_DAYS
    # 2 to 12 March, oldest first: the 3:59 review counts for the 11th, the 3:30 one for the 8th, resets for none
    assert by_day[-11:] == [1, 1, 1, 1, 0, 0, 2, 0, 1, 2, 3]
    assert sum(by_day) == 12


def test_streak_stops_at_the_first_day_without_reviews(history: Collection) -> None:
    assert history.stats(NOW).streak == 3  # the 12th, 11th and 10th; nothing on the 9th
    assert history.stats(at(13, 10)).streak == 3, "with no review yet today, the streak counts from yesterday"
    assert history.stats(at(14, 10)).streak == 0


def test_retention_by_week_splits_young_and_mature(history: Collection) -> None:
    retention = history.stats(NOW).retention
    assert len(retention) == RETENTION_WEEKS
    assert [week.week_start for week in retention[-2:]] == [date(2026, 3, 2), date(2026, 3, 9)]
    assert retention[0].week_start == date(2026, 3, 9) - timedelta(weeks=RETENTION_WEEKS - 1)
    last_week, this_week = retention[-2:]
    assert (last_week.young_reviews, last_week.young_passed, last_week.mature_reviews,
            last_week.mature_passed) == (3, 2, 2, 1)
    assert last_week.young_rate == pytest.approx(2 / 3) and last_week.mature_rate == 0.5
    assert (this_week.young_reviews, this_week.young_passed, this_week.mature_reviews,
            this_week.mature_passed) == (1, 1, 1, 0)
    assert all(week.young_reviews == week.mature_reviews == 0 for week in retention[:-2])


def test_forecast_counts_overdue_today_and_skips_suspended(history: Collection) -> None:
    forecast = history.stats(NOW).forecast
    assert len(forecast) == FORECAST_DAYS
    assert forecast[:3] == [1, 1, 0] and sum(forecast) == 2


def test_counts_and_distributions_of_cards(history: Collection) -> None:
    stats = history.stats(NOW)
    assert stats.counts == {"new": 0, "learning": 0, "review": 2, "relearning": 1, "suspended": 1}
    assert sorted(stats.intervals) == pytest.approx([2.0, 5.0, 10.0])
    assert sorted(stats.stability) == [2.0, 10.0, 30.0] and sorted(stats.difficulty) == [5.0, 7.0, 8.0]


def test_retrievability_follows_the_fsrs_6_forgetting_curve(history: Collection) -> None:
    stats = history.stats(NOW)
    by_stability = dict(zip(stats.stability, stats.retrievability))
    parameters = history.config.parameters
    decay = parameters[20]
    factor = 0.9 ** (1 / -decay) - 1
    # gd-update: last reviewed 5 March 9:00, now 12 March 15:00: 7 whole days, stability 10
    assert by_stability[10.0] == pytest.approx((1 + factor * 7 / 10) ** -decay)
    # adam-bias: 3 March 4:00 to 12 March 15:00: 9 whole days; as py-fsrs computes it
    card = FsrsCard(card_id=1, state=State.Review, stability=30.0, difficulty=7.0, last_review=at(3, 4))
    assert by_stability[30.0] == pytest.approx(Scheduler(parameters).get_card_retrievability(card, NOW))
    assert by_stability[2.0] == 1.0, "reviewed an hour ago: no whole day has passed"


def test_a_rating_records_the_interval_it_was_given_at(collection: Collection) -> None:
    start = utc_now()
    collection.rate(collection.card("gd-update", start), EASY, 1000, start)
    card = collection.card("gd-update", start + timedelta(days=30))
    collection.rate(card, GOOD, 1000, start + timedelta(days=30))
    with collection._sessions() as session:
        intervals = session.scalars(select(ReviewLog.interval_days).order_by(ReviewLog.id)).all()
    assert intervals == [None, pytest.approx((card.schedule.due - card.schedule.last_review) / timedelta(days=1))]


def test_upgrading_fills_in_the_interval_of_reviews_logged_before(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "old.db"
    names = [name for name, _ in migrations.MIGRATIONS]
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:names.index("0004_review_interval")])
    migrations.migrate(db)
    before = {"state": "review", "due": "2026-03-26T09:00:00.250000+00:00",
              "last_review": "2026-03-05T09:00:00.250000+00:00"}
    with sqlite3.connect(db) as conn:
        conn.executemany("INSERT INTO review_log (card_id, reviewed_at, rating, duration_ms, kind, state_before, "
                         "state_after) VALUES ('a', '2026-03-27 10:00:00.000000', 3, 1000, ?, ?, '{}')",
                         [("review", json.dumps(before)), ("new", json.dumps({"state": "new", "due": None}))])
    monkeypatch.undo()
    assert "0004_review_interval" in migrations.migrate(db)
    with sqlite3.connect(db) as conn:
        intervals = [row[0] for row in conn.execute("SELECT interval_days FROM review_log ORDER BY id")]
    assert intervals == [21.0, None], "exactly 21 days, so that the review counts as mature"


def test_stats_json_has_every_figure(capsys: pytest.CaptureFixture[str], collection: Collection, db_path: Path,
                                     cards_dir: Path) -> None:
    now = utc_now()
    collection.rate(collection.card("gd-update", now), AGAIN, 4000, now)
    assert main(["--db", str(db_path), "--cards", str(cards_dir), "stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reviews_today"] == 1 and data["cards"] == 3, "the counts it printed before stay"
    assert data["today"] == collection.stats(now).today.isoformat()
    assert (data["reviewed_today"], data["again_today"], data["again_rate"], data["seconds_today"]) == (1, 1, 1.0, 4.0)
    assert len(data["reviews_by_day"]) == HEATMAP_DAYS and data["reviews_by_day"][-1] == 1 and data["streak"] == 1
    assert len(data["forecast"]) == FORECAST_DAYS and data["forecast"][0] == 1
    assert data["counts"] == {"new": 2, "learning": 1, "review": 0, "relearning": 0, "suspended": 0}
    assert len(data["retention"]) == RETENTION_WEEKS
    assert date.fromisoformat(data["retention"][-1]["week_start"]).weekday() == 0
    assert data["retention"][-1]["young_rate"] is None
    assert len(data["stability"]) == len(data["difficulty"]) == len(data["retrievability"]) == 1


def test_stats_as_text(capsys: pytest.CaptureFixture[str], collection: Collection, db_path: Path,
                       cards_dir: Path) -> None:
    now = utc_now()
    collection.rate(collection.card("gd-update", now), GOOD, 65000, now)
    assert main(["--db", str(db_path), "--cards", str(cards_dir), "stats"]) == 0
    out = capsys.readouterr().out
    assert "today: 1 reviewed, Again 0% (0/1), 1m 05s" in out
    assert "streak: 1 day\n" in out
    assert "cards by state: new 2, learning 1, review 0, relearning 0, suspended 0" in out
    assert "next 7 days: 1 0 0 0 0 0 0" in out
    assert "intervals: no cards yet" in out


def test_drill_accuracy_is_counted_by_week_and_by_deck_and_an_undone_rating_takes_its_answer(
        db_path: Path, tmp_path: Path) -> None:
    from revise.demo_engine.drill import drill_seed
    from revise.demo_engine.registry import load_drill
    from tests.test_drill_review import DRILL_DECK

    folder = tmp_path / "drills"
    folder.mkdir()
    (folder / "01-conv.md").write_text(DRILL_DECK, encoding="utf-8")
    collection = Collection(db_path, folder)
    collection.sync()
    card = collection.next_card()
    instance = load_drill(card.text.drill).instance(drill_seed(card.text.id, card.schedule.reps))
    shown = {field.name: field.show(instance.worked.answers[field.name]) for field in instance.drill.fields}
    collection.practise(card.text.id, instance.record(instance.check(shown)))
    collection.practise(card.text.id, instance.record(instance.check({"shape": "1x1x1"})))
    log_id = collection.rate(card, GOOD, 3000, drill=instance.record(instance.check(shown)))
    figures = collection.stats()
    assert (figures.drills_by_week[-1].answered, figures.drills_by_week[-1].right) == (3, 2)
    assert [(deck.label, deck.answered, deck.right) for deck in figures.drills_by_deck] == [("01-conv", 3, 2)]
    assert len(figures.drills_by_week) == RETENTION_WEEKS and not figures.drills_by_week[0].answered

    collection.undo(log_id)
    assert collection.stats().drills_by_deck[0].answered == 2, "the undone rating's answer goes with it"
    collection.close()
