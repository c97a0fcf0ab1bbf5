"""`revise search QUERY [--json] [--limit N]`: the cards found, best first, as text or JSON."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from revise.cli import main
from revise.collection import Collection
from revise.scheduler.fsrs_scheduler import GOOD

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def search(capsys: pytest.CaptureFixture[str], db_path: Path, cards_dir: Path):
    """Runs `revise search ...` on the three-card deck of conftest; gives exit status, stdout and stderr."""
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db_path), "--cards", str(cards_dir), "search", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


def test_search_prints_titles_ids_snippets_and_the_count(search) -> None:
    code, out, _ = search("momentum")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == ["Momentum | 动量", "  momentum · optimisation · new · due -",
                         "  What does momentum average? · The recent gradients, exponentially weighted. · "
                         "动量对什么取平均? · 最近的梯度(指数加权)。"]
    assert lines[-1] == "1 card found"
    assert "\033[" not in out, "no bold escapes when the output is not a terminal"


def test_separate_words_are_one_search(search) -> None:
    _, out, _ = search("梯度", "update")
    assert out.splitlines()[0] == "Gradient descent | 梯度下降"
    assert out.splitlines()[-1] == "1 card found"


def test_json_lists_each_card_with_id_deck_titles_snippet_and_due(search, collection: Collection) -> None:
    collection.rate(collection.card("gd-update", NOW), GOOD, 1000, NOW)
    due = collection.card("gd-update").schedule.due
    code, out, _ = search("梯度", "--json")
    rows = json.loads(out)
    assert code == 0
    assert [row["id"] for row in rows] == ["gd-update", "momentum"]
    assert {"id", "deck", "title_en", "title_zh", "snippet", "due"} <= set(rows[0])
    assert (rows[0]["deck"], rows[0]["title_en"], rows[0]["title_zh"]) == ("optimisation", "Gradient descent", "梯度下降")
    assert "梯度" in rows[0]["snippet"] and "\\theta" not in rows[0]["snippet"]
    assert datetime.fromisoformat(rows[0]["due"]) == due
    assert rows[1]["due"] is None


def test_limit_caps_the_list_and_the_text_says_how_many_were_found(search) -> None:
    _, out, _ = search("梯度", "--limit", "1")
    assert out.count(" · optimisation · ") == 1
    assert out.splitlines()[-1] == "2 cards found, 1 shown (--limit)"
    _, out, _ = search("--json", "--limit", "1", "梯度")
    assert [row["id"] for row in json.loads(out)] == ["gd-update"]


def test_a_huge_limit_shows_every_card(search) -> None:
    code, out, _ = search("--limit", "9" * 30, "--json", "")
    assert code == 0 and [row["id"] for row in json.loads(out)] == ["gd-update", "adam-bias", "momentum"]


def test_nothing_found_says_so(search) -> None:
    assert search("transformer") == (0, "0 cards found\n", "")
    assert search("transformer", "--json")[1] == "[]\n"


@pytest.mark.parametrize("limit", ["0", "-2", "ten", "1.5", "", "²"])
def test_a_bad_limit_is_a_one_line_usage_error(search, capsys, limit: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        search("momentum", "--limit", limit)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith("usage: revise search")
    assert [line for line in err.splitlines() if "error" in line] == [
        f"revise search: error: argument --limit: expected a whole number of at least 1, got {limit!r}"]


@pytest.mark.parametrize("query", ['"梯度', 'momentum "', '"', "(", ")", "-", "or", "NEAR", "'; DROP TABLE cards; --"])
def test_odd_queries_exit_0_with_a_count(search, query: str) -> None:
    code, out, err = search(query)
    assert code == 0 and out.splitlines()[-1].endswith("found") and "Traceback" not in err


def test_an_unbalanced_quote_searches_to_the_end(search) -> None:
    _, out, _ = search('"the gradient')
    assert out.splitlines()[0] == "Gradient descent | 梯度下降"


def test_an_unknown_filter_is_noted_on_stderr_and_searched_as_text(search) -> None:
    code, out, err = search("is:foo")
    assert code == 0 and out == "0 cards found\n"
    assert err.startswith("revise: note: `is:foo` is not a filter")


def test_after_double_dash_a_word_can_be_excluded(search) -> None:
    _, out, _ = search("--", "梯度", "-momentum")
    assert out.splitlines()[0] == "Gradient descent | 梯度下降" and out.splitlines()[-1] == "1 card found"
    _, out, _ = search("梯度 -momentum")
    assert out.splitlines()[-1] == "1 card found"


def test_an_excluded_word_may_be_its_own_argument_in_any_place(search) -> None:
    for args in (("梯度", "-momentum"), ("-momentum", "梯度", "--limit", "5"), ("--json", "-momentum", "梯度")):
        code, out, _ = search(*args)
        assert code == 0
        found = [hit["id"] for hit in json.loads(out)] if "--json" in args else out.splitlines()[-1]
        assert found in (["gd-update"], "1 card found"), args


def test_a_search_of_options_only_asks_for_a_query(search, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        search("--json")
    assert exit_.value.code == 2 and "give a QUERY" in capsys.readouterr().err
