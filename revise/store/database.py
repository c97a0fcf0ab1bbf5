"""Opening the database: migrate the file to the head schema, then hand out SQLAlchemy sessions."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from revise.errors import ReviseError, explain
from revise.store.migrations import migrate


# How long one attempt at a write waits for another writer's lock (SQLite's busy handler), in milliseconds.
BUSY_TIMEOUT_MS = 2000
# The option that makes a session's transaction a write transaction: see `_begin`.
WRITE = "revise_write"


def _set_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Turns on WAL (readers never block the writer) and foreign keys on every new connection, and leaves
    BEGIN to `_begin` (the sqlite3 module would otherwise open transactions only at the first write)."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _add_functions(dbapi_connection: Any, connection_record: Any) -> None:
    """Gives SQL the search's `holds_folded` and `unpack_body`, so that a search the index cannot answer scans the text
    as the index holds it."""
    from revise.search.folding import holds_folded
    from revise.search.packing import unpack_body

    dbapi_connection.create_function("holds_folded", 2, holds_folded, deterministic=True)
    dbapi_connection.create_function("unpack_body", 1, unpack_body, deterministic=True)


def _begin(connection: Any) -> None:
    """Starts each transaction: a write takes the write lock at once (BEGIN IMMEDIATE), so what it reads is
    what it writes over, and a second writer waits at the start rather than failing half-way; reads begin
    deferred and never block."""
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE) else "BEGIN")


def open_engine(db_path: Path) -> Engine:
    """Migrates the database file (creating it if new) and returns an engine for it."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        migrate(db_path)
    except (OSError, sqlite3.Error) as error:
        raise ReviseError(explain(error, db_path)) from None
    engine = create_engine(f"sqlite:///{db_path}")
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "connect", _add_functions)
    event.listen(engine, "begin", _begin)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit, since they are handed to the UI."""
    return sessionmaker(engine, expire_on_commit=False)
