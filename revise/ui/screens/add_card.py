"""Adding a card without leaving the app: pick a deck (or start one), write the card in $EDITOR from a template,
and have it checked and synced, its problems shown as file:line with a key to open the editor there again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from revise.ui.editor import open_in_editor
from revise.ui.work import WorkFailed, backend_work

if TYPE_CHECKING:
    from revise.cards.model import Problem
    from revise.cards.writer import DeckFile, Draft
    from revise.ui.context import Context

NEW_DECK = "new-deck"


def add_then_review(app: App, context: Context, deck: Path | None = None) -> None:
    """Opens the screen that adds a card (to `deck` first), then reviews the new card at once."""
    from revise.ui.screens.review import ReviewScreen

    def review(card_id: str | None) -> None:
        if card_id is not None:
            app.push_screen(ReviewScreen(context, first=card_id))

    app.push_screen(AddCardScreen(context, deck), review)


class AddCardScreen(ModalScreen["str | None"]):
    """Picks the deck (the current card's first), then writes, checks and syncs the new card; dismisses with the id
    of its first review item once it is in the collection, or None."""

    BINDINGS = [
        Binding("c", "cloze", "Cloze card", id="cloze", tooltip="Start from a cloze template instead"),
        Binding("e", "edit_again", "Edit again", id="edit_again", tooltip="Open the editor at the first problem"),
        Binding("escape", "close", "Close", id="close"),
    ]

    @dataclass
    class DecksRead(Message):
        """The decks a card can go into, and the ids cards already have."""

        decks: list[DeckFile]
        taken: set[str]

    @dataclass
    class Drafted(Message):
        """The template is in the file, ready for the editor."""

        draft: Draft

    @dataclass
    class Checked(Message):
        """The file as the editor left it, synced: the new card's review items (none if the template came back
        untouched, or the card has a problem) and the problems of that file."""

        draft: Draft
        added: list[str]
        problems: list[Problem]

    def __init__(self, context: Context, current_deck: Path | None = None) -> None:
        super().__init__()
        self.context, self.current_deck = context, current_deck
        self.taken: set[str] = set()
        self.draft: Draft | None = None
        self.problems: list[Problem] = []
        self.added: list[str] = []  # the new card's review items, once synced
        self.cloze = False
        self.busy = True

    def compose(self) -> ComposeResult:
        with Vertical(id="add-card"):
            yield Static("Add a card to which deck?", id="add-card-title")
            yield OptionList(id="add-card-decks")
            yield Input(placeholder="New deck's title: English | 中文, then Enter", id="add-card-new-deck")
            yield Static("", id="add-card-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Reads the decks the learner can write."""
        self.query_one(Input).display = False
        self.read_decks()

    @backend_work("add-card")
    def read_decks(self) -> None:
        """The writable decks of the card folders, and every id in the collection (a new id must be fresh)."""
        from revise.cards.writer import writable_decks

        collection = self.context.collection
        self.post_message(self.DecksRead(writable_decks(collection.folders), collection.written_ids()))

    def on_add_card_screen_decks_read(self, message: DecksRead) -> None:
        """Lists the decks, the current card's first, then `New deck…` (in the learner's own folder)."""
        self.taken, self.busy = message.taken, False
        current = self.current_deck.resolve() if self.current_deck else None
        decks = sorted(message.decks, key=lambda deck: deck.path.resolve() != current)
        options = [Option(Text.assemble(deck.title, ("  " + deck.path.name, "dim")), id=str(deck.path))
                   for deck in decks]
        own = self.context.collection.own_folder
        options.append(Option(Text.assemble("New deck…", (f"  in {own}", "dim")), id=NEW_DECK))
        decks_list = self.query_one(OptionList)
        decks_list.add_options(options)
        decks_list.highlighted = 0
        decks_list.focus()
        self._status("Enter: a question card · c: a cloze card · Escape: cancel")

    @on(OptionList.OptionSelected)
    def _deck_chosen(self, event: OptionList.OptionSelected) -> None:
        """A deck picked with Enter (a question card, or the kind `c` chose): drafts there, or asks a new deck's title."""
        if self.busy:
            return
        if event.option.id == NEW_DECK:
            self.query_one(OptionList).display = False
            new_deck = self.query_one(Input)
            new_deck.display = True
            new_deck.focus()
            return
        self._start(Path(event.option.id), None)

    @on(Input.Submitted)
    def _new_deck_named(self, event: Input.Submitted) -> None:
        """Drafts the card in a new deck file of the learner's own folder, titled as typed."""
        if event.value.strip() and not self.busy:
            self._start(None, event.value.strip())

    def action_cloze(self) -> None:
        """Picks the highlighted deck for a cloze card."""
        decks = self.query_one(OptionList)
        if self.busy or self.draft is not None or not decks.display or decks.highlighted is None:
            return
        self.cloze = True
        decks.action_select()

    def _start(self, deck: Path | None, new_title: str | None) -> None:
        """Writes the template (in a worker) into the deck, or into a new deck file with that title."""
        self.busy = True
        self._status("Writing the template…")
        self.write_template(deck, new_title, self.cloze)

    @backend_work("add-card")
    def write_template(self, deck: Path | None, new_title: str | None, cloze: bool) -> None:
        """Appends a card template with a fresh id to the deck file, or makes the new deck file."""
        from revise.cards.writer import fresh_id, new_deck_path, write_draft

        path = deck or new_deck_path(self.context.collection.own_folder, new_title or "")
        card_id = fresh_id(path.stem, self.taken)
        self.post_message(self.Drafted(write_draft(path, card_id, cloze, new_title)))

    def on_add_card_screen_drafted(self, message: Drafted) -> None:
        """Opens the editor on the template."""
        self.draft = message.draft
        self._edit(message.draft.line)

    def _edit(self, line: int) -> None:
        """Runs the editor at a line of the draft's file, then checks what it left there."""
        failure = open_in_editor(self.app, self.draft.path, line)
        if failure:
            self._status(f"{failure}. The template is in {self.draft.path}.")
            self.busy = False
            return
        self.busy = True
        self._status("Checking the card…")
        self.check_card(self.draft)

    @backend_work("add-card")
    def check_card(self, draft: Draft) -> None:
        """Takes an untouched template out again; else syncs, and finds the new card and its file's problems."""
        from revise.cards.writer import take_back_if_untouched
        from revise.text.cloze import split_item_id

        if take_back_if_untouched(draft):
            self.post_message(self.Checked(draft, [], []))
            return
        report = self.context.collection.sync()
        target = draft.path.resolve()
        # The new card's: those in its file from its heading on (the template went at the end of the file).
        problems = [problem for problem in report.problems
                    if Path(problem.path).resolve() == target and problem.line >= draft.line]
        added = [item for item in report.added if split_item_id(item)[0] not in self.taken]
        self.post_message(self.Checked(draft, added, problems))

    def on_add_card_screen_checked(self, message: Checked) -> None:
        """Ends with the new card, says nothing was added, or lists the problems, `e` reopening the editor."""
        self.busy = False
        self.problems = message.problems
        if not message.added and not message.problems:
            self.app.notify("Nothing added: the template came back empty.")
            self.dismiss(None)
            return
        if not message.problems:
            self.app.notify(f"Added {message.added[0]}: review it now.")
            self.dismiss(message.added[0])
            return
        kind = "has problems, so it waits until they are fixed" if not message.added else "is added, with warnings"
        lines = [f"The card {kind}:", *(f"  {problem}" for problem in message.problems[:6]),
                 "e: edit again at the first one · Escape: leave it in the file as it is"]
        self._status("\n".join(lines))
        self.added = message.added
        self.refresh_bindings()

    def action_edit_again(self) -> None:
        """Opens the editor again at the first problem's line."""
        if self.draft is not None and self.problems and not self.busy:
            self._edit(next((problem.line for problem in self.problems if not problem.warning), self.problems[0].line))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Shows `e` only while there are problems to fix, and `c` only while a deck is being chosen (False hides a key)."""
        if action == "edit_again":
            return bool(self.problems)
        if action == "cloze":
            return self.draft is None
        return True

    def on_work_failed(self, message: WorkFailed) -> None:
        """Says what failed (nothing is half-written: each file is replaced in one step); Escape leaves."""
        message.stop()
        self.busy = False
        self._status(f"{message.error}\nEscape: close")

    def action_close(self) -> None:
        """Leaves; a card that was added with warnings is still reviewed at once."""
        self.dismiss(self.added[0] if self.added else None)

    def _status(self, text: str) -> None:
        """The line (or lines) under the list: what to press, or what went wrong; text, as a path may hold `[`."""
        self.query_one("#add-card-status", Static).update(Text(text))
