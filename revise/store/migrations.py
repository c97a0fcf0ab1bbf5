"""The schema's history as an ordered list of migrations, applied once each and recorded by name."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from revise.errors import ReviseError

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
]

# Full-text tables (and the shadow tables SQLite keeps for them) that the ORM does not model.
FULL_TEXT_TABLES = ("card_search",)

HEAD = MIGRATIONS[-1][0]


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """The names of the migrations already applied to this database, oldest first."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at VARCHAR)")
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]


def pending_migrations(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """The migrations this database still needs, in order."""
    done = set(applied_migrations(conn))
    unknown = done - {name for name, _ in MIGRATIONS}
    if unknown:
        raise ReviseError(f"database has migrations this revise does not know: {', '.join(sorted(unknown))}")
    return [(name, sql) for name, sql in MIGRATIONS if name not in done]


def backup_path(db_path: Path) -> Path:
    """Where the copy taken before migrating is kept: beside the database, stamped with the time."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return db_path.with_name(f"{db_path.name}.before-migration-{stamp}.bak")


def migrate(db_path: Path) -> list[str]:
    """Bring the database file to the head schema, copying it first if it holds data; returns what ran."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        try:
            pending = pending_migrations(conn)
        except sqlite3.DatabaseError as error:
            raise ReviseError(f"{db_path}: not a revise database ({error})") from None
        if not pending:
            return []
        if applied_migrations(conn):
            with sqlite3.connect(backup_path(db_path)) as copy:
                conn.backup(copy)
        for name, sql in pending:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, sql.split(";")):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    (name, datetime.now(timezone.utc).isoformat()),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return [name for name, _ in pending]
    finally:
        conn.close()
