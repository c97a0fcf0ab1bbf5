"""The command line under faults, as a user meets them: the real `revise` on real SQLite files that are damaged,
read-only, full, locked, another program's or a newer revise's. Each is one line on stderr, `revise: error: ...`,
exit status 1, no traceback, and the file as it was."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from revise.errors import explain, printable
from revise.store import migrations
from tests.conftest import touch_later

ESCAPE = "\x1b]0;pwned\x07"  # an OSC sequence that sets the terminal's title


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs the real `revise` command in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "revise", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def assert_one_line_error(result: subprocess.CompletedProcess[str], *phrases: str) -> str:
    """The run failed with status 1 and exactly one line on stderr, `revise: error: ...`, holding every phrase."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("revise: error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0], (phrase, lines[0])
    return lines[0]


def synced(db_path: Path, cards_dir: Path) -> Path:
    """A revise database made and synced by the real command."""
    result = run("--db", str(db_path), "--cards", str(cards_dir), "sync")
    assert result.returncode == 0, result.stderr
    return db_path


def change_a_card(cards_dir: Path) -> None:
    """Edits a card's answer, so the next command's sync must write."""
    deck = cards_dir / "optimisation.md"
    deck.write_text(deck.read_text(encoding="utf-8").replace("Step against the gradient.", "Step downhill."),
                    encoding="utf-8")
    touch_later(deck)


def snapshot(path: Path) -> bytes:
    """A database's main file, as bytes, after folding in its write-ahead log."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.read_bytes()


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Makes a file or folder read-only for the test's commands. chmod does not stop root, so as root the file
    is made immutable (chattr +i), which stops root too; skipped where neither works."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("as root only an immutable file is read-only, and chattr +i does not work here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


# A damaged file.

def damage_a_middle_page(db_path: Path) -> None:
    """Overwrites one page in the middle of the file with garbage, as a failing disk or a bad copy would."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with db_path.open("r+b") as file:
        file.seek(pages // 2 * page_size)
        file.write(bytes(range(256)) * (page_size // 256))
    with sqlite3.connect(db_path) as conn:  # the damage is real: SQLite's own check finds it
        try:
            assert conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]
        except sqlite3.DatabaseError:
            pass
    conn.close()


@pytest.mark.parametrize("command", [["sync"], ["list"], ["search", "momentum"], ["stats"]])
def test_a_damaged_database_stops_every_command_with_one_line(command: list[str], db_path: Path,
                                                               cards_dir: Path) -> None:
    damage_a_middle_page(synced(db_path, cards_dir))
    before = db_path.read_bytes()
    result = run("--db", str(db_path), "--cards", str(cards_dir), *command)
    assert_one_line_error(result, f"{db_path} is damaged", "restore a backup", "test.db.before-migration-*.bak",
                          "move it aside")
    assert result.stdout == "", "nothing is listed from a damaged database"
    assert db_path.read_bytes() == before


# Read-only files and folders, a full disk, a held lock.

def test_a_read_only_database_with_a_changed_card_is_one_line(db_path: Path, cards_dir: Path) -> None:
    synced(db_path, cards_dir)
    before = snapshot(db_path)
    change_a_card(cards_dir)
    with read_only(db_path):
        result = run("--db", str(db_path), "--cards", str(cards_dir), "list")
    assert_one_line_error(result, f"{db_path} is read-only", "nothing was saved")
    assert db_path.read_bytes() == before


def test_a_database_in_a_read_only_folder_is_not_called_foreign(tmp_path: Path, cards_dir: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    db_path = synced(folder / "data.db", cards_dir)
    before = snapshot(db_path)
    with read_only(folder):
        result = run("--db", str(db_path), "--cards", str(cards_dir), "list")
        new = run("--db", str(folder / "new.db"), "--cards", str(cards_dir), "list")
    line = assert_one_line_error(result, f"the folder {folder} is read-only", "data.db-wal", "make the folder writable")
    assert "not a revise database" not in line and "damaged" not in line
    assert_one_line_error(new, f"the folder {folder} is read-only", "cannot create new.db")
    assert db_path.read_bytes() == before
    assert not (folder / "new.db").exists()


def test_a_full_disk_is_one_line(tmp_path: Path, db_path: Path, cards_dir: Path) -> None:
    """The database on a small tmpfs of its own (a mount namespace: nothing outside sees it), a sync that grows it."""
    synced(db_path, cards_dir)
    snapshot(db_path)
    (cards_dir / "more.md").write_text("# More | 更多\n" + "".join(
        f"\n## Card {i} | 卡 {i}\nid: more-{i}\n\n### Q\n{'Question text. ' * 40}\n\n### 问\n问题。\n\n"
        f"### A\n{'Answer text. ' * 60}\n\n### 答\n答案。\n" for i in range(40)), encoding="utf-8")
    disk = tmp_path / "disk"
    disk.mkdir()
    size_kb = db_path.stat().st_size // 1024 + 16
    unshare = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user", "--mount"]
    script = (f'mount -t tmpfs -o size={size_kb}k tmpfs "$1" || exit 99; cp "$2" "$1/data.db" || exit 99; '
              'shift 2; exec "$@"')
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) to mount a small file system")
    result = subprocess.run([*unshare, "sh", "-c", script, "sh", str(disk), str(db_path), sys.executable, "-m",
                             "revise", "--db", str(disk / "data.db"), "--cards", str(cards_dir), "sync"],
                            capture_output=True, text=True, timeout=120)
    if result.returncode == 99 or "unshare:" in result.stderr:
        pytest.skip(f"cannot mount a small file system here: {result.stderr.strip()}")
    assert_one_line_error(result, f"the disk holding {disk / 'data.db'} is full", "nothing was saved",
                          "free some space")


def test_a_database_locked_past_the_wait_is_one_line(db_path: Path, cards_dir: Path) -> None:
    """Another program holds the write lock for longer than revise waits (as a long sync does)."""
    synced(db_path, cards_dir)
    change_a_card(cards_dir)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run("--db", str(db_path), "--cards", str(cards_dir), "list")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    line = assert_one_line_error(result, "test.db", "nothing was saved")
    assert "is locked by another program" in line, line
    assert result.stdout == ""


def test_a_folder_where_the_database_cannot_go_is_one_line(tmp_path: Path, cards_dir: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, where --db expects a folder\n")
    result = run("--db", str(blocker / "data.db"), "--cards", str(cards_dir), "list")
    assert_one_line_error(result, f"a file stands where a folder is needed ({blocker})")


def test_plots_to_a_read_only_folder_are_one_line(tmp_path: Path, db_path: Path, cards_dir: Path) -> None:
    synced(db_path, cards_dir)
    folder = tmp_path / "plots"
    folder.mkdir()
    with read_only(folder):
        result = run("--db", str(db_path), "--cards", str(cards_dir), "stats", "--plot", str(folder))
    assert "Traceback" not in result.stderr and result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("revise: error: ") and str(folder) in result.stderr


# Another program's database, a newer revise's, a failed migration.

def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path: Path, cards_dir: Path) -> None:
    foreign = tmp_path / "photos.db"
    with sqlite3.connect(foreign) as conn:
        conn.executescript("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT); CREATE TABLE albums (name TEXT);"
                           "INSERT INTO photos (path) VALUES ('holiday.jpg');")
    conn.close()
    before = foreign.read_bytes()
    for command in (["sync"], ["list"], ["stats"]):
        result = run("--db", str(foreign), "--cards", str(cards_dir), *command)
        assert_one_line_error(result, f"{foreign} is a SQLite database of another program (tables: albums, photos)",
                              "revise will not change it", "Choose another --db")
    assert foreign.read_bytes() == before
    assert not foreign.with_name("photos.db-wal").exists()
    with sqlite3.connect(foreign) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert [row[0] for row in conn.execute("SELECT name FROM sqlite_master ORDER BY name")] == ["albums", "photos"]
    conn.close()


def test_an_empty_file_or_a_new_path_becomes_a_revise_database(tmp_path: Path, cards_dir: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (empty, tmp_path / "new" / "fresh.db"):
        result = run("--db", str(path), "--cards", str(cards_dir), "sync")
        assert result.returncode == 0 and result.stdout.startswith("sync: 3 added"), result.stderr


def test_a_database_of_a_newer_revise_says_upgrade(db_path: Path, cards_dir: Path) -> None:
    synced(db_path, cards_dir)
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('9999_from_the_future', '2030-01-01')")
    conn.close()
    before = snapshot(db_path)
    result = run("--db", str(db_path), "--cards", str(cards_dir), "list")
    assert_one_line_error(result, f"{db_path} was made by a newer revise", "9999_from_the_future", "upgrade revise")
    assert db_path.read_bytes() == before


def test_a_failed_migration_names_the_copy_taken_before(monkeypatch: pytest.MonkeyPatch, db_path: Path,
                                                        cards_dir: Path) -> None:
    """A database from before 0004 that already has an index of the name 0004 creates: 0004 fails."""
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
        migrations.migrate(db_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('language', '\"zh\"')")
        conn.execute("CREATE INDEX ix_review_log_stats ON review_log (reviewed_at)")
    conn.close()
    result = run("--db", str(db_path), "--cards", str(cards_dir), "list")
    line = assert_one_line_error(result, f"updating {db_path} to this revise's schema failed at 0004_review_interval",
                                 "ix_review_log_stats already exists", "it is left as before 0004_review_interval",
                                 "the copy taken before migrating is ")
    [backup] = db_path.parent.glob("test.db.before-migration-*.bak")
    assert line.endswith(str(backup))
    for path in (db_path, backup):
        with sqlite3.connect(path) as conn:
            assert migrations.applied_migrations(conn) == [name for name, _ in migrations.MIGRATIONS[:3]]
            assert conn.execute("SELECT value FROM settings").fetchall() == [('"zh"',)]
        conn.close()


# What the terminal is sent: narrow encodings, escape sequences.

@pytest.mark.parametrize("command", [["show", "gd-update"], ["list"], ["search", "梯度"]])
def test_an_ascii_terminal_gets_escapes_not_a_traceback(command: list[str], db_path: Path, cards_dir: Path) -> None:
    synced(db_path, cards_dir)
    result = run("--db", str(db_path), "--cards", str(cards_dir), *command, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "\\u68af\\u5ea6" in result.stdout  # 梯度, escaped
    as_json = run("--db", str(db_path), "--cards", str(cards_dir), *command, "--json",
                  env={"PYTHONIOENCODING": "ascii"})
    assert as_json.returncode == 0 and "梯度" in json.dumps(json.loads(as_json.stdout), ensure_ascii=False)


@pytest.mark.parametrize("args", [
    ["show", ESCAPE], ["search", "momentum", "-" + ESCAPE, "is:" + ESCAPE], ["list", ESCAPE], [ESCAPE],
    ["demo", ESCAPE], ["demo", "bleu", "--hypothesis", ESCAPE, "--reference1", ESCAPE],
    ["demo", "bleu", "--smooth", ESCAPE],
    ["demo", "conv_size", "--preset", "custom", "--layers", "conv k=3 c=" + ESCAPE],
])
def test_an_argument_holding_an_escape_sequence_is_shown_escaped(args: list[str], db_path: Path,
                                                                  cards_dir: Path) -> None:
    result = run("--db", str(db_path), "--cards", str(cards_dir), *args)
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "\\x1b]0" in result.stdout + result.stderr, "what was typed is echoed, escaped"


# The demos' inputs.

def test_a_channel_count_past_the_bound_is_one_line() -> None:
    result = run("demo", "conv_size", "--preset", "custom", "--layers", "conv k=3 c=100000000000000000000000000")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == ["revise demo conv_size: error: conv_size: layer 1 "
                                          "'conv k=3 c=100000000000000000000000000': c=100000000000000000000000000: "
                                          "must be at most 1,000,000"]


def test_a_blank_hypothesis_is_called_blank() -> None:
    result = run("demo", "bleu", "--hypothesis", "   ")
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["revise demo bleu: error: --hypothesis '   ': is blank: it has no words "
                                          "once split on spaces; give text of at most 200 characters"]


# The one line itself.

def test_control_characters_are_shown_escaped_and_the_rest_as_it_is() -> None:
    assert printable(f"id `{ESCAPE}` 梯度\n\u202etxt") == "id `\\x1b]0;pwned\\x07` 梯度\\n\\u202etxt"


@pytest.mark.parametrize(("error", "phrase"), [
    (OSError(errno.ENOSPC, "No space left on device", "/data/data.db"), "the disk is full (/data/data.db)"),
    (PermissionError(errno.EACCES, "Permission denied", "/data/plots"), "permission denied (/data/plots)"),
    (OSError(errno.EROFS, "Read-only file system", "/mnt/data.db"), "the file system is read-only (/mnt/data.db)"),
    (sqlite3.OperationalError("disk I/O error"), "database error: disk I/O error"),
])
def test_every_os_and_database_error_is_one_line(error: Exception, phrase: str) -> None:
    line = explain(error)
    assert phrase in line and "\n" not in line


def test_card_text_holding_an_escape_sequence_is_printed_escaped(db_path: Path, cards_dir: Path) -> None:
    """A card file (an imported deck, say) may hold control characters: show, list and search print them as escapes,
    and keep the text's own line breaks."""
    deck = cards_dir / "optimisation.md"
    deck.write_text(deck.read_text(encoding="utf-8").replace("Step against the gradient.",
                                                             f"Step against {ESCAPE} the gradient."), encoding="utf-8")
    deck.write_text(deck.read_text(encoding="utf-8").replace("## Gradient descent | 梯度下降",
                                                             f"## Gradient {ESCAPE} descent | 梯度下降"), encoding="utf-8")
    for args in (["show", "gd-update"], ["list"], ["search", "against"]):
        result = run("--db", str(db_path), "--cards", str(cards_dir), *args)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "\\x1b]0;pwned\\x07" in result.stdout, args
    shown = run("--db", str(db_path), "--cards", str(cards_dir), "show", "gd-update").stdout
    assert "\nA\n" in shown and "\n" in shown.split("\nA\n", 1)[1].strip(), "line breaks of the card stay"
