"""The glossary: every concept is found by each of its names, `revise check` warns where a card writes another Chinese
name, and a glossary with mistakes is reported line by line without keeping a card from loading."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from revise.cards.glossary import GLOSSARY_FILE
from revise.cards.loader import check_cards, load_glossary
from revise.cli import main
from revise.collection import Collection
from revise.paths import PROJECT_ROOT
from revise.search.snippet import Highlighted
from tests.conftest import touch_later
from tests.test_search import NASTY, card, deck, short_id

CARDS = PROJECT_ROOT / "cards"
ENTRIES: dict[str, Any] = tomllib.loads((CARDS / GLOSSARY_FILE).read_text(encoding="utf-8"))


def names(entry: dict[str, Any]) -> list[str]:
    """Every name a glossary entry gives its concept."""
    return [entry["en"], entry["zh"], *entry.get("en_other", []), *entry.get("zh_other", [])]


def found(collection: Collection, query: str) -> list[str]:
    """The ids of every card a search finds, best first."""
    return [hit.card_id for hit in collection.search(query, limit=10_000).hits]


def marked(text: Highlighted) -> list[str]:
    """The highlighted pieces of a text."""
    return [text.text[start:end] for start, end in text.spans]


# The bundled glossary


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    """The bundled cards in a collection on a real SQLite file, synced with their glossary."""
    opened = Collection(tmp_path_factory.mktemp("bundled") / "revise.db", CARDS)
    opened.sync()
    yield opened
    opened.close()


@pytest.mark.parametrize("key", [key for key, entry in ENTRIES.items() if entry.get("cards")])
def test_every_concept_is_found_by_each_of_its_names(bundled: Collection, key: str) -> None:
    entry = ENTRIES[key]
    missed = [name for name in names(entry) if not set(entry["cards"]) & set(found(bundled, name))]
    assert not missed, f"[{key}]: a search for {missed} lists none of {entry['cards']}"


def test_a_short_abbreviation_is_searched_only_when_typed(bundled: Collection) -> None:
    """`perplexity` must not bring in PPL, which a substring search finds inside "applied" and "supplies"."""
    assert set(found(bundled, "perplexity")) == {"perplexity", "perplexity-example"}
    assert "perplexity" in found(bundled, "PPL"), "typed, the abbreviation still finds its concept"


def test_the_bundled_glossary_has_no_mistakes_and_names_only_cards_that_exist(bundled: Collection) -> None:
    glossary, problems = load_glossary(CARDS)
    assert problems == []
    assert glossary is not None and len(glossary.concepts) == len(ENTRIES) >= 250
    assert glossary.card_problems({study.text.written_id for study in bundled.cards()}) == []


@pytest.mark.parametrize("query", [*NASTY, "batch " * 50, "暂退法 " * 200, "-BN or (dropout -暂退法)"], ids=short_id)
def test_any_input_still_gives_results_with_a_glossary(bundled: Collection, query: str) -> None:
    results = bundled.search(query, limit=5)
    assert len(results.hits) <= 5 and results.total >= len(results.hits)


# A folder of our own


GLOSSARY = """\
# Three concepts, as the bundled glossary writes them.

[dropout]
en = "dropout"
en_other = ["drop-out"]
zh = "随机失活"
zh_other = ["暂退法", "丢弃法"]
cards = ["dropout"]

[beam-search]
en = "beam search"
zh = "集束搜索"
zh_other = ["束搜索"]
cards = ["beam-search"]

[batch-normalisation]
en = "batch normalisation"
en_other = ["batch normalization", "BN"]
zh = "批量归一化"
zh_other = ["批量规范化", "批标准化"]
cards = [
    "batch-norm",
]
"""
DROPOUT = card("dropout", "Dropout | 随机失活", "What does dropout do?", "随机失活做什么?",
               "It zeroes each unit with probability 1 - p while training.", "训练时以 1 - p 的概率把每个单元置零。")
BATCH_NORM = card("batch-norm", "Batch normalisation | 批量归一化", "What does batch norm standardise?",
                  "批量归一化标准化什么?", "Each feature over the mini-batch.", "按小批量标准化每个特征。")
BEAM_SEARCH = card("beam-search", "Beam search | 集束搜索", "What does beam search keep?", "集束搜索保留什么?",
                   "The B best partial sentences.", "集束搜索(d2l 称束搜索)保留 B 个最好的部分句子。")
ALEXNET = card("alexnet", "AlexNet | AlexNet", "Where does AlexNet use dropout?", "AlexNet 在哪里用暂退法?",
               "In its fully connected layers (d2l's Chinese says 暂退法).", "在全连接层。")
DECK_LINES = deck("Training | 训练", DROPOUT, BATCH_NORM, BEAM_SEARCH, ALEXNET).split("\n")


def line_of(text: str, start: str = "") -> int:
    """The number of the deck's line holding `text`, after the line holding `start`."""
    first = DECK_LINES.index(start) if start else 0
    return next(number for number, line in enumerate(DECK_LINES, start=1) if number > first and text in line)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A card folder with one deck of four cards and the glossary of three of their concepts."""
    made = tmp_path / "cards"
    made.mkdir()
    (made / "01-training.md").write_text("\n".join(DECK_LINES), encoding="utf-8")
    (made / GLOSSARY_FILE).write_text(GLOSSARY, encoding="utf-8")
    return made


@pytest.fixture
def synced(folder: Path, tmp_path: Path) -> Iterator[Collection]:
    """The folder's cards in a collection, synced with the glossary."""
    opened = Collection(tmp_path / "revise.db", folder)
    assert opened.sync().problems == []
    yield opened
    opened.close()


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    touch_later(path)


# Search by any name


@pytest.mark.parametrize("query, card_id, shown", [
    ("BN", "batch-norm", "批量归一化"),
    ("bn", "batch-norm", "Batch normalisation"),
    ("批量规范化", "batch-norm", "批量归一化"),
    ("batch normalization", "batch-norm", "Batch normalisation"),  # two words that together name the concept
    ('"batch normalization"', "batch-norm", "Batch normalisation"),
    ("暂退法", "dropout", "随机失活"),
    ("drop-out", "dropout", "Dropout"),
    ("随机失活", "alexnet", "暂退法"),
])
def test_a_card_is_found_by_any_name_of_its_concept_and_the_name_it_writes_is_highlighted(
        synced: Collection, query: str, card_id: str, shown: str) -> None:
    [hit] = [hit for hit in synced.search(query).hits if hit.card_id == card_id]
    assert shown in marked(hit.title_en) + marked(hit.title_zh) + marked(hit.snippet)


def test_a_word_that_names_no_concept_is_searched_as_before(synced: Collection) -> None:
    assert found(synced, "batch") == ["batch-norm"]
    assert found(synced, "feature") == ["batch-norm"]
    assert found(synced, "BN dropout") == [], "every searched concept must be there, as every word must"


def test_other_names_exclude_too(synced: Collection) -> None:
    assert found(synced, "-暂退法") == ["batch-norm", "beam-search"]


def test_search_follows_the_glossary_of_the_last_sync(synced: Collection, folder: Path) -> None:
    (folder / GLOSSARY_FILE).unlink()
    synced.sync()
    assert found(synced, "暂退法") == ["alexnet"], "no glossary: the word itself, as written"
    assert found(synced, "BN") == []
    (folder / GLOSSARY_FILE).write_text(GLOSSARY, encoding="utf-8")
    synced.sync()
    assert found(synced, "BN") == ["batch-norm"]


# The check


def check(folder: Path) -> tuple[int, list[str]]:
    """The number of cards `check_cards` loads, and its problems as printed."""
    count, problems = check_cards(folder)
    return count, [str(problem) for problem in problems]


def test_another_chinese_name_is_a_warning_naming_the_card_and_a_place_with_the_standard_term(folder: Path) -> None:
    deck_path = folder / "01-training.md"
    assert check(folder) == (4, [
        f"{deck_path}:{line_of('AlexNet 在哪里用暂退法')}: warning: 暂退法 is another name for dropout: write the standard "
        f"term 随机失活 (as at 01-training.md:{line_of('## Dropout | 随机失活')}), or give the other name in brackets "
        "after it"])


@pytest.mark.parametrize("written", ["随机失活(暂退法)", "随机失活（d2l 称暂退法）", "随机失活 (又称暂退法、丢弃法)"])
def test_the_other_name_in_brackets_right_after_the_standard_term_is_fine(folder: Path, written: str) -> None:
    rewrite(folder / "01-training.md", "AlexNet 在哪里用暂退法", f"AlexNet 在哪里用{written}")
    assert check(folder) == (4, [])


@pytest.mark.parametrize("written", ["暂退法(随机失活)", "随机失活和(暂退法)", "(暂退法)", "随机失活,也叫暂退法"])
def test_the_other_name_anywhere_else_is_a_warning(folder: Path, written: str) -> None:
    rewrite(folder / "01-training.md", "AlexNet 在哪里用暂退法", f"AlexNet 在哪里用{written}")
    assert [problem.split(": ")[1] for problem in check(folder)[1]] == ["warning"]


def test_only_the_chinese_title_and_sections_are_checked(folder: Path) -> None:
    rewrite(folder / "01-training.md", "AlexNet 在哪里用暂退法", "AlexNet 在哪里用随机失活")
    assert "暂退法" in (folder / "01-training.md").read_text(encoding="utf-8"), "the English answer still names it"
    assert check(folder) == (4, [])
    rewrite(folder / "01-training.md", "## AlexNet | AlexNet", "## AlexNet | AlexNet 与暂退法")
    assert check(folder)[1] == [f"{folder / '01-training.md'}:{line_of('## AlexNet')}: warning: 暂退法 is another name "
                                f"for dropout: write the standard term 随机失活 (as at 01-training.md:"
                                f"{line_of('## Dropout | 随机失活')}), or give the other name in brackets after it"]


def test_a_name_inside_a_longer_name_or_holding_the_standard_term_is_not_another_name(folder: Path) -> None:
    rewrite(folder / "01-training.md", "集束搜索(d2l 称束搜索)保留", "集束搜索保留")
    rewrite(folder / "01-training.md", "AlexNet 在哪里用暂退法", "AlexNet 在哪里用随机失活法")
    rewrite(folder / GLOSSARY_FILE, '["暂退法", "丢弃法"]', '["暂退法", "丢弃法", "随机失活法"]')
    assert check(folder) == (4, [])


def test_with_no_card_writing_the_standard_term_the_warning_points_at_the_glossary(folder: Path) -> None:
    rewrite(folder / "01-training.md", "## Dropout | 随机失活", "## Dropout | Dropout")
    rewrite(folder / "01-training.md", "随机失活做什么", "dropout 做什么")
    zh_line = GLOSSARY.split("\n").index('zh = "随机失活"') + 1
    [warning] = check(folder)[1]
    assert f"write the standard term 随机失活 (as at {GLOSSARY_FILE}:{zh_line})" in warning


def test_revise_check_prints_the_warnings_and_passes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cards", str(folder), "check"]) == 0
    out = capsys.readouterr().out
    assert "warning: 暂退法 is another name for dropout" in out
    assert out.endswith("4 cards, 1 warning\n")


# A glossary with mistakes


@pytest.mark.parametrize("mistake, text, line, message", [
    ("not TOML", GLOSSARY.replace('zh = "集束搜索"', 'zh = "集束搜索'), 12,
     "not valid TOML (illegal character '\\n' at column 11); it is not used"),
    ("no zh", GLOSSARY.replace('zh = "集束搜索"\n', ""), 10, "[beam-search] has no `zh` (its standard Chinese term)"),
    ("zh not a string", GLOSSARY.replace('zh = "集束搜索"', "zh = 3"), 12,
     "[beam-search]: `zh` must be its standard Chinese term, a non-empty string"),
    ("cards not a list", GLOSSARY.replace('cards = ["beam-search"]', 'cards = "beam-search"'), 14,
     '[beam-search]: `cards` must be a list of non-empty strings, e.g. cards = ["dropout-why"]'),
    ("English in zh_other", GLOSSARY.replace('zh_other = ["束搜索"]', 'zh_other = ["beam"]'), 13,
     "[beam-search]: `beam` in zh_other has no Chinese character: list it under en_other"),
    ("a standard term as another name", GLOSSARY.replace('zh_other = ["束搜索"]', 'zh_other = ["随机失活"]'), 13,
     "[beam-search]: 随机失活 is the standard Chinese term of [dropout], so it cannot be another name"),
    ("a value that is no table", "version = 2\n" + GLOSSARY, 1,
     "`version` is not a concept: give each concept a table, `[version]`, with its en, zh, en_other, zh_other, cards"),
])
def test_a_mistake_is_one_problem_at_its_line_and_every_card_still_loads(
        folder: Path, tmp_path: Path, mistake: str, text: str, line: int, message: str) -> None:
    (folder / GLOSSARY_FILE).write_text(text, encoding="utf-8")
    expected = f"{folder / GLOSSARY_FILE}:{line}: {message}"
    count, problems = check(folder)
    assert count == 4 and expected in problems and len([p for p in problems if GLOSSARY_FILE in p]) == 1
    collection = Collection(tmp_path / "revise.db", folder)
    try:
        assert [str(problem) for problem in collection.sync().problems] == [expected]
        assert found(collection, "暂退法") == (["alexnet"] if mistake == "not TOML" else ["dropout", "alexnet"])
        assert found(collection, "regularization") == [], "searching still works"
    finally:
        collection.close()


def test_an_unknown_field_is_reported_and_the_concept_kept(folder: Path, synced: Collection) -> None:
    rewrite(folder / GLOSSARY_FILE, 'cards = ["dropout"]', 'card = ["dropout"]')
    count, problems = check(folder)
    assert count == 4 and f"{folder / GLOSSARY_FILE}:8: [dropout]: unknown field `card` (known: en, zh, en_other, " \
        "zh_other, cards)" in problems
    synced.sync()
    assert found(synced, "暂退法") == ["dropout", "alexnet"]


def test_an_unknown_card_id_is_a_problem_where_it_is_written(folder: Path) -> None:
    rewrite(folder / GLOSSARY_FILE, '    "batch-norm",\n', '    "batch-norm",\n    "batch-norm-test-time",\n')
    id_line = GLOSSARY.split("\n").index('    "batch-norm",') + 2
    count, problems = check(folder)
    assert count == 4 and problems[0] == (f"{folder / GLOSSARY_FILE}:{id_line}: [batch-normalisation]: no card has "
                                          "the id `batch-norm-test-time`")


@pytest.mark.parametrize("spoil, message", [
    (lambda path: (path.unlink(), path.mkdir()), "cannot read the glossary (is a directory); it is not used"),
    (lambda path: path.write_bytes(GLOSSARY.encode() + b"\xff"), "not UTF-8 (byte 0xff at column 1); "
                                                                  "save the file as UTF-8"),
])
def test_a_glossary_that_cannot_be_read_is_one_problem(folder: Path, spoil: Any, message: str) -> None:
    path = folder / GLOSSARY_FILE
    spoil(path)
    count, problems = check(folder)
    assert count == 4 and [problem for problem in problems if GLOSSARY_FILE in problem][0].endswith(message)
