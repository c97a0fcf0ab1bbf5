"""End to end in a real terminal: a rating survives SIGKILL, `e` edits a card, Ctrl+F searches in Chinese."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (.ci/run installs it; apt-get install tmux)")


class Tmux:
    """One detached tmux session running a command at 100x30."""

    def __init__(self, command: str) -> None:
        self.name = f"revise-test-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "COLORTERM": "truecolor", "TERM": "xterm-256color"}
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "100", "-y", "30", command],
                       check=True, env=env)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True).stdout

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {text!r}; the screen shows:\n{self.screen()}")
            time.sleep(0.1)

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def pane_pid(self) -> int:
        return int(subprocess.run(["tmux", "display-message", "-p", "-t", self.name, "#{pane_pid}"],
                                  capture_output=True, text=True, check=True).stdout)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def open_first_card(tmux: Tmux) -> None:
    """From the home screen, starts the review and waits for the first card's question."""
    tmux.wait_for("3 new")
    tmux.keys("Space")
    tmux.wait_for("Write the gradient-descent update.")


def reveal_first_card(tmux: Tmux) -> None:
    """Opens the first card and shows its answer, with the rating buttons."""
    open_first_card(tmux)
    tmux.keys("Space")
    tmux.wait_for("3 Good")


def test_a_rating_survives_sigkill(db_path: Path, cards_dir: Path) -> None:
    revise = f"{sys.executable} -m revise --db {db_path} --cards {cards_dir}"
    tmux = Tmux(f"exec {revise}")
    try:
        reveal_first_card(tmux)
        tmux.keys("3")
        tmux.wait_for("Why does Adam correct")
        os.kill(tmux.pane_pid(), signal.SIGKILL)
    finally:
        tmux.close()
    result = subprocess.run([*revise.split(), "stats", "--json"], capture_output=True, text=True, timeout=60)
    stats = json.loads(result.stdout)
    assert stats["reviews_today"] == 1 and stats["learning"] == 1 and stats["new"] == 2


def test_e_edits_the_card_in_editor_and_shows_it_resynced(tmp_path: Path, db_path: Path, cards_dir: Path) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\necho "$@" > "$(dirname "$0")/editor-args"\n'
                      'sed -i "s/Write the gradient-descent update./Edited in the editor./" "$2"\n')
    editor.chmod(0o755)
    revise = f"{sys.executable} -m revise --db {db_path} --cards {cards_dir}"
    tmux = Tmux(f"EDITOR={editor} exec {revise}")
    try:
        open_first_card(tmux)
        tmux.keys("e")
        tmux.wait_for("Edited in the editor.")
        assert (tmp_path / "editor-args").read_text().split() == ["+3", str(cards_dir / "optimisation.md")]
        assert "gradient-descent" in tmux.screen() or "Gradient descent" in tmux.screen()
        tmux.keys("q")
        tmux.wait_for("3 new")
    finally:
        tmux.close()


def test_ctrl_f_in_a_real_terminal_finds_chinese_and_returns_to_the_review(db_path: Path, cards_dir: Path) -> None:
    tmux = Tmux(f"exec {sys.executable} -m revise --db {db_path} --cards {cards_dir}")
    try:
        open_first_card(tmux)
        tmux.keys("C-f")
        tmux.wait_for("Search every concept")
        tmux.keys("动量")
        tmux.wait_for("1 card")
        tmux.wait_for("Momentum  动量")
        tmux.keys("Enter")
        tmux.wait_for("The recent gradients, exponentially weighted.")
        tmux.keys("Escape")
        tmux.wait_for("1 card")
        tmux.keys("Escape")
        tmux.wait_for("Write the gradient-descent update.")
    finally:
        tmux.close()


def test_a_rating_under_another_writers_lock_is_said_then_given_again(db_path: Path, cards_dir: Path) -> None:
    """A second program holds the write lock (as a long sync in another terminal would): the rating is refused
    with a line on screen, nothing is written, and the same key works once the lock is gone."""
    revise = f"{sys.executable} -m revise --db {db_path} --cards {cards_dir}"
    tmux = Tmux(f"exec {revise}")
    try:
        reveal_first_card(tmux)
        other_writer = sqlite3.connect(db_path, isolation_level=None)
        other_writer.execute("BEGIN IMMEDIATE")
        try:
            tmux.keys("3")
            tmux.wait_for("nothing was saved", timeout=60)
            assert "Write the gradient-descent update." in tmux.screen(), "the card stays, to be rated again"
        finally:
            other_writer.execute("ROLLBACK")
            other_writer.close()
        tmux.keys("3")
        tmux.wait_for("Why does Adam correct")
    finally:
        tmux.close()
    result = subprocess.run([*revise.split(), "stats", "--json"], capture_output=True, text=True, timeout=60)
    assert json.loads(result.stdout)["reviews_today"] == 1, "one rating, the one given after the lock went"


def test_a_drill_is_answered_in_a_real_terminal_and_kept_with_its_rating(db_path: Path, tmp_path: Path) -> None:
    from tests.test_drill_review import DRILL_DECK, first_problem

    folder = tmp_path / "drill-cards"
    folder.mkdir()
    (folder / "01-conv.md").write_text(DRILL_DECK, encoding="utf-8")
    _, side, filters = first_problem()
    tmux = Tmux(f"exec {sys.executable} -m revise --db {db_path} --cards {folder}")
    try:
        tmux.wait_for("1 new")
        tmux.keys("Space")
        tmux.wait_for("What is the output shape?", timeout=120)
        tmux.wait_for("a shape, e.g. 28x28x6")
        tmux.keys(f"{side}×{side}×{filters}", "Enter")
        tmux.wait_for("Right!")
        tmux.wait_for("Worked solution")
        tmux.keys("Enter")
        deadline = time.monotonic() + 30
        while True:
            with sqlite3.connect(db_path) as conn:
                kept = conn.execute("SELECT r.rating, d.all_right FROM drill_answers d "
                                    "JOIN review_log r ON r.id = d.review_log_id").fetchall()
            if kept or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        tmux.close()
    assert kept == [(3, 1)], "Enter took the pre-selected Good, and the right answer is kept with it"
