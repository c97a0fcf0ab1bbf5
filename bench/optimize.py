"""`revise optimize`: fitting FSRS parameters to ~2,000 and ~100,000 simulated reviews, against evaluating defaults."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from bench.timing import median_seconds
from revise.scheduler.fsrs_scheduler import AGAIN, CardScheduler, SchedulerConfig
from revise.scheduler.optimize import Review, evaluate, fit, replay, training_items
from revise.scheduler.schedule import Schedule

# The learner's memory differs from the defaults the app schedules with (as in tests/test_optimize.py).
DEFAULTS = SchedulerConfig(enable_fuzzing=False)
TRUE_PARAMETERS = (0.8, 2.5, 8.0, 20.0, *DEFAULTS.parameters[4:8], 1.2, *DEFAULTS.parameters[9:])
SIZES = {"test size": (200, 150), "large": (9_000, 365)}  # cards, days: ~2,000 and ~100,000 reviews
RUNS = 3


def simulated_histories(cards: int, days: int, seed: int = 0) -> dict[str, list[Review]]:
    """Review histories of cards scheduled with the defaults and recalled with TRUE_PARAMETERS' retrievability."""
    from fsrs import Card, Rating, Scheduler

    rng = random.Random(seed)
    app, memory_model = CardScheduler(DEFAULTS), Scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    start = datetime(2025, 1, 6, 9, tzinfo=timezone.utc)
    histories = {}
    for number in range(cards):
        now = start + timedelta(days=number * days // (2 * cards), minutes=number % 60)
        schedule, memory, reviews = Schedule(), Card(), []
        while now < start + timedelta(days=days):
            recalled = memory.last_review is None or rng.random() < memory_model.get_card_retrievability(memory, now)
            rating = rng.choices((2, 3, 4), (0.15, 0.75, 0.10))[0] if recalled else AGAIN
            schedule = app.outcome(schedule, rating, now).schedule
            memory, _ = memory_model.review_card(memory, Rating(rating), now)
            reviews.append(Review(rating, now))
            now = schedule.due
        histories[f"card-{number}"] = reviews
    return histories


def measure(runs: int = RUNS) -> dict[str, float]:
    """Median seconds to fit (items included) and to evaluate the defaults, and to replay every card, per size."""
    results: dict[str, float] = {}
    for label, (cards, days) in SIZES.items():
        histories = simulated_histories(cards, days)
        items = training_items(histories, DEFAULTS.rollover_hour)
        fit_s, result = median_seconds(lambda: fit(histories, DEFAULTS), runs)
        evaluate_s, _ = median_seconds(lambda: evaluate(DEFAULTS.parameters, items), runs)
        replayer = CardScheduler(DEFAULTS)
        replay_s, _ = median_seconds(lambda: [replay(replayer, reviews) for reviews in histories.values()], 1)
        results |= {f"{label} reviews": result.reviews, f"{label} fit_s": fit_s, f"{label} evaluate_s": evaluate_s,
                    f"{label} replay_s": replay_s, f"{label} log_loss_current": result.current.log_loss,
                    f"{label} log_loss_fitted": result.fitted.log_loss}
    return results


def report(results: dict[str, float]) -> str:
    """The Markdown line for RESULTS.md."""
    parts = []
    for label in SIZES:
        parts.append(f"{results[f'{label} reviews']:,.0f} reviews: fit {results[f'{label} fit_s']:.2f} s "
                     f"(log loss {results[f'{label} log_loss_current']:.4f} -> "
                     f"{results[f'{label} log_loss_fitted']:.4f}; replaying every card for --apply "
                     f"{results[f'{label} replay_s']:.2f} s) vs evaluating the defaults "
                     f"{results[f'{label} evaluate_s'] * 1000:.0f} ms, "
                     f"{results[f'{label} fit_s'] / results[f'{label} evaluate_s']:.0f}x")
    return (f"| `revise optimize` (fsrs-rs fit, simulated reviews) | {'; '.join(parts)} "
            "| evaluating the default parameters on the same items | fit / evaluate | under 10 s at 100k reviews |")


if __name__ == "__main__":
    print(report(measure()))
