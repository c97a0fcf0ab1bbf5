"""The statistics plots as a learner reads them in a text terminal: titles, labels, numbers, the heatmap's squares."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rich.console import Console

from revise.demo_engine.text_plot import figure_to_text
from revise.stats.model import FORECAST_DAYS, HEATMAP_DAYS, RETENTION_WEEKS, Stats, WeekRetention
from revise.stats.plots import HEATMAP_COLOURS, PLOTS, heatmap_grid, heatmap_text

TODAY = date(2025, 3, 12)  # a Wednesday


def make_stats(reviews_by_day: list[int] | None = None, reviewed: bool = True) -> Stats:
    """Statistics written by hand: a year of reviews, a forecast, 12 weeks of retention and a few cards' memory."""
    monday = TODAY - timedelta(days=TODAY.weekday())
    weeks = [WeekRetention(monday - timedelta(weeks=RETENTION_WEEKS - 1 - index),
                           young_reviews=10 if reviewed else 0, young_passed=8 if reviewed else 0,
                           mature_reviews=5 if reviewed else 0, mature_passed=5 if reviewed else 0)
             for index in range(RETENTION_WEEKS)]
    return Stats(
        today=TODAY, reviewed_today=3 if reviewed else 0, again_today=1 if reviewed else 0,
        seconds_today=125.0 if reviewed else 0.0,
        reviews_by_day=reviews_by_day if reviews_by_day is not None else [0] * HEATMAP_DAYS,
        streak=2 if reviewed else 0,
        forecast=[4, 0, 2] + [0] * (FORECAST_DAYS - 3) if reviewed else [0] * FORECAST_DAYS,
        retention=weeks, counts={"new": 7, "learning": 1, "review": 2, "relearning": 0, "suspended": 1},
        intervals=[3.0, 12.0] if reviewed else [], stability=[2.5, 3.0, 14.0] if reviewed else [],
        difficulty=[4.0, 5.5, 7.0] if reviewed else [], retrievability=[0.8, 0.9, 0.97] if reviewed else [],
    )


def plain(text) -> str:
    """What the terminal shows of a rich Text, without colour."""
    console = Console(width=100, color_system=None, record=True)
    console.print(text)
    return console.export_text()


def test_the_heatmap_puts_each_day_under_its_weekday_and_today_in_the_last_column() -> None:
    reviews = [0] * HEATMAP_DAYS
    reviews[-1] = 9  # today, the busiest day
    reviews[-8] = 3  # a week ago, the same weekday
    grid, first_monday = heatmap_grid(make_stats(reviews))
    assert first_monday.weekday() == 0
    assert len(grid) == 7 and len(grid[0]) == 53
    wednesday = grid[TODAY.weekday()]
    assert wednesday[-2:] == [3, 9]
    assert all(row[-1] is None for row in grid[TODAY.weekday() + 1:]), "days after today are blank"
    assert sum(cell is not None for row in grid for cell in row) == HEATMAP_DAYS


def test_the_text_heatmap_shows_a_square_per_day_coloured_by_how_busy_it_was() -> None:
    reviews = [0] * HEATMAP_DAYS
    reviews[-1], reviews[-2] = 8, 1
    text = heatmap_text(make_stats(reviews))
    shown = plain(text)
    assert "Reviews in the last year: 9 on 2 days" in shown
    assert shown.count("■") == HEATMAP_DAYS + len(HEATMAP_COLOURS), "one square per day, and the legend's"
    assert "Mon" in shown and "Wed" in shown and "Fri" in shown
    assert "less ■■■■■ more" in shown and "busiest day: 8 reviews" in shown
    colours = [str(span.style) for span in text.spans if text.plain[span.start:span.end] == "■"]
    assert colours.count(HEATMAP_COLOURS[4]) == 1 + 1, "today (the busiest) and the legend are the brightest"
    assert colours.count(HEATMAP_COLOURS[1]) == 1 + 1, "yesterday's single review is the faintest green"


@pytest.mark.parametrize(("name", "expected"), [
    ("forecast", ["Due in the next 30 days: 6 reviews", "days from today", "cards due"]),
    ("retention", ["True retention by week", "weeks ago", "young", "mature", "100"]),
    ("counts", ["Cards by state: 10 cards", "New 7", "Learning 1", "Review 2", "Relearning 0", "Suspended 1"]),
    ("intervals", ["Intervals: 2 cards, median 7.5", "interval (days)"]),
    ("stability", ["Stability: 3 cards, median 3", "stability (days)"]),
    ("difficulty", ["Difficulty: 3 cards, median 5.5", "difficulty (1 easy - 10 hard)"]),
    ("retrievability", ["Retrievability now: 3 cards, median 90", "chance of recall now (%)"]),
])
def test_each_plot_reads_as_text_with_its_title_labels_and_numbers(name: str, expected: list[str]) -> None:
    shown = plain(figure_to_text(PLOTS[name](make_stats()), columns=96, rows=16))
    for words in expected:
        assert words in shown, f"{words!r} missing from the {name} plot:\n{shown}"
    assert any(char in shown for char in "⡇⢸⣀●"), "the plot draws bars or points, not only labels"


@pytest.mark.parametrize("name", [name for name in PLOTS if name not in ("heatmap", "counts")])
def test_with_no_reviews_every_plot_says_so_instead_of_staying_blank(name: str) -> None:
    shown = plain(figure_to_text(PLOTS[name](make_stats(reviewed=False)), columns=96, rows=16))
    assert "yet" in shown, shown


def test_with_no_reviews_the_heatmap_says_so() -> None:
    assert "no reviews yet" in plain(heatmap_text(make_stats(reviewed=False)))
