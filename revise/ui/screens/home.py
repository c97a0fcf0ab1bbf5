"""The home screen: today's counts, when the next card comes, and any problems in the card files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from revise.cards.model import problem_counts
from revise.ui.timefmt import describe_due
from revise.ui.work import WorkFailed, backend_work

if TYPE_CHECKING:
    from revise.cards.sync import SyncReport
    from revise.collection import DueCounts
    from revise.ui.context import Context


class HomeScreen(Screen[None]):
    """Where the day starts: how much is due, and Space to begin."""

    BINDINGS = [
        Binding("space,enter", "review", "Review", id="review", tooltip="Start today's review"),
        Binding("p", "practice", "Practice", id="practice", tooltip="Drills with fresh numbers, outside the schedule"),
        Binding("a", "add_card", "Add card", id="add-card", tooltip="Write a new card in $EDITOR, then review it"),
        Binding("b", "app.browse", "Browse", id="browse", tooltip="Every card in a table"),
        Binding("s", "app.stats", "Stats", id="stats", tooltip="Reviews, retention, forecast and card statistics"),
        Binding("o", "options", "Options", id="options", tooltip="Settings: daily limits, steps, retention, language"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    @dataclass
    class Ready(Message):
        """The collection is open; `report` says what the start-up sync found."""

        report: SyncReport
        context: Context

    @dataclass
    class Failed(Message):
        """The collection could not be opened."""

        error: str

    @dataclass
    class Counted(Message):
        """Today's counts, computed in a worker."""

        counts: DueCounts

    def __init__(self) -> None:
        super().__init__()
        self.context: Context | None = None  # handed over with Ready, once the collection is open
        self.waiting: Callable[[], None] | None = None  # what the learner asked for while it was opening

    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield Static("revise", id="brand")
            yield Static("Opening your cards…", id="counts")
            yield Static("", id="next-due")
            yield Static("", id="problems")
            yield Static("Space: review · a: add a card · p: practise · Ctrl+F: search · b: browse · s: stats · "
                         "o: options · q: quit",
                         id="hint")
        yield Footer(compact=True)

    def on_home_screen_ready(self, message: Ready) -> None:
        """Lists the card-file problems the sync found, then asks for today's counts."""
        self.context = message.context
        problems = message.report.problems
        if problems:
            lines = [f"{problem_counts(problems)} in the card files (the other cards load as usual):",
                     *(f"  {problem}" for problem in problems[:8])]
            if len(problems) > 8:
                lines.append(f"  … and {len(problems) - 8} more: run `revise check`")
            self.query_one("#problems", Static).update(Text("\n".join(lines)))  # text, as a file may hold `[`
        self.load_counts()
        if self.waiting is not None:
            waiting, self.waiting = self.waiting, None
            waiting()

    def on_home_screen_failed(self, message: Failed) -> None:
        """Shows why nothing could be opened."""
        self.query_one("#counts", Static).update(Text(f"Cannot open the collection: {message.error}"))

    def on_work_failed(self, message: WorkFailed) -> None:
        """Shows why today's counts could not be read, where they would be."""
        message.stop()
        self.query_one("#counts", Static).update(Text(f"Cannot count today's cards: {message.error}"))

    def on_screen_resume(self) -> None:
        """Refreshes the counts when the learner comes back from a review."""
        if self.context is not None:
            self.load_counts()

    @backend_work("counts", exclusive=True)
    def load_counts(self) -> None:
        """Computes today's counts off the UI thread."""
        self.post_message(self.Counted(self.context.collection.counts()))

    def on_home_screen_counted(self, message: Counted) -> None:
        """Shows today's counts and when the next card is due."""
        counts = message.counts
        self.query_one("#counts", Static).update(
            f"[b]{counts.due}[/b] due   [b]{counts.new}[/b] new   [b]{counts.learning}[/b] learning"
            f"      ({counts.cards} cards, {counts.reviews_today} reviewed today)")
        self.query_one("#next-due", Static).update(self._next_due_text(counts, datetime.now().astimezone()))

    @staticmethod
    def _next_due_text(counts: DueCounts, now: datetime) -> str:
        """What to tell the learner about when to study next."""
        if counts.due or counts.new or counts.learning:
            return "Cards are waiting: press Space to start."
        if counts.next_due is None:
            return "Nothing is scheduled: add cards to the card folder."
        return f"All done for now. The next card is due {describe_due(counts.next_due, now)}."

    def _when_open(self, action: Callable[[], None]) -> bool:
        """True when the collection is open; else keeps `action` to run as soon as it is (the counts may show
        before the start-up sync ends, and a key pressed then is not lost)."""
        if self.context is not None:
            return True
        self.waiting = action
        self.notify("Still opening your cards: one moment…", timeout=2)
        return False

    def action_review(self) -> None:
        """Opens the review screen once the collection is open."""
        if not self._when_open(self.action_review):
            return
        from revise.ui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.context))

    def action_add_card(self) -> None:
        """Adds a card once the collection is open, then reviews it at once."""
        if not self._when_open(self.action_add_card):
            return
        from revise.ui.screens.add_card import add_then_review

        add_then_review(self.app, self.context)

    def action_options(self) -> None:
        """Opens the settings form once the collection is open (a save applies to it at once)."""
        if not self._when_open(self.action_options):
            return
        from revise.ui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.context, self.app.settings))

    def action_practice(self) -> None:
        """Opens a practice run of drills once the collection is open (no schedule changes)."""
        if not self._when_open(self.action_practice):
            return
        from revise.ui.screens.practice import PracticeScreen

        self.app.push_screen(PracticeScreen(self.context))
