"""The learner's settings (scheduling, day rollover, graphics, language), each checked against one table of ranges.

The table `SETTINGS` declares every setting once: its name, form label, one-line help and valid values. It drives
the checks, the messages, the comments written into the TOML file and the fields of the app's settings form.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from revise.errors import ReviseError

if TYPE_CHECKING:
    from revise.scheduler.fsrs_scheduler import SchedulerConfig

LANGUAGES = ("en", "zh", "both")
LANGUAGE_NAMES = {"en": "English", "zh": "中文", "both": "English + 中文"}
STEP_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_STEPS = 10
FILE_HEADER = "revise settings: edit them here or in the app (o on the home screen)."


class SettingError(ReviseError):
    """A value a setting cannot take; the message names the setting, the value given and the valid range."""


def shown(value: object) -> str:
    """A value as the learner would write it in TOML: strings quoted, booleans lower-case."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return f"[{', '.join(shown(item) for item in value)}]"
    return str(value)


GRAPHICS_MODES = ("auto", "sixel", "kitty", "halfcell", "text")  # how plots are drawn: see revise.ui.graphics


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its name (the TOML key), form label and one-line help; subclasses say which values are valid."""

    name: str
    label: str
    help: str

    @property
    def valid(self) -> str:
        """The valid values, as messages and the form say them: `between 0 and 23`."""
        raise NotImplementedError

    def check(self, value: object) -> Any:
        """The value as Settings holds it, or a SettingError naming the setting, the value and the valid range."""
        raise NotImplementedError

    def from_text(self, text: str) -> Any:
        """A value typed into the form, checked."""
        return self.check(text.strip())

    def as_text(self, value: Any) -> str:
        """A value as the form shows it."""
        return str(value)

    def error(self, value: object) -> SettingError:
        """The one-line message for a value this setting cannot take."""
        return SettingError(f"{self.name} must be {self.valid} (got {shown(value)})")


@dataclass(frozen=True)
class NumberSetting(SettingSpec):
    """A number within a range: whole, or with two decimals shown."""

    low: float = 0
    high: float = 0
    whole: bool = True

    @property
    def valid(self) -> str:
        if self.whole:
            return f"a whole number between {self.low} and {self.high}"
        return f"between {self.low:.2f} and {self.high:.2f}"

    def check(self, value: object) -> Any:
        number_types = (int,) if self.whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, number_types) or not self.low <= value <= self.high:
            raise self.error(value)
        return value if self.whole else float(value)

    def from_text(self, text: str) -> Any:
        text = text.strip()
        try:
            number = int(text) if self.whole else float(text)
        except ValueError:
            raise self.error(text) from None
        if not math.isfinite(number):
            raise self.error(text)
        return self.check(number)

    def as_text(self, value: Any) -> str:
        return str(value) if self.whole else f"{value:g}"


@dataclass(frozen=True)
class StepsSetting(SettingSpec):
    """Learning or relearning steps: 1 to 10 durations such as `30s 1m 10m 1h 1d`, each from 1 second to 1 day."""

    @property
    def valid(self) -> str:
        return f"1 to {MAX_STEPS} durations like 30s 10m 1d, each 1s to 1d"

    def check(self, value: object) -> Any:
        if not isinstance(value, str):
            raise self.error(value)
        words = value.split()
        if not 1 <= len(words) <= MAX_STEPS:
            raise self.error(value)
        for word in words:
            amount, unit = word[:-1], word[-1:]
            if not (amount.isascii() and amount.isdigit() and unit in STEP_UNITS):
                raise self.error(value)
            if not 1 <= int(amount) * STEP_UNITS[unit] <= STEP_UNITS["d"]:
                raise self.error(value)
        return " ".join(words)


@dataclass(frozen=True)
class ChoiceSetting(SettingSpec):
    """One of a few words, each with the name the form shows for it."""

    choices: Mapping[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> str:
        return f"one of {', '.join(self.choices)}"

    def check(self, value: object) -> Any:
        if not isinstance(value, str) or value not in self.choices:
            raise self.error(value)
        return value


@dataclass(frozen=True)
class FoldersSetting(SettingSpec):
    """A list of folders: a TOML list of paths in the file (`~` for home, relative to the file's folder), separated
    by `;` in the form."""

    @property
    def valid(self) -> str:
        return 'a list of folders: ["~/notes", "~/more"] in the file, ~/notes; ~/more in the form'

    def check(self, value: object) -> Any:
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) and item.strip() for item in value):
            raise self.error(value)
        return tuple(item.strip() for item in value)

    def from_text(self, text: str) -> Any:
        return self.check([part for part in text.split(";") if part.strip()])

    def as_text(self, value: Any) -> str:
        return "; ".join(value)


@dataclass(frozen=True)
class TextSetting(SettingSpec):
    """Any one line of text; empty means none."""

    @property
    def valid(self) -> str:
        return "one line of text (empty for none)"

    def check(self, value: object) -> Any:
        if not isinstance(value, str) or "\n" in value:
            raise self.error(value)
        return value.strip()


SETTINGS: tuple[SettingSpec, ...] = (
    NumberSetting("desired_retention", "Desired retention",
                  "the chance of remembering a card when it comes due; higher means more reviews",
                  low=0.70, high=0.99, whole=False),
    NumberSetting("new_per_day", "New cards per day", "new cards introduced each study day", low=0, high=9999),
    NumberSetting("reviews_per_day", "Reviews per day", "the most reviews shown each study day", low=0, high=99999),
    StepsSetting("learning_steps", "Learning steps", "the waits between the first views of a new card"),
    StepsSetting("relearning_steps", "Relearning steps", "the waits after forgetting a card, before its next review"),
    NumberSetting("rollover_hour", "Day rollover hour", "the local hour at which a new study day begins",
                  low=0, high=23),
    ChoiceSetting("graphics", "Graphics", "how plots are drawn (takes effect the next time revise starts)",
                  choices={mode: mode for mode in GRAPHICS_MODES}),
    ChoiceSetting("language", "Language", "the language cards are shown in", choices=LANGUAGE_NAMES),
    FoldersSetting("card_folders", "Card folders", "more folders of your own cards, read after the bundled ones "
                   "(takes effect the next time revise starts)"),
    TextSetting("remote", "Sync remote", "the database `revise sync` shares the review log through with your other "
                "devices: postgresql://user:password@host/db, or sqlite:////shared/folder/revise.db"),
)
SPECS = {spec.name: spec for spec in SETTINGS}


def parse_steps(text: str) -> tuple[timedelta, ...]:
    """Steps as checked by StepsSetting (`1m 10m`) as durations."""
    return tuple(timedelta(seconds=int(word[:-1]) * STEP_UNITS[word[-1]]) for word in text.split())


@dataclass(frozen=True)
class Settings:
    """Every setting, with Anki's defaults; building one checks each value, so a Settings is always valid."""

    desired_retention: float = 0.90
    new_per_day: int = 20
    reviews_per_day: int = 200
    learning_steps: str = "1m 10m"
    relearning_steps: str = "10m"
    rollover_hour: int = 4
    graphics: str = "auto"
    language: str = "en"
    card_folders: tuple[str, ...] = ()
    remote: str = ""

    def __post_init__(self) -> None:
        """Checks every value against its range (raising SettingError) and keeps it in its plain form."""
        for spec in SETTINGS:
            object.__setattr__(self, spec.name, spec.check(getattr(self, spec.name)))

    def scheduler_config(self) -> SchedulerConfig:
        """The scheduling settings in force: these values, with SchedulerConfig's defaults for the rest."""
        from revise.scheduler.fsrs_scheduler import SchedulerConfig

        return SchedulerConfig(
            desired_retention=self.desired_retention, learning_steps=parse_steps(self.learning_steps),
            relearning_steps=parse_steps(self.relearning_steps), new_per_day=self.new_per_day,
            reviews_per_day=self.reviews_per_day, rollover_hour=self.rollover_hour,
        )


@dataclass(frozen=True)
class LoadedSettings:
    """The settings read from a file, the names the file sets, and one line for each problem found in it."""

    settings: Settings = field(default_factory=Settings)
    present: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = ()


def load_settings(path: Path) -> LoadedSettings:
    """Reads the settings file; a missing file gives the defaults, and a problem gives a warning, never an error.

    A file that cannot be read or is not valid TOML gives every default; an unknown key is ignored; a bad value
    keeps the default. Each warning is one line: `path:line: what is wrong; what is used instead`.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedSettings()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return LoadedSettings(warnings=(f"{path}: cannot read the settings ({reason}); using the defaults",))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message, line = _split_position(str(error))
        return LoadedSettings(warnings=(f"{path}:{line}: not valid TOML ({message}); using the defaults",))
    settings, warnings = Settings(), []
    for key, value in data.items():
        where = f"{path}:{_line_of_key(text, key)}"
        spec = SPECS.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, SPECS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(SPECS)})"
            warnings.append(f"{where}: unknown setting {shown(key)}{hint}; ignored")
            continue
        try:
            settings = replace(settings, **{key: value})
        except SettingError as error:
            warnings.append(f"{where}: {error}; using {shown(getattr(settings, key))}")
    return LoadedSettings(settings, frozenset(key for key in data if key in SPECS), tuple(warnings))


def _split_position(message: str) -> tuple[str, int]:
    """tomllib's message without its `(at line 3, column 5)`, and the line (1 when it gives none)."""
    match = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if match is None:
        return message, 1
    return message[:match.start()], int(match.group(1))


def _line_of_key(text: str, key: str) -> int:
    """The line where a top-level key (or a table of that name) is written, for warnings; 1 if not found."""
    pattern = re.compile(rf"""^\s*\[*\s*["']?{re.escape(key)}["']?\s*[=\].]""")
    return next((number for number, line in enumerate(text.splitlines(), 1) if pattern.match(line)), 1)


def save_settings(path: Path, settings: Settings, names: Iterable[str] | None = None) -> None:
    """Writes the named settings (all by default) into the file, keeping the learner's comments and layout.

    A new key gets a comment with its help and range. The file is replaced in one step, so it is never half
    written; if it is not valid TOML or cannot be written, a ReviseError says so and the file stays as it was.
    """
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        document = tomlkit.document()
        document.add(tomlkit.comment(FILE_HEADER))
    except ParseError as error:
        raise ReviseError(f"{path}:{error.line}: not valid TOML, so nothing was saved; fix the file first") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReviseError(f"{path}: cannot read the settings file, so nothing was saved ({error})") from None
    for name in SPECS if names is None else names:
        value = getattr(settings, name)
        value = list(value) if isinstance(value, tuple) else value
        if name in document:
            document[name] = value
        else:
            spec = SPECS[name]
            document.add(tomlkit.nl())
            document.add(tomlkit.comment(f"{spec.label}: {spec.help}."))
            document.add(tomlkit.comment(f"Valid: {spec.valid}."))
            document.add(name, value)
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(tomlkit.dumps(document), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ReviseError(f"{path}: cannot save the settings ({error.strerror or error})") from None


def with_stored_language(loaded: LoadedSettings, stored: object) -> Settings:
    """The settings read, with the language the database holds (where it was kept before) if the file names none."""
    if "language" in loaded.present or stored not in LANGUAGES:
        return loaded.settings
    return replace(loaded.settings, language=stored)
