"""Fitting the FSRS-6 parameters to the learner's own review log with fsrs-rs (no torch), and applying them.

fsrs-rs-python 0.9.3 fits and evaluates the same 21 FSRS-6 parameters, in the same order, as py-fsrs 6.3.2
schedules with (its DEFAULT_PARAMETERS equal py-fsrs's defaults), so a fitted list goes straight into
SchedulerConfig.parameters. fsrs-rs is imported only when a fit runs: it is CPU work nobody needs at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from revise.errors import ReviseError
from revise.scheduler.day import study_day
from revise.scheduler.fsrs_scheduler import CardScheduler, SchedulerConfig
from revise.scheduler.parameters import store_parameters, within_bounds
from revise.scheduler.replay import record_settings, replay_cards
from revise.scheduler.schedule import Schedule
from revise.store.schema import MANUAL_RATING, CardSchedule, ParameterApplication, ReviewLog

if TYPE_CHECKING:
    from fsrs_rs_python import FSRSItem

# Anki asked for 1,000 reviews before optimising (23.10), then 400 (24.04), as does the fsrs-optimizer; fewer
# give parameters that fit noise, and fsrs-rs itself falls back to the defaults below a few dozen usable items.
MINIMUM_REVIEWS = 400


@dataclass(frozen=True)
class Review:
    """One rating (1-4) from the review log and when it was given."""

    rating: int
    reviewed_at: datetime


@dataclass(frozen=True)
class Evaluation:
    """How well a set of parameters predicts the reviews: log loss and RMSE over bins (lower is better)."""

    log_loss: float
    rmse_bins: float


@dataclass(frozen=True)
class FitResult:
    """The fitted parameters and, on the same reviews, how the current and the fitted ones predict them."""

    reviews: int
    cards: int
    current_parameters: tuple[float, ...]
    fitted_parameters: tuple[float, ...]
    current: Evaluation
    fitted: Evaluation

    @property
    def improves(self) -> bool:
        """Whether the fitted parameters predict the learner's reviews better than those in use."""
        return self.fitted.log_loss < self.current.log_loss


def review_histories(session: Session) -> dict[str, list[Review]]:
    """Each reviewed card's ratings in time order since its last manual reset (a reset starts it afresh)."""
    query = (select(ReviewLog.card_id, ReviewLog.rating, ReviewLog.reviewed_at)
             .order_by(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id))
    histories: dict[str, list[Review]] = {}
    for card_id, rating, reviewed_at in session.execute(query):
        if rating == MANUAL_RATING:
            histories[card_id] = []
        else:
            histories.setdefault(card_id, []).append(Review(rating, reviewed_at))
    return {card_id: reviews for card_id, reviews in histories.items() if reviews}


def training_items(histories: dict[str, list[Review]], rollover_hour: int) -> list[FSRSItem]:
    """The fsrs-rs items: one per review on a later study day than the one before, holding the history up to it.

    As fsrs-rs expects, delta_t counts study days since the previous review, so learning steps on the same day
    count 0 and only a review on a later day is something to predict.
    """
    from fsrs_rs_python import FSRSItem, FSRSReview

    items = []
    for reviews in histories.values():
        days = [study_day(review.reviewed_at, rollover_hour) for review in reviews]
        sequence = []
        for index, review in enumerate(reviews):
            delta_t = (days[index] - days[index - 1]).days if index else 0
            sequence.append(FSRSReview(review.rating, delta_t))
            if delta_t > 0:
                items.append(FSRSItem(list(sequence)))
    return items


def evaluate(parameters: Sequence[float], items: list[FSRSItem]) -> Evaluation:
    """How well `parameters` predict the items' last reviews."""
    from fsrs_rs_python import FSRS

    evaluation = FSRS(list(parameters)).evaluate(items)
    return Evaluation(evaluation.log_loss, evaluation.rmse_bins)


def fit(histories: dict[str, list[Review]], config: SchedulerConfig) -> FitResult:
    """Fits the 21 parameters to the histories; refuses, saying how many are needed, below MINIMUM_REVIEWS."""
    from fsrs_rs_python import FSRS

    reviews = sum(len(history) for history in histories.values())
    if reviews < MINIMUM_REVIEWS:
        raise ReviseError(f"fitting FSRS parameters needs at least {MINIMUM_REVIEWS} reviews; the log has {reviews} "
                          "(manual resets excluded)")
    items = training_items(histories, config.rollover_hour)
    if not items:
        raise ReviseError(f"the {reviews} reviews are all on each card's first day; nothing to fit yet")
    try:
        # Starts from the defaults and pre-trains the initial stabilities, whatever the instance's parameters.
        fitted = FSRS([]).compute_parameters(items, enable_short_term=True,
                                             num_relearning_steps=len(config.relearning_steps))
    except (ValueError, RuntimeError) as error:
        raise ReviseError(f"fsrs-rs could not fit parameters to {reviews} reviews: {error}") from None
    fitted_parameters = within_bounds([round(value, 4) for value in fitted])  # f32 noise is no information
    return FitResult(reviews, len(histories), tuple(config.parameters), fitted_parameters,
                     evaluate(config.parameters, items), evaluate(fitted_parameters, items))


def replay(scheduler: CardScheduler, reviews: list[Review]) -> Schedule:
    """The schedule a card would have now had it been reviewed as logged, under `scheduler`, from new."""
    schedule = Schedule()
    for review in reviews:
        schedule = scheduler.outcome(schedule, review.rating, review.reviewed_at).schedule
    return schedule


def apply_parameters(session: Session, config: SchedulerConfig, parameters: tuple[float, ...], device: str,
                     now: datetime) -> int:
    """Stores the parameters and reschedules every reviewed card by replaying its log under them; returns how many.

    The application is an event (`ParameterApplication`) that syncs to the learner's other devices, where the same
    replay reads the history before it under the same parameters; the log keeps its ratings, and the schedules
    recorded with them are those of the replay.
    """
    store_parameters(session, parameters)
    scheduler = CardScheduler(replace(config, parameters=parameters))
    session.add(ParameterApplication(device=device, applied_at=now, scheduler=record_settings(session, scheduler)))
    session.flush()
    reviewed = review_histories(session)
    missing = [card_id for card_id in reviewed if session.get(CardSchedule, card_id) is None]
    if missing:
        raise ReviseError(f"card {missing[0]} has reviews but no schedule in the database")
    return replay_cards(session, scheduler, sorted(reviewed))
