"""Where revise keeps its files: the project root, the default database, card folder and settings file."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_db_path() -> Path:
    """The database file: `REVISE_DB` if set, else `data.db` at the project root."""
    return Path(os.environ.get("REVISE_DB") or PROJECT_ROOT / "data.db")


def default_cards_dir() -> Path:
    """The card folder: `REVISE_CARDS` if set, else `cards/` at the project root."""
    return Path(os.environ.get("REVISE_CARDS") or PROJECT_ROOT / "cards")


def default_config_path() -> Path:
    """The settings file: `REVISE_CONFIG` if set, else `revise.toml` at the project root, next to data.db."""
    return Path(os.environ.get("REVISE_CONFIG") or PROJECT_ROOT / "revise.toml")
