"""The card browser driven by Pilot: columns, filtering, sorting, suspend, reset, open, demo, language and back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from textual.geometry import Region
from textual.widgets import DataTable, Input

from revise.collection import Collection
from revise.store.schema import ReviewLog
from revise.ui.app import ReviseApp
from revise.ui.screens.browser import BrowserScreen
from revise.ui.screens.card import CardScreen
from revise.ui.screens.home import HomeScreen
from revise.ui.screens.stats import StatsScreen
from tests.screen import notifications, screen_text, wait_for, wait_for_text

SIZE = (120, 30)
NARROW = (100, 30)
HEADERS = ("Deck", "Title", "State", "Due", "Stability", "Lapses")
COURSE_ORDER = ["Gradient descent", "Adam bias correction", "Momentum"]


@contextmanager
def on_disk(db_path: Path, cards_dir: Path) -> Iterator[Collection]:
    """The collection as another process would open it, to set up reviews and to check what the app wrote."""
    collection = Collection(db_path, cards_dir)
    try:
        collection.sync()
        yield collection
    finally:
        collection.close()


def review(db_path: Path, cards_dir: Path, card_id: str, *ratings: int) -> None:
    """Rates a card before the app starts, as a learner's earlier sessions would have."""
    with on_disk(db_path, cards_dir) as collection:
        for rating in ratings:
            collection.rate(collection.card(card_id), rating, duration_ms=4000)


def rows(pilot) -> list[list[str]]:
    """The table's rows as the learner reads them, one list of cell texts per row."""
    table = pilot.app.screen.query_one(DataTable)
    return [[cell.plain for cell in table.get_row_at(index)] for index in range(table.row_count)]


def titles(pilot) -> list[str]:
    """The Title column, top to bottom."""
    return [row[1] for row in rows(pilot)]


def highlighted_card(pilot) -> str:
    """The id of the card under the table's cursor."""
    table = pilot.app.screen.query_one(DataTable)
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


async def wait_for_titles(pilot, expected: list[str]) -> None:
    """Waits until the table lists exactly these titles, in this order."""
    await wait_for(pilot, lambda: titles(pilot) == expected, f"the titles {expected}")


async def open_browser(pilot, query: str = "") -> BrowserScreen:
    """Opens the browser once the collection is open and waits for its first rows."""
    await wait_for(pilot, lambda: pilot.app.collection is not None, "the collection to open")
    browser = BrowserScreen(pilot.app.context, query)
    await pilot.app.push_screen(browser)
    await wait_for(pilot, lambda: rows(pilot), "the first rows")
    return browser


async def search_for(pilot, query: str) -> None:
    """Empties the search box and types a new query into it, key by key."""
    pilot.app.screen.query_one(Input).clear()
    await pilot.press(*query)


def study_state(db_path: Path, cards_dir: Path, card_id: str) -> tuple[str, list[int]]:
    """A card's state and the ratings in its review log, read from disk."""
    with on_disk(db_path, cards_dir) as collection:
        with collection._sessions() as session:
            ratings = list(session.scalars(select(ReviewLog.rating).where(ReviewLog.card_id == card_id)
                                           .order_by(ReviewLog.id)))
        return collection.card(card_id).schedule.state, ratings


async def test_lists_every_card_with_deck_title_state_due_stability_and_lapses(db_path: Path, cards_dir: Path) -> None:
    review(db_path, cards_dir, "gd-update", 3)
    review(db_path, cards_dir, "adam-bias", *[4, 1] * 8)
    with on_disk(db_path, cards_dir) as collection:
        stability = collection.card("gd-update").schedule.stability
        due = collection.card("gd-update").schedule.due
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        text = screen_text(pilot)
        assert "3 cards" in text
        for header in HEADERS:
            assert header in text, header
        gradient_descent, adam, momentum = rows(pilot)
        assert gradient_descent[:3] == ["optimisation", "Gradient descent", "learning"]
        # Due 10 minutes after the rating: "in 10 minutes" only if the app started within 30 s of it, so the row is
        # read as minutes to go (at most 10) and the clock time of that moment.
        minutes_to_go, clock = re.fullmatch(r"in (\d+) minutes? \((\d\d:\d\d)\)", gradient_descent[3]).groups()
        assert 1 <= int(minutes_to_go) <= 10 and clock == f"{due.astimezone():%H:%M}"
        assert gradient_descent[4:] == [f"{stability:.1f} d", "0"]
        assert momentum == ["optimisation", "Momentum", "new", "-", "-", "0"]
        assert adam[1:3] == ["Adam bias correction", "relearning · leech"] and adam[5] == "8"


LONG_DECK = """\
# Detection and segmentation | 检测与分割

## Non-maximum suppression and intersection over union | 非极大值抑制与交并比
id: nms-iou

### Q
q

### 问
问

### A
a

### 答
答
"""


def add_long_deck(cards_dir: Path) -> None:
    """A deck named like the course's longest (29 characters) holding a 51-character title, as long as the real ones."""
    (cards_dir / "06-detection-and-segmentation.md").write_text(LONG_DECK, encoding="utf-8")


def readable(pilot) -> bool:
    """Whether the screen shows the table's header with every column, and rows whose cells are not cut to the
    width of their column's header: whole deck names, titles and state words, stability and lapses."""
    lines = screen_text(pilot).splitlines()
    header = next((line for line in lines if "Title" in line), "")
    gradient_descent = next((line for line in lines if "Gradient descent" in line), "")
    adam = next((line for line in lines if "Adam bias correction" in line), "")
    return (all(word in header for word in HEADERS)
            and "optimisation" in gradient_descent and "new" in gradient_descent
            and "relearning · leech" in adam and " d " in adam and adam.rstrip().endswith("8")
            and any("06-detectio…" in line and "Non-maximum suppres" in line for line in lines))


async def test_the_first_listing_right_after_start_is_readable_in_100_columns(db_path: Path, cards_dir: Path) -> None:
    add_long_deck(cards_dir)
    review(db_path, cards_dir, "adam-bias", *[4, 1] * 8)  # the longest state, a due date and a stability
    async with ReviseApp(db_path, cards_dir).run_test(size=NARROW) as pilot:
        await wait_for(pilot, lambda: pilot.app.collection is not None, "the collection to open")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BrowserScreen), "the browser")
        await wait_for(pilot, lambda: readable(pilot), "every column, whole cells, within 100 columns")


async def test_the_first_listing_after_the_statistics_screen_is_readable(db_path: Path, cards_dir: Path) -> None:
    add_long_deck(cards_dir)
    review(db_path, cards_dir, "adam-bias", *[4, 1] * 8)
    async with ReviseApp(db_path, cards_dir).run_test(size=NARROW) as pilot:
        await wait_for(pilot, lambda: pilot.app.collection is not None, "the collection to open")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatsScreen), "the stats screen")
        await wait_for_text(pilot, "Streak:")
        await pilot.press("escape", "b")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BrowserScreen), "the browser")
        await wait_for(pilot, lambda: readable(pilot), "every column, whole cells, within 100 columns")


async def test_a_frame_painted_before_the_table_settles_does_not_stick(db_path: Path, cards_dir: Path) -> None:
    """The race behind cut columns, made certain: the table is painted the moment its rows are added, before it
    has had a turn to go idle (as a busy app's screen update can), and what it painted must not stay on screen."""
    add_long_deck(cards_dir)
    review(db_path, cards_dir, "adam-bias", *[4, 1] * 8)
    async with ReviseApp(db_path, cards_dir).run_test(size=NARROW) as pilot:
        await wait_for(pilot, lambda: pilot.app.collection is not None, "the collection to open")
        browser = BrowserScreen(pilot.app.context)
        fill = browser._show_rows

        def fill_then_paint() -> None:
            fill()
            table = browser.query_one(DataTable)
            table.render_lines(Region(0, 0, NARROW[0], NARROW[1]))

        browser._show_rows = fill_then_paint
        await pilot.app.push_screen(browser)
        await wait_for(pilot, lambda: readable(pilot), "every column, whole cells, within 100 columns")


async def test_a_narrow_table_cuts_the_deck_and_title_with_an_ellipsis_and_keeps_every_column(
        db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=(56, 30)) as pilot:
        await open_browser(pilot)
        await wait_for(pilot, lambda: "Lapses" in screen_text(pilot), "the Lapses column within 56 columns")
        text = screen_text(pilot)
        assert "Stability" in text and "opt…" in text and "Adam bias corr…" in text
        await pilot.resize_terminal(120, 30)
        await wait_for_text(pilot, "Adam bias correction")
        assert "optimisation" in screen_text(pilot), "a wider terminal gives the cells their room back"


async def test_footer_names_the_keys(db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=(160, 30)) as pilot:
        await open_browser(pilot)
        await pilot.press("down")
        keys = ("⏎ Open", "d Demo", "s Suspend", "r Reset", "1-6 Sort", "/ Edit search", "esc Back")
        await wait_for(pilot, lambda: all(key in screen_text(pilot).splitlines()[-1] for key in keys),
                       f"the footer to name {keys}")


async def test_typing_filters_in_english_chinese_and_by_filter(db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot, "has:demo")
        assert pilot.app.screen.query_one(Input).value == "has:demo"
        await wait_for_titles(pilot, ["Adam bias correction"])
        assert "1 card" in screen_text(pilot)
        for query, expected in [("momentum", ["Momentum"]), ("动量", ["Momentum"]),
                                ("tag:gradient-descent", ["Gradient descent"]),
                                ("-adam", ["Gradient descent", "Momentum"]), ("", COURSE_ORDER)]:
            await search_for(pilot, query)
            await wait_for_titles(pilot, expected)
        await search_for(pilot, "is:tomorrow")
        await wait_for_text(pilot, "No card matches.")
        assert "`is:tomorrow` is not a filter" in screen_text(pilot)


async def test_sorting_by_a_column_reverses_and_returns_to_best_match(db_path: Path, cards_dir: Path) -> None:
    review(db_path, cards_dir, "adam-bias", 4, 1)
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await pilot.press("down", "2")
        await wait_for_titles(pilot, ["Adam bias correction", "Gradient descent", "Momentum"])
        assert "Title ▲" in screen_text(pilot)
        await pilot.press("2")
        await wait_for_titles(pilot, ["Momentum", "Gradient descent", "Adam bias correction"])
        assert "Title ▼" in screen_text(pilot)
        await pilot.press("2")
        await wait_for_titles(pilot, COURSE_ORDER)
        assert "▲" not in screen_text(pilot) and "▼" not in screen_text(pilot)

        header = next(line for line in screen_text(pilot).splitlines() if "Lapses" in line)
        await pilot.click("#browser-table", offset=(header.index("Lapses"), 0))
        await wait_for_titles(pilot, ["Gradient descent", "Momentum", "Adam bias correction"])
        assert "Lapses ▲" in screen_text(pilot)
        await pilot.click("#browser-table", offset=(header.index("Lapses"), 0))
        await wait_for_titles(pilot, ["Adam bias correction", "Gradient descent", "Momentum"])
        assert "Lapses ▼" in screen_text(pilot)

        await pilot.press("slash", *"-momentum")
        await wait_for_titles(pilot, ["Adam bias correction", "Gradient descent"])
        assert "Lapses ▼" in screen_text(pilot), "a new search keeps the order"


async def test_sorting_covers_every_match_not_only_the_rows_shown(db_path: Path, cards_dir: Path) -> None:
    many = "".join(f"## Item {519 - number:03d} | 条目 {number}\nid: item-{number}\n\n### Q\nq\n\n### 问\n问\n\n"
                   f"### A\na\n\n### 答\n答\n\n" for number in range(520))
    (cards_dir / "zz-items.md").write_text(f"# Items | 条目\n\n{many}", encoding="utf-8")
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await wait_for_text(pilot, "523 cards · showing the first 500 — narrow the search")
        assert len(rows(pilot)) == 500 and "Item 000" not in titles(pilot)
        await pilot.press("down", "2")
        await wait_for(pilot, lambda: titles(pilot)[:3] == ["Adam bias correction", "Gradient descent", "Item 000"],
                       "every match sorted by title")


async def test_s_suspends_and_s_again_unsuspends(db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await pilot.press("down", "s")
        await wait_for(pilot, lambda: rows(pilot)[0][2] == "new · suspended", "the row to show the suspension")
        assert "Suspended “Gradient descent”" in notifications(pilot)
        assert highlighted_card(pilot) == "gd-update", "the cursor stays on the card"
        with on_disk(db_path, cards_dir) as collection:
            assert [hit.card_id for hit in collection.search("is:suspended").hits] == ["gd-update"]
            assert collection.next_card().text.id == "adam-bias", "review skips the suspended card"

        await pilot.press("s")
        await wait_for(pilot, lambda: rows(pilot)[0][2] == "new", "the row to show it back in study")
        assert "Unsuspended “Gradient descent”" in notifications(pilot)
        with on_disk(db_path, cards_dir) as collection:
            assert collection.search("is:suspended").hits == []
            assert collection.next_card().text.id == "gd-update"


async def test_r_then_n_leaves_the_card_as_it_was(db_path: Path, cards_dir: Path) -> None:
    review(db_path, cards_dir, "gd-update", 3)
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await pilot.press("down", "r")
        await wait_for_text(pilot, "Reset “Gradient descent”? Its review history is kept.")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BrowserScreen), "the question to close")
        assert rows(pilot)[0][2] == "learning"
        assert study_state(db_path, cards_dir, "gd-update") == ("learning", [3])


async def test_r_on_a_new_card_says_there_is_nothing_to_reset(db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await pilot.press("down", "r")
        await wait_for(pilot, lambda: "“Gradient descent” is new already." in notifications(pilot), "the notice")
        assert isinstance(pilot.app.screen, BrowserScreen)
        assert study_state(db_path, cards_dir, "gd-update") == ("new", [])


async def test_r_then_y_makes_a_reviewed_card_new_and_keeps_its_history(db_path: Path, cards_dir: Path) -> None:
    review(db_path, cards_dir, "gd-update", 3)
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await pilot.press("down", "r")
        await wait_for_text(pilot, "Reset “Gradient descent”?")
        await pilot.press("y")
        await wait_for(pilot, lambda: rows(pilot)[0][2:5] == ["new", "-", "-"], "the row to show a new card")
        assert "Reset “Gradient descent”: it is new again" in notifications(pilot)
        assert study_state(db_path, cards_dir, "gd-update") == ("new", [3, 0]), "the reset is logged after the review"


async def test_enter_opens_the_card_and_escape_comes_back_to_fresh_rows(db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await pilot.press("down", "down", "down", "enter")
        await wait_for_text(pilot, "What does momentum average?")
        assert isinstance(pilot.app.screen, CardScreen) and pilot.app.screen.card_id == "momentum"

        with on_disk(db_path, cards_dir) as collection:
            collection.set_suspended(["momentum"], True)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BrowserScreen), "the browser again")
        await wait_for(pilot, lambda: rows(pilot)[2][2] == "new · suspended", "the rows read again on return")
        assert highlighted_card(pilot) == "momentum"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HomeScreen), "the home screen")


async def test_d_opens_the_card_with_its_demo_or_says_it_has_none(db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await pilot.press("down", "d")
        await wait_for(pilot, lambda: "This card has no demo." in notifications(pilot), "the no-demo notice")
        assert isinstance(pilot.app.screen, BrowserScreen)
        await pilot.press("down", "d")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CardScreen), "the card screen")
        assert (pilot.app.screen.card_id, pilot.app.screen.open_demo) == ("adam-bias", True)


async def test_titles_follow_the_app_language(db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_browser(pilot)
        await pilot.press("down", "l")
        await wait_for_titles(pilot, ["梯度下降", "Adam 偏差修正", "动量"])
        await pilot.press("l")
        await wait_for(pilot, lambda: titles(pilot)[0] == "Gradient descent · 梯度下降", "both languages")
        await wait_for_text(pilot, "Adam bias correction · Adam 偏差修正")
