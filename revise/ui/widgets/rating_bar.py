"""The row under the card: Show answer, then Again / Hard / Good / Easy with the interval each gives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from revise.scheduler.fsrs_scheduler import RATING_NAMES, format_interval

if TYPE_CHECKING:
    from revise.scheduler.fsrs_scheduler import Outcome

VARIANTS = {1: "error", 2: "warning", 3: "success", 4: "primary"}


class RatingBar(Horizontal):
    """Buttons that mirror the keys, so the interval of each rating is visible before choosing."""

    def compose(self) -> ComposeResult:
        yield Button("Show answer  [dim]Space[/dim]", id="show-answer", action="screen.reveal")
        for rating, name in RATING_NAMES.items():
            yield Button(name, id=f"rate-{rating}", variant=VARIANTS[rating], action=f"screen.rate({rating})")

    def show_front(self, has_card: bool) -> None:
        """Offers only Show answer (or nothing, when no card is due)."""
        self.query_one("#show-answer").display = has_card
        for rating in RATING_NAMES:
            self.query_one(f"#rate-{rating}").display = False

    def show_outcomes(self, outcomes: dict[int, Outcome], preselected: int | None = None) -> None:
        """Offers the four ratings, each labelled with its key and the interval it would give; the `preselected`
        one (Again after a wrong drill answer, Good after a right one) is marked, and Enter takes it."""
        self.query_one("#show-answer").display = False
        for rating, name in RATING_NAMES.items():
            button = self.query_one(f"#rate-{rating}", Button)
            enter = "  ⏎" if rating == preselected else ""
            button.label = f"{rating} {name}  {format_interval(outcomes[rating].interval)}{enter}"
            button.set_class(rating == preselected, "preselected")
            button.display = True
