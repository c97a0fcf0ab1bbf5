"""Reading one card, question and answer together, opened from search or the browser; its schedule is untouched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from revise.ui.timefmt import describe_due
from revise.ui.widgets.card_view import CardView
from revise.ui.work import WorkFailed, backend_work

if TYPE_CHECKING:
    from revise.ui.context import Context
    from revise.collection import StudyCard
    from revise.text.card_markdown import CardSides


class CardScreen(Screen[None]):
    """Shows a card to read; `d` runs its demo, Escape goes back to where the learner came from."""

    BINDINGS = [
        Binding("d", "demo", "Demo", id="demo", tooltip="Run the card's live demo"),
        Binding("a", "add_card", "Add card", id="add-card", tooltip="Write a new card in $EDITOR, then review it"),
        Binding("escape,q", "back", "Back", id="back", tooltip="Back to the results"),
    ]

    @dataclass
    class Loaded(Message):
        """The card and its sides, read in a worker."""

        card: StudyCard
        sides: CardSides

    def __init__(self, context: Context, card_id: str, open_demo: bool = False) -> None:
        super().__init__()
        self.context, self.card_id, self.open_demo = context, card_id, open_demo
        self.card: StudyCard | None = None
        self.sides: CardSides | None = None

    def compose(self) -> ComposeResult:
        yield Static("Reading…", id="card-status")
        yield CardView(self.context.graphics)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Reads the card, and follows the app's language."""
        self.watch(self.app, "language", self._show_card, init=False)
        self.load()

    @backend_work("card")
    def load(self) -> None:
        """Reads the card and cuts it into sides off the UI thread."""
        from revise.text.card_markdown import CardSides

        card = self.context.collection.card(self.card_id)
        self.post_message(self.Loaded(card, CardSides.of(card.text)))

    def on_card_screen_loaded(self, message: Loaded) -> None:
        """Shows the card with its answer, its schedule in the status line, and the demo if asked for."""
        self.card, self.sides = message.card, message.sides
        schedule = message.card.schedule
        due = describe_due(schedule.due, datetime.now().astimezone()) if schedule.due else None
        parts = ["Reading: the schedule does not change", schedule.state,
                 *([f"due {due}"] if due else []), *(["suspended"] if message.card.suspended else [])]
        self.query_one("#card-status", Static).update(" · ".join(parts))
        self._show_card()
        if self.open_demo:
            self.action_demo()

    def on_work_failed(self, message: WorkFailed) -> None:
        """Says why the card cannot be shown."""
        message.stop()
        self.query_one("#card-status", Static).update(Text(message.error))

    def _show_card(self) -> None:
        """Draws the card in the app's language, answer shown."""
        if self.card is not None and self.sides is not None:
            self.query_one(CardView).show(self.card.text, self.sides, self.app.language, revealed=True)

    def action_demo(self) -> None:
        """Opens or closes the card's live demo."""
        if self.card is not None:
            self.query_one(CardView).toggle_demo(self.card.text)

    def action_add_card(self) -> None:
        """Adds a card to this card's deck (or another), then reviews it at once."""
        from revise.ui.screens.add_card import add_then_review

        add_then_review(self.app, self.context, Path(self.card.text.path) if self.card else None)

    def action_back(self) -> None:
        """Returns to the results (or the browser) this card was opened from."""
        self.app.pop_screen()
