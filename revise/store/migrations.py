"""The schema's history as an ordered list of migrations, applied once each and recorded by name."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from revise.errors import ReviseError, damaged_line, database_line

# Each migration is a name and the SQL that takes the schema from the previous one to it. Never edit a
# migration that has shipped: append a new one. A test checks that blank -> head equals the ORM schema.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE decks (
            name VARCHAR NOT NULL PRIMARY KEY,
            title_en VARCHAR NOT NULL,
            title_zh VARCHAR NOT NULL
        );
        CREATE TABLE card_files (
            path VARCHAR NOT NULL PRIMARY KEY,
            mtime_ns INTEGER NOT NULL,
            size INTEGER NOT NULL,
            sha256 VARCHAR NOT NULL
        );
        CREATE TABLE cards (
            id VARCHAR NOT NULL PRIMARY KEY,
            deck VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            line INTEGER NOT NULL,
            title_en VARCHAR NOT NULL,
            title_zh VARCHAR NOT NULL,
            front_en TEXT NOT NULL,
            front_zh TEXT NOT NULL,
            back_en TEXT NOT NULL,
            back_zh TEXT NOT NULL,
            tags VARCHAR NOT NULL,
            demo VARCHAR,
            source VARCHAR,
            content_hash VARCHAR NOT NULL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            retired_at DATETIME
        );
        CREATE INDEX ix_cards_deck ON cards (deck);
        CREATE TABLE card_schedules (
            card_id VARCHAR NOT NULL PRIMARY KEY REFERENCES cards (id),
            state VARCHAR NOT NULL,
            step INTEGER,
            stability FLOAT,
            difficulty FLOAT,
            due DATETIME,
            last_review DATETIME,
            reps INTEGER NOT NULL,
            lapses INTEGER NOT NULL,
            leech BOOLEAN NOT NULL,
            suspended BOOLEAN NOT NULL
        );
        CREATE INDEX ix_card_schedules_state ON card_schedules (state);
        CREATE INDEX ix_card_schedules_due ON card_schedules (due);
        CREATE TABLE review_log (
            id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            card_id VARCHAR NOT NULL REFERENCES cards (id),
            reviewed_at DATETIME NOT NULL,
            rating INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            state_before JSON NOT NULL,
            state_after JSON NOT NULL
        );
        CREATE INDEX ix_review_log_card_id ON review_log (card_id);
        CREATE INDEX ix_review_log_reviewed_at ON review_log (reviewed_at);
        CREATE TABLE settings (
            key VARCHAR NOT NULL PRIMARY KEY,
            value JSON NOT NULL
        );
        """,
    ),
    (
        "0002_search",
        """
        CREATE TABLE card_tags (
            tag VARCHAR NOT NULL,
            card_id VARCHAR NOT NULL REFERENCES cards (id),
            PRIMARY KEY (tag, card_id)
        );
        CREATE INDEX ix_card_tags_card_id ON card_tags (card_id);
        CREATE TABLE search_docs (
            id INTEGER NOT NULL PRIMARY KEY,
            card_id VARCHAR NOT NULL UNIQUE REFERENCES cards (id),
            body TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE card_search USING fts5(title, keywords, body, tokenize = 'trigram');
        CREATE VIRTUAL TABLE card_search_words USING fts5(
            title, keywords, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2'
        )
        """,
    ),
    # Short queries are found in card_search through word-start marks (search index version 3).
    ("0003_one_search_table", "DROP TABLE card_search_words"),
    # Statistics read the review log through one covering index; a review's interval before it (whole days stay
    # whole: julianday's rounding is cut at a millionth of a day) tells young reviews from mature ones.
    (
        "0004_review_interval",
        """
        ALTER TABLE review_log ADD COLUMN interval_days FLOAT;
        UPDATE review_log SET interval_days = ROUND(julianday(json_extract(state_before, '$.due'))
            - julianday(json_extract(state_before, '$.last_review')), 6) WHERE kind = 'review';
        DROP INDEX ix_review_log_reviewed_at;
        CREATE INDEX ix_review_log_stats ON review_log (reviewed_at, rating, kind, interval_days)
        """,
    ),
    # The full-text table keeps no copy of the text it indexes (contentless): search_docs keeps each card's
    # titles, keywords and body as shown, from which the indexed text is made again to take a card out. The
    # index is rebuilt on the next sync (search index version 4).
    (
        "0005_contentless_search",
        """
        DROP TABLE card_search;
        DROP TABLE search_docs;
        CREATE TABLE search_docs (
            id INTEGER NOT NULL PRIMARY KEY,
            card_id VARCHAR NOT NULL UNIQUE REFERENCES cards (id),
            title TEXT NOT NULL,
            keywords TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE card_search USING fts5(title, keywords, body, tokenize = 'trigram', content = '');
        DELETE FROM settings WHERE key = 'search_index_version'
        """,
    ),
    # A card may name a drill (a worked problem with fresh numbers); each answered instance is kept, tied to the
    # rating it came with, or to none when practised outside the schedule.
    (
        "0006_drills",
        """
        ALTER TABLE cards ADD COLUMN drill VARCHAR;
        CREATE TABLE drill_answers (
            id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            card_id VARCHAR NOT NULL REFERENCES cards (id),
            review_log_id INTEGER REFERENCES review_log (id),
            answered_at DATETIME NOT NULL,
            drill VARCHAR NOT NULL,
            record JSON NOT NULL,
            all_right BOOLEAN NOT NULL
        );
        CREATE INDEX ix_drill_answers_card_id ON drill_answers (card_id);
        CREATE INDEX ix_drill_answers_review_log_id ON drill_answers (review_log_id);
        CREATE INDEX ix_drill_answers_answered_at ON drill_answers (answered_at)
        """,
    ),
    # Each event of the log gets a global id and the device that made it, and undone events are remembered, so that
    # devices can sync the log (issue 19). The device's own id is made here, once. Ids sort as the rows were made.
    (
        "0007_log_events",
        """
        INSERT OR IGNORE INTO settings (key, value) VALUES ('device_id', json_quote(lower(hex(randomblob(8)))));
        ALTER TABLE review_log ADD COLUMN event_id VARCHAR NOT NULL DEFAULT '';
        ALTER TABLE review_log ADD COLUMN device VARCHAR NOT NULL DEFAULT '';
        UPDATE review_log SET event_id = printf('%016x', id) || lower(hex(randomblob(8))),
                              device = (SELECT json_extract(value, '$') FROM settings WHERE key = 'device_id');
        CREATE UNIQUE INDEX ix_review_log_event_id ON review_log (event_id);
        CREATE TABLE cancelled_events (
            event_id VARCHAR NOT NULL PRIMARY KEY,
            card_id VARCHAR NOT NULL,
            cancelled_at DATETIME NOT NULL,
            device VARCHAR NOT NULL
        )
        """,
    ),
    # Suspending and unsuspending become events the devices sync too.
    (
        "0008_suspension_events",
        """
        CREATE TABLE suspension_events (
            event_id VARCHAR NOT NULL PRIMARY KEY,
            card_id VARCHAR NOT NULL,
            changed_at DATETIME NOT NULL,
            suspended BOOLEAN NOT NULL,
            device VARCHAR NOT NULL
        );
        CREATE INDEX ix_suspension_events_card_id ON suspension_events (card_id)
        """,
    ),
    # Which scheduling settings and FSRS parameters a rating was given under (a digest; '' when not known), so that a
    # sync can tell the learner when devices schedule alike events differently.
    ("0009_event_scheduler", "ALTER TABLE review_log ADD COLUMN scheduler VARCHAR NOT NULL DEFAULT ''"),
    # The settings behind each digest, and `optimize --apply` as an event, so that replays agree across devices.
    (
        "0010_scheduler_settings",
        """
        CREATE TABLE scheduler_settings (
            digest VARCHAR NOT NULL PRIMARY KEY,
            settings JSON NOT NULL
        );
        CREATE TABLE parameter_applications (
            event_id VARCHAR NOT NULL PRIMARY KEY,
            device VARCHAR NOT NULL,
            applied_at DATETIME NOT NULL,
            scheduler VARCHAR NOT NULL
        )
        """,
    ),
    # The index holds words instead of trigrams, a sixth of the size, and its vocabulary, through which a search
    # finds text inside words; the shown body is kept compressed, and tags without rowids. The index is rebuilt on the
    # next sync (search index version 7).
    (
        "0011_word_search",
        """
        DROP TABLE card_search;
        DROP TABLE search_docs;
        DROP TABLE card_tags;
        CREATE VIRTUAL TABLE card_search USING fts5(
            title, keywords, body, tokenize = 'ascii', content = '', columnsize = 0
        );
        CREATE TABLE search_docs (
            id INTEGER NOT NULL PRIMARY KEY,
            card_id VARCHAR NOT NULL UNIQUE REFERENCES cards (id),
            title TEXT NOT NULL,
            keywords TEXT NOT NULL,
            body BLOB NOT NULL
        );
        CREATE TABLE card_tags (
            tag VARCHAR NOT NULL,
            card_id VARCHAR NOT NULL REFERENCES cards (id),
            PRIMARY KEY (tag, card_id)
        ) WITHOUT ROWID;
        CREATE INDEX ix_card_tags_card_id ON card_tags (card_id);
        CREATE TABLE search_terms (
            id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            term VARCHAR NOT NULL UNIQUE
        );
        DELETE FROM settings WHERE key = 'search_index_version'
        """,
    ),
]

# Full-text tables (and the shadow tables SQLite keeps for them) that the ORM does not model.
FULL_TEXT_TABLES = ("card_search",)

HEAD = MIGRATIONS[-1][0]


SQLITE_HEADER = b"SQLite format 3\x00"
# At most this many table names are listed when refusing another program's database.
LISTED_TABLES = 6


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """The names of the migrations already applied to this database, oldest first (none on a blank one)."""
    if not _has_table(conn, "schema_migrations"):
        return []
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the database has a table of this name."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def pending_migrations(conn: sqlite3.Connection, db_path: Path | None = None) -> list[tuple[str, str]]:
    """The migrations this database still needs, in order; ReviseError if a newer revise has migrated it."""
    done = set(applied_migrations(conn))
    unknown = done - {name for name, _ in MIGRATIONS}
    if unknown:
        where = db_path or "the database"
        raise ReviseError(f"{where} was made by a newer revise (its schema has {', '.join(sorted(unknown))}, which "
                          f"this revise does not know): upgrade revise (e.g. git pull, then pip install -e .), "
                          "and leave the file as it is")
    return [(name, sql) for name, sql in MIGRATIONS if name not in done]


def backup_path(db_path: Path) -> Path:
    """Where the copy taken before migrating is kept: beside the database, stamped with the time."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return db_path.with_name(f"{db_path.name}.before-migration-{stamp}.bak")


def _check_file(db_path: Path) -> None:
    """ReviseError unless the file is absent, empty, or begins as every SQLite database does."""
    try:
        with db_path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    if header and header != SQLITE_HEADER:
        raise ReviseError(f"{db_path} is not a revise database (not an SQLite file at all); revise will not change "
                          "it: choose another --db")


def _check_intact(conn: sqlite3.Connection, db_path: Path) -> None:
    """ReviseError if SQLite finds the file damaged (a page of garbage, a cut-off file): `PRAGMA quick_check`
    reads every page, about 0.4 ms per MB, so a damaged database is named at once rather than met half-way."""
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(1)")]
    except sqlite3.DatabaseError as error:
        if getattr(error, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            raise ReviseError(damaged_line(str(error), db_path)) from None
        raise
    if problems != ["ok"]:
        first = " ".join(" ".join(problems).replace("*** in database main ***", "").split())
        raise ReviseError(damaged_line(first if len(first) <= 120 else first[:119] + "…", db_path))


def _check_ours(conn: sqlite3.Connection, db_path: Path) -> None:
    """ReviseError if the database holds another program's tables: revise adds its own only to a blank
    database (no tables) or to one it made (its migration record names the first migration)."""
    tables = sorted(row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"))
    if not tables:
        return
    if "schema_migrations" in tables:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(schema_migrations)")}
        if {"name", "applied_at"} <= columns and (tables == ["schema_migrations"] or conn.execute(
                "SELECT 1 FROM schema_migrations WHERE name = ?", (MIGRATIONS[0][0],)).fetchone()):
            return
    listed = ", ".join(tables[:LISTED_TABLES]) + (f" and {len(tables) - LISTED_TABLES} more"
                                                  if len(tables) > LISTED_TABLES else "")
    raise ReviseError(f"{db_path} is a SQLite database of another program (tables: {listed}); revise will not "
                      "change it. Choose another --db.")


def migrate(db_path: Path) -> list[str]:
    """Bring the database file to the head schema, copying it first if it holds data; returns what ran.

    Nothing is written to a file that is not revise's (another program's database, a damaged one, a text
    file) nor to one made by a newer revise: each is a ReviseError saying so. A migration that fails is
    rolled back, and the error names the copy taken before migrating.
    """
    _check_file(db_path)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        _check_intact(conn, db_path)
        _check_ours(conn, db_path)
        pending = pending_migrations(conn, db_path)
        if not pending:
            return []
        backup = _back_up(conn, db_path) if applied_migrations(conn) else None
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at VARCHAR)")
        ran = []
        for name, sql in pending:
            try:
                if _apply(conn, name, sql):
                    ran.append(name)
            except sqlite3.Error as error:
                kept = (f"the copy taken before migrating is {backup}" if backup
                        else "the database was blank, nothing is lost")
                raise ReviseError(f"updating {db_path} to this revise's schema failed at {name}: "
                                  f"{database_line(error, db_path)}; it is left as before {name}, and {kept}") from None
        return ran
    finally:
        conn.close()


def _back_up(conn: sqlite3.Connection, db_path: Path) -> Path:
    """Copies the database beside itself before it is migrated; ReviseError (and no copy left half-made) if it
    cannot be, in which case nothing has been changed."""
    backup = backup_path(db_path)
    try:
        with closing(sqlite3.connect(backup)) as copy:
            conn.backup(copy)
    except (sqlite3.Error, OSError) as error:
        backup.unlink(missing_ok=True)
        reason = database_line(error, db_path) if isinstance(error, sqlite3.Error) else str(error)
        raise ReviseError(f"cannot copy {db_path} to {backup.name} before updating its schema ({reason}); "
                          "nothing was changed") from None
    return backup


def _apply(conn: sqlite3.Connection, name: str, sql: str) -> bool:
    """Runs one migration in its own write transaction, unless another revise has just run it; whether it ran."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)).fetchone():
            conn.execute("ROLLBACK")
            return False
        for statement in filter(str.strip, sql.split(";")):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                     (name, datetime.now(timezone.utc).isoformat()))
        conn.execute("COMMIT")
        return True
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
