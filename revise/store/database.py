"""Opening the database: migrate the file to the head schema, then hand out SQLAlchemy sessions."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from revise.errors import ReviseError
from revise.store.migrations import migrate


def _set_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Turns on WAL (readers never block the writer) and foreign keys on every new connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def open_engine(db_path: Path) -> Engine:
    """Migrates the database file (creating it if new) and returns an engine for it."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        migrate(db_path)
    except (OSError, sqlite3.Error) as error:
        raise ReviseError(f"cannot open database {db_path}: {error}") from None
    engine = create_engine(f"sqlite:///{db_path}")
    event.listen(engine, "connect", _set_pragmas)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit, since they are handed to the UI."""
    return sessionmaker(engine, expire_on_commit=False)
