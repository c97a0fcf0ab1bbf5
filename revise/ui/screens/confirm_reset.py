"""Asking before a card's schedule is reset."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmReset(ModalScreen[bool]):
    """Asks before a reset, since a card's schedule cannot be brought back from the browser."""

    BINDINGS = [
        Binding("y", "answer(True)", "Reset", id="confirm-reset", tooltip="Make the card new again"),
        Binding("n,escape", "answer(False)", "Keep", id="keep-schedule", tooltip="Leave the card as it is"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.card_title = title

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(f"Reset “{self.card_title}”? Its review history is kept.\n\n",
                                   ("y", "bold"), " reset   ", ("n", "bold"), " keep it"), id="confirm-reset")

    def action_answer(self, reset: bool) -> None:
        """Closes the question with the learner's answer."""
        self.dismiss(reset)
