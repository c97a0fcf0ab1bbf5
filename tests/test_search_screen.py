"""Ctrl+F in the app: results as you type, a card to read with Enter, its demo, and Escape back to the review."""

from __future__ import annotations

from pathlib import Path

from revise.collection import Collection
from revise.ui.app import ReviseApp
from revise.ui.screens.card import CardScreen
from revise.ui.screens.review import ReviewScreen
from revise.ui.screens.search import SearchScreen
from revise.ui.widgets.demo_panel import DemoPanel
from tests.screen import screen_text, wait_for, wait_for_text

SIZE = (100, 30)


async def open_search(pilot) -> SearchScreen:
    """Waits for the collection, then presses Ctrl+F."""
    await wait_for(pilot, lambda: pilot.app.collection is not None, "the collection to open")
    await pilot.press("ctrl+f")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SearchScreen), "the search screen")
    return pilot.app.screen


async def type_query(pilot, query: str) -> None:
    """Types a query key by key, as a learner would, and waits for its results."""
    for char in query:
        await pilot.press(char)
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.shown_sequence == screen.sequence, f"results for {query!r}")


def result_titles(screen: SearchScreen) -> list[str]:
    return [hit.title_en.text for hit in screen.hits]


async def test_results_follow_each_keystroke_in_english_and_chinese(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, "adam")
        await wait_for_text(pilot, "1 card")
        assert result_titles(screen) == ["Adam bias correction"]

        for _ in "adam":
            await pilot.press("backspace")
        await type_query(pilot, "梯度")
        await wait_for_text(pilot, "2 cards")
        text = screen_text(pilot)
        assert result_titles(screen)[0] == "Gradient descent", "the card with 梯度 in its title comes first"
        assert "沿梯度反方向走一小步" in text or "梯度下降" in text


async def test_matches_are_highlighted_in_titles_and_snippets(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, "beta2")
        await wait_for_text(pilot, "1 card")
        [hit] = screen.hits
        marked = {hit.snippet.text[a:b] for a, b in hit.snippet.spans}
        assert marked == {"β₂"}, "the snippet marks the glyph the symbol name stands for"
        prompt = screen.query_one("#search-results").get_option_at_index(0).prompt
        styled = {prompt.plain[span.start:span.end] for span in prompt.spans if "underline" in str(span.style)}
        assert "β₂" in styled, "the glyph the symbol name stands for is highlighted on screen"


async def test_filters_and_bad_input_show_results_or_a_note_never_an_error(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, "has:demo")
        await wait_for_text(pilot, "1 card")
        assert result_titles(screen) == ["Adam bias correction"]
        for _ in "has:demo":
            await pilot.press("backspace")
        await type_query(pilot, 'is:bogus "unclosed ( NEAR -')
        await wait_for_text(pilot, "is not a filter")
        assert app.screen is screen and app.is_running
        for _ in 'is:bogus "unclosed ( NEAR -':
            await pilot.press("backspace")
        await type_query(pilot, "is:[/dim]")
        await wait_for_text(pilot, "`is:[/dim]` is not a filter")
        assert app.screen is screen and app.is_running, "a note quoting markup-like text is shown as typed"


async def test_enter_reads_the_card_without_changing_its_schedule_and_escape_returns(db_path: Path,
                                                                                    cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_search(pilot)
        await type_query(pilot, "momentum")
        await wait_for_text(pilot, "1 card")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen), "the card screen")
        await wait_for_text(pilot, "The recent gradients, exponentially weighted.")
        assert "What does momentum average?" in screen_text(pilot), "question and answer are both shown"

        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the results again")
        assert result_titles(screen) == ["Momentum"], "the results are as they were"
        await pilot.press("escape")
        await wait_for_text(pilot, "3 new")

    collection = Collection(db_path, cards_dir)
    try:
        assert collection.card("momentum").schedule.state == "new", "reading does not review"
        assert collection.counts().reviews_today == 0
    finally:
        collection.close()


async def test_d_on_a_card_from_search_runs_its_demo(db_path: Path, cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await open_search(pilot)
        await type_query(pilot, "bias correction")
        await wait_for_text(pilot, "1 card")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen), "the card screen")
        await wait_for_text(pilot, "demo: d")
        await pilot.press("d")
        await wait_for(pilot, lambda: bool(app.screen.query(DemoPanel)), "the demo panel")
        await wait_for_text(pilot, "ran in", timeout=60)


async def test_search_over_a_review_returns_to_the_same_card_with_the_answer_shown(db_path: Path,
                                                                                 cards_dir: Path) -> None:
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "3 new")
        await pilot.press("space")
        await wait_for_text(pilot, "Write the gradient-descent update.")
        await pilot.press("space")
        await wait_for_text(pilot, "Step against the gradient.")
        review = app.screen

        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), "the search screen")
        await type_query(pilot, "momentum")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen), "the card screen")
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), "Ctrl+F back on the results")
        await pilot.press("escape")

        await wait_for(pilot, lambda: app.screen is review, "the review")
        assert isinstance(review, ReviewScreen) and review.revealed
        text = screen_text(pilot)
        assert "Write the gradient-descent update." in text and "Step against the gradient." in text
        await pilot.press("3")
        await wait_for_text(pilot, "Why does Adam correct")
