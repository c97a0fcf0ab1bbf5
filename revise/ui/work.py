"""The one way screens run backend work: in a thread worker whose every failure becomes a one-line message."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import work
from textual.message import Message

from revise.errors import explain


@dataclass
class WorkFailed(Message):
    """Backend work failed; `error` says in one line what happened and what to do. Nothing was half-applied:
    each collection call is one transaction. Screens may handle it (and stop it); the app shows it."""

    error: str
    group: str  # the worker group that failed, so a handler can tell whose work it was


def backend_work(group: str, exclusive: bool = False) -> Callable[[Callable[..., None]], Callable[..., Any]]:
    """Decorates a widget's method to run as a thread worker (never ending the app on error) whose exceptions,
    of any type, are posted to the widget as WorkFailed."""

    def decorate(method: Callable[..., None]) -> Callable[..., Any]:
        @functools.wraps(method)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> None:
            try:
                method(self, *args, **kwargs)
            except Exception as error:  # noqa: BLE001 - every failure becomes one line on screen, never a crash
                self.post_message(WorkFailed(explain(error), group))

        return work(thread=True, group=group, exclusive=exclusive, exit_on_error=False)(guarded)

    return decorate
