"""The scheduler wrapper: Anki's defaults over FSRS-6, the 4 AM day, lapses and leeches."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from revise.scheduler.day import day_bounds
from revise.scheduler.fsrs_scheduler import AGAIN, EASY, GOOD, HARD, CardScheduler, SchedulerConfig, format_interval
from revise.scheduler.schedule import LEARNING, NEW, RELEARNING, REVIEW, Schedule

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def test_defaults_are_ankis() -> None:
    config = SchedulerConfig()
    assert config.desired_retention == 0.90
    assert config.learning_steps == (timedelta(minutes=1), timedelta(minutes=10))
    assert config.relearning_steps == (timedelta(minutes=10),)
    assert (config.new_per_day, config.reviews_per_day, config.rollover_hour) == (20, 200, 4)
    assert config.leech_threshold == 8 and config.enable_fuzzing
    assert len(config.parameters) == 21, "FSRS-6 has 21 parameters"


def test_new_card_steps_through_learning() -> None:
    outcomes = CardScheduler(SchedulerConfig()).preview(Schedule(), NOW)
    assert outcomes[AGAIN].interval == timedelta(minutes=1)
    assert outcomes[GOOD].interval == timedelta(minutes=10)
    assert timedelta(minutes=1) < outcomes[HARD].interval < timedelta(minutes=10)
    assert outcomes[EASY].interval >= timedelta(days=1) and outcomes[EASY].schedule.state == REVIEW
    assert all(outcome.schedule.reps == 1 for outcome in outcomes.values())
    assert outcomes[GOOD].schedule.state == LEARNING


def test_preview_leaves_the_card_unchanged_and_is_applied_as_shown() -> None:
    scheduler = CardScheduler(SchedulerConfig())
    schedule = Schedule()
    outcome = scheduler.preview(schedule, NOW)[GOOD]
    later = NOW + timedelta(seconds=7)
    applied = outcome.at(later)
    assert schedule == Schedule()
    assert applied.due - later == outcome.interval
    assert applied.last_review == later


def graduated() -> Schedule:
    scheduler = CardScheduler(SchedulerConfig(enable_fuzzing=False))
    return scheduler.preview(Schedule(), NOW)[EASY].at(NOW)


def test_again_on_a_review_card_is_a_lapse_that_relearns() -> None:
    scheduler = CardScheduler(SchedulerConfig())
    card = graduated()
    outcomes = scheduler.preview(card, card.due)
    assert outcomes[AGAIN].schedule.lapses == 1 and outcomes[AGAIN].schedule.state == RELEARNING
    assert outcomes[AGAIN].interval == timedelta(minutes=10)
    assert outcomes[GOOD].schedule.lapses == 0
    assert outcomes[GOOD].interval > card.due - NOW, "a successful review grows the interval"


def test_again_during_learning_is_not_a_lapse() -> None:
    outcomes = CardScheduler(SchedulerConfig()).preview(Schedule(), NOW)
    assert outcomes[AGAIN].schedule.lapses == 0


def test_eighth_lapse_makes_a_leech() -> None:
    scheduler = CardScheduler(SchedulerConfig())
    card = graduated()
    for lapse in range(1, 9):
        card = Schedule(**{**card.__dict__, "state": REVIEW, "step": None})
        card = scheduler.preview(card, card.due)[AGAIN].at(card.due)
        assert card.lapses == lapse
        assert card.leech == (lapse >= 8)


def test_schedule_round_trips_through_the_log_format() -> None:
    card = graduated()
    assert Schedule.from_json(card.to_json()) == card
    assert Schedule.from_json(Schedule().to_json()) == Schedule(state=NEW)


@pytest.mark.parametrize(("local", "start", "end"), [
    ("2026-03-02 12:00", "2026-03-02 04:00", "2026-03-03 04:00"),
    ("2026-03-02 03:59", "2026-03-01 04:00", "2026-03-02 04:00"),
    ("2026-03-02 04:00", "2026-03-02 04:00", "2026-03-03 04:00"),
])
def test_day_rolls_over_at_four_local_time(local: str, start: str, end: str) -> None:
    moment = datetime.fromisoformat(local).astimezone()
    bounds = day_bounds(moment, 4)
    assert [bound.astimezone().strftime("%Y-%m-%d %H:%M") for bound in bounds] == [start, end]


@pytest.mark.parametrize(("interval", "text"), [
    (timedelta(seconds=40), "40s"), (timedelta(minutes=1), "1m"), (timedelta(minutes=10), "10m"),
    (timedelta(hours=3), "3h"), (timedelta(days=4), "4d"), (timedelta(days=75), "2.5mo"),
    (timedelta(days=365), "1y"), (timedelta(days=438), "1.2y"),
])
def test_intervals_read_like_ankis_buttons(interval: timedelta, text: str) -> None:
    assert format_interval(interval) == text


def _mature() -> Schedule:
    """A review card with a long interval, whose next Good interval is fuzzed by days."""
    scheduler = CardScheduler(SchedulerConfig(enable_fuzzing=False))
    card, moment = Schedule(), NOW
    for _ in range(4):
        card = scheduler.preview(card, moment)[EASY].at(moment)
        moment = card.due
    return card


def test_fuzz_is_seeded_by_the_rating_event_so_a_replay_gives_the_same_interval() -> None:
    card = _mature()
    first = CardScheduler(SchedulerConfig()).preview(card, card.due, "0187a1b2c3d4e5f60123456789abcdef")
    again = CardScheduler(SchedulerConfig()).preview(card, card.due, "0187a1b2c3d4e5f60123456789abcdef")
    assert {rating: outcome.interval for rating, outcome in first.items()} == {
        rating: outcome.interval for rating, outcome in again.items()}, "another process, the same intervals"
    unfuzzed = CardScheduler(SchedulerConfig(enable_fuzzing=False)).preview(card, card.due)[GOOD].interval
    intervals = {CardScheduler(SchedulerConfig()).preview(card, card.due, f"event-{n}")[GOOD].interval
                 for n in range(40)}
    assert len(intervals) >= 3, "ratings of alike cards still spread them over several days"
    assert all(abs(interval - unfuzzed) <= unfuzzed * 0.1 + timedelta(days=1) for interval in intervals)
