"""`a` writes a new card in $EDITOR from a template, in a real terminal with a real editor program: the card is
checked, synced and reviewed at once; problems are shown as file:line and `e` opens the editor there again; an
untouched template is taken back out. Also the writer's template, ids and line endings."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from revise.cards.parser import parse_card_file
from revise.cards.writer import fresh_id, take_back_if_untouched, write_draft
from tests.test_e2e_tmux import Tmux

# The learner, as an editor: fills the empty sections of the card at the line it is opened at, from fill.json
# (section name -> text; a list of such maps, one per run), and logs its arguments.
EDITOR = """\
import json, pathlib, sys
here = pathlib.Path(__file__).parent
line, path = int(sys.argv[1][1:]), pathlib.Path(sys.argv[2])
with (here / "editor-log").open("a") as log:
    log.write(f"{line} {path}\\n")
runs = json.loads((here / "fill.json").read_text())
fill = runs.pop(0) if runs else {}
(here / "fill.json").write_text(json.dumps(runs))
lines, number = path.read_text(encoding="utf-8").split("\\n"), line - 1
while number < len(lines):
    name = lines[number][4:].strip() if lines[number].startswith("### ") else None
    if name in fill:
        body = number + 1
        while body < len(lines) and not lines[body].startswith("#"):
            body += 1
        lines[number + 1:body] = [fill[name], ""]
    number += 1
path.write_text("\\n".join(lines), encoding="utf-8")
"""
QUESTION = {"Q": "What does $\\beta_1$ default to in Adam?", "问": "Adam 中 $\\beta_1$ 的默认值是多少?",
            "A": "0.9", "答": "0.9"}


@pytest.fixture
def editor(tmp_path: Path) -> Path:
    """The editor program: a script run by this Python, with its fill.json and log beside it."""
    script = tmp_path / "editor" / "fill.py"
    script.parent.mkdir()
    script.write_text(EDITOR, encoding="utf-8")
    return script


def _run(editor: Path, db_path: Path, cards_dir: Path, *runs: dict[str, str]) -> Tmux:
    """The app in tmux with the editor, which fills the sections given, one map per time it is opened."""
    (editor.parent / "fill.json").write_text(json.dumps(list(runs)), encoding="utf-8")
    settings = editor.parent / "revise.toml"  # named, as a tmux server started earlier keeps its first environment
    return Tmux(f"EDITOR='{sys.executable} {editor}' exec {sys.executable} -m revise --db {db_path} --cards {cards_dir} "
                f"--config {settings}")


pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")


def test_a_adds_a_question_card_to_the_deck_chosen_and_reviews_it_at_once(editor: Path, db_path: Path,
                                                                         cards_dir: Path) -> None:
    tmux = _run(editor, db_path, cards_dir, QUESTION)
    try:
        tmux.wait_for("3 new")
        tmux.keys("a")
        tmux.wait_for("New deck…")
        assert "Optimisation | 优化  optimisation.md" in tmux.screen()
        tmux.keys("Enter")
        tmux.wait_for("What does β₁ default to in Adam?")
        assert "Added optimisation-1: review it now." in tmux.screen()
        tmux.keys("Space")
        tmux.wait_for("3 Good")
        tmux.keys("3")
        tmux.wait_for("Write the gradient-descent update.")  # then the due cards, as ever
    finally:
        tmux.close()
    deck = cards_dir / "optimisation.md"
    assert (editor.parent / "editor-log").read_text().split() == ["53", str(deck.resolve())]
    added = parse_card_file(deck.read_text(encoding="utf-8"), str(deck), "optimisation").cards[-1]
    assert (added.id, added.line, added.front_zh) == ("optimisation-1", 53, "Adam 中 $\\beta_1$ 的默认值是多少?")


def test_problems_are_shown_at_their_line_and_e_opens_the_editor_there(editor: Path, db_path: Path,
                                                                      cards_dir: Path) -> None:
    half = {key: value for key, value in QUESTION.items() if key != "答"}
    tmux = _run(editor, db_path, cards_dir, half, {"答": "0.9"})
    try:
        tmux.wait_for("3 new")
        tmux.keys("a")
        tmux.wait_for("New deck…")
        tmux.keys("Enter")
        tmux.wait_for("has problems")
        shown = "".join(line.strip(" █▌▎▊") for line in tmux.screen().splitlines()).replace(" ", "")
        assert f"{cards_dir / 'optimisation.md'}:66:section`###答`isempty" in shown, tmux.screen()
        tmux.keys("e")
        tmux.wait_for("What does β₁ default to in Adam?")
    finally:
        tmux.close()
    assert [line.split()[0] for line in (editor.parent / "editor-log").read_text().splitlines()] == ["53", "66"]


def test_a_new_cloze_deck_and_an_untouched_template_that_is_taken_back(editor: Path, db_path: Path,
                                                                      cards_dir: Path) -> None:
    cloze = {"Cloze": "Adam's default $\\beta_2$ is {{c1::0.999}}.", "填空": "Adam 默认的 $\\beta_2$ 是 {{c1::0.999}}。"}
    before = (cards_dir / "optimisation.md").read_bytes()
    tmux = _run(editor, db_path, cards_dir, {}, cloze)
    try:
        tmux.wait_for("3 new")
        tmux.keys("a")
        tmux.wait_for("New deck…")
        tmux.keys("Enter")  # the editor changes nothing
        tmux.wait_for("Nothing added")
        assert (cards_dir / "optimisation.md").read_bytes() == before
        tmux.keys("a")
        tmux.wait_for("New deck…")
        tmux.keys("Down", "c")
        tmux.wait_for("New deck's title")
        tmux.keys("My notes | 我的笔记", "Enter")
        tmux.wait_for("Adam's default β₂ is […].")
        assert "cloze 1/1" in tmux.screen()
    finally:
        tmux.close()
    text = (cards_dir / "my-notes.md").read_text(encoding="utf-8")
    assert text.startswith("# My notes | 我的笔记\n\n## New card | 新卡片\nid: my-notes-1\n")


def test_the_template_keeps_the_files_line_endings_and_an_untouched_new_deck_goes_away(tmp_path: Path) -> None:
    deck = tmp_path / "deck.md"
    deck.write_bytes(b"# Deck | \xe5\x8d\xa1\xe7\xbb\x84\r\n\r\nA note.")
    draft = write_draft(deck, fresh_id("deck", {"deck-1"}), cloze=False)
    assert draft.card_id == "deck-2" and draft.line == 5
    written = deck.read_bytes()
    assert written.count(b"\r\n") == written.count(b"\n") and b"## New card | " in written
    assert take_back_if_untouched(draft) and deck.read_bytes() == b"# Deck | \xe5\x8d\xa1\xe7\xbb\x84\r\n\r\nA note."
    fresh = write_draft(tmp_path / "new.md", "new-1", cloze=True, new_deck_title="Just one title")
    assert fresh.path.read_text(encoding="utf-8").startswith("# Just one title | Just one title\n\n## New card")
    assert take_back_if_untouched(fresh) and not fresh.path.exists()
