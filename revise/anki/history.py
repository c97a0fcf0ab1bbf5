"""Anki's review history in revise's review log: each rating logged once, and the card's FSRS memory state
found by replaying its log, with the due date Anki gave it."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from revise.anki.importer import CardHistory
from revise.scheduler.fsrs_scheduler import CardScheduler
from revise.scheduler.schedule import Schedule
from revise.store.schema import MANUAL_RATING, CardSchedule, ReviewLog


def record_histories(session: Session, scheduler: CardScheduler, histories: list[CardHistory], device: str) -> int:
    """Adds the Anki ratings not yet in each card's log (a rating is known by its card and time, so importing
    again adds nothing), as events of `device`, and reschedules the cards that gained some; returns how many ratings were added.

    A card's whole log, revise's own ratings included, is replayed in time order from new (a manual reset starts
    it afresh) to give each added rating its schedule before and after; the card then keeps the replayed memory
    state and, when Anki's rating is its latest, Anki's due date and suspension. `scheduler` should not fuzz.
    """
    added = 0
    for history in histories:
        row = session.get(CardSchedule, history.card_id)
        if row is None:
            continue  # the card did not load (a problem the sync reported)
        logged = list(session.scalars(select(ReviewLog).where(ReviewLog.card_id == history.card_id)))
        known = {log.reviewed_at for log in logged}
        new = [review for review in history.reviews if review.reviewed_at not in known]
        if not new:
            continue
        entries = sorted([(log.reviewed_at, 0, log) for log in logged] + [(review.reviewed_at, 1, review)
                                                                         for review in new],
                         key=lambda entry: (entry[0], entry[1]))
        schedule = Schedule()
        for reviewed_at, _, entry in entries:
            if isinstance(entry, ReviewLog):
                schedule = Schedule() if entry.rating == MANUAL_RATING else \
                    scheduler.outcome(schedule, entry.rating, reviewed_at).schedule
                continue
            after = scheduler.outcome(schedule, entry.rating, reviewed_at).schedule
            session.add(ReviewLog(card_id=history.card_id, reviewed_at=reviewed_at, rating=entry.rating,
                                  duration_ms=entry.duration_ms, kind=schedule.state, state_before=schedule.to_json(),
                                  state_after=after.to_json(), interval_days=schedule.review_interval_days,
                                  device=device))
            schedule = after
            added += 1
        anki_is_latest = entries[-1][1] == 1
        if anki_is_latest and history.due is None:
            schedule = Schedule()  # Anki made the card new again after these ratings
        elif anki_is_latest:
            schedule = replace(schedule, due=history.due)
        schedule.write_to(row)
        if anki_is_latest:
            row.suspended = history.suspended
    return added
