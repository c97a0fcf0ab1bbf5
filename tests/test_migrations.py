"""The schema's migrations: blank to head gives the ORM's schema; a copy is kept before migrating data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from revise.collection import Collection
from revise.errors import ReviseError
from revise.store import migrations
from revise.store.database import open_engine
from revise.store.schema import Base


def describe(engine) -> dict:
    """Every table's columns (name, type, nullable, primary key), indexes and foreign keys."""
    inspector = inspect(engine)
    schema = {}
    for table in inspector.get_table_names():
        if table == "schema_migrations" or table.startswith(migrations.FULL_TEXT_TABLES):
            continue
        columns = [(c["name"], str(c["type"]), c["nullable"], c.get("primary_key", 0))
                   for c in inspector.get_columns(table)]
        indexes = sorted((tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table))
        keys = sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in inspector.get_foreign_keys(table))
        schema[table] = (columns, indexes, keys)
    return schema


def test_blank_database_migrates_to_the_orm_schema(tmp_path: Path) -> None:
    migrated = open_engine(tmp_path / "migrated.db")
    reference = create_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    Base.metadata.create_all(reference)
    assert describe(migrated) == describe(reference)
    with sqlite3.connect(tmp_path / "migrated.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert migrations.applied_migrations(conn) == [name for name, _ in migrations.MIGRATIONS]


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "fk.db")
    with engine.connect() as conn:
        with pytest.raises(Exception, match="FOREIGN KEY"):
            conn.exec_driver_sql(
                "INSERT INTO review_log (card_id, reviewed_at, rating, duration_ms, kind, state_before, state_after)"
                " VALUES ('missing', '2026-01-01', 3, 1, 'new', '{}', '{}')")


def test_a_copy_is_kept_before_migrating_a_database_with_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "data.db"
    open_engine(db).dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('language', '\"zh\"')")
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS,
                                                   ("0002_test", "ALTER TABLE settings ADD COLUMN note VARCHAR")])
    assert migrations.migrate(db) == ["0002_test"]
    [backup] = tmp_path.glob("data.db.before-migration-*.bak")
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT value FROM settings WHERE key = 'language'").fetchall() == [('"zh"',)]
        assert "note" not in [row[1] for row in conn.execute("PRAGMA table_info(settings)")]
    assert migrations.migrate(db) == [], "a migration runs once"


def test_a_blank_database_gets_no_backup(tmp_path: Path) -> None:
    open_engine(tmp_path / "new.db").dispose()
    assert list(tmp_path.glob("*.bak")) == []


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(ReviseError, match="not a revise database"):
        open_engine(bad)
    assert bad.read_text().startswith("these are my notes"), "the file must be left as it was"


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    open_engine(db).dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('9999_future', 'x')")
    with pytest.raises(ReviseError, match="9999_future"):
        open_engine(db)


@pytest.mark.parametrize("schema", [
    "CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)",
    "CREATE TABLE schema_migrations (version VARCHAR PRIMARY KEY); INSERT INTO schema_migrations VALUES ('2024')",
])
def test_another_programs_database_is_refused_unwritten(tmp_path: Path, schema: str) -> None:
    """Another program's tables, even one called schema_migrations (as Rails keeps), are never added to."""
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.executescript(schema)
    conn.close()
    before = foreign.read_bytes()
    with pytest.raises(ReviseError, match="a SQLite database of another program .*revise will not change it"):
        open_engine(foreign)
    assert foreign.read_bytes() == before and list(tmp_path.glob("*.bak")) == []


def test_a_migration_another_revise_has_just_run_is_skipped(tmp_path: Path) -> None:
    db = tmp_path / "data.db"
    open_engine(db).dispose()
    with sqlite3.connect(db, isolation_level=None) as conn:
        assert migrations._apply(conn, migrations.HEAD, "CREATE TABLE never (x)") is False
        assert not conn.in_transaction
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'never'").fetchone() == (0,)
    conn.close()


def test_reviews_logged_before_event_ids_get_their_own_and_this_devices(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "old.db"
    before = [entry for entry in migrations.MIGRATIONS if entry[0] < "0007"]
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    open_engine(db).dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO cards VALUES ('c', 'd', 'd.md', 1, 't', 't', 'q', 'q', 'a', 'a', '', NULL, NULL, "
                     "'h', '2026-01-01', '2026-01-01', NULL, NULL)")
        conn.executemany("INSERT INTO review_log (card_id, reviewed_at, rating, duration_ms, kind, state_before, "
                         "state_after) VALUES ('c', ?, 3, 1, 'new', '{}', '{}')", [("2026-01-01",), ("2026-01-02",)])
    monkeypatch.undo()
    assert "0007_log_events" in migrations.migrate(db)
    with sqlite3.connect(db) as conn:
        device = conn.execute("SELECT json_extract(value, '$') FROM settings WHERE key = 'device_id'").fetchone()[0]
        rows = conn.execute("SELECT event_id, device FROM review_log").fetchall()
    assert len(device) == 16 and len({event for event, _ in rows}) == 2 and all(len(event) == 32 for event, _ in rows)
    assert {owner for _, owner in rows} == {device}


def test_a_database_indexed_by_trigrams_is_searched_by_words_after_its_next_sync(
        tmp_path: Path, cards_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "MIGRATIONS", [entry for entry in migrations.MIGRATIONS if entry[0] < "0011"])
    open_engine(db).dispose()
    with sqlite3.connect(db) as conn:  # a card as the trigram revise indexed it
        conn.execute("INSERT INTO cards VALUES ('old', 'd', 'd.md', 1, 'Old', '旧', 'q', 'q', 'a', 'a', '', NULL, "
                     "NULL, 'h', '2026-01-01', '2026-01-01', NULL, NULL)")
        conn.execute("INSERT INTO search_docs VALUES (1024, 'old', 'Old · 旧', '', 'q · a')")
        conn.execute("INSERT INTO card_search (rowid, title, keywords, body) VALUES (1024, 'old · 旧', '', 'q · a')")
        conn.execute("INSERT INTO card_tags VALUES ('t', 'old')")
        conn.execute("INSERT INTO settings VALUES ('search_index_version', '5')")
    monkeypatch.undo()
    assert "0011_word_search" in migrations.migrate(db)
    collection = Collection(db, cards_dir)
    try:
        collection.sync()
        [hit] = collection.search("omentu").hits  # inside a word
        assert hit.card_id == "momentum"
        assert [hit.card_id for hit in collection.search("old").hits] == []
    finally:
        collection.close()
