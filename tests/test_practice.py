"""Practice from the home screen, driven by Pilot: drills with fresh numbers, a running score, answers kept,
and no schedule touched."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from textual.widgets import Input, Select

from revise.ui.app import ReviseApp
from revise.ui.widgets.drill_form import DrillForm
from tests.screen import screen_text, wait_for, wait_for_text
from tests.test_drill_review import drill_cards  # noqa: F401 - the fixture


def rows(db_path: Path, sql: str) -> list[tuple]:
    """Rows read straight from the database file."""
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        found = list(conn.execute(text(sql)))
    engine.dispose()
    return found


async def test_p_practises_drills_with_a_running_score_and_leaves_the_schedule_alone(db_path: Path,
                                                                                       drill_cards: Path) -> None:
    app = ReviseApp(db_path, drill_cards, graphics="text")
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_text(pilot, "1 new")
        await pilot.press("p")
        await wait_for(pilot, lambda: pilot.app.screen.query(DrillForm) and pilot.app.screen.query(Input),
                       "the first practice problem", timeout=120)
        form = pilot.app.screen.query_one(DrillForm)
        await wait_for(pilot, lambda: form.instance is not None, "the drawn problem")
        side, _, filters = form.instance.worked.answers["shape"]
        first_question = form.instance.question_en
        await pilot.press(*f"{side}x{side}x{filters}", "enter")
        await wait_for_text(pilot, "Score: 1 of 1 right")
        await pilot.press("enter")
        await wait_for(pilot, lambda: pilot.app.screen.query_one(DrillForm) is not form, "the next problem")
        second = pilot.app.screen.query_one(DrillForm)
        await wait_for(pilot, lambda: second.instance is not None, "the next drawn problem")
        assert second.instance.question_en != first_question, "each problem has fresh numbers"
        await pilot.press("1", "x", "1", "enter")
        await wait_for_text(pilot, "Score: 1 of 2 right")
        await pilot.press("q")
        await wait_for_text(pilot, "1 new")
    kept = rows(db_path, "SELECT card_id, review_log_id, all_right FROM drill_answers ORDER BY id")
    assert kept == [("conv-output", None, 1), ("conv-output", None, 0)]
    assert rows(db_path, "SELECT count(*) FROM review_log") == [(0,)]
    assert rows(db_path, "SELECT state, reps FROM card_schedules") == [("new", 0)]


async def test_practising_recent_agains_with_none_says_so(db_path: Path, drill_cards: Path) -> None:
    app = ReviseApp(db_path, drill_cards, graphics="text")
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_text(pilot, "1 new")
        await pilot.press("p")
        await wait_for(pilot, lambda: pilot.app.screen.query(DrillForm), "the first practice problem", timeout=120)
        pilot.app.screen.query_one("#practice-scope", Select).value = "again"
        await wait_for_text(pilot, "No card with a drill was rated Again in the last 7 days.")
        assert "Score" not in screen_text(pilot)
