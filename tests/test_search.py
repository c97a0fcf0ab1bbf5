"""Search: English and 中文, accents and formula symbols, Anki filters, ranking, snippets, any input, kept by sync."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from revise.collection import Collection
from revise.scheduler.fsrs_scheduler import AGAIN, EASY, GOOD, SchedulerConfig
from revise.search.engine import SearchResults
from revise.search.index import INDEX_VERSION
from revise.search.snippet import Highlighted
from revise.store.schema import ReviewLog
from tests.conftest import touch_later

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def card(card_id: str, title: str, q: str, wen: str, a: str, da: str, tags: str = "", demo: str = "") -> str:
    """One card in the card-file format: `title` is `English | 中文`, then Q, 问, A, 答."""
    fields = f"id: {card_id}\n" + (f"tags: {tags}\n" if tags else "") + (f"demo: {demo}\n" if demo else "")
    return f"## {title}\n{fields}\n### Q\n{q}\n\n### 问\n{wen}\n\n### A\n{a}\n\n### 答\n{da}\n"


def deck(title: str, *cards: str) -> str:
    return f"# {title}\n\n" + "\n".join(cards)


BASICS = deck(
    "Learning basics | 学习基础",
    card("vanishing", "Vanishing gradients | 梯度消失",
         "Why do gradients vanish in deep nets?", "深层网络中梯度为什么会消失?",
         "Each layer multiplies the gradient by a factor below one, so early layers barely learn.",
         "每一层都把梯度乘以小于一的因子, 前面的层几乎学不到东西。", tags="deep-nets regularisation"),
    card("naive-bayes", "Naïve Bayes | 朴素贝叶斯",
         "What does naïve Bayes assume?", "朴素贝叶斯假设什么?",
         "That the features are independent given the class; like Schrödinger's cat, nothing real is.",
         "给定类别时特征相互独立。", tags="probability"),
    card("lr-schedule", "Learning rate schedules | 学习率调度",
         "Why decay the learning rate?", "为什么要衰减学习率?",
         "A naive constant rate overshoots the optimum; a smaller learning rate settles. Momentum helps too.",
         "学习率太大时在极小值附近来回震荡。", tags="training"),
    card("batch-norm", "Batch normalisation | 批归一化",
         "What does batch normalisation do in training, and what changes at inference?",
         "批归一化在训练和推理时分别做什么?",
         "In training it standardises each feature over the mini-batch, then scales and shifts it with two "
         "parameters it fits; running averages of the batch mean and variance are kept for later. At inference "
         "those running statistics replace the batch ones, so one example gets the same answer whatever else is "
         "in its batch. A side effect is a smoother loss surface, which allows bigger steps.",
         "训练时按小批量标准化每个特征, 推理时改用滑动平均。", tags="deep-nets"),
)
OPTIMISATION = deck(
    "Optimisation methods | 优化方法",
    card("gradient-descent", "Gradient descent | 梯度下降",
         "Write the gradient descent update.", "写出梯度下降的更新式。",
         "$$\\theta \\leftarrow \\theta - \\alpha \\nabla J(\\theta)$$\nStep against the gradient; "
         "the rate of learning is $\\alpha$.",
         "沿梯度反方向走一小步。", tags="optimisation Gradient-Descent"),
    card("adam", "Adam | Adam 优化器",
         "What are Adam's decay rates?", "Adam 的衰减率是什么?",
         "$\\beta_1$ for the mean and $\\beta_2$ for the variance; "
         "the step divides by $\\sqrt{\\hat v_t} + \\epsilon$.",
         "均值用 $\\beta_1$, 方差用 $\\beta_2$。", tags="optimiser momentum", demo="optimizers"),
    card("momentum", "Momentum | 动量",
         "What does momentum average?", "动量对什么取平均?",
         "The recent gradients, exponentially weighted.", "最近的梯度(指数加权)。", tags="optimisation"),
)
BASICS_IDS = ["vanishing", "naive-bayes", "lr-schedule", "batch-norm"]
OPTIMISATION_IDS = ["gradient-descent", "adam", "momentum"]
ALL_IDS = BASICS_IDS + OPTIMISATION_IDS


def write_notes(folder: Path) -> Path:
    """A card folder with two numbered decks, seven cards in English and Chinese."""
    folder.mkdir()
    (folder / "01-basics.md").write_text(BASICS, encoding="utf-8")
    (folder / "02-optimisation.md").write_text(OPTIMISATION, encoding="utf-8")
    return folder


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    return write_notes(tmp_path / "notes")


def open_synced(db_path: Path, folder: Path, config: SchedulerConfig | None = None) -> Collection:
    opened = Collection(db_path, folder, config)
    report = opened.sync(NOW)
    assert report.problems == []
    return opened


@pytest.fixture
def col(db_path: Path, notes: Path) -> Iterator[Collection]:
    """A collection of the two decks, for tests that rate, suspend, edit or sync."""
    opened = open_synced(db_path, notes)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    """The same collection shared by the tests that only search it, every card new."""
    folder = tmp_path_factory.mktemp("library")
    opened = open_synced(folder / "library.db", write_notes(folder / "notes"))
    yield opened
    opened.close()


def found(collection: Collection, query: str, now: datetime = NOW) -> list[str]:
    """The ids of the cards a search finds, best first."""
    return [hit.card_id for hit in collection.search(query, now=now).hits]


def marked(text: Highlighted) -> list[str]:
    """The highlighted pieces of a text."""
    return [text.text[start:end] for start, end in text.spans]


def rate(collection: Collection, card_id: str, rating: int, at: datetime) -> None:
    collection.rate(collection.card(card_id, at), rating, 1000, at)


def study_next(collection: Collection, rating: int, at: datetime) -> str:
    """Rates the card study offers next, as the review screen does; returns its id."""
    card = collection.next_card(at)
    collection.rate(card, rating, 1000, at)
    return card.text.id


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    touch_later(path)


# English and Chinese


def test_a_chinese_word_finds_every_card_containing_it(library: Collection) -> None:
    assert set(found(library, "梯度")) == {"vanishing", "gradient-descent", "momentum"}


@pytest.mark.parametrize("query, expected", [
    ("梯", {"vanishing", "gradient-descent", "momentum"}),
    ("贝", {"naive-bayes"}),
    ("量", {"momentum", "batch-norm"}),
])
def test_a_single_chinese_character_is_enough(library: Collection, query: str, expected: set[str]) -> None:
    assert set(found(library, query)) == expected


@pytest.mark.parametrize("query, expected", [
    ("梯度下降", ["gradient-descent"]), ("梯度消失", ["vanishing"]), ("度消失", ["vanishing"]),
    ("朴素贝叶斯", ["naive-bayes"]), ("梯度爆炸", []),
])
def test_longer_chinese_text_is_found_only_where_it_occurs_whole(library: Collection, query: str,
                                                                 expected: list[str]) -> None:
    assert found(library, query) == expected


# Parts of words


@pytest.mark.parametrize("query, expected, piece", [
    ("radient", ["vanishing", "gradient-descent", "momentum"], "radient"),
    ("omentu", ["momentum", "adam", "lr-schedule"], "omentu"),
    ("ultipli", ["vanishing"], "ultipli"),
    ('"gradient desc"', ["gradient-descent"], "gradient desc"),
    ('"ient desc"', ["gradient-descent"], "ient desc"),
])
def test_a_part_of_a_word_is_found_inside_longer_words_and_highlighted(library: Collection, query: str,
                                                                      expected: list[str], piece: str) -> None:
    hits = library.search(query, now=NOW).hits
    assert [hit.card_id for hit in hits] == expected
    assert all(marked(hit.snippet) or marked(hit.title_en) for hit in hits if hit.card_id != "adam")
    assert {part.lower() for hit in hits for part in [*marked(hit.snippet), *marked(hit.title_en)]} == {piece}


def test_a_part_typed_letter_by_letter_finds_what_it_finds_typed_at_once(db_path: Path, notes: Path) -> None:
    typed = ["rad", "radi", "radie", "radien", "radient", "radients", "rada", "ayer", "ayers", "layer"]
    letter_by_letter = open_synced(db_path, notes)
    try:
        found_typing = [found(letter_by_letter, query) for query in typed]
    finally:
        letter_by_letter.close()
    for query, expected in zip(typed, found_typing):
        fresh = Collection(db_path, notes)  # a new database engine: its vocabulary read afresh
        try:
            assert found(fresh, query) == expected, query
        finally:
            fresh.close()
    assert found_typing[4] == ["vanishing", "gradient-descent", "momentum"] and found_typing[6] == []
    assert found_typing[5] == ["vanishing", "momentum"]


@pytest.mark.parametrize("query, expected", [("ad", ["adam"]), ("ra", ["lr-schedule", "gradient-descent", "adam"])])
def test_one_or_two_letters_are_found_where_a_word_starts_only(library: Collection, query: str,
                                                               expected: list[str]) -> None:
    assert found(library, query) == expected  # not "gradient", "vanishing" nor "naive"


def test_a_part_cut_at_one_end_only_is_found_at_that_end_of_a_word(library: Collection) -> None:
    assert found(library, '"radient)"') == ["gradient-descent", "vanishing"], "not momentum's \"gradients\""
    assert found(library, '"radien)"') == []
    assert found(library, '"(mentum"') == []
    assert found(library, '"(momentu"') == ["momentum", "adam", "lr-schedule"]


def test_a_part_cut_at_one_end_is_highlighted_only_at_that_end_of_a_word(library: Collection) -> None:
    [_, vanishing] = library.search('"radient)"', now=NOW).hits
    assert marked(vanishing.title_en) == [], "the title says \"gradients\", where the part does not end a word"
    assert marked(vanishing.snippet) == ["radient"]
    [momentum, *_] = library.search('"(momentu"', now=NOW).hits
    assert marked(momentum.title_en) == ["Momentu"]


def test_a_phrase_ending_in_one_letter_takes_that_letter_as_a_whole_word(library: Collection) -> None:
    assert found(library, '"rate of l"') == []  # on the way to "rate of learning", found from the next letter
    assert found(library, '"rate of le"') == ["gradient-descent"]
    assert found(library, '"factor below o"') == []
    assert found(library, "factor below o") == ["vanishing"]  # three words, each found on its own


def test_punctuation_between_words_is_passed_over(col: Collection, notes: Path) -> None:
    (notes / "03-more.md").write_text(deck("More | 更多", card(
        "linear", "Linear model | 线性模型", "Write a linear model.", "写出线性模型。",
        "$y = wx + b$, one weight per feature.", "每个特征一个权重。")), encoding="utf-8")
    col.sync(NOW)
    [hit] = col.search("y=wx+b", now=NOW).hits
    assert hit.card_id == "linear" and marked(hit.snippet) == ["y = wx + b"]
    assert found(col, '"weight-per feature"') == ["linear"]
    assert found(col, '"per weight"') == []


def test_punctuation_alone_is_found_in_its_full_width_form_too(col: Collection, notes: Path) -> None:
    (notes / "03-more.md").write_text(deck("More | 更多", card(
        "sum", "Sums | 求和", "Add two numbers.", "两数相加。", "a plus b", "写作 ａ＋ｂ。")), encoding="utf-8")
    col.sync(NOW)
    assert found(col, "+") == ["adam", "sum"]
    [hit] = col.search("ａ＋ｂ", now=NOW).hits
    assert hit.card_id == "sum" and marked(hit.snippet) == ["ａ＋ｂ"]


def test_a_word_indexed_after_a_search_is_found_by_its_parts(col: Collection, notes: Path) -> None:
    assert found(col, "ropou") == []
    (notes / "03-more.md").write_text(deck("More | 更多", card(
        "dropout", "Dropout | 随机失活", "What does dropout do?", "随机失活做什么?",
        "Zeroes random units in training.", "训练时随机把单元置零。")), encoding="utf-8")
    col.sync(NOW)
    assert found(col, "ropou") == ["dropout"]
    assert found(col, '"eroes rand"') == ["dropout"]


@pytest.mark.parametrize("query", ["GRADIENT DESCENT", "Gradient Descent", "gRaDiEnT dEsCeNt"])
def test_search_ignores_case(library: Collection, query: str) -> None:
    assert found(library, query) == found(library, "gradient descent") == ["gradient-descent"]


@pytest.mark.parametrize("query, expected", [
    ("schrodinger", ["naive-bayes"]), ("Schrödinger", ["naive-bayes"]), ("SCHRÖDINGER", ["naive-bayes"]),
    ("naive", ["naive-bayes", "lr-schedule"]), ("naïve", ["naive-bayes", "lr-schedule"]),
])
def test_accents_are_ignored_whichever_side_has_them(library: Collection, query: str, expected: list[str]) -> None:
    assert found(library, query) == expected


@pytest.mark.parametrize("query, glyph", [("naive", "naïve"), ("schrodinger", "Schrödinger")])
def test_a_plain_search_highlights_the_accented_word(library: Collection, query: str, glyph: str) -> None:
    [hit] = [hit for hit in library.search(query, now=NOW).hits if hit.card_id == "naive-bayes"]
    assert glyph in marked(hit.snippet)


@pytest.mark.parametrize("query, card_id, glyph", [
    ("beta1", "adam", "β₁"), ("beta_1", "adam", "β₁"), ("sqrt", "adam", "√"), ("alpha", "gradient-descent", "α"),
])
def test_formula_symbols_are_found_by_name_and_the_glyph_is_highlighted(library: Collection, query: str,
                                                                        card_id: str, glyph: str) -> None:
    results = library.search(query, now=NOW)
    assert [hit.card_id for hit in results.hits] == [card_id]
    assert glyph in marked(results.hits[0].snippet)
    assert "\\" not in results.hits[0].snippet.text, "the snippet shows formulas, not LaTeX"


def test_beta1_does_not_find_beta2_alone(col: Collection, notes: Path) -> None:
    (notes / "03-more.md").write_text(deck("More | 更多", card(
        "rmsprop", "RMSProp | RMSProp", "What decay does RMSProp use?", "RMSProp 用什么衰减?",
        "A single rate $\\beta_2$ for the squared gradients.", "只有 $\\beta_2$。")), encoding="utf-8")
    col.sync(NOW)
    assert found(col, "beta2") == ["adam", "rmsprop"]
    assert found(col, "beta1") == ["adam"]


SYMBOLS = deck(
    "Notation | 记号",
    card("symmetry", "Breaking symmetry | 打破对称",
         "Why must the initial weights differ?", "为什么初始权重要不同?",
         "If $w_1 = w_2$ both units learn the same thing, so we need $w_1 \\neq w_2$.", "两个单元会学到同样的东西。"),
    card("loss-notation", "Loss notation | 损失记号",
         "What is $\\ell(\\hat y, y)$?", "$\\ell(\\hat y, y)$ 是什么?",
         "The loss of one labelled example.", "单个样本的损失。"),
    card("update-rule", "Update rule | 更新规则",
         "Write the update of $w$.", "写出 $w$ 的更新。",
         "$w = w - \\eta g$; image models use it too, as it is simple.", "图像模型也用它。"),
)


@pytest.fixture
def with_symbols(col: Collection, notes: Path) -> Collection:
    (notes / "03-notation.md").write_text(SYMBOLS, encoding="utf-8")
    col.sync(NOW)
    return col


def test_a_negated_symbol_is_not_found_as_its_opposite(with_symbols: Collection) -> None:
    assert found(with_symbols, "≠") == ["symmetry"]
    assert set(found(with_symbols, "=")) == {"symmetry", "update-rule"}
    [hit] = with_symbols.search("neq", now=NOW).hits
    assert hit.card_id == "symmetry" and marked(hit.snippet) == ["≠"]


@pytest.mark.parametrize("query, card_id", [("ell", "loss-notation"), ("Im", "update-rule")])
def test_a_symbol_that_looks_like_a_letter_does_not_mark_every_such_letter(with_symbols: Collection, query: str,
                                                                            card_id: str) -> None:
    [hit] = with_symbols.search(query, now=NOW).hits
    assert hit.card_id == card_id
    assert {piece.lower() for piece in marked(hit.snippet)} <= {query.lower()}


# Ranking


def test_a_title_match_comes_first_then_tags_then_the_body(library: Collection) -> None:
    assert found(library, "momentum") == ["momentum", "adam", "lr-schedule"]


def test_a_chinese_title_match_comes_before_a_body_match(library: Collection) -> None:
    assert found(library, "梯度")[-1] == "momentum"
    assert found(library, "学习率") == ["lr-schedule"]


def test_title_matches_come_in_course_order_then_body_matches(library: Collection) -> None:
    assert found(library, "gradient") == ["vanishing", "gradient-descent", "momentum"]


def test_more_searched_words_in_the_title_outrank_course_order(library: Collection) -> None:
    assert found(library, "gradient descent")[0] == "gradient-descent"
    assert found(library, "descent gradient")[0] == "gradient-descent"


def test_an_empty_search_lists_every_card_in_course_order(library: Collection) -> None:
    results = library.search("", now=NOW)
    assert [hit.card_id for hit in results.hits] == ALL_IDS
    assert results.total == len(ALL_IDS)


def test_limit_and_offset_page_through_the_ranking_with_the_total_kept(library: Collection) -> None:
    first = library.search("", limit=3, now=NOW)
    rest = library.search("", limit=10, offset=3, now=NOW)
    assert first.total == rest.total == 7
    assert [hit.card_id for hit in first.hits + rest.hits] == ALL_IDS


@pytest.mark.parametrize("query", ["gradient", "momentum", "梯度", "rate", "lr", "b", "tag:deep-nets gradient"])
def test_paging_a_word_search_gives_the_same_ranking(library: Collection, query: str) -> None:
    whole = found(library, query)
    pages = [library.search(query, limit=2, offset=offset, now=NOW) for offset in range(0, len(whole) + 2, 2)]
    assert [hit.card_id for page in pages for hit in page.hits] == whole
    assert {page.total for page in pages} == {len(whole)}


@pytest.mark.parametrize("words", ["gradient", "momentum", "梯度", "rate", "lr", "b", "n", "gradient the",
                                   "the gradient", "rate learning", "a -b", "adam or momentum", "e t", "梯 度"])
def test_words_are_ranked_alike_when_read_from_the_index_and_when_ranked_in_sql(library: Collection,
                                                                              words: str) -> None:
    """Words alone are read from the index tier by tier; with a filter matching few cards, ranked in one statement."""
    assert found(library, words) == found(library, f"is:new {words}")


def test_cards_with_any_searched_word_in_the_title_come_before_those_with_none(library: Collection) -> None:
    assert found(library, "rate learning") == ["lr-schedule", "gradient-descent"]  # both in the title, neither
    # gradient-descent holds "the" among its symbols (θ, theta), vanishing only in its body, momentum has neither
    assert found(library, "gradient the") == ["gradient-descent", "vanishing", "momentum"]


# Filters


@pytest.mark.parametrize("query, expected", [
    ("tag:optimisation", {"gradient-descent", "momentum"}),
    ("tag:OPTIMISATION", {"gradient-descent", "momentum"}),
    ("tag:gradient-descent", {"gradient-descent"}),  # written Gradient-Descent in the file
    ("tag:opt*", {"gradient-descent", "adam", "momentum"}),  # not lr-schedule, whose text says "optimum"
    ("tag:*nets", {"vanishing", "batch-norm"}),
    ("tag:nets", set()),  # a part of a tag is not the tag
    ("tag:optim", set()),
    ("tag:deep*tion", set()),  # would match "deep-nets regularisation" if tags were one string
    ("tag:*", set(ALL_IDS)),
])
def test_tag_filter(library: Collection, query: str, expected: set[str]) -> None:
    assert set(found(library, query)) == expected


@pytest.mark.parametrize("query", [
    "deck:02-optimisation", "deck:optimisation", "deck:OPTIMISATION", "deck:02*", 'deck:"Optimisation methods"',
    'deck:"optimisation METHODS"', "deck:优化方法",
])
def test_deck_filter_by_file_name_plain_name_or_title(library: Collection, query: str) -> None:
    assert found(library, query) == OPTIMISATION_IDS


def test_deck_filter_does_not_match_part_of_a_name(library: Collection) -> None:
    assert found(library, "deck:optim") == []
    assert found(library, "deck:basics") == BASICS_IDS


@pytest.mark.parametrize("query, expected", [
    ("tag:deep-nets gradient", ["vanishing"]),
    ("gradient tag:deep-nets", ["vanishing"]),
    ("deck:optimisation 梯度", ["gradient-descent", "momentum"]),
    ("deck:basics rate", ["lr-schedule"]),
    ("has:demo", ["adam"]),
    ("has:demo beta1", ["adam"]),
    ("has:demo momentum", ["adam"]),
    ("has:demo -adam", []),
    ("HAS:DEMO", ["adam"]),
])
def test_filters_combine_with_words(library: Collection, query: str, expected: list[str]) -> None:
    assert found(library, query) == expected


def test_a_phrase_needs_its_words_together_and_in_order(library: Collection) -> None:
    assert found(library, '"learning rate"') == ["lr-schedule"]
    assert found(library, '"rate learning"') == []
    assert found(library, '"rate of learning"') == ["gradient-descent"]
    assert set(found(library, "learning rate")) == {"lr-schedule", "gradient-descent"}
    assert set(found(library, "rate learning")) == {"lr-schedule", "gradient-descent"}


def test_a_phrase_is_highlighted_whole(library: Collection) -> None:
    [hit] = library.search('"learning rate"', now=NOW).hits
    assert [piece.lower() for piece in marked(hit.title_en)] == ["learning rate"]


@pytest.mark.parametrize("query, expected", [
    ("gradient -descent", {"vanishing", "momentum"}),
    ("梯度 -梯度下降", {"vanishing", "momentum"}),
    ("-gradient", {"naive-bayes", "lr-schedule", "batch-norm", "adam"}),
    ("-tag:optimisation", {*BASICS_IDS, "adam"}),
    ("tag:deep-nets -tag:regularisation", {"batch-norm"}),
    ("-deck:basics", set(OPTIMISATION_IDS)),
    ('-"learning rate" rate', {"gradient-descent", "adam"}),
    ("--momentum", {"momentum", "adam", "lr-schedule"}),
])
def test_minus_excludes(library: Collection, query: str, expected: set[str]) -> None:
    assert set(found(library, query)) == expected


@pytest.mark.parametrize("query, expected", [
    ("momentum or 贝叶斯", {"momentum", "adam", "lr-schedule", "naive-bayes"}),
    ("momentum OR 贝叶斯", {"momentum", "adam", "lr-schedule", "naive-bayes"}),
    ("tag:probability or tag:training", {"naive-bayes", "lr-schedule"}),
    ("(adam or momentum) tag:optimisation", {"momentum"}),
    ("adam or momentum tag:optimisation", {"adam", "momentum"}),  # and binds tighter than or
    ("momentum and tag:optimisation", {"momentum"}),
    ("momentum tag:optimisation", {"momentum"}),
    ("-(tag:deep-nets or deck:optimisation)", {"naive-bayes", "lr-schedule"}),
    ("((gradient))", {"gradient-descent", "vanishing", "momentum"}),
])
def test_or_and_brackets(library: Collection, query: str, expected: set[str]) -> None:
    assert set(found(library, query)) == expected


# Schedules


def test_is_new_learn_review_and_due_follow_the_ratings(col: Collection) -> None:
    assert study_next(col, GOOD, NOW) == "vanishing"  # learning, due again in minutes
    assert study_next(col, EASY, NOW) == "naive-bayes"  # review, due in days
    assert found(col, "is:new") == [card_id for card_id in ALL_IDS if card_id not in ("vanishing", "naive-bayes")]
    assert found(col, "is:learn") == ["vanishing"]
    assert found(col, "is:review") == ["naive-bayes"]
    assert found(col, "is:due") == ["vanishing"]
    assert found(col, "is:due", now=NOW + timedelta(days=60)) == ["vanishing", "naive-bayes"]
    assert found(col, "-is:new") == ["vanishing", "naive-bayes"]
    assert found(col, "is:due 梯度") == ["vanishing"]


def test_a_lapsed_card_is_under_learn_and_review_and_becomes_a_leech(db_path: Path, notes: Path) -> None:
    collection = open_synced(db_path, notes, SchedulerConfig(leech_threshold=1))
    try:
        rate(collection, "naive-bayes", EASY, NOW)
        assert found(collection, "is:leech") == []
        later = NOW + timedelta(days=60)
        rate(collection, "naive-bayes", AGAIN, later)
        assert found(collection, "is:leech", later) == ["naive-bayes"]
        assert found(collection, "is:learn", later) == found(collection, "is:review", later) == ["naive-bayes"]
        [hit] = collection.search("is:leech", now=later).hits
        assert hit.leech and hit.lapses == 1
    finally:
        collection.close()


def test_a_suspended_card_leaves_study_and_shows_under_is_suspended(col: Collection) -> None:
    rate(col, "vanishing", GOOD, NOW)
    due_soon = NOW + timedelta(minutes=15)
    assert col.next_card(due_soon).text.id == "vanishing"
    col.set_suspended(["vanishing"], True)
    assert col.next_card(due_soon).text.id != "vanishing"
    assert found(col, "is:suspended") == ["vanishing"]
    assert "vanishing" not in found(col, "is:due")
    assert found(col, "vanishing") == ["vanishing"], "a suspended card is still found by its text"
    assert col.search("vanishing", now=NOW).hits[0].suspended
    col.set_suspended(["vanishing"], False)
    assert found(col, "is:suspended") == []
    assert col.next_card(due_soon).text.id == "vanishing"


def review_log(collection: Collection, card_id: str) -> list[tuple[int, str]]:
    with collection._sessions() as session:
        rows = session.scalars(select(ReviewLog).where(ReviewLog.card_id == card_id).order_by(ReviewLog.id))
        return [(row.rating, row.kind) for row in rows]


def test_reset_makes_a_card_new_and_keeps_its_history(col: Collection) -> None:
    rate(col, "vanishing", GOOD, NOW)
    col.reset(["vanishing"], NOW + timedelta(minutes=1))
    assert "vanishing" in found(col, "is:new")
    assert found(col, "is:learn") == []
    card = col.card("vanishing")
    assert (card.schedule.state, card.schedule.reps, card.schedule.due) == ("new", 0, None)
    assert review_log(col, "vanishing") == [(GOOD, "new"), (0, "manual")]
    assert col.counts(NOW + timedelta(minutes=2)).reviews_today == 1, "a reset is not a review"


# Any input


NASTY = [
    '"', 'foo"', '"unbalanced quote', "*", "**", ":", "NEAR", "NEAR(a b)", "a NEAR b", "AND", "OR", "and", "or",
    "or or or", "-", "--", "- -", "(", ")", "()", ")(", "(((", "a) b", '"', "\\", '\\"', '"\\"', "'",
    "'; DROP TABLE cards; --", "title:foo", "body:梯度", "^", "^foo", "{title}:", "{title body}: x", "foo*bar",
    "x" * 10_000, "梯" * 10_000, "a " * 5_000, "(" * 10_000, ")" * 10_000, "-" * 10_000, "-(" * 5_000, '"' * 10_000,
    " or ".join(["x"] * 3_000), "😀", "梯度😀", "\x01\x02\x07\x1b[31m", "\t\x0b\x0c\r\n", "\u200b", "\u0301", "%", "_",
    "tag:", "deck:", "is:", "has:", 'tag:"', "tag:[", "deck:?", "-tag:", "is:due or", "is:foo", "has:gpu",
    "deck:%", "tag:'", "tag:梯度", "İ", "ß", "ﬁ",
]


def short_id(query: str) -> str:
    return repr(query[:20]) + (f"…{len(query)}" if len(query) > 20 else "")


@pytest.mark.parametrize("query", NASTY, ids=short_id)
def test_any_input_gives_results_never_an_error(library: Collection, query: str) -> None:
    results = library.search(query, limit=5, now=NOW)
    assert isinstance(results, SearchResults)
    assert len(results.hits) <= 5 and results.total >= len(results.hits)
    assert set(hit.card_id for hit in results.hits) <= set(ALL_IDS)


def test_the_cards_survive_a_sql_looking_search(col: Collection) -> None:
    col.search("'; DROP TABLE cards; --", now=NOW)
    col.search('"); DELETE FROM cards; --', now=NOW)
    assert found(col, "") == ALL_IDS


def test_an_unbalanced_quote_searches_to_the_end(library: Collection) -> None:
    assert found(library, '"learning rate') == ["lr-schedule"]
    assert found(library, 'momentum "梯度') == ["momentum"]


def test_an_unbalanced_bracket_is_closed_at_the_end(library: Collection) -> None:
    assert set(found(library, "(adam or momentum")) == {"adam", "momentum", "lr-schedule"}
    assert set(found(library, "(adam or momentum tag:optimisation")) == {"adam", "momentum"}


def test_an_unknown_filter_is_noted_and_searched_as_text(col: Collection, notes: Path) -> None:
    (notes / "03-tools.md").write_text(deck("Tools | 工具", card(
        "anki-search", "Anki search | Anki 搜索", "Which cards does is:buried find?", "is:buried 找哪些卡片?",
        "Cards set aside until tomorrow.", "暂时搁置到明天的卡片。")), encoding="utf-8")
    col.sync(NOW)
    results = col.search("is:buried", now=NOW)
    assert [hit.card_id for hit in results.hits] == ["anki-search"]
    assert any("is:buried" in note for note in results.query.notes)


@pytest.mark.parametrize("query", ["tag: momentum", "-tag: momentum", "momentum -is:", "-deck: momentum"])
def test_a_filter_without_a_value_is_noted_and_ignored_with_its_minus(library: Collection, query: str) -> None:
    results = library.search(query, now=NOW)
    assert [hit.card_id for hit in results.hits] == ["momentum", "adam", "lr-schedule"]
    assert any("needs a value" in note for note in results.query.notes)


@pytest.mark.parametrize("query", ['-"" momentum', "-* momentum", "- momentum", "momentum -"])
def test_a_minus_before_nothing_excludes_nothing(library: Collection, query: str) -> None:
    assert found(library, query) == ["momentum", "adam", "lr-schedule"]


def test_a_very_long_search_is_cut_with_a_note(library: Collection) -> None:
    results = library.search("momentum " + "gradient " * 5_000, now=NOW)
    assert results.query.notes and "first" in results.query.notes[-1]
    assert [hit.card_id for hit in results.hits] == ["momentum"]
    assert found(library, " ".join(["momentum"] * 150)) == found(library, "momentum")


def test_deeply_bracketed_and_negated_searches_still_mean_what_they_say(library: Collection) -> None:
    assert set(found(library, "(" * 500 + "adam or momentum" + ")" * 500)) == {"adam", "momentum", "lr-schedule"}
    assert found(library, "-" * 1_001 + "gradient") == found(library, "-gradient")
    assert found(library, "-" * 1_000 + "gradient") == found(library, "gradient")


# Sync keeps the index in step


def test_an_edited_card_is_found_by_its_new_text_and_not_its_old(col: Collection, notes: Path) -> None:
    rewrite(notes / "02-optimisation.md", "exponentially weighted", "过去梯度的滑动平均 (Polyak heavy ball)")
    col.sync(NOW)
    assert found(col, "exponentially") == []
    assert found(col, "Polyak") == ["momentum"]
    assert set(found(col, "滑动平均")) == {"momentum", "batch-norm"}


def test_an_edited_tag_and_title_are_searched_anew(col: Collection, notes: Path) -> None:
    rewrite(notes / "02-optimisation.md", "## Momentum | 动量\nid: momentum\ntags: optimisation",
            "## Heavy ball | 重球法\nid: momentum\ntags: classic")
    col.sync(NOW)
    assert found(col, "tag:optimisation") == ["gradient-descent"]
    assert found(col, "tag:classic") == ["momentum"]
    assert found(col, "重球") == ["momentum"]
    assert found(col, "动量")[0] == "momentum"  # still in its questions, no longer in its title
    assert marked(col.search("重球", now=NOW).hits[0].title_zh) == ["重球"]


def test_a_removed_card_disappears_and_comes_back_when_restored(col: Collection, notes: Path) -> None:
    path = notes / "01-basics.md"
    original = path.read_text(encoding="utf-8")
    start, end = original.index("## Naïve Bayes"), original.index("## Learning rate schedules")
    path.write_text(original[:start] + original[end:], encoding="utf-8")
    touch_later(path)
    assert col.sync(NOW).retired == ["naive-bayes"]
    for query in ("naive", "贝叶斯", "tag:probability", "deck:basics", "is:new", "", "schrodinger or momentum"):
        assert "naive-bayes" not in found(col, query), query
    path.write_text(original, encoding="utf-8")
    touch_later(path)
    assert col.sync(NOW).restored == ["naive-bayes"]
    assert found(col, "贝叶斯") == ["naive-bayes"]
    assert found(col, "tag:probability") == ["naive-bayes"]
    assert found(col, "") == ALL_IDS


def test_a_deleted_deck_leaves_no_card_behind(col: Collection, notes: Path) -> None:
    (notes / "02-optimisation.md").unlink()
    col.sync(NOW)
    assert found(col, "") == BASICS_IDS
    assert found(col, "momentum") == ["lr-schedule"]
    assert found(col, "deck:optimisation") == found(col, "has:demo") == found(col, "tag:opt*") == []


def test_a_new_card_is_found_after_sync(col: Collection, notes: Path) -> None:
    assert found(col, "dropout") == []
    (notes / "03-more.md").write_text(deck("More | 更多", card(
        "dropout", "Dropout | 随机失活", "What does dropout do?", "随机失活做什么?",
        "Zeroes random units in training.", "训练时随机把单元置零。", tags="deep-nets")), encoding="utf-8")
    col.sync(NOW)
    assert found(col, "dropout") == ["dropout"]
    assert found(col, "失活") == ["dropout"]
    assert found(col, "tag:deep-nets") == ["vanishing", "batch-norm", "dropout"]


def add_card_before(path: Path, card_id: str, title: str, before: str) -> None:
    """Writes a new card into a card file just above the card heading `before`."""
    rewrite(path, before, card(card_id, f"{title} | 新卡片", "Q?", "问?", "A.", "答。") + "\n" + before)


def test_cards_added_in_the_middle_of_a_file_are_ranked_in_course_order(col: Collection, notes: Path) -> None:
    add_card_before(notes / "01-basics.md", "gradient-clipping", "Gradient clipping", "## Naïve Bayes")
    col.sync(NOW)
    assert found(col, "")[:3] == ["vanishing", "gradient-clipping", "naive-bayes"]
    assert found(col, "gradient")[:3] == ["vanishing", "gradient-clipping", "gradient-descent"]


def test_a_new_card_file_sorted_first_ranks_first(col: Collection, notes: Path) -> None:
    (notes / "00-intro.md").write_text(deck("Intro | 导论", card(
        "gradient-intro", "Gradients, intuitively | 梯度直觉", "Q?", "问?", "A.", "答。")), encoding="utf-8")
    col.sync(NOW)
    assert found(col, "") == ["gradient-intro", *ALL_IDS]
    assert found(col, "gradient") == ["gradient-intro", "vanishing", "gradient-descent", "momentum"]


def test_cards_swapped_in_a_file_swap_in_the_ranking(col: Collection, notes: Path) -> None:
    path = notes / "02-optimisation.md"
    text = path.read_text(encoding="utf-8")
    adam, momentum = text.index("## Adam"), text.index("## Momentum")
    path.write_text(text[:adam] + text[momentum:].rstrip("\n") + "\n\n" + text[adam:momentum], encoding="utf-8")
    touch_later(path)
    col.sync(NOW)
    assert found(col, "deck:optimisation") == ["gradient-descent", "momentum", "adam"]
    assert found(col, "momentum") == ["momentum", "adam", "lr-schedule"]


def test_course_order_holds_after_more_insertions_at_one_place_than_the_key_gaps_allow(
        col: Collection, notes: Path) -> None:
    """Each card added at the top of the first file halves the room before the first key, until all are rekeyed."""
    added: list[str] = []
    for number in range(14):
        first_heading = "## " + (f"Gradient note {added[0]}" if added else "Vanishing gradients")
        add_card_before(notes / "01-basics.md", f"note-{number}", f"Gradient note note-{number}", first_heading)
        added.insert(0, f"note-{number}")
        col.sync(NOW)
        assert found(col, "") == [*added, *ALL_IDS]
        assert found(col, "gradient")[:len(added) + 1] == [*added, "vanishing"]


def test_more_matches_than_are_counted_are_said_to_be_more(db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    cards = (card(f"c{number}", f"Card {number} | 卡片 {number}", "Q?", "问?", "A.", "答。") for number in range(1005))
    (folder / "01-many.md").write_text(deck("Many | 很多", *cards), encoding="utf-8")
    many = open_synced(db_path, folder)
    try:
        for query in ("card", "c", "卡", ""):
            results = many.search(query, now=NOW)
            assert (results.found(), results.all_shown()) == ("1,000+ cards", False), query
        assert many.search("card 1004", now=NOW).found() == "1 card"
        assert many.search("card 100", now=NOW).found() == "6 cards"
    finally:
        many.close()


def stale_index(db_path: Path, version: int | None) -> None:
    """Makes the file look indexed by an older revise: an empty index and an old (or no) version number."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO card_search (card_search) VALUES ('delete-all')")  # a contentless table's DELETE
        for table in ("search_docs", "card_tags"):
            conn.execute(f"DELETE FROM {table}")
        if version is None:
            conn.execute("DELETE FROM settings WHERE key = 'search_index_version'")
        else:
            conn.execute("UPDATE settings SET value = ? WHERE key = 'search_index_version'", (str(version),))
    conn.close()


@pytest.mark.parametrize("version", [None, 0, INDEX_VERSION - 1])
def test_an_index_from_an_older_version_is_rebuilt_on_the_next_sync(db_path: Path, notes: Path,
                                                                    version: int | None) -> None:
    open_synced(db_path, notes).close()
    stale_index(db_path, version)
    reopened = Collection(db_path, notes)
    try:
        assert found(reopened, "momentum") == [], "the emptied index finds nothing until sync"
        reopened.sync(NOW)
        assert found(reopened, "momentum") == ["momentum", "adam", "lr-schedule"]
        assert found(reopened, "omentu") == ["momentum", "adam", "lr-schedule"]
        assert found(reopened, "tag:deep-nets") == ["vanishing", "batch-norm"]
        assert found(reopened, "") == ALL_IDS
        reopened.sync(NOW)
        assert found(reopened, "") == ALL_IDS, "a second sync does not index the cards twice"
    finally:
        reopened.close()


def test_a_collection_rebuilding_its_index_finds_parts_of_words_by_the_new_one(col: Collection, db_path: Path,
                                                                               notes: Path) -> None:
    assert found(col, "omentu")[0] == "momentum"
    stale_index(db_path, INDEX_VERSION - 1)
    col.sync(NOW)
    rewrite(notes / "02-optimisation.md", "The recent gradients", "The recent subgradients")
    col.sync(NOW)
    assert found(col, "omentu")[0] == "momentum"
    assert found(col, "ubgradien") == ["momentum"]


def test_an_index_of_the_current_version_is_kept(db_path: Path, notes: Path) -> None:
    open_synced(db_path, notes).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM card_tags WHERE card_id = 'momentum'")
    conn.close()
    reopened = Collection(db_path, notes)
    try:
        reopened.sync(NOW)
        assert found(reopened, "tag:optimisation") == ["gradient-descent"], "no rebuild when the version matches"
    finally:
        reopened.close()


# Snippets


def test_every_highlight_is_the_searched_text(library: Collection) -> None:
    for query, expected in (("gradient", "gradient"), ("GRADIENT", "gradient"), ("梯度", "梯度"), ("rate", "rate")):
        hits = library.search(query, now=NOW).hits
        assert hits
        for hit in hits:
            pieces = marked(hit.title_en) + marked(hit.title_zh) + marked(hit.snippet)
            assert pieces, hit.card_id
            assert {piece.lower() for piece in pieces} == {expected}, (query, hit.card_id)


def test_titles_are_highlighted_where_they_match(library: Collection) -> None:
    [hit] = library.search("梯度下降", now=NOW).hits
    assert marked(hit.title_zh) == ["梯度下降"] and marked(hit.title_en) == []
    hit = library.search("gradient", now=NOW).hits[1]
    assert hit.title_en.text == "Gradient descent" and marked(hit.title_en) == ["Gradient"]


def test_every_searched_word_is_highlighted(library: Collection) -> None:
    [hit] = library.search("independent 类别", now=NOW).hits
    assert {piece.lower() for piece in marked(hit.snippet)} == {"independent", "类别"}


def test_a_long_body_is_cut_around_the_first_match(library: Collection) -> None:
    [hit] = library.search("replace", now=NOW).hits
    text = hit.snippet.text
    assert text.startswith("…") and text.endswith("…")
    assert len(text) < 200
    assert marked(hit.snippet) == ["replace"]
    assert "What does batch normalisation" not in text


def test_a_match_near_the_end_shows_the_end(library: Collection) -> None:
    [hit] = library.search("smoother", now=NOW).hits
    assert hit.snippet.text.startswith("…") and hit.snippet.text.endswith("推理时改用滑动平均。")
    assert marked(hit.snippet) == ["smoother"]


def test_a_match_near_the_start_is_shown_from_the_start(library: Collection) -> None:
    [hit] = [hit for hit in library.search("training", now=NOW).hits if hit.card_id == "batch-norm"]
    assert hit.snippet.text.startswith("What does batch normalisation do in training")
    assert hit.snippet.text.endswith("…")
    assert {piece.lower() for piece in marked(hit.snippet)} == {"training"}


def test_a_match_deep_in_long_chinese_text_is_in_the_snippet(col: Collection, notes: Path) -> None:
    answer = "反向传播把损失对每个参数的偏导数从输出层逐层传回输入层" * 6 + "链式法则" + "每一层只需要上一层传回的梯度" * 4
    (notes / "03-more.md").write_text(deck("More | 更多", card(
        "backprop", "Backpropagation | 反向传播", "How are gradients computed?", "梯度怎么算?",
        "Layer by layer, from the output back.", answer)), encoding="utf-8")
    col.sync(NOW)
    [hit] = col.search("链式法则", now=NOW).hits
    assert marked(hit.snippet) == ["链式法则"]
    assert hit.snippet.text.startswith("…") and len(hit.snippet.text) < 200


def test_a_short_body_is_shown_whole(library: Collection) -> None:
    [hit] = library.search("tag:probability", now=NOW).hits
    assert "…" not in hit.snippet.text
    assert hit.snippet.text.startswith("What does naïve Bayes assume?") and "给定类别时特征相互独立" in hit.snippet.text
    assert hit.snippet.spans == ()


# Other spellings


SPELLINGS = deck(
    "Spellings | 拼写",
    card("l2", "L2 regularisation | L2 正则化", "What does L2 regularisation add to the cost?", "L2 正则化给代价加什么?",
         "The squared norm of the weights, times λ/2m.", "权重范数的平方乘以 λ/2m。"),
    card("localisation", "Object localisation | 目标定位", "What does localisation add to classification?",
         "目标定位在分类之外还输出什么?", "A bounding box.", "一个边界框。"),
    card("mislabelled", "Mislabelled examples | 标签错误的样本", "Should mislabelled dev examples be fixed?",
         "开发集里标签错误的样本要修正吗?", "When they cause a large share of the errors.", "当它们占错误的很大比例时。"),
    card("optimizer", "Choosing an optimizer | 选择优化器", "Which optimizer is a safe default?", "哪个优化器是稳妥的默认选择?",
         "Adam, with its default betas.", "Adam,用默认的 beta。"),
    card("centred", "Centred difference | 中心差分", "Why is the centred difference better?", "中心差分为什么更好?",
         "Its error is O(h²), not O(h).", "误差是 O(h²) 而不是 O(h)。"),
    card("mini-batch", "Mini-batch size | 小批量大小", "How large is a mini-batch?", "小批量多大?",
         "Usually 64 to 512.", "通常 64 到 512。"),
    card("n-gram", "Clipped n-gram precision | 截断的 n 元语法精度", "What is clipped?", "截断什么?",
         "Each n-gram's count, at its most in one reference.", "每个 n 元语法的次数,截断到它在某个参考中出现的最多次数。"),
    card("small-filters", "Stacked 3×3 filters | 堆叠的 3×3 滤波器", "What do two 3×3 layers see?", "两层 3×3 看到多大?",
         "A 5×5 field.", "5×5 的区域。"),
)


@pytest.fixture(scope="module")
def spelled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    """A collection of cards written in British spelling (one in American), without a glossary."""
    folder = tmp_path_factory.mktemp("spelled")
    (folder / "notes").mkdir()
    (folder / "notes" / "01-spellings.md").write_text(SPELLINGS, encoding="utf-8")
    opened = open_synced(folder / "spelled.db", folder / "notes")
    yield opened
    opened.close()


@pytest.mark.parametrize("query, card_id, shown", [
    ("regularization", "l2", "regularisation"),
    ("Regularization cost", "l2", "regularisation"),
    ("regulariz", "l2", "regularis"),  # a word still being typed
    ("localization", "localisation", "localisation"),
    ("mislabeled", "mislabelled", "Mislabelled"),
    ("optimiser", "optimizer", "optimizer"),  # and the other way round
    ("centered difference", "centred", "Centred"),
    ('"mini batch"', "mini-batch", "Mini-batch"),
    ("n元语法", "n-gram", "n 元语法"),
    ("3x3", "small-filters", "3×3"),
])
def test_a_word_is_found_in_its_other_spelling_and_that_spelling_is_highlighted(
        spelled: Collection, query: str, card_id: str, shown: str) -> None:
    [hit] = spelled.search(query, now=NOW).hits
    assert hit.card_id == card_id
    assert shown in marked(hit.title_en) + marked(hit.title_zh) + marked(hit.snippet)


def test_a_search_for_regularization_finds_the_card_titled_regularisation(col: Collection) -> None:
    assert found(col, "normalization") == ["batch-norm"]
    assert found(col, "tag:regularization") == [], "a tag is a name, matched as written"
    assert found(col, "regularization") == ["vanishing"], "found by its tag, regularisation"


@pytest.mark.parametrize("word", ["precise", "size", "default", "share", "better", "label", "errors", "analysis"])
def test_a_rule_that_misfires_finds_nothing_more(spelled: Collection, word: str) -> None:
    """`precise` is also searched as "precize", `analysis` as "analyzis": forms no card holds."""
    holding = {study.text.id for study in spelled.cards()
               if word in " ".join(getattr(study.text, side) for side in ("title_en", "front_en", "back_en")).lower()}
    assert set(found(spelled, word)) == holding
