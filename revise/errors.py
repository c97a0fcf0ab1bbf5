"""The errors revise shows the user, and one line for any failure of the backend, said the same way everywhere."""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
import sys
from pathlib import Path


class ReviseError(Exception):
    """A problem the user can fix (bad input, a missing file); its message is one line."""


# Control characters (C0, DEL, C1) and the bidirectional overrides that reorder what a terminal shows: text
# echoed back to the terminal (an argument, a file name, an error from below) shows them escaped, never raw.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def stdout_json(data: object) -> str:
    """Data as JSON text for stdout: characters as they are when stdout takes Unicode, else \\u escapes (still
    the same JSON), so that `PYTHONIOENCODING=ascii revise list --json` gives valid JSON."""
    import json

    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return json.dumps(data, ensure_ascii=not encoding.startswith("utf"))


def printable(text: str, keep: str = "") -> str:
    """`text` with control characters shown as escapes (`\\x1b`, `\\n`, `\\u202e`), so that echoing it can
    neither drive the terminal (an escape sequence setting the title, say) nor break a message over lines;
    the characters in `keep` (say newlines, for a card's text) stay as they are."""
    return _UNPRINTABLE.sub(lambda match: match.group() if match.group() in keep else repr(match.group())[1:-1],
                            text)


def excerpt(text: str, limit: int = 60) -> str:
    """The text on one line and at most `limit` characters long, cut with an ellipsis, for a message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def explain(error: BaseException, db_path: Path | None = None) -> str:
    """What happened and what to do, in one line, for any exception that reading or writing the collection
    can raise: revise's own errors, database errors (bare or wrapped by SQLAlchemy), OSError, or a bug.
    `db_path`, when known, names the database in the message."""
    if isinstance(error, ReviseError):
        return printable(str(error))
    cause = getattr(error, "orig", None) or error  # SQLAlchemy wraps the sqlite3 error in `orig`
    if isinstance(cause, sqlite3.Error):
        return printable(database_line(cause, db_path))
    if isinstance(error, OSError):
        return printable(os_line(error))
    return printable(f"unexpected {type(error).__name__}: {error} (a bug in revise; please report it)")


def is_backend_error(error: BaseException) -> bool:
    """Whether `error` is one the command line reports in one line: revise's own, an OSError, or a database
    error (sqlite3's, or SQLAlchemy's, which is only ever raised once SQLAlchemy is imported)."""
    if isinstance(error, (ReviseError, OSError, sqlite3.Error)):
        return True
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    return sqlalchemy_errors is not None and isinstance(error, sqlalchemy_errors.SQLAlchemyError)


def _error_code(error: sqlite3.Error) -> int | None:
    """SQLite's primary result code of the error (extended codes keep it in their low byte), if it has one."""
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _folder_is_read_only(db_path: Path) -> bool:
    """Whether the database's folder exists but new files cannot be made in it (a read-only folder, a
    read-only file system, an immutable folder)."""
    folder = db_path.parent
    return folder.is_dir() and not os.access(folder, os.W_OK)


def _disk_is_full(db_path: Path) -> bool:
    """Whether the disk holding the database has (almost) no room left: SQLite reports a full disk as an I/O
    error when it is the shared-memory file (-shm) that cannot grow."""
    try:
        return shutil.disk_usage(db_path.parent).free < 1 << 20
    except OSError:
        return False


def _backups(db_path: Path | None) -> str:
    """How to name the backups revise keeps of a database (see `revise.store.migrations.backup_path`)."""
    name = db_path.name if db_path else "data.db"
    return f"{name}.before-migration-*.bak"


def database_line(error: sqlite3.Error, db_path: Path | None = None) -> str:
    """One line for a database error, by SQLite's error code: what happened, and what to do."""
    code = _error_code(error)
    name = db_path.name if db_path else "the database"
    where = str(db_path) if db_path else "the database"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return (f"{name} is locked by another program (a second revise, or a sync in another terminal?): "
                "nothing was saved; try again when it finishes")
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return damaged_line(str(error), db_path)
    if code == sqlite3.SQLITE_READONLY:
        if db_path and _folder_is_read_only(db_path):
            return read_only_folder_line(db_path)
        return (f"{where} is read-only ({error}): nothing was saved; make the file writable (and its folder), "
                "or choose another database")
    if code == sqlite3.SQLITE_CANTOPEN:
        if db_path and _folder_is_read_only(db_path):
            return read_only_folder_line(db_path)
        return (f"cannot open {where} ({error}): check that it exists, that you may read and write it, "
                "and that its folder can be written")
    if code == sqlite3.SQLITE_FULL or (code == sqlite3.SQLITE_IOERR and db_path and _disk_is_full(db_path)):
        return f"the disk holding {where} is full ({error}): nothing was saved; free some space and try again"
    if code == sqlite3.SQLITE_IOERR:
        return (f"cannot read or write {where} ({error}): the disk may be full, removed or failing, or the file "
                "too large; nothing was saved")
    if code == sqlite3.SQLITE_CONSTRAINT:
        return (f"{name} was changed by another program at the same time ({error}): nothing was saved; "
                "try again")
    return f"database error: {error}"


def damaged_line(detail: str, db_path: Path | None = None) -> str:
    """The line for a database file that is damaged: what SQLite found, and the way out."""
    where = str(db_path) if db_path else "the database"
    return (f"{where} is damaged ({detail}); restore a backup (such as {_backups(db_path)} beside it) "
            "or move it aside")


def read_only_folder_line(db_path: Path) -> str:
    """The line for a database in a folder where revise cannot create the files SQLite keeps beside it."""
    if not db_path.exists():
        return (f"the folder {db_path.parent} is read-only: revise cannot create {db_path.name} in it; make the "
                "folder writable, or choose a database in one that is")
    return (f"the folder {db_path.parent} is read-only: revise cannot create {db_path.name}-wal and "
            f"{db_path.name}-shm beside {db_path.name} (SQLite's write-ahead log); make the folder writable, "
            "or move the database to one that is")


def os_line(error: OSError) -> str:
    """One line for an OSError, by its errno: what happened to which file, and what to do."""
    names = [str(name) for name in (error.filename, error.filename2) if name is not None]
    where = f" ({' -> '.join(names)})" if names else ""
    reason = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        return f"the disk is full{where}: nothing was saved; free some space and try again"
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied{where}: check that you may read and write it"
    if error.errno == errno.EROFS:
        return f"the file system is read-only{where}: choose a place that can be written"
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        return f"a file stands where a folder is needed{where}: choose another path, or move the file"
    if error.errno == errno.ENOENT:
        return f"no such file or folder{where}"
    return f"{reason}{where}: check that the file or folder exists and can be written"
