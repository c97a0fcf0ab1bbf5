"""The settings form: one field per setting with its valid range; a save checks every field, then writes the file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import DescendantFocus
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from revise.settings import SETTINGS, SPECS, ChoiceSetting, SettingError, Settings, SettingSpec, save_settings
from revise.ui.work import WorkFailed, backend_work

if TYPE_CHECKING:
    from revise.ui.context import Context


class SettingsScreen(Screen[None]):
    """Every setting in a form; Enter or Save saves them only if all are valid, Escape leaves without saving."""

    BINDINGS = [Binding("escape", "cancel", "Back", id="cancel", tooltip="Leave without saving")]

    @dataclass
    class Saved(Message):
        """The settings are in the file and in force."""

        settings: Settings

    def __init__(self, context: Context, settings: Settings) -> None:
        super().__init__()
        self.context, self.settings = context, settings
        self.fields: dict[str, Input | Select[str]] = {}

    def compose(self) -> ComposeResult:
        settings = self.settings
        with VerticalScroll(id="settings-form"):
            yield Static("Settings", id="settings-title")
            for spec in SETTINGS:
                self.fields[spec.name] = self._field(spec, getattr(settings, spec.name))
                with Vertical(classes="setting"):
                    with Horizontal(classes="setting-row"):
                        yield Label(spec.label, classes="setting-label")
                        yield self.fields[spec.name]
                        yield Static(Text(spec.valid), classes="setting-range")
                    yield Static("", id=f"{spec.name}-error", classes="setting-error")
            yield Static("", id="setting-about")
            yield Static("", id="settings-status")
            with Horizontal(id="settings-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")
        yield Footer(compact=True)

    @staticmethod
    def _field(spec: SettingSpec, value: Any) -> Input | Select[str]:
        """The widget that edits a setting: a list for a choice, a text box for the rest."""
        if isinstance(spec, ChoiceSetting):
            options = [(label, choice) for choice, label in spec.choices.items()]
            return Select(options, value=value, allow_blank=False, id=spec.name, compact=True)
        return Input(spec.as_text(value), id=spec.name, compact=True)

    def on_mount(self) -> None:
        """Focuses the first field, and keeps the language field in step with the `l` key."""
        self.fields[SETTINGS[0].name].focus()
        self.watch(self.app, "language", self._show_language, init=False)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Says what the focused setting does."""
        spec = SPECS.get(event.widget.id or "")
        if spec is not None:
            self.query_one("#setting-about", Static).update(Text(f"{spec.label}: {spec.help}."))

    def _show_language(self, language: str) -> None:
        """Shows the language switched with `l` while the form is open."""
        self.fields["language"].value = language

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        """Checks every field; if all are valid, saves them in a worker, else marks each bad one and saves nothing."""
        values, first_bad = {}, None
        for spec in SETTINGS:
            field = self.fields[spec.name]
            try:
                values[spec.name] = spec.from_text(str(field.value))
                message = ""
            except SettingError as error:
                message, first_bad = str(error), first_bad or field
            error_line = self.query_one(f"#{spec.name}-error", Static)
            error_line.update(Text(message))
            error_line.display = bool(message)
        if first_bad is not None:
            self._status("Nothing was saved: correct the setting marked in red.")
            first_bad.focus()
            return
        self.query_one("#save", Button).disabled = True
        self._status("Saving…")
        self.save(Settings(**values))

    @backend_work("save-settings", exclusive=True)
    def save(self, settings: Settings) -> None:
        """Writes the settings file, then puts the scheduling settings in force, off the UI thread."""
        with self.context.settings_lock:
            save_settings(self.context.config_path, settings)
        collection = self.context.collection
        # The FSRS parameters are not a setting: those in force (fitted by `revise optimize`, or the defaults) stay.
        collection.configure(replace(settings.scheduler_config(), parameters=collection.config.parameters))
        self.post_message(self.Saved(settings))

    def on_settings_screen_saved(self, message: Saved) -> None:
        """Goes back (the home screen recounts with the new limits); the message goes on up to the app, which
        makes the settings its own."""
        self.notify("Settings saved", timeout=2)
        self.dismiss()

    def on_work_failed(self, message: WorkFailed) -> None:
        """Says why nothing was saved, and lets the learner try again."""
        message.stop()
        self._status(f"Nothing was saved: {message.error}")
        self.query_one("#save", Button).disabled = False

    def _status(self, text: str) -> None:
        """Shows a line under the form."""
        self.query_one("#settings-status", Static).update(Text(text))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Leaves without saving anything."""
        self.dismiss()
