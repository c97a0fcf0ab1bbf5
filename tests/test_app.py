"""The app driven by Pilot: home counts, reveal, rate with intervals, undo, language, and back home."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from revise.collection import Collection
from revise.store.schema import ReviewLog
from revise.ui.app import ReviseApp
from revise.ui.screens.review import ReviewScreen
from tests.screen import notifications, screen_text, wait_for, wait_for_text

SIZE = (100, 30)


def logged_ratings(db_path: Path, cards_dir: Path) -> list[tuple[str, int]]:
    """The review log as another process would read it from disk."""
    collection = Collection(db_path, cards_dir)
    try:
        with collection._sessions() as session:
            return list(session.execute(select(ReviewLog.card_id, ReviewLog.rating).order_by(ReviewLog.id)))
    finally:
        collection.close()


async def start_review(pilot) -> None:
    await wait_for_text(pilot, "3 new")
    await pilot.press("space")
    await wait_for_text(pilot, "Write the gradient-descent update.")


async def test_home_shows_todays_counts(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "0 due   3 new   0 learning")
        assert "3 cards, 0 reviewed today" in screen_text(pilot)


async def test_reveal_rate_and_undo(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(pilot)
        assert "Step against the gradient." not in screen_text(pilot), "the answer stays hidden until Space"
        await pilot.press("3")
        assert logged_ratings(db_path, cards_dir) == [], "rating before the answer shows does nothing"

        await pilot.press("space")
        await wait_for_text(pilot, "θ ← θ - α ∇_θ J(θ)")
        text = screen_text(pilot)
        for label in ("1 Again  1m", "3 Good  10m"):
            assert label in text

        await pilot.press("3")
        await wait_for_text(pilot, "Why does Adam correct mₜ and vₜ?")
        assert logged_ratings(db_path, cards_dir) == [("gd-update", 3)], "the rating is on disk"
        assert "2 new · 1 learning · 0 due" in screen_text(pilot)

        await pilot.press("u")
        await wait_for_text(pilot, "Write the gradient-descent update.")
        assert logged_ratings(db_path, cards_dir) == []
        await wait_for_text(pilot, "3 new · 0 learning · 0 due")


async def test_undo_goes_several_steps_deep(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(pilot)
        for expected_next in ("Why does Adam correct", "What does momentum average?"):
            await pilot.press("space", "4")
            await wait_for_text(pilot, expected_next)
        assert len(logged_ratings(db_path, cards_dir)) == 2
        await pilot.press("u")
        await wait_for_text(pilot, "Why does Adam correct")
        await pilot.press("u")
        await wait_for_text(pilot, "Write the gradient-descent update.")
        assert logged_ratings(db_path, cards_dir) == []


async def test_language_switches_between_english_chinese_and_both(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(pilot)
        await pilot.press("l")
        await wait_for_text(pilot, "写出梯度下降的更新式。")
        assert "Write the gradient-descent update." not in screen_text(pilot)
        assert "梯度下降" in screen_text(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: "Write the gradient" in screen_text(pilot) and "写出梯度" in screen_text(pilot),
                       "both languages")
        await pilot.press("l")
        await wait_for(pilot, lambda: "写出梯度" not in screen_text(pilot), "English only")
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "3 new")
        await wait_for(pilot, lambda: pilot.app.language == "en", "the saved language")


async def test_nothing_due_says_when_the_next_card_comes(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(pilot)
        for _ in range(3):
            await pilot.press("space", "4")
            await wait_for(pilot, lambda: not pilot.app.screen.busy, "the rating to land")
        await wait_for_text(pilot, "nothing more is due now")
        assert "The next card is due" in screen_text(pilot)
        await pilot.press("q")
        await wait_for_text(pilot, "All done for now. The next card is due")
        assert "3 reviewed today" in screen_text(pilot)


async def test_d_on_a_card_without_a_demo_says_so(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await start_review(pilot)
        assert "▶ demo" not in screen_text(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: "This card has no demo." in notifications(pilot), "the no-demo notice")


async def test_problems_in_card_files_show_on_home(db_path: Path, cards_dir: Path) -> None:
    (cards_dir / "broken.md").write_text("# Broken | 坏\n\n## No id | 无\ntags: [/b]\n### Q\nq\n", encoding="utf-8")
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_for_text(pilot, "3 new")
        text = screen_text(pilot)
        assert "problems in the card files" in text and "broken.md:3: card has no `id:` line" in text
        assert "bad tag `[/b]`" in text, "a problem quoting the file is shown as written, not read as markup"


async def test_footer_shows_every_binding(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=(160, 30)) as pilot:
        await start_review(pilot)
        await pilot.press("space")
        keys = ("Again", "Hard", "Good", "Easy", "Undo", "Edit", "Demo", "Back", "Search", "Language")
        await wait_for(pilot, lambda: all(key in screen_text(pilot).splitlines()[-1] for key in keys),
                       f"the footer to name {keys}")
        assert isinstance(pilot.app.screen, ReviewScreen)


async def test_a_title_with_brackets_is_shown_as_written(db_path: Path, cards_dir: Path) -> None:
    (cards_dir / "a-brackets.md").write_text(
        "# Brackets | 括号\n\n## Expectation E[X] [/x] | 期望 E[X]\nid: brackets\n\n"
        "### Q\nq\n\n### 问\n问\n\n### A\na\n\n### 答\n答\n", encoding="utf-8")
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "4 new")
        await pilot.press("space")
        await wait_for_text(pilot, "Expectation E[X] [/x]")


async def test_all_four_ratings_stay_on_screen_in_a_40_by_10_terminal(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=(40, 10)) as pilot:
        await wait_for_text(pilot, "3 new")
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewScreen) and pilot.app.screen.card is not None,
                       "the first card")
        await pilot.press("space")
        await wait_for_text(pilot, "4 Easy")
        shown = screen_text(pilot)
        assert all(label in shown for label in ("Again", "2 Hard", "3 Good", "4 Easy"))
