"""The FSRS parameters the learner applied with `revise optimize --apply`, kept in the settings table."""

from __future__ import annotations

import math

from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from sqlalchemy.orm import Session

from revise.errors import ReviseError
from revise.store.schema import Setting

PARAMETERS_SETTING = "fsrs_parameters"


def stored_parameters(session: Session) -> tuple[float, ...] | None:
    """The applied FSRS-6 parameters (21 numbers, py-fsrs's order), or None while the defaults are in use."""
    row = session.get(Setting, PARAMETERS_SETTING)
    if row is None:
        return None
    value = row.value
    if not (isinstance(value, list) and len(value) == len(LOWER_BOUNDS_PARAMETERS)
            and all(isinstance(number, (int, float)) and not isinstance(number, bool) and math.isfinite(number)
                    for number in value)):
        raise ReviseError(f"setting `{PARAMETERS_SETTING}` in the database is not a list of "
                          f"{len(LOWER_BOUNDS_PARAMETERS)} numbers; run `revise optimize --apply` to replace it")
    return within_bounds(value)


def within_bounds(parameters: list[float] | tuple[float, ...]) -> tuple[float, ...]:
    """The parameters clamped into py-fsrs's accepted ranges, which fsrs-rs's own clipping can overshoot by a hair."""
    return tuple(min(max(float(value), low), high)
                 for value, low, high in zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS))


def store_parameters(session: Session, parameters: tuple[float, ...]) -> None:
    """Makes `parameters` the ones every later scheduling uses."""
    session.merge(Setting(key=PARAMETERS_SETTING, value=list(parameters)))
