"""Ctrl+F: search every concept as you type, read a card with Enter, and go back to where you were."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from revise.ui.timefmt import describe_due
from revise.ui.work import backend_work

if TYPE_CHECKING:
    from revise.ui.context import Context
    from revise.search.engine import SearchHit, SearchResults
    from revise.search.snippet import Highlighted

# The best this many are listed (a few screens); the browser (Ctrl+B) lists every match. Laying out the list is most
# of what a keystroke costs the UI thread, so it is kept short enough to follow typing over 50,000 cards.
RESULT_LIMIT = 30
HINT = ('Type to search titles, questions, answers and formula symbols, in English or 中文. '
        'Filters: tag:cnn deck:optimisation is:due is:new is:learn is:review is:suspended is:leech has:demo; '
        '"exact phrase", -word to exclude, a or b.')


class SearchScreen(Screen[None]):
    """A search box over a ranked list of cards, each with its matches highlighted in a snippet."""

    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("enter", "open", "Read card", id="open", tooltip="Read the highlighted card"),
        Binding("ctrl+b", "browse", "Browse", id="browse", tooltip="Show these cards in the browser table"),
        Binding("escape", "back", "Back", id="back", tooltip="Back to where you were"),
    ]

    @dataclass
    class Found(Message):
        """The results of the search numbered `sequence`, found in a worker, and how many cards search could not
        find yet (still being indexed after a big import)."""

        sequence: int
        results: SearchResults
        unindexed: int = 0

    def __init__(self, context: Context, query: str = "") -> None:
        super().__init__()
        self.context, self.initial_query = context, query
        self.sequence = self.shown_sequence = 0
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        yield Input(self.initial_query, placeholder="Search every concept…", id="search-input")
        yield Static(HINT, id="search-summary")
        yield OptionList(id="search-results")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Focuses the box, ready to type, and searches for any query it was opened with."""
        self.query_one(OptionList).can_focus = False
        self.focus_box()
        if self.initial_query:
            self.search(self.initial_query, self.sequence)

    def focus_box(self) -> None:
        """Puts the cursor in the search box, its text selected so that typing replaces it."""
        box = self.query_one(Input)
        box.focus()
        box.select_all()

    @on(Input.Changed, "#search-input")
    def on_query_changed(self, event: Input.Changed) -> None:
        """Searches again on every keystroke; results from older keystrokes are dropped when they arrive."""
        self.sequence += 1
        if event.value.strip():
            self.search(event.value, self.sequence)
        else:
            self.hits = []
            self.query_one(OptionList).clear_options()
            self.query_one("#search-summary", Static).update(HINT)

    @backend_work("search", exclusive=True)
    def search(self, query: str, sequence: int) -> None:
        """Runs the search off the UI thread."""
        collection = self.context.collection
        self.post_message(self.Found(sequence, collection.search(query, limit=RESULT_LIMIT), collection.unindexed or 0))

    def on_search_screen_found(self, message: Found) -> None:
        """Lists the results of the latest search, the best one highlighted."""
        if message.sequence != self.sequence:
            return
        results = message.results
        self.hits, self.shown_sequence = results.hits, message.sequence
        found = results.found()
        if not results.all_shown():
            found += f", the best {len(results.hits)} shown (Ctrl+B lists them all)"
        if results.hits:
            found += "  ·  ↑↓ choose  ·  Enter read"
        # Text, not markup: a note quotes what the learner typed, which may hold `[`.
        notes = [(f"\n{note}", "dim") for note in results.query.notes]
        if message.unindexed:
            notes.append((f"\nStill indexing: {message.unindexed} cards are not searchable yet.", "dim"))
        self.query_one("#search-summary", Static).update(Text.assemble(found, *notes))
        options = self.query_one(OptionList)
        options.clear_options()
        now = datetime.now().astimezone()
        options.add_options([self._option(hit, now) for hit in results.hits])
        if results.hits:
            options.highlighted = 0

    def _option(self, hit: SearchHit, now: datetime) -> Option:
        """A result: the titles with its deck and state, then the snippet."""
        mark = Style(bold=True, underline=True, color=self.app.current_theme.accent)
        due = describe_due(hit.due, now) if hit.due else None
        status = " · ".join([hit.deck, hit.state, *([f"due {due}"] if due else []),
                             *(["suspended"] if hit.suspended else []), *(["▶ demo"] if hit.demo else [])])
        line = Text.assemble(_marked(hit.title_en, mark, Style(bold=True)), "  ",
                             _marked(hit.title_zh, mark, Style(bold=True)), "   ", (status, "dim"), "\n",
                             _marked(hit.snippet, mark, Style(dim=True)))
        return Option(line, id=hit.card_id)

    def action_move(self, step: int) -> None:
        """Moves the highlight through the results while the cursor stays in the box."""
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    @on(Input.Submitted, "#search-input")
    def action_open(self) -> None:
        """Opens the highlighted card to read."""
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._read(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def on_result_clicked(self, event: OptionList.OptionSelected) -> None:
        """Opens a card clicked in the list."""
        self._read(event.option.id)

    def _read(self, card_id: str | None) -> None:
        """Shows a card to read, over the results."""
        from revise.ui.screens.card import CardScreen

        if card_id is not None:
            self.app.push_screen(CardScreen(self.context, card_id))

    def action_browse(self) -> None:
        """Opens the browser on the same search."""
        from revise.ui.screens.browser import BrowserScreen

        self.app.push_screen(BrowserScreen(self.context, self.query_one(Input).value))

    def action_back(self) -> None:
        """Closes search; the screen underneath (a review in progress) carries on as it was."""
        self.app.pop_screen()


def _marked(text: Highlighted, mark: Style, base: Style) -> Text:
    """Rich text with the matched spans in the highlight style."""
    rich = Text(text.text, style=base)
    for start, end in text.spans:
        rich.stylize(mark, start, end)
    return rich
