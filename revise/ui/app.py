"""The app shell: opens the collection in a worker, then hands it to the screens; Ctrl+F and Ctrl+B work anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen

from revise.ui.graphics import prepare_graphics, resolve_graphics
from revise.ui.screens.home import HomeScreen

if TYPE_CHECKING:
    from revise.cards.sync import SyncReport
    from revise.collection import Collection

LANGUAGES = ("en", "zh", "both")
LANGUAGE_NAMES = {"en": "English", "zh": "中文", "both": "English + 中文"}


class ReviseApp(App[None]):
    """revise in the terminal: review today's cards, with search and demos a key away."""

    TITLE = "revise"
    CSS_PATH = "revise.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+f", "search", "Search", id="search", tooltip="Search every concept", priority=True),
        Binding("ctrl+b", "browse", "Browse", id="browse", tooltip="Every card in a table"),
        Binding("l", "switch_language", "Language", id="language", tooltip="English / 中文 / both"),
    ]

    language: reactive[str] = reactive("en")

    @dataclass
    class Opened(Message):
        """The collection is open and synced."""

        collection: Collection
        report: SyncReport
        language: str

    @dataclass
    class OpenFailed(Message):
        """The collection could not be opened; `error` is one line for the user."""

        error: str

    def __init__(self, db_path: Path, cards_dir: Path, graphics: str = "text") -> None:
        super().__init__()
        self.db_path, self.cards_dir, self.graphics = db_path, cards_dir, graphics
        self.collection: Collection | None = None

    def on_mount(self) -> None:
        """Shows the home screen at once and opens the database behind it."""
        self.push_screen(HomeScreen())
        self.open_collection()

    @work(thread=True, exit_on_error=False)
    def open_collection(self) -> None:
        """Imports the store, migrates and syncs the database, off the UI thread."""
        from revise.collection import Collection
        from revise.errors import ReviseError

        try:
            collection = Collection(self.db_path, self.cards_dir)
            report = collection.sync()
            language = collection.setting("language", "en")
        except ReviseError as error:
            self.post_message(self.OpenFailed(str(error)))
            return
        self.post_message(self.Opened(collection, report, language if language in LANGUAGES else "en"))

    def on_revise_app_opened(self, message: Opened) -> None:
        """Keeps the collection and lets the home screen show today's counts and any card problems."""
        self.collection = message.collection
        self.language = message.language
        self.screen.post_message(HomeScreen.Ready(message.report))

    def on_revise_app_open_failed(self, message: OpenFailed) -> None:
        """Shows why the collection could not be opened."""
        self.screen.post_message(HomeScreen.Failed(message.error))

    def action_switch_language(self) -> None:
        """Cycles the language cards are shown in, and remembers it."""
        self.language = LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
        self.notify(f"Showing cards in {LANGUAGE_NAMES[self.language]}", timeout=2)
        self.save_setting("language", self.language)

    @work(thread=True, group="settings")
    def save_setting(self, key: str, value: object) -> None:
        """Stores a setting off the UI thread."""
        if self.collection is not None:
            self.collection.set_setting(key, value)

    def action_search(self) -> None:
        """Opens search over the current screen, or goes back to the search already open, its box focused."""
        from revise.ui.screens.search import SearchScreen

        if self._return_to(SearchScreen):
            self.screen.focus_box()
        elif self.collection is None:
            self.notify("Still opening your cards…", timeout=2)
        else:
            self.push_screen(SearchScreen())

    def action_browse(self) -> None:
        """Opens the card browser, or goes back to the one already open."""
        from revise.ui.screens.browser import BrowserScreen

        if not self._return_to(BrowserScreen) and self.collection is not None:
            self.push_screen(BrowserScreen())

    def _return_to(self, kind: type[Screen[None]]) -> bool:
        """Closes the screens above the first screen of this kind, if one is open; says whether there was one."""
        if not any(isinstance(screen, kind) for screen in self.screen_stack):
            return False
        while not isinstance(self.screen, kind):
            self.pop_screen()
        return True

    def on_unmount(self) -> None:
        """Closes the database when the app ends."""
        if self.collection is not None:
            self.collection.close()


def run_app(db_path: Path, cards_dir: Path, graphics: str = "auto") -> int:
    """Runs the app until the learner quits, drawing plots in the given graphics mode."""
    mode = resolve_graphics(graphics)
    prepare_graphics(mode)
    ReviseApp(db_path, cards_dir, mode).run()
    return 0
