"""Two devices reviewing apart and syncing their review logs through a remote database, a SQLite file and a real
PostgreSQL server: the same schedules and logs on both, nothing lost, nothing applied twice, undos and resets
included, a sync cut off half-way completed by the next, a bad remote one line."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from revise.cli import main
from revise.collection import Collection, utc_now
from revise.remote.sync import exchange, local_events, open_remote
from revise.scheduler.fsrs_scheduler import AGAIN, EASY, GOOD, HARD
from revise.store.schema import CardSchedule, ReviewLog

START = utc_now().replace(microsecond=0)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A private PostgreSQL server on a Unix socket, for this test run: its URL without a database name."""
    bin_dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bin_dirs:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it: apt-get install postgresql)")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="revise-postgres-"))
    folder.chmod(0o777)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = folder / "data"
    subprocess.run([*as_postgres, str(bin_dirs[-1] / "initdb"), "-D", str(data), "-A", "trust", "-U", "revise"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bin_dirs[-1] / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"),
                    "-o", f"-k {folder} -p {port} -c listen_addresses=''", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://revise@/{{database}}?host={folder}&port={port}"
    finally:
        subprocess.run([*as_postgres, str(bin_dirs[-1] / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh remote: a SQLite file in a 'shared folder', or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared' / 'remote.db'}"
    server = request.getfixturevalue("postgres_server")
    name = f"remote_{uuid.uuid4().hex[:8]}"
    engine = open_remote(server.format(database="postgres"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return server.format(database=name)


@pytest.fixture
def devices(tmp_path: Path, cards_dir: Path) -> Iterator[tuple[Collection, Collection]]:
    """Two devices: two databases of the same cards (the files travel in git)."""
    (tmp_path / "shared").mkdir()
    laptop, desktop = (Collection(tmp_path / f"{name}.db", cards_dir) for name in ("laptop", "desktop"))
    for device in (laptop, desktop):
        device.sync()
    yield laptop, desktop
    laptop.close()
    desktop.close()


def state(device: Collection) -> tuple[list, list]:
    """A device's schedules and its log (events by id, with the schedules before and after each)."""
    with device._transaction() as session:
        schedules = [(row.card_id, row.state, row.due, row.stability, row.difficulty, row.reps, row.lapses)
                     for row in session.scalars(select(CardSchedule).order_by(CardSchedule.card_id))]
        log = [(row.event_id, row.card_id, row.reviewed_at, row.rating, row.kind, row.state_before, row.state_after)
               for row in session.scalars(select(ReviewLog).order_by(ReviewLog.event_id))]
    return schedules, log


def rate(device: Collection, card_id: str, rating: int, minutes: int) -> int:
    """Rates a card on a device, `minutes` after the start, 8 seconds after it was shown; returns the log entry's id."""
    shown = START + timedelta(minutes=minutes)
    return device.rate(device.card(card_id, shown), rating, 8000, shown + timedelta(seconds=8))


def test_two_devices_reviewing_apart_end_with_the_same_schedules_and_logs(remote: str, devices, db_path: Path,
                                                                         cards_dir: Path) -> None:
    laptop, desktop = devices
    rate(laptop, "gd-update", GOOD, 0)
    rate(desktop, "gd-update", AGAIN, 2)  # the same card on both, interleaved
    rate(laptop, "momentum", EASY, 3)
    rate(desktop, "adam-bias", HARD, 4)
    assert laptop.sync_remote(remote).sent == 2
    report = desktop.sync_remote(remote)
    assert (report.sent, report.received) == (2, 2)
    rate(laptop, "gd-update", GOOD, 20)
    # A review shown 4 s before ten whole days since the last and rated 8 s later: FSRS counts the days elapsed
    # at the rating, so the interval shown (9 days elapsed) is not what a replay (10 days) gives; the laptop must
    # replay the cards it sent, as the desktop does, for both to agree.
    shown = START + timedelta(minutes=3, seconds=8, days=10) - timedelta(seconds=4)
    laptop.rate(laptop.card("momentum", shown), GOOD, 8000, shown + timedelta(seconds=8))
    desktop.reset(["adam-bias"], START + timedelta(minutes=25))
    laptop.sync_remote(remote)
    desktop.sync_remote(remote)
    laptop.sync_remote(remote)
    assert state(laptop) == state(desktop)
    schedules, log = state(laptop)
    assert len(log) == 7 and {entry[1] for entry in log} == {"gd-update", "momentum", "adam-bias"}
    assert dict((row[0], row[1]) for row in schedules)["adam-bias"] == "new", "the desktop's reset reached the laptop"
    again = laptop.sync_remote(remote)
    assert (again.sent, again.received, again.rescheduled) == (0, 0, 0), "a repeated sync changes nothing"

    fresh = Collection(db_path, cards_dir)  # a third device: the merged log replayed from scratch
    try:
        fresh.sync()
        assert fresh.sync_remote(remote).received == 7
        assert state(fresh) == state(laptop)
    finally:
        fresh.close()


def test_an_undo_after_a_sync_takes_the_rating_back_on_every_device(remote: str, devices) -> None:
    laptop, desktop = devices
    log_id = rate(laptop, "gd-update", EASY, 0)
    laptop.sync_remote(remote)
    desktop.sync_remote(remote)
    assert state(desktop)[1], "the desktop has the rating"
    laptop.undo(log_id, START + timedelta(minutes=1))
    assert laptop.sync_remote(remote).sent == 0
    assert desktop.sync_remote(remote).undone == 1
    assert state(desktop) == state(laptop) and state(desktop)[1] == []
    assert dict((row[0], row[1]) for row in state(desktop)[0])["gd-update"] == "new"
    assert laptop.sync_remote(remote).received == 0, "the undone rating never comes back"


def test_a_sync_cut_off_after_writing_the_remote_is_completed_by_the_next(remote: str, devices) -> None:
    laptop, desktop = devices
    rate(laptop, "gd-update", GOOD, 0)
    rate(desktop, "momentum", GOOD, 1)
    laptop.sync_remote(remote)
    engine = open_remote(remote)
    with desktop._transaction() as session:
        exchange(engine, local_events(session))  # the remote is written, then the process is killed
    engine.dispose()
    report = desktop.sync_remote(remote)
    assert (report.sent, report.received) == (0, 1), "nothing is sent twice; what was missed arrives"
    laptop.sync_remote(remote)
    assert state(laptop) == state(desktop)


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "is not a database URL"),
    ("postgresql+psycopg://revise:secret@/nosuchdb?host=/nonexistent", "cannot sync with the remote"),
])
def test_a_remote_that_cannot_be_used_is_one_line(capsys, tmp_path: Path, cards_dir: Path, url: str,
                                                   message: str) -> None:
    code = main(["--db", str(tmp_path / "x.db"), "--cards", str(cards_dir), "sync", "--remote", url])
    err = capsys.readouterr().err
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err
    assert "secret" not in err, "a password is never printed"


async def test_the_app_syncs_with_the_remote_set_in_the_settings_when_it_starts_and_quits(tmp_path: Path, devices,
                                                                               cards_dir: Path) -> None:
    from revise.ui.app import ReviseApp
    from tests.screen import notifications, wait_for, wait_for_text

    laptop, desktop = devices
    remote = f"sqlite:///{tmp_path / 'shared' / 'remote.db'}"
    rate(desktop, "gd-update", EASY, 0)
    desktop.sync_remote(remote)
    settings = tmp_path / "revise.toml"
    settings.write_text(f'remote = "{remote}"\n', encoding="utf-8")
    app = ReviseApp(laptop.db_path, cards_dir, config_path=settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any("1 received" in note for note in notifications(pilot)), "the sync's line")
        await wait_for_text(pilot, "0 due   2 new   0 learning")  # the desktop's rating counted here
        await pilot.press("space")
        await wait_for_text(pilot, "Show answer")
        await pilot.press("space", "4")
        await wait_for_text(pilot, "1 new")
        await pilot.press("q")
        await wait_for_text(pilot, "0 due   1 new")
        await pilot.press("q")  # quitting sends the session's rating first
        await wait_for(pilot, lambda: app.return_code is not None, "the app to close")
    assert app.return_code == 0
    assert desktop.sync_remote(remote).received == 1, "the rating made in the app reached the other device"


def test_a_suspension_follows_the_card_to_every_device(remote: str, devices) -> None:
    laptop, desktop = devices
    laptop.set_suspended(["momentum"], True, START)
    laptop.sync_remote(remote)
    desktop.sync_remote(remote)
    assert desktop.card("momentum").suspended and desktop.counts(START).new == 2
    desktop.set_suspended(["momentum"], False, START + timedelta(minutes=5))
    laptop.set_suspended(["gd-update"], True, START + timedelta(minutes=6))
    desktop.sync_remote(remote)
    laptop.sync_remote(remote)
    desktop.sync_remote(remote)
    assert [(device.card("momentum").suspended, device.card("gd-update").suspended) for device in devices] == [
        (False, True), (False, True)], "the latest change wins, on both"


def test_two_devices_syncing_at_the_same_moment_take_turns_and_lose_nothing(remote: str, devices,
                                                                           cards_dir: Path) -> None:
    import sys

    laptop, desktop = devices
    for round_number in range(3):
        rate(laptop, "gd-update", GOOD, 60 * round_number)
        rate(desktop, "momentum", GOOD, 60 * round_number + 1)
        syncs = [subprocess.Popen([sys.executable, "-m", "revise", "--db", str(device.db_path), "--cards",
                                   str(cards_dir), "sync", "--remote", remote], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for device in devices]
        for sync in syncs:
            out, err = sync.communicate(timeout=120)
            assert sync.returncode == 0 and "remote:" in out, err
    for device in (laptop, desktop, laptop):  # each has now seen the other's last sync
        device.sync_remote(remote)
    assert state(laptop) == state(desktop)
    assert len(state(laptop)[1]) == 6, "every rating of both devices, once"


def test_devices_with_other_settings_replay_each_rating_under_its_own(remote: str, devices) -> None:
    from dataclasses import replace

    laptop, desktop = devices
    desktop.configure(replace(desktop.config, desired_retention=0.97, learning_steps=(timedelta(minutes=5),)))
    for minutes, device in ((0, laptop), (1, desktop)):
        rate(device, "gd-update", EASY, minutes)
        rate(device, "momentum", GOOD, minutes + 2)
    rate(laptop, "gd-update", GOOD, 4 * 24 * 60)  # a review: its interval depends on the desired retention
    rate(desktop, "gd-update", GOOD, 5 * 24 * 60)
    for device in (laptop, desktop, laptop):
        device.sync_remote(remote)
    assert state(laptop) == state(desktop), "the same events, the same schedules, whatever each device's settings"


def test_parameters_applied_on_one_device_reach_the_others(remote: str, devices) -> None:
    laptop, desktop = devices
    rate(laptop, "gd-update", EASY, 0)
    rate(desktop, "momentum", EASY, 1)
    fitted = tuple(round(value * 1.1, 4) if index in (0, 1, 2, 3) else value
                   for index, value in enumerate(laptop.config.parameters))
    assert laptop.apply_parameters(fitted) == 1
    laptop.sync_remote(remote)
    report = desktop.sync_remote(remote)
    assert report.parameters == fitted and "another device applied" in report.summary()
    assert desktop.config.parameters == fitted and desktop.setting("fsrs_parameters") == list(fitted)
    laptop.sync_remote(remote)
    assert state(laptop) == state(desktop), "both read the history before the application under its parameters"
