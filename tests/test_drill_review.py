"""Answering a drill in the review, driven by Pilot: fresh numbers under the question, each answer marked, the
worked solution, the rating Enter takes, and the instance kept with the rating."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from textual.widgets import Input

from revise.demo_engine.drill import DrillInstance, drill_seed
from revise.demo_engine.registry import load_drill
from revise.ui.app import ReviseApp
from revise.ui.widgets.drill_form import DrillForm
from tests.screen import screen_text, wait_for, wait_for_text

DRILL_DECK = """\
# Convolutions | 卷积

## Conv output size | 卷积输出尺寸
id: conv-output
drill: conv_size.output_shape

### Q
How do you size a conv layer's output?

### 问
如何计算卷积层的输出尺寸?

### A
$n_{out} = \\lfloor (n + 2p - f)/s \\rfloor + 1$

### 答
$n_{out} = \\lfloor (n + 2p - f)/s \\rfloor + 1$
"""


@pytest.fixture
def drill_cards(tmp_path: Path) -> Path:
    folder = tmp_path / "drill-cards"
    folder.mkdir()
    (folder / "01-conv.md").write_text(DRILL_DECK, encoding="utf-8")
    return folder


def stored(db_path: Path) -> tuple[list[tuple], list[tuple]]:
    """The review log's ratings and the drill answers kept, read from the file."""
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        ratings = list(conn.execute(text("SELECT id, card_id, rating FROM review_log")))
        answers = list(conn.execute(text("SELECT card_id, review_log_id, drill, all_right, record FROM drill_answers")))
    engine.dispose()
    return ratings, answers


async def drill_field(pilot) -> Input:
    """Waits for the drill's answer field to show, and returns it."""
    await wait_for(pilot, lambda: pilot.app.screen.query(DrillForm) and pilot.app.screen.query(Input),
                   "the drill's answer field", timeout=120)
    return pilot.app.screen.query_one(Input)


def first_problem() -> tuple[DrillInstance, int, int]:
    """The conv-output card's problem before its first rating: the instance, its output side and filters."""
    instance = load_drill("conv_size.output_shape").instance(drill_seed("conv-output", 0))
    side, _, filters = instance.worked.answers["shape"]
    return instance, side, filters


async def start_review(pilot) -> None:
    """From the home screen of the one-card deck, starts the review."""
    await wait_for_text(pilot, "1 new")
    await pilot.press("space")


async def answer_drill(pilot, typed: str) -> None:
    """Waits for the drill's field, types an answer and presses Enter."""
    await drill_field(pilot)
    await pilot.press(*typed, "enter")


async def test_a_right_answer_is_marked_explained_and_enter_rates_good(db_path: Path, drill_cards: Path) -> None:
    instance, side, filters = first_problem()
    app = ReviseApp(db_path, drill_cards, graphics="text")
    async with app.run_test(size=(100, 40)) as pilot:
        await start_review(pilot)
        await wait_for_text(pilot, instance.question_en[:40])
        await answer_drill(pilot, f"{side}x{side}x{filters}")
        await wait_for_text(pilot, "Right!")
        shown = screen_text(pilot)
        assert "Worked solution" in shown and "n_out = ⌊(n + 2p − f) / s⌋ + 1" in shown
        assert "3 Good" in shown and "⏎" in shown.split("3 Good", 1)[1].split("\n", 1)[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: stored(db_path)[0], "the rating on disk")
        await wait_for_text(pilot, "1 learning")
        await wait_for(pilot, lambda: pilot.app.screen.query(Input), "the card's next drill")
        assert instance.question_en not in screen_text(pilot), "the next review brings fresh numbers"
    ratings, answers = stored(db_path)
    assert [rating for _, _, rating in ratings] == [3]
    (card_id, log_id, drill, all_right, record), = answers
    assert (card_id, log_id, drill, all_right) == ("conv-output", ratings[0][0], "conv_size.output_shape", 1)
    assert f'"typed": {{"shape": "{side}x{side}x{filters}"}}' in record and str(instance.seed) in record


async def test_a_wrong_answer_shows_the_right_one_and_enter_rates_again(db_path: Path, drill_cards: Path) -> None:
    instance, side, filters = first_problem()
    app = ReviseApp(db_path, drill_cards, graphics="text")
    async with app.run_test(size=(100, 40)) as pilot:
        await start_review(pilot)
        await answer_drill(pilot, f"{side + 1}x{side + 1}x{filters}")
        await wait_for_text(pilot, "Not quite.")
        assert f"the answer is {side}x{side}x{filters}" in screen_text(pilot)
        assert "1 Again" in screen_text(pilot) and "⏎" in screen_text(pilot).split("1 Again", 1)[1].split("\n")[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: stored(db_path)[0], "the rating on disk")
    ratings, answers = stored(db_path)
    assert [rating for _, _, rating in ratings] == [1] and answers[0][3] == 0


async def test_space_reveals_without_answering_and_keys_type_into_the_field(db_path: Path,
                                                                           drill_cards: Path) -> None:
    app = ReviseApp(db_path, drill_cards, graphics="text")
    async with app.run_test(size=(100, 40)) as pilot:
        await start_review(pilot)
        field = await drill_field(pilot)
        await pilot.press("enter", "d", "u", "e", "q", "l")
        assert not pilot.app.screen.query("#drill-verdict").first().render().plain, "Enter on nothing waits"
        assert field.value == "dueql", "one-letter keys type letters while answering"
        await pilot.press("escape", "space")
        await wait_for_text(pilot, "Worked solution")
        await pilot.press("3")
        await wait_for(pilot, lambda: stored(db_path)[0], "the rating on disk")
    ratings, answers = stored(db_path)
    assert [rating for _, _, rating in ratings] == [3] and answers == [], "no answer given, none kept"


async def test_an_undo_brings_back_the_same_numbers_and_takes_the_answer_back(db_path: Path,
                                                                             drill_cards: Path) -> None:
    instance, side, filters = first_problem()
    app = ReviseApp(db_path, drill_cards, graphics="text")
    async with app.run_test(size=(100, 40)) as pilot:
        await start_review(pilot)
        await answer_drill(pilot, f"{side}x{side}x{filters}")
        await wait_for_text(pilot, "Right!")
        await pilot.press("enter")
        await wait_for(pilot, lambda: stored(db_path)[0], "the rating on disk")
        await wait_for(pilot, lambda: instance.question_en not in screen_text(pilot) and
                       pilot.app.screen.query(Input), "the next problem")
        pilot.app.screen.set_focus(None)
        await pilot.press("u")
        await wait_for(pilot, lambda: not stored(db_path)[0], "the undone rating gone from disk")
        await wait_for_text(pilot, instance.question_en[:40])
    assert stored(db_path) == ([], []), "the rating and its drill answer are both taken back"


async def test_the_drill_follows_the_language_key(db_path: Path, drill_cards: Path) -> None:
    instance, side, filters = first_problem()
    app = ReviseApp(db_path, drill_cards, graphics="text")
    async with app.run_test(size=(100, 40)) as pilot:
        await start_review(pilot)
        await answer_drill(pilot, "1x1x1")
        await wait_for_text(pilot, "Not quite.")
        pilot.app.screen.set_focus(None)
        while pilot.app.language != "zh":
            await pilot.press("l")
        await wait_for_text(pilot, "不太对。")
        shown = screen_text(pilot)
        assert instance.question_zh[:20] in shown and f"答案是 {side}x{side}x{filters}" in shown and "解答" in shown
