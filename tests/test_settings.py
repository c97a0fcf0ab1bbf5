"""Settings: the TOML file round-trips, keeps the learner's comments, and every bad value is named with its range."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import timedelta
from pathlib import Path

import pytest

from revise.cli import main
from revise.collection import Collection
from revise.errors import ReviseError
from revise.scheduler.fsrs_scheduler import AGAIN, GOOD
from revise.settings import SETTINGS, SPECS, SettingError, Settings, load_settings, save_settings

CHANGED = Settings(desired_retention=0.85, new_per_day=7, reviews_per_day=50, learning_steps="30s 5m 1h",
                   relearning_steps="2m 1d", rollover_hour=0, graphics="halfcell", language="both")

# For each setting: values it must refuse, and the range its message must state.
BAD_VALUES = {
    "desired_retention": ([1.5, 0.5, "high", True], "between 0.70 and 0.99"),
    "new_per_day": ([-1, 10000, 2.5, "20"], "a whole number between 0 and 9999"),
    "reviews_per_day": ([-5, 100000, "many", False], "a whole number between 0 and 99999"),
    "learning_steps": (["", "0s", "2d", "10", "5 minutes", "1m " * 11, 10], "1 to 10 durations like 30s 10m 1d"),
    "relearning_steps": (["25h", "1w", "-1m", ["10m"]], "1 to 10 durations like 30s 10m 1d"),
    "rollover_hour": ([24, -1, 4.5, "4"], "a whole number between 0 and 23"),
    "graphics": (["png", "", 1], "one of auto, sixel, kitty, halfcell, text"),
    "language": (["fr", "EN", None], "one of en, zh, both"),
    "remote": ([3, ["x"], "two\nlines"], "one line of text (empty for none)"),
    "card_folders": (["~/notes", [""], [3], 3],
                     'a list of folders: ["~/notes", "~/more"] in the file, ~/notes; ~/more in the form'),
}
TOML_BAD_VALUES = {  # the same, as a learner could write them in the file (TOML has no null)
    name: [value for value in values if value is not None] for name, (values, _) in BAD_VALUES.items()
}


def toml_value(value: object) -> str:
    """A value written as TOML (strings, numbers, booleans and arrays of strings are all JSON-compatible)."""
    return json.dumps(value)


def test_the_table_declares_every_setting_once() -> None:
    assert [spec.name for spec in SETTINGS] == [field.name for field in fields(Settings)]
    assert set(BAD_VALUES) == set(SPECS)


def test_defaults_are_ankis() -> None:
    config = Settings().scheduler_config()
    assert (config.desired_retention, config.new_per_day, config.reviews_per_day, config.rollover_hour) == (
        0.90, 20, 200, 4)
    assert config.learning_steps == (timedelta(minutes=1), timedelta(minutes=10))
    assert config.relearning_steps == (timedelta(minutes=10),)


def test_save_then_load_gives_the_same_settings(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    save_settings(path, CHANGED)
    loaded = load_settings(path)
    assert loaded.settings == CHANGED
    assert loaded.warnings == ()
    assert loaded.present == set(SPECS)


def test_a_new_file_explains_each_setting_with_its_range(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    save_settings(path, Settings())
    text = path.read_text(encoding="utf-8")
    assert "# Valid: a whole number between 0 and 9999." in text
    assert "new_per_day = 20" in text


def test_saving_keeps_the_learners_comments_layout_and_other_keys(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    path.write_text("# My study plan\n\nnew_per_day = 10   # exam in May\n\n# slower please\nrollover_hour = 6\n",
                    encoding="utf-8")
    save_settings(path, replace(load_settings(path).settings, new_per_day=35))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# My study plan\n\nnew_per_day = 35   # exam in May\n\n"
                           "# slower please\nrollover_hour = 6\n")
    assert load_settings(path).settings == Settings(new_per_day=35, rollover_hour=6)


def test_saving_one_setting_leaves_the_others_as_written(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    path.write_text("desired_retention = 1.5\n", encoding="utf-8")
    save_settings(path, Settings(language="zh"), ["language"])
    assert path.read_text(encoding="utf-8").startswith("desired_retention = 1.5\n")
    assert 'language = "zh"' in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(BAD_VALUES))
def test_every_setting_refuses_bad_values_naming_itself_and_its_range(name: str) -> None:
    values, valid = BAD_VALUES[name]
    previous = CHANGED
    for value in values:
        with pytest.raises(SettingError) as caught:
            previous = replace(previous, **{name: value})
        message = str(caught.value)
        assert message.startswith(f"{name} must be ") and valid in message and "(got " in message, message
        assert "\n" not in message
        assert previous == CHANGED, "the previous value stays"


@pytest.mark.parametrize("name", list(BAD_VALUES))
def test_a_bad_value_in_the_file_warns_with_its_line_and_keeps_the_default(tmp_path: Path, name: str) -> None:
    path = tmp_path / "revise.toml"
    _, valid = BAD_VALUES[name]
    default = getattr(Settings(), name)
    neighbour = "new_per_day" if name == "rollover_hour" else "rollover_hour"
    for value in TOML_BAD_VALUES[name]:
        path.write_text(f"# settings\n{neighbour} = 5\n{name} = {toml_value(value)}\n", encoding="utf-8")
        loaded = load_settings(path)
        [warning] = loaded.warnings
        assert warning.startswith(f"{path}:3: {name} must be "), warning
        assert valid in warning and warning.endswith(f"; using {toml_value(default)}"), warning
        assert getattr(loaded.settings, name) == default
        assert getattr(loaded.settings, neighbour) == 5, "the good settings around it still apply"


def test_the_example_message_reads_as_documented(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    path.write_text("new_per_day = 10\n\ndesired_retention = 1.5\n", encoding="utf-8")
    assert load_settings(path).warnings == (
        f"{path}:3: desired_retention must be between 0.70 and 0.99 (got 1.5); using 0.9",)


def test_form_text_is_checked_the_same_way() -> None:
    assert SPECS["desired_retention"].from_text(" 0.8 ") == 0.8
    assert SPECS["learning_steps"].from_text("  1m   10m ") == "1m 10m"
    for name, text in (("new_per_day", "abc"), ("new_per_day", "1e3"), ("desired_retention", "nan"),
                       ("rollover_hour", "")):
        with pytest.raises(SettingError, match=rf'^{name} must be .* \(got "{text}"\)$'):
            SPECS[name].from_text(text)


def test_malformed_toml_warns_with_its_line_and_gives_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    path.write_text("new_per_day = 5\nreviews_per_day = \n", encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    [warning] = loaded.warnings
    assert warning.startswith(f"{path}:2: not valid TOML (") and warning.endswith("; using the defaults")


def test_a_file_that_is_not_text_warns_and_gives_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    path.write_bytes(b"new_per_day = \xff\xfe\n")
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert loaded.warnings[0].startswith(f"{path}: cannot read the settings (")


def test_an_unknown_key_is_named_with_a_suggestion_and_ignored(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    path.write_text("new_per_day = 5\nnew_cards_per_day = 3\nzoom = 2\n", encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.settings == Settings(new_per_day=5)
    assert loaded.warnings[0] == f'{path}:2: unknown setting "new_cards_per_day" (did you mean new_per_day?); ignored'
    assert loaded.warnings[1].startswith(f'{path}:3: unknown setting "zoom" (known: desired_retention, ')


def test_a_missing_file_means_the_defaults_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    assert load_settings(path).settings == Settings() and load_settings(path).warnings == ()
    assert not path.exists()


def test_saving_never_overwrites_a_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    original = "# careful\nnew_per_day = 5\nlanguage = [\n"
    path.write_text(original, encoding="utf-8")
    with pytest.raises(ReviseError, match=rf"^{path}:\d+: not valid TOML, so nothing was saved; fix the file first$"):
        save_settings(path, Settings(language="zh"), ["language"])
    assert path.read_text(encoding="utf-8") == original
    assert [p.name for p in tmp_path.iterdir()] == ["revise.toml"], "no temporary file is left behind"


def test_saving_into_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ReviseError, match=r"cannot save the settings \("):
        save_settings(tmp_path / "absent" / "revise.toml", Settings())


def test_the_collection_schedules_with_the_settings_steps(db_path: Path, cards_dir: Path) -> None:
    collection = Collection(db_path, cards_dir, Settings(learning_steps="3m 2h").scheduler_config())
    try:
        collection.sync()
        card = collection.next_card()
        assert card.outcomes[AGAIN].interval == timedelta(minutes=3)
        assert card.outcomes[GOOD].interval == timedelta(hours=2)
    finally:
        collection.close()


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_config_option_and_environment_pick_the_file(capsys, monkeypatch, tmp_path: Path, db_path: Path,
                                                     cards_dir: Path) -> None:
    (tmp_path / "one.toml").write_text("new_per_day = 1\n", encoding="utf-8")
    (tmp_path / "two.toml").write_text("new_per_day = 2\n", encoding="utf-8")
    base = ("--db", str(db_path), "--cards", str(cards_dir))
    assert json.loads(cli(capsys, *base, "stats", "--json")[1])["new"] == 3, "no file: the default 20 a day"
    monkeypatch.setenv("REVISE_CONFIG", str(tmp_path / "one.toml"))
    assert json.loads(cli(capsys, *base, "stats", "--json")[1])["new"] == 1
    code, out, _ = cli(capsys, *base, "--config", str(tmp_path / "two.toml"), "stats", "--json")
    assert code == 0 and json.loads(out)["new"] == 2, "--config wins over $REVISE_CONFIG"


def test_search_still_reads_its_words_after_the_config_option(capsys, tmp_path: Path, db_path: Path,
                                                              cards_dir: Path) -> None:
    config = tmp_path / "search.toml"
    code, out, _ = cli(capsys, "--config", str(config), "--db", str(db_path), "--cards", str(cards_dir),
                       "search", "momentum", "--json")
    assert code == 0 and [hit["id"] for hit in json.loads(out)] == ["momentum"]


def test_commands_print_each_settings_problem_on_one_stderr_line(capsys, tmp_path: Path, db_path: Path,
                                                                cards_dir: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("desired_retention = 1.5\nnew_per_day = 1\n", encoding="utf-8")
    code, out, err = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "--config", str(config),
                         "stats", "--json")
    assert code == 0 and json.loads(out)["new"] == 1, "the good settings apply and stdout stays JSON"
    assert err.splitlines() == [
        f"revise: warning: {config}:1: desired_retention must be between 0.70 and 0.99 (got 1.5); using 0.9"]
    config.write_text("new_per_day = = 1\n", encoding="utf-8")
    code, out, err = cli(capsys, "--db", str(db_path), "--cards", str(cards_dir), "--config", str(config), "list")
    assert code == 0 and "gd-update" in out
    [line] = err.splitlines()
    assert line.startswith(f"revise: warning: {config}:1: not valid TOML (") and "Traceback" not in err
    assert config.read_text(encoding="utf-8") == "new_per_day = = 1\n", "the learner's file is left alone"


def test_card_folders_go_from_the_form_to_the_file_and_back(tmp_path: Path) -> None:
    path = tmp_path / "revise.toml"
    folders = SPECS["card_folders"].from_text(" ~/notes ;  shared/ml ; ")
    assert folders == ("~/notes", "shared/ml") and SPECS["card_folders"].as_text(folders) == "~/notes; shared/ml"
    save_settings(path, replace(Settings(), card_folders=folders), ["card_folders"])
    assert 'card_folders = ["~/notes", "shared/ml"]' in path.read_text(encoding="utf-8")
    assert load_settings(path).settings.card_folders == folders
