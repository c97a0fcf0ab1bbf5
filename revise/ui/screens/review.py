"""The review screen: a card's question, Space for the answer, 1-4 to rate, u to undo, e to edit."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from revise.cards.model import errors
from revise.demo_engine.drill import drill_seed
from revise.ui.editor import open_in_editor
from revise.ui.timefmt import describe_due
from revise.ui.widgets.card_view import CardView
from revise.ui.widgets.drill_form import DrillForm
from revise.ui.widgets.rating_bar import RatingBar
from revise.ui.work import WorkFailed, backend_work

if TYPE_CHECKING:
    from revise.collection import Collection, DueCounts, StudyCard
    from revise.ui.context import Context
    from revise.text.card_markdown import CardSides

UNDO_DEPTH = 30
Change = Callable[[], "tuple[StudyCard | None, int | None]"]


class ReviewScreen(Screen[None]):
    """Shows due cards one at a time; each rating is on disk before the next card appears."""

    BINDINGS = [
        Binding("space", "reveal", "Show answer", id="reveal"),
        Binding("1", "rate(1)", "Again", id="again"),
        Binding("2", "rate(2)", "Hard", id="hard"),
        Binding("3", "rate(3)", "Good", id="good"),
        Binding("4", "rate(4)", "Easy", id="easy"),
        Binding("u", "undo", "Undo", id="undo", tooltip="Take back the last rating"),
        Binding("e", "edit", "Edit", id="edit", tooltip="Open the card's file in $EDITOR"),
        Binding("a", "add_card", "Add", id="add-card", tooltip="Write a new card in $EDITOR and review it now"),
        Binding("d", "demo", "Demo", id="demo", tooltip="Run the card's live demo"),
        Binding("enter", "accept", "Accept", id="accept", show=False),
        Binding("q,escape", "back", "Back", id="back"),
    ]

    @dataclass
    class Shown(Message):
        """The next card to show (None when nothing is due), today's counts, and a note for the learner."""

        card: StudyCard | None
        sides: CardSides | None
        counts: DueCounts
        notice: str = ""
        rated_log_id: int | None = None

    @dataclass
    class SavedOnly(Message):
        """A rating (or undo) is on disk but the card after it could not be read; `error` says why."""

        error: str
        rated_log_id: int | None

    def __init__(self, context: Context, first: str | None = None) -> None:
        super().__init__()
        self.context, self.first = context, first  # a card to show before the due ones (one just added)
        self.card: StudyCard | None = None
        self.sides: CardSides | None = None
        self.revealed = False
        self.busy = True
        self.shown_at = time.monotonic()
        self.undo_stack: list[int] = []
        self.drill_record: dict | None = None  # the card's drill, once answered, kept with the rating
        self.preselected: int | None = None  # the rating Enter takes after a drill: Good if right, else Again

    @property
    def collection(self) -> Collection:
        """The open collection."""
        return self.context.collection

    def compose(self) -> ComposeResult:
        yield Static("", id="review-status")
        yield CardView(self.context.graphics)
        yield RatingBar()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Loads the first card, and follows the app's language."""
        self.watch(self.app, "language", self._show_card, init=False)
        first = self.first
        self.load(lambda: (self.collection.card(first) if first else None, None))

    @backend_work("review")
    def load(self, change: Change, notice: str = "") -> None:
        """Runs a change to the collection, then picks the card to show, all off the UI thread.

        `change` returns the card to show next, if it decides (undo, edit), and the id of a new log entry.
        A change that fails changes nothing (WorkFailed); one that is saved is never offered again, even
        when the next card cannot be read (SavedOnly).
        """
        from revise.errors import explain
        from revise.text.card_markdown import CardSides

        card, log_id = change()
        try:
            card = card or self.collection.next_card()
            sides = CardSides.of(card.text) if card else None
            counts = self.collection.counts()
        except Exception as error:  # noqa: BLE001 - the change is saved; say why the next card is not shown
            self.post_message(self.SavedOnly(explain(error), log_id))
            return
        self.post_message(self.Shown(card, sides, counts, notice, log_id))

    def on_review_screen_shown(self, message: Shown) -> None:
        """Puts the new card on screen, front side up."""
        if message.rated_log_id is not None:
            self.undo_stack = [*self.undo_stack, message.rated_log_id][-UNDO_DEPTH:]
        self.card, self.sides, self.revealed, self.busy = message.card, message.sides, False, False
        self.drill_record, self.preselected = None, None
        self.query_one(CardView).close_demo()
        if message.card is not None and message.card.text.demo:
            self.warm_demo(message.card.text.demo_link.name)
        self.shown_at = time.monotonic()
        counts = message.counts
        status = f"{counts.new} new · {counts.learning} learning · {counts.due} due"
        self.query_one("#review-status", Static).update(status)
        if message.card is None:
            when = describe_due(counts.next_due, datetime.now().astimezone()) if counts.next_due else None
            self.query_one(CardView).show_done(
                f"The next card is due {when}." if when else "No cards are scheduled.")
        else:
            self._show_card()
            if message.card.text.drill:
                seed = drill_seed(message.card.text.id, message.card.schedule.reps)
                self.query_one(CardView).show_drill(message.card.text.drill, seed)
        self.query_one(RatingBar).show_front(message.card is not None)
        if message.notice:
            self.notify(message.notice)
        self.refresh_bindings()

    def on_work_failed(self, message: WorkFailed) -> None:
        """Reports a change that failed (nothing was saved) and lets the learner try the same key again."""
        message.stop()
        self.busy = False
        self.notify(message.error, severity="error")
        self.refresh_bindings()

    def on_review_screen_saved_only(self, message: SavedOnly) -> None:
        """The change is saved but no card can be shown: says so, and keeps the saved card from being rated twice."""
        if message.rated_log_id is not None:
            self.undo_stack = [*self.undo_stack, message.rated_log_id][-UNDO_DEPTH:]
        self.card, self.sides, self.revealed, self.busy = None, None, False, False
        self.query_one(CardView).show_done(f"Saved, but the next card could not be read: {message.error}.",
                                           title="Your last change is saved.")
        self.query_one(RatingBar).show_front(False)
        self.refresh_bindings()

    def _show_card(self) -> None:
        """Draws the current card in the app's language, keeping the answer shown if it was."""
        if self.card is not None and self.sides is not None:
            self.query_one(CardView).show(self.card.text, self.sides, self.app.language, self.revealed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dims the keys that do nothing right now: rating before the answer shows, anything while busy."""
        if action == "rate":
            return None if self.busy or not self.revealed else True
        if action == "accept":
            return None if self.busy or not self.revealed or self.preselected is None else True
        if action == "reveal":
            return None if self.busy or self.card is None or self.revealed else True
        if action in ("edit", "demo"):
            return None if self.card is None else True
        if action == "undo":
            return None if self.busy or not self.undo_stack else True
        return True

    def action_reveal(self) -> None:
        """Shows the answer and the four rating buttons with their intervals."""
        if self.card is None or self.revealed:
            return
        self.revealed = True
        self.query_one(CardView).reveal()
        self.query_one(RatingBar).show_outcomes(self.card.outcomes, self.preselected)
        self.set_focus(self.query_one(CardView))  # out of the drill's fields: the keys rate again
        self.refresh_bindings()

    def on_drill_form_checked(self, message: DrillForm.Checked) -> None:
        """A drill answered: kept for the rating, which Enter takes (Again if any answer is wrong, else Good)."""
        self.drill_record = message.instance.record(message.marks)
        self.preselected = 3 if self.drill_record["all_right"] else 1
        self.action_reveal()

    def action_accept(self) -> None:
        """Takes the rating a drill's answers suggested."""
        if self.preselected is not None:
            self.action_rate(self.preselected)

    def action_rate(self, rating: int) -> None:
        """Commits the rating in a worker; the next card shows once it is on disk."""
        if self.busy or not self.revealed or self.card is None:
            return
        self.busy = True
        card, duration_ms = self.card, int((time.monotonic() - self.shown_at) * 1000)
        leech_before = card.schedule.leech
        notice = "" if leech_before or not card.outcomes[rating].schedule.leech else (
            f"“{card.text.title_en}” is now a leech: {card.outcomes[rating].schedule.lapses} lapses. "
            "Consider rewriting it.")
        drill = self.drill_record
        self.load(lambda: (None, self.collection.rate(card, rating, duration_ms, drill=drill)), notice)

    def action_undo(self) -> None:
        """Takes back the last rating and shows that card again."""
        if self.busy or not self.undo_stack:
            return
        self.busy = True
        log_id = self.undo_stack.pop()
        self.load(lambda: (self.collection.undo(log_id), None), "Rating undone")

    def action_edit(self) -> None:
        """Opens the card's file in $EDITOR at its line, then re-syncs and shows the card as edited; an editor that
        is missing or cannot be parsed is one line, and the review carries on."""
        if self.card is None:
            return
        card_id = self.card.text.id
        failure = open_in_editor(self.app, Path(self.card.text.path), self.card.text.line)
        if failure:
            self.notify(failure, severity="error", markup=False)
            return
        self.busy = True
        self.load(lambda: (self._resync(card_id), None))

    def action_add_card(self) -> None:
        """Adds a card to this card's deck (or another), then shows it at once; the card shown comes back later."""
        from revise.ui.screens.add_card import AddCardScreen

        def show(card_id: str | None) -> None:
            if card_id is not None:
                self.busy = True
                self.load(lambda: (self.collection.card(card_id), None))

        self.app.push_screen(AddCardScreen(self.context, Path(self.card.text.path) if self.card else None), show)

    def _resync(self, card_id: str) -> StudyCard | None:
        """Syncs the files after an edit and returns the edited card (None if it is gone)."""
        report = self.collection.sync()
        if report.problems:
            self.app.call_from_thread(self.notify, "\n".join(map(str, report.problems[:3])),
                                      severity="error" if errors(report.problems) else "warning")
        retired = card_id in report.retired
        card_id = dict(report.renamed).get(card_id, card_id)  # a new id with `was:` keeps the card
        return None if retired else self.collection.card(card_id)

    def action_demo(self) -> None:
        """Opens the card's live demo under it, or closes it if it is open."""
        if self.card is not None:
            self.query_one(CardView).toggle_demo(self.card.text)

    @work(thread=True, group="warm", exit_on_error=False)
    def warm_demo(self, name: str) -> None:
        """Imports a demo and compiles its kernels in the background, so that `d` shows it at once; a failure
        here stays quiet, since opening the demo shows it (see DemoPanel.load)."""
        from revise.demo_engine.registry import ready_demo

        try:
            ready_demo(name)
        except Exception:  # noqa: BLE001 - quiet on purpose: opening the demo repeats the warm-up and says why
            return

    def action_back(self) -> None:
        """Returns to the home screen; nothing is lost, every rating is already saved."""
        self.app.pop_screen()
