"""Practice: drill after drill with fresh numbers, from every deck, one deck, one tag, or the cards rated Again in
the last week, with a running score; no schedule changes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Select, Static

from revise.ui.widgets.drill_form import DrillForm
from revise.ui.work import WorkFailed, backend_work

if TYPE_CHECKING:
    from revise.cards.model import CardText
    from revise.ui.context import Context

AGAIN_DAYS = 7
ALL, AGAIN = "all", "again"  # the scopes that are not a deck (`deck:NAME`) or a tag (`tag:NAME`)


def scopes(cards: list[CardText]) -> list[tuple[str, str]]:
    """The choices of what to practise, as (label, value): everything, each deck, each tag, recent Agains."""
    decks = dict.fromkeys(card.deck for card in cards)
    tags = sorted({tag for card in cards for tag in card.tags})
    return [(f"All decks ({len(cards)} cards with drills)", ALL),
            *((f"Deck {deck}", f"deck:{deck}") for deck in decks),
            *((f"Tag #{tag}", f"tag:{tag}") for tag in tags),
            (f"Rated Again in the last {AGAIN_DAYS} days", AGAIN)]


def in_scope(cards: list[CardText], scope: str) -> list[CardText]:
    """The cards of a deck or tag scope (everything for ALL; AGAIN is chosen by the collection)."""
    kind, _, name = scope.partition(":")
    if kind == "deck":
        return [card for card in cards if card.deck == name]
    if kind == "tag":
        return [card for card in cards if name in card.tags]
    return cards


class PracticeScreen(Screen[None]):
    """Asks one drill at a time from the chosen cards; each answer is kept, but no schedule changes."""

    BINDINGS = [
        Binding("n", "next", "Next problem", id="next"),
        Binding("enter", "next", "Next", show=False),
        Binding("escape,q", "back", "Back", id="back"),
    ]

    @dataclass
    class Listed(Message):
        """The cards with drills in the chosen scope."""

        cards: list[CardText]
        scope: str

    def __init__(self, context: Context) -> None:
        super().__init__()
        self.context = context
        self.cards: list[CardText] = []
        self.queue: list[CardText] = []
        self.current: CardText | None = None
        self.answered = self.right = 0
        self.checked = True  # nothing asked yet: `n` may draw the first problem

    def compose(self) -> ComposeResult:
        with Vertical(id="practice-top"):
            yield Static(Text("Practice: drills with fresh numbers; your schedule does not change.", style="bold"))
            yield Select([], prompt="Loading the drills…", id="practice-scope", allow_blank=True, compact=True)
            yield Static("", id="practice-score")
        yield VerticalScroll(id="practice-area")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Lists every card with a drill, then offers the scopes."""
        self.list_cards(ALL)

    @backend_work("practice", exclusive=True)
    def list_cards(self, scope: str) -> None:
        """Reads the cards with drills (recently forgotten ones for AGAIN) off the UI thread."""
        collection = self.context.collection
        cards = collection.drill_cards(AGAIN_DAYS) if scope == AGAIN else collection.drill_cards()
        self.post_message(self.Listed(cards, scope))

    def on_practice_screen_listed(self, message: Listed) -> None:
        """Offers the scopes the first time; starts (or restarts) the run over the chosen cards."""
        select = self.query_one("#practice-scope", Select)
        if not self.cards and message.scope == ALL:
            self.cards = message.cards
            with self.prevent(Select.Changed):
                select.set_options(scopes(message.cards))
                select.value = ALL
        chosen = message.cards if message.scope == AGAIN else in_scope(message.cards, message.scope)
        self.queue = random.sample(chosen, len(chosen))
        if not chosen:
            self._say("No card in this choice has a drill yet." if message.scope != AGAIN else
                      f"No card with a drill was rated Again in the last {AGAIN_DAYS} days.")
            return
        self.checked = True
        self.action_next()

    @on(Select.Changed, "#practice-scope")
    def _scope_chosen(self, event: Select.Changed) -> None:
        """Starts a new run over the chosen scope."""
        if isinstance(event.value, str):
            self.list_cards(event.value)

    def _say(self, line: str) -> None:
        """Replaces the problem area with a line."""
        area = self.query_one("#practice-area", VerticalScroll)
        area.remove_children()
        area.mount(Static(line))

    def action_next(self) -> None:
        """Draws the next problem (the queue reshuffled when it runs out) once the last one is answered."""
        if not self.checked or not (self.queue or self.cards):
            return
        if not self.queue:
            self.queue = random.sample(self.cards, len(self.cards))
        self.current = self.queue.pop()
        self.checked = False
        area = self.query_one("#practice-area", VerticalScroll)
        area.remove_children()
        area.mount(Static(Text(f"{self.current.deck} · {self.current.title_en} | {self.current.title_zh}",
                               style="dim")),
                   DrillForm(self.current.drill or "", random.randrange(2 ** 62), self.app.language))

    def on_drill_form_checked(self, message: DrillForm.Checked) -> None:
        """Counts the answer, keeps it (outside the schedule), and offers the next problem."""
        self.checked = True
        self.answered += 1
        record = message.instance.record(message.marks)
        self.right += record["all_right"]
        self.query_one("#practice-score", Static).update(
            f"Score: {self.right} of {self.answered} right   ·   Enter or n: next problem   ·   q: back")
        self.set_focus(None)
        if self.current is not None:
            self.keep(self.current.id, record)

    @backend_work("practice-keep")
    def keep(self, card_id: str, record: dict) -> None:
        """Writes the answered drill to the log of drill answers (no rating, no schedule change)."""
        self.context.collection.practise(card_id, record)

    def on_work_failed(self, message: WorkFailed) -> None:
        """Says what went wrong; the run goes on."""
        message.stop()
        self.notify(message.error, severity="error")

    def action_back(self) -> None:
        """Back to the home screen."""
        self.app.pop_screen()
