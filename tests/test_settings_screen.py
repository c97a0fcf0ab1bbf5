"""The settings form driven by Pilot: a good save reaches the file and the running app; a bad one changes nothing."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from revise.collection import Collection
from revise.paths import default_config_path
from revise.settings import load_settings
from revise.ui.app import ReviseApp
from revise.ui.screens.home import HomeScreen
from revise.ui.screens.settings import SettingsScreen
from tests.screen import notifications, screen_text, wait_for, wait_for_text

SIZE = (100, 30)


async def open_settings(pilot) -> None:
    """Waits for the home counts, then opens the form with `o`."""
    await wait_for_text(pilot, "3 new")
    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen), "the settings form")
    await wait_for_text(pilot, "a whole number between 0 and 9999")


async def type_into(pilot, field_id: str, text: str) -> None:
    """Replaces a field's text the way a learner would: click it, clear it, type."""
    await pilot.click(f"#{field_id}")
    field = pilot.app.screen.query_one(f"#{field_id}", Input)
    await pilot.press("end", *["backspace"] * len(field.value), *text)


async def test_a_good_save_writes_the_file_and_the_home_counts_follow(db_path: Path, cards_dir: Path) -> None:
    config = default_config_path()
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        await type_into(pilot, "new_per_day", "2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HomeScreen), "the home screen")
        await wait_for_text(pilot, "0 due   2 new   0 learning")
        assert load_settings(config).settings.new_per_day == 2
        assert "new_per_day = 2" in config.read_text(encoding="utf-8")
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "0 due   2 new   0 learning")


async def test_saved_learning_steps_apply_to_the_next_card(db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        await type_into(pilot, "learning_steps", "2m 3h")
        await pilot.click("#save")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HomeScreen), "the home screen")
        await pilot.press("space")
        await wait_for_text(pilot, "Write the gradient-descent update.")
        await pilot.press("space")
        await wait_for_text(pilot, "1 Again  2m")
        assert "3 Good  3h" in screen_text(pilot)


async def test_a_bad_value_is_named_and_nothing_is_saved(db_path: Path, cards_dir: Path) -> None:
    config = default_config_path()
    config.write_text("# mine\nnew_per_day = 3\n", encoding="utf-8")
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        await type_into(pilot, "reviews_per_day", "50")
        await type_into(pilot, "new_per_day", "-4")
        await pilot.press("enter")
        await wait_for_text(pilot, "new_per_day must be a whole number between 0 and 9999 (got -4)")
        assert "Nothing was saved" in screen_text(pilot)
        assert isinstance(pilot.app.screen, SettingsScreen), "the form stays open to correct it"
        assert pilot.app.focused is pilot.app.screen.query_one("#new_per_day")
        assert config.read_text(encoding="utf-8") == "# mine\nnew_per_day = 3\n"
        assert pilot.app.settings.new_per_day == 3 and pilot.app.settings.reviews_per_day == 200
        assert pilot.app.collection.config.new_per_day == 3
        await pilot.press("escape")
        await wait_for_text(pilot, "0 due   3 new   0 learning")


async def test_escape_leaves_without_saving(db_path: Path, cards_dir: Path) -> None:
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        await type_into(pilot, "new_per_day", "1")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HomeScreen), "the home screen")
        await wait_for_text(pilot, "0 due   3 new   0 learning")
        assert not default_config_path().exists()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen), "the settings form")
        assert pilot.app.screen.query_one("#new_per_day", Input).value == "20"


async def test_settings_file_problems_are_shown_on_start(db_path: Path, cards_dir: Path) -> None:
    config = default_config_path()
    config.write_text("new_per_day = 1\ndesired_retention = 1.5\n", encoding="utf-8")
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "0 due   1 new   0 learning")
        warning = f"{config}:2: desired_retention must be between 0.70 and 0.99 (got 1.5); using 0.9"
        assert warning in notifications(pilot)


async def test_the_language_kept_in_the_database_carries_over_to_the_file(db_path: Path, cards_dir: Path) -> None:
    earlier = Collection(db_path, cards_dir)
    earlier.set_setting("language", "zh")
    earlier.close()
    config = default_config_path()
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "3 new")
        assert pilot.app.language == "zh", "the language chosen before settings moved to the file"
        assert not config.exists()
        await pilot.press("l")
        await wait_for(pilot, lambda: config.exists() and load_settings(config).settings.language == "both",
                       "the language saved in the settings file")
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: pilot.app.context is not None, "the collection to open")  # counts come earlier
        assert pilot.app.language == "both"


async def test_a_malformed_file_is_never_overwritten_by_a_save(db_path: Path, cards_dir: Path) -> None:
    config = default_config_path()
    config.write_text("# half-edited\nnew_per_day = = 1\n", encoding="utf-8")
    async with ReviseApp(db_path, cards_dir).run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any("not valid TOML" in text for text in notifications(pilot)), "the warning")
        await open_settings(pilot)
        await type_into(pilot, "new_per_day", "5")
        await pilot.press("enter")
        message = f"{config}:2: not valid TOML, so nothing was saved; fix the file first"
        await wait_for(pilot, lambda: message in " ".join(screen_text(pilot).split()), "the message, however wrapped")
        assert config.read_text(encoding="utf-8") == "# half-edited\nnew_per_day = = 1\n"
        assert pilot.app.settings.new_per_day == 20 and pilot.app.collection.config.new_per_day == 20
