"""Where revise keeps its files: in a checkout, the project root as ever; installed, the cards that ship inside
the package and the user's platform folders for the database, the settings and Numba's cache."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
# The cards a wheel carries: the top-level cards/ copied into the package at build time (see pyproject.toml).
BUNDLED_CARDS_DIR = PACKAGE_DIR / "bundled_cards"
# Each kind of user folder on Linux and other Unixes: its XDG variable and where it is when that is unset.
XDG_FOLDERS = {"data": ("XDG_DATA_HOME", ".local/share"), "config": ("XDG_CONFIG_HOME", ".config"),
               "cache": ("XDG_CACHE_HOME", ".cache")}


def running_from_checkout() -> bool:
    """Whether revise runs from its source tree (pyproject.toml and cards/ beside revise/), which keeps its files
    at the project root, rather than from an installed package."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "cards").is_dir()


def user_folder(kind: str) -> Path:
    """Revise's own folder of a kind ("data", "config" or "cache") among the user's: XDG's on Linux (an unset or
    relative variable meaning its default under home), ~/Library's on macOS, %LOCALAPPDATA%'s on Windows."""
    home = Path.home()
    if sys.platform == "win32":
        local = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "revise"
        return local / "Cache" if kind == "cache" else local
    if sys.platform == "darwin":
        return home / "Library" / ("Caches" if kind == "cache" else "Application Support") / "revise"
    variable, default = XDG_FOLDERS[kind]
    chosen = os.environ.get(variable, "")
    return (Path(chosen) if os.path.isabs(chosen) else home / default) / "revise"


def default_db_path() -> Path:
    """The database file: `REVISE_DB` if set, else `data.db` at the project root in a checkout, else in the
    user's data folder."""
    if os.environ.get("REVISE_DB"):
        return Path(os.environ["REVISE_DB"])
    return (PROJECT_ROOT if running_from_checkout() else user_folder("data")) / "data.db"


def default_cards_dir() -> Path:
    """The bundled card folder: `cards/` at the project root in a checkout, else the cards that ship inside the
    package."""
    return PROJECT_ROOT / "cards" if running_from_checkout() else BUNDLED_CARDS_DIR


def own_cards_dir() -> Path:
    """The learner's own card folder, where new cards and imported decks go: `my-cards/` at the project root in a
    checkout (beside data.db, kept out of git), `cards` in the user's data folder when installed."""
    return PROJECT_ROOT / "my-cards" if running_from_checkout() else user_folder("data") / "cards"


def card_folders(given: Sequence[Path] | None = None, settings_folders: Sequence[str] = (),
                 settings_dir: Path | None = None) -> list[Path]:
    """The card folders in force, the last being where the learner's new cards go: the folders given (repeated
    `--cards`), else `REVISE_CARDS` (folders separated by `os.pathsep`), else the bundled cards, the settings'
    `card_folders` (relative to `settings_dir`) and the learner's own folder, made here if missing."""
    if given:
        return list(given)
    if os.environ.get("REVISE_CARDS"):
        return [Path(part) for part in os.environ["REVISE_CARDS"].split(os.pathsep) if part]
    own = own_cards_dir()
    own.mkdir(parents=True, exist_ok=True)
    chosen = [(settings_dir or Path.cwd()) / Path(folder).expanduser() for folder in settings_folders]
    return [default_cards_dir(), *(folder for folder in chosen if folder != own), own]


def default_config_path() -> Path:
    """The settings file: `REVISE_CONFIG` if set, else `revise.toml` at the project root in a checkout (next to
    data.db), else in the user's config folder, made here so that the app can save settings into it."""
    if os.environ.get("REVISE_CONFIG"):
        return Path(os.environ["REVISE_CONFIG"])
    if running_from_checkout():
        return PROJECT_ROOT / "revise.toml"
    folder = user_folder("config")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "revise.toml"


def place_numba_cache() -> None:
    """Sends Numba's cache to `numba` in the user's cache folder when the demos' own folder cannot hold it (an
    install another user owns), unless NUMBA_CACHE_DIR says where; numba reads it once, so call this first."""
    demos_dir = Path(importlib.util.find_spec("demos").origin).parent
    if not os.access(demos_dir, os.W_OK):
        os.environ.setdefault("NUMBA_CACHE_DIR", str(user_folder("cache") / "numba"))
