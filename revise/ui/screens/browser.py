"""The card browser: the cards matching a search in a sortable table, to suspend, reset, read or run a demo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

from revise.ui.screens.confirm_reset import ConfirmReset
from revise.ui.timefmt import describe_due

if TYPE_CHECKING:
    from revise.ui.context import Context
    from revise.collection import Collection
    from revise.search.engine import SearchHit, SearchResults

ROW_LIMIT = 500
# The table's columns by key; each key is also the column's sort in revise.search.engine.SORTS.
COLUMNS = {"deck": "Deck", "title": "Title", "state": "State", "due": "Due", "stability": "Stability",
           "lapses": "Lapses"}
SORT_TOOLTIP = "Sort by a column: 1 deck … 6 lapses; again to reverse, a third time for best match first"
# Actions on the highlighted card, dimmed while the table has no rows.
ROW_ACTIONS = ("toggle_suspended", "reset", "open")
# When the cells are wider than the table, the columns give way in this order, each down to a width: the deck
# first (its number and the start of its name still tell decks apart), then the title, the due date (its words
# before the clock time) and the state (its first word before "· leech"); then the deck and the title again, down
# to a few characters. A cut cell ends in "…".
GIVE_WAY = (("deck", 12), ("title", 20), ("due", 14), ("state", 10), ("deck", 4), ("title", 8))


def fit_widths(natural: dict[str, int], room: int) -> dict[str, int]:
    """Column widths that fit `room` cells: each column as wide as its widest cell, cut in GIVE_WAY's order when
    they do not fit, and the title given whatever room is left over."""
    widths = dict(natural)
    excess = sum(widths.values()) - room
    for key, floor in GIVE_WAY:
        cut = min(excess, widths[key] - floor)
        if cut > 0:
            widths[key] -= cut
            excess -= cut
    if excess < 0:
        widths["title"] -= excess
    return widths


def title_in(hit: SearchHit, language: str) -> str:
    """A card's title in the app's language: English, Chinese, or both."""
    titles = {"en": hit.title_en.text, "zh": hit.title_zh.text}
    return titles.get(language, f"{hit.title_en.text} · {hit.title_zh.text}")


class CardTable(DataTable[Text]):
    """The browser's table, whose Enter the footer names for what it does here: open the card.

    Every column is given its width when the rows are shown, measured here from the cells, never left to
    DataTable's auto width: that width is measured only when the table next goes idle, and a frame painted
    before then is cached at the header's width (the cell caches are not keyed by width) and stays so until
    the rows change. Fixed widths also fit the table to the screen, the title taking the room left over.
    """

    BINDINGS = [Binding("enter", "select_cursor", "Open", id="open", tooltip="Read the highlighted card")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shown: tuple[dict[str, str], list[tuple[str, list[Text]]]] = ({}, [])
        self.fitted_to = 0  # the table width the columns were last fitted to

    def show(self, labels: dict[str, str], rows: list[tuple[str, list[Text]]]) -> None:
        """Fills the table with these columns (key: label) and rows (key, cells), the cursor kept on the same row."""
        kept = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value if self.row_count else None
        self.shown = (labels, rows)
        self.fitted_to = self.size.width or self.app.size.width  # not yet laid out: as wide as the screen
        room = (self.fitted_to - self.styles.scrollbar_size_vertical
                - 2 * self.cell_padding * len(labels))
        natural = {key: max([Text.from_markup(label).cell_len, *(cells[index].cell_len for _, cells in rows)])
                   for index, (key, label) in enumerate(labels.items())}
        widths = fit_widths(natural, room)
        self.clear(columns=True)
        for key, label in labels.items():
            self.add_column(label, key=key, width=widths[key])
        for key, cells in rows:
            for cell in cells:
                cell.no_wrap, cell.overflow = True, "ellipsis"
            self.add_row(*cells, key=key)
        keys = [key for key, _ in rows]
        if kept in keys:
            self.move_cursor(row=keys.index(kept))

    def on_resize(self, event: events.Resize) -> None:
        """Fits the columns again to a table of a new width."""
        if event.size.width != self.fitted_to and self.shown[0]:
            self.show(*self.shown)


class BrowserScreen(Screen[None]):
    """Every card matching a search, one row each; sort by any column, and act on the highlighted card."""

    BINDINGS = [
        Binding("d", "open(True)", "Demo", id="open-demo", tooltip="Read the highlighted card with its demo running"),
        Binding("s", "toggle_suspended", "Suspend", id="suspend", tooltip="Suspend or unsuspend the highlighted card"),
        Binding("r", "reset", "Reset", id="reset", tooltip="Make the highlighted card new again, history kept"),
        *(Binding(str(number), f"sort('{key}')", "Sort", key_display=f"1-{len(COLUMNS)}", show=number == 1, id=f"sort-{key}",
                  tooltip=SORT_TOOLTIP) for number, key in enumerate(COLUMNS, 1)),
        Binding("slash", "focus_query", "Edit search", key_display="/", id="focus-query", tooltip="Edit the search"),
        Binding("down", "focus_table", show=False),
        Binding("escape", "back", "Back", id="back", tooltip="Back to where you were"),
    ]

    @dataclass
    class Found(Message):
        """The results of the search numbered `sequence`, found in a worker."""

        sequence: int
        results: SearchResults

    @dataclass
    class Changed(Message):
        """A card was changed on disk; `notice` tells the learner how."""

        notice: str

    def __init__(self, context: Context, query: str = "") -> None:
        super().__init__()
        self.context, self.initial_query = context, query
        self.searched: str | None = None  # the text of the latest search
        self.sequence = 0
        self.sort: str | None = None
        self.descending = False
        self.hits: list[SearchHit] = []

    @property
    def collection(self) -> Collection:
        """The open collection."""
        return self.context.collection

    def compose(self) -> ComposeResult:
        yield Input(self.initial_query, id="browser-query",
                    placeholder='Filter: words, "phrase", -word, a or b, tag:, deck:, is:due/new/suspended, has:demo')
        yield Static("Finding cards…", id="browser-summary")
        yield CardTable(id="browser-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Focuses the search box, and shows titles in the app's language as it changes."""
        self.query_one(Input).focus()
        self.watch(self.app, "language", self.run_query, init=False)

    def on_screen_resume(self) -> None:
        """Lists the cards when the browser opens, and again on return from a card, which may have changed."""
        self.run_query()

    @on(Input.Changed, "#browser-query")
    def typed(self, event: Input.Changed) -> None:
        """Searches again as the learner types; the box's first value is already searched by the screen opening."""
        if event.value != self.searched:
            self.run_query()

    def run_query(self) -> None:
        """Searches again with the current text and order; results of earlier searches are dropped on arrival."""
        self.sequence += 1
        self.searched = self.query_one(Input).value
        sort = "title_zh" if self.sort == "title" and self.app.language == "zh" else self.sort
        self.find_cards(self.sequence, self.searched, sort, self.descending)

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def find_cards(self, sequence: int, query: str, sort: str | None, descending: bool) -> None:
        """Runs the search off the UI thread, sorted in SQL so that the order holds over every match."""
        results = self.collection.search(query, limit=ROW_LIMIT, sort=sort, descending=descending)
        self.post_message(self.Found(sequence, results))

    def on_browser_screen_found(self, message: Found) -> None:
        """Shows the latest search's count, notes and rows."""
        if message.sequence != self.sequence:
            return
        results = message.results
        self.hits = results.hits
        self.query_one("#browser-summary", Static).update(self._summary(results))
        self._show_rows()

    @staticmethod
    def _summary(results: SearchResults) -> Text:
        """How many cards match, whether the table shows them all, and any notes on how the query was read."""
        line = results.found() if results.total else "No card matches."
        if not results.all_shown():
            line += f" · showing the first {len(results.hits):,} — narrow the search"
        return Text.assemble(line, *((f"\n{note}", "dim") for note in results.query.notes))

    def _show_rows(self) -> None:
        """Fills the table from the latest results in the app's language, the cursor kept on the same card."""
        arrow = " ▼" if self.descending else " ▲"
        labels = {key: label + arrow if key == self.sort else label for key, label in COLUMNS.items()}
        now = datetime.now().astimezone()
        self.query_one(CardTable).show(labels, [(hit.card_id, self._cells(hit, now)) for hit in self.hits])
        self.refresh_bindings()

    def _cells(self, hit: SearchHit, now: datetime) -> list[Text]:
        """A card's row: a suspended card's row dimmed, a leech flagged in the warning colour."""
        dim = Style(dim=hit.suspended)
        leech = Style(bold=True, color=self.app.current_theme.warning)
        state = Text.assemble(hit.state, " · suspended" if hit.suspended else "",
                              (" · leech", leech) if hit.leech else "", style=dim)
        due = "-" if hit.due is None else describe_due(hit.due, now)
        stability = "-" if hit.stability is None else f"{hit.stability:.1f} d"
        return [Text(hit.deck, style=dim), Text(title_in(hit, self.app.language), style=dim), state,
                Text(due, style=dim), Text(stability, style=dim, justify="right"),
                Text(str(hit.lapses), style=dim, justify="right")]

    def highlighted_hit(self) -> SearchHit | None:
        """The card under the table's cursor, if the table has any rows."""
        table = self.query_one(CardTable)
        return self.hits[table.cursor_row] if table.row_count else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dims the row keys while there is no row, and hides `/` while the search box is already focused."""
        if action in ROW_ACTIONS:
            return True if self.hits else None
        if action == "focus_query":
            return not self.query_one(Input).has_focus
        return True

    @on(DataTable.HeaderSelected)
    def on_header_clicked(self, event: DataTable.HeaderSelected) -> None:
        """Sorts by the clicked column, as its number key does."""
        self.action_sort(str(event.column_key.value))

    def action_sort(self, column: str) -> None:
        """Sorts every match by a column; the same column again reverses, a third time goes back to best match first."""
        if self.sort != column:
            self.sort, self.descending = column, False
        elif not self.descending:
            self.descending = True
        else:
            self.sort, self.descending = None, False
        self.run_query()

    def action_focus_table(self) -> None:
        """Moves from the search box to the rows."""
        self.query_one(CardTable).focus()

    @on(Input.Submitted, "#browser-query")
    def on_query_submitted(self) -> None:
        """Enter in the search box goes to the rows, where Enter opens a card."""
        self.action_focus_table()

    def action_focus_query(self) -> None:
        """Moves to the search box, ready to edit the search."""
        self.query_one(Input).focus()

    @on(DataTable.RowSelected)
    def on_row_chosen(self) -> None:
        """Enter or a click on the highlighted row opens its card."""
        self.action_open()

    def action_open(self, with_demo: bool = False) -> None:
        """Opens the highlighted card to read, its demo running if asked for."""
        hit = self.highlighted_hit()
        if hit is None:
            return
        if with_demo and not hit.demo:
            self.notify("This card has no demo.")
            return
        from revise.ui.screens.card import CardScreen

        self.app.push_screen(CardScreen(self.context, hit.card_id, open_demo=with_demo))

    def action_toggle_suspended(self) -> None:
        """Suspends the highlighted card, taking it out of study with its schedule kept, or brings it back."""
        hit = self.highlighted_hit()
        if hit is None:
            return
        suspend = not hit.suspended
        self.change(lambda: self.collection.set_suspended([hit.card_id], suspend),
                    f"{'Suspended' if suspend else 'Unsuspended'} “{title_in(hit, self.app.language)}”")

    def action_reset(self) -> None:
        """Asks, then makes the highlighted card new again; its review history stays in the log."""
        hit = self.highlighted_hit()
        if hit is None:
            return
        title = title_in(hit, self.app.language)
        if hit.state == "new":
            self.notify(f"“{title}” is new already.")
            return

        def reset_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self.change(lambda: self.collection.reset([hit.card_id]), f"Reset “{title}”: it is new again")

        self.app.push_screen(ConfirmReset(title), reset_if_confirmed)

    @work(thread=True, group="change", exit_on_error=False)
    def change(self, apply: Callable[[], None], notice: str) -> None:
        """Changes the collection off the UI thread, then lets the rows show the change."""
        apply()
        self.post_message(self.Changed(notice))

    def on_browser_screen_changed(self, message: Changed) -> None:
        """Says what changed and searches again, so that the row shows the card's new state."""
        self.notify(message.notice, timeout=3)
        self.run_query()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Says why a search or a change failed, instead of leaving the table as it was without a word."""
        if event.state == WorkerState.ERROR:
            self.notify(str(event.worker.error), severity="error")

    def action_back(self) -> None:
        """Returns to the screen the browser was opened from."""
        self.app.pop_screen()
