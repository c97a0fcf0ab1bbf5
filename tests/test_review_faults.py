"""The review under faults, driven by Pilot: a rating the database cannot take is said, not lost, and can be
given again; a broken $EDITOR is one line; the review carries on either way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

import revise.collection
import revise.store.database
from revise.store.schema import ReviewLog
from revise.ui.app import ReviseApp
from tests.screen import notifications, wait_for, wait_for_text


def logged_ratings(app: ReviseApp) -> int:
    """How many ratings the database holds, read through the app's own collection."""
    with app.collection._transaction() as session:
        return session.scalar(select(func.count()).select_from(ReviewLog))


@pytest.fixture
def quick_give_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes a write give up on a held lock after a fraction of a second instead of about seven."""
    monkeypatch.setattr(revise.store.database, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(revise.collection, "WRITE_RETRY_PAUSES", (0.05,))


async def open_first_card(pilot) -> None:
    """Starts the review and waits for the first card."""
    await wait_for_text(pilot, "3 new")
    await pilot.press("space")
    await wait_for_text(pilot, "Write the gradient-descent update.")


async def test_a_rating_refused_by_a_held_lock_is_said_and_can_be_given_again(
        db_path: Path, cards_dir: Path, quick_give_up: None) -> None:
    app = ReviseApp(db_path, cards_dir, graphics="text")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first_card(pilot)
        await pilot.press("space")
        other_writer = sqlite3.connect(db_path, isolation_level=None)
        other_writer.execute("BEGIN IMMEDIATE")  # another revise holding the write lock
        try:
            await pilot.press("3")
            await wait_for(pilot, lambda: any("nothing was saved" in note for note in notifications(pilot)),
                           "the message that the rating was not saved")
            assert logged_ratings(app) == 0
            assert "Write the gradient-descent update." in pilot.app.screen.query_one("CardView").query_one(
                "#front").children[0].source, "the same card stays, answer shown, ready to rate again"
        finally:
            other_writer.execute("ROLLBACK")
            other_writer.close()
        await pilot.press("3")
        await wait_for_text(pilot, "Why does Adam correct")
        assert logged_ratings(app) == 1


@pytest.mark.parametrize("editor", ["/nonexistent/editor", 'vim "'])
async def test_a_broken_editor_is_one_line_and_the_review_carries_on(
        editor: str, db_path: Path, cards_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", editor)
    app = ReviseApp(db_path, cards_dir, graphics="text")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first_card(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: any("cannot run the editor" in note for note in notifications(pilot)),
                       "the editor's one-line error")
        assert app.is_running
        await pilot.press("space", "3")
        await wait_for_text(pilot, "Why does Adam correct")
