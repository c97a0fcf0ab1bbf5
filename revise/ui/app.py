"""The app shell: opens the collection in a worker, then hands it to the screens; Ctrl+F and Ctrl+B work anywhere."""

from __future__ import annotations

import gc
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen

from revise.paths import card_folders, default_config_path
from revise.settings import LANGUAGE_NAMES, LANGUAGES, Settings, load_settings, save_settings, with_stored_language
from revise.ui.graphics import prepare_graphics, resolve_graphics
from revise.ui.context import Context
from revise.ui.screens.home import HomeScreen
from revise.ui.work import WorkFailed, backend_work

# Worker groups whose failures the app shows in its own way.
OPEN, SETTINGS, INDEX, REMOTE, QUIT = "open", "settings", "index", "remote", "quit"
FAILURE_TITLES = {SETTINGS: "Settings not saved", INDEX: "Search index not finished (it goes on at the next start)",
                  REMOTE: "Not synced with your other devices (your reviews here are kept)"}

if TYPE_CHECKING:
    from revise.cards.sync import SyncReport
    from revise.scheduler.today import DueCounts
    from revise.ui.screens.settings import SettingsScreen
    from revise.collection import Collection


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
    class Counted(Message):
        """Today's counts, read from the database file before the collection has opened (or synced)."""

        counts: DueCounts

    @dataclass
    class Opened(Message):
        """The collection is open and synced."""

        collection: Collection
        report: SyncReport
        settings: Settings
        warnings: tuple[str, ...]


    def __init__(self, db_path: Path, folders: Path | Sequence[Path] | None, graphics: str = "text",
                 config_path: Path | None = None) -> None:
        super().__init__()
        # The card folders given (None: those of the settings, see `card_folders`).
        self.db_path, self.folders, self.graphics = db_path, folders, graphics
        self.config_path = config_path or default_config_path()
        self.context: Context | None = None  # the screens' seam to the collection, once it is open
        self.settings = Settings()
        self.settings_lock = threading.Lock()  # one writer of the settings file at a time
        self.is_quitting = False  # a second q while the quitting sync runs quits at once
        self.collector_thresholds: tuple[int, int, int] | None = None  # Python's, while the app has settled them

    @property
    def collection(self) -> Collection | None:
        """The open collection, or None while it is still opening (or failed to)."""
        return self.context.collection if self.context else None

    def on_mount(self) -> None:
        """Shows the home screen at once and opens the database behind it."""
        self.push_screen(HomeScreen())
        self.open_collection()

    @backend_work(OPEN)
    def open_collection(self) -> None:
        """Reads the settings file, imports the store, migrates and syncs the database, off the UI thread; a
        collection that fails to sync is closed again, not half-opened."""
        from revise.scheduler.today import counts_at_once

        loaded = load_settings(self.config_path)
        settings = loaded.settings
        early = counts_at_once(self.db_path, datetime.now(timezone.utc), settings.rollover_hour,
                               settings.new_per_day, settings.reviews_per_day)
        if early is not None:  # the counts the database holds now; the sync below may still change them
            self.post_message(self.Counted(early))
        from revise.collection import Collection

        folders = ([self.folders] if isinstance(self.folders, Path)
                   else card_folders(self.folders, settings.card_folders, self.config_path.parent))
        collection = Collection(self.db_path, folders, settings.scheduler_config())
        try:
            report = collection.sync(index_now=False)  # a big import's search entries follow in the background
            settings = with_stored_language(loaded, collection.setting("language"))
        except BaseException:
            collection.close()
            raise
        self.post_message(self.Opened(collection, report, settings, loaded.warnings))

    def on_revise_app_counted(self, message: Counted) -> None:
        """Shows the counts read before the collection opened on the home screen, if it is still the one shown."""
        if isinstance(self.screen, HomeScreen):
            self.screen.post_message(HomeScreen.Counted(message.counts))

    def on_revise_app_opened(self, message: Opened) -> None:
        """Keeps the collection and settings, warns of settings problems, and lets the home screen show the counts."""
        self.context = Context(message.collection, self.graphics, self.config_path, self.settings_lock)
        self.settings, self.language = message.settings, message.settings.language
        for warning in message.warnings:
            self.notify(warning, title="Settings file", severity="warning", timeout=15, markup=False)
        self.screen.post_message(HomeScreen.Ready(message.report, self.context))
        if self.collector_thresholds is None:
            self.collector_thresholds = _settle_garbage_collector()
        self.index_cards()
        if message.settings.remote:
            self.sync_with_remote(message.settings.remote)

    @dataclass
    class RemoteSynced(Message):
        """The review log is in step with the remote; `summary` says what moved."""

        summary: str

    @backend_work(REMOTE)
    def sync_with_remote(self, url: str) -> None:
        """Syncs the review log through the remote at start, so that this device begins from the reviews made on
        the others (see `Collection.sync_remote`)."""
        self.post_message(self.RemoteSynced(self.context.collection.sync_remote(url).summary()))

    def on_revise_app_remote_synced(self, message: RemoteSynced) -> None:
        """Says what the sync moved, and refreshes the home screen's counts, which it may have changed."""
        self.notify(message.summary, title="Synced with your other devices", timeout=8, markup=False)
        if isinstance(self.screen, HomeScreen):
            self.screen.load_counts()

    @backend_work(INDEX, exclusive=True)
    def index_cards(self) -> None:
        """Indexes, batch by batch, the cards the start-up sync left for later (a big import), so that they can be
        studied at once while search catches up."""
        self.context.collection.index_all()

    def on_settings_screen_saved(self, message: SettingsScreen.Saved) -> None:
        """Makes settings saved in the form the app's: the language follows at once."""
        self.settings, self.language = message.settings, message.settings.language

    async def action_quit(self) -> None:
        """Quits; with a remote set, first sends the reviews of this session there (the app closes either way, and
        a sync that fails says so in one line once it has)."""
        if self.context is None or not self.settings.remote or self.is_quitting:
            self.exit()
            return
        self.is_quitting = True
        self.notify("Sending your reviews to your other devices…", timeout=30)
        self.sync_before_quitting(self.settings.remote)

    @backend_work(QUIT)
    def sync_before_quitting(self, url: str) -> None:
        """Syncs the review log through the remote, then closes the app."""
        self.context.collection.sync_remote(url)
        self.call_from_thread(self.exit)

    def on_work_failed(self, message: WorkFailed) -> None:
        """Shows a failure no screen took: opening the collection on the home screen, a sync at quitting after the
        app has closed, the rest as a notice."""
        if message.group == OPEN:
            self.screen.post_message(HomeScreen.Failed(message.error))
        elif message.group == QUIT:
            self.exit(return_code=1, message=f"revise: not synced with your other devices: {message.error}")
        else:
            self.notify(message.error, title=FAILURE_TITLES.get(message.group, ""), severity="error", timeout=15,
                        markup=False)

    def action_switch_language(self) -> None:
        """Cycles the language cards are shown in, and remembers it in the settings file."""
        self.language = LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
        self.settings = replace(self.settings, language=self.language)
        self.notify(f"Showing cards in {LANGUAGE_NAMES[self.language]}", timeout=2)
        self.save_language()

    @backend_work(SETTINGS)
    def save_language(self) -> None:
        """Writes the language to the settings file as it is when this runs, so the last of quick presses wins."""
        with self.settings_lock:
            save_settings(self.config_path, self.settings, ("language",))

    def action_search(self) -> None:
        """Opens search over the current screen, or goes back to the search already open, its box focused."""
        from revise.ui.screens.search import SearchScreen

        if self._return_to(SearchScreen):
            self.screen.focus_box()
        elif self.context is None:
            self.notify("Still opening your cards…", timeout=2)
        else:
            self.push_screen(SearchScreen(self.context))

    def action_browse(self) -> None:
        """Opens the card browser, or goes back to the one already open."""
        from revise.ui.screens.browser import BrowserScreen

        if not self._return_to(BrowserScreen) and self.context is not None:
            self.push_screen(BrowserScreen(self.context))

    def action_stats(self) -> None:
        """Opens the statistics screen once the collection is open."""
        from revise.ui.screens.stats import StatsScreen

        if self.context is None:
            self.notify("Still opening your cards…", timeout=2)
        elif not self._return_to(StatsScreen):
            self.push_screen(StatsScreen(self.context))

    def _return_to(self, kind: type[Screen[None]]) -> bool:
        """Closes the screens above the first screen of this kind, if one is open; says whether there was one."""
        if not any(isinstance(screen, kind) for screen in self.screen_stack):
            return False
        while not isinstance(self.screen, kind):
            self.pop_screen()
        return True

    def on_unmount(self) -> None:
        """Closes the database when the app ends, and gives Python's garbage collector back its settings."""
        if self.collection is not None:
            self.collection.close()
        if self.collector_thresholds is not None:
            _restore_garbage_collector(self.collector_thresholds)


# The garbage collector's thresholds once the app is open (Python's defaults are 700, 10, 10): a young collection
# every 50,000 allocations, an older one every 50 of those, a full one every 100 of those.
COLLECTOR_THRESHOLDS = (50_000, 50, 100)


def _settle_garbage_collector() -> tuple[int, int, int]:
    """Keeps Python's cyclic garbage collector off the objects made at start-up (Textual's, SQLAlchemy's, the
    collection's: they live as long as the app), and makes its passes rarer: its full passes over them paused a
    search keystroke by 50-80 ms (bench/search.py: the screen's 95th percentile went from about 110 ms to 45).
    Returns the thresholds it replaced, for `_restore_garbage_collector`."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    return before


def _restore_garbage_collector(thresholds: tuple[int, int, int]) -> None:
    """Gives the collector back everything `_settle_garbage_collector` kept from it, as the app closes (a process
    that goes on, such as a test run, collects as before)."""
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def run_app(db_path: Path, folders: Sequence[Path] | None, graphics: str | None = None,
            config_path: Path | None = None) -> int:
    """Runs the app until the learner quits, drawing plots in the graphics mode given, else the settings file's."""
    config_path = config_path or default_config_path()
    mode = resolve_graphics(graphics or load_settings(config_path).settings.graphics)
    prepare_graphics(mode)
    ReviseApp(db_path, folders, mode, config_path).run()
    return 0
