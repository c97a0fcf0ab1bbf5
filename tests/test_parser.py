"""The card parser: well-formed files load; every mistake is reported at its file and line."""

from __future__ import annotations

import pytest

from revise.cards.model import KnownNames
from revise.cards.parser import parse_card_file
from tests.conftest import DECK

KNOWN = KnownNames(sources=frozenset({"revision-notes"}), demos=frozenset({"optimizers"}))


def parse(text: str):
    return parse_card_file(text, "cards/deck.md", "deck", KNOWN)


def card_block(card_id: str = "c1", extra: str = "", sections: str = "QA问答") -> str:
    """A card in the file format with a chosen id, extra field lines, and a chosen set of sections."""
    bodies = {"Q": "Question?", "A": "Answer.", "问": "问题?", "答": "答案。"}
    text = f"## Title | 标题\nid: {card_id}\n{extra}"
    for name in sections:
        text += f"\n### {name}\n{bodies[name]}\n"
    return text


def test_reads_every_field_of_a_well_formed_deck() -> None:
    parsed = parse(DECK)
    assert parsed.problems == []
    assert parsed.deck.title_en == "Optimisation" and parsed.deck.title_zh == "优化"
    assert [card.id for card in parsed.cards] == ["gd-update", "adam-bias", "momentum"]
    first = parsed.cards[0]
    assert (first.title_en, first.title_zh, first.line) == ("Gradient descent", "梯度下降", 3)
    assert first.tags == ("optimisation", "gradient-descent")
    assert first.source == "revision-notes § 梯度下降"
    assert first.front_zh == "写出梯度下降的更新式。"
    assert first.back_en.startswith("$$\\theta \\leftarrow")
    assert parsed.cards[1].demo == "optimizers"


def test_headings_inside_code_fences_are_content() -> None:
    text = "# D | 甲\n\n" + card_block().replace("Answer.", "```\n## not a card\n### Q\n```")
    parsed = parse(text)
    assert parsed.problems == []
    assert "## not a card" in parsed.cards[0].back_en


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("Deck without title\n" + card_block(), 1, "deck title"),
        ("# Only English\n" + card_block(), 1, "deck title"),
        ("# D | 甲\n" + card_block().replace("id: c1\n", ""), 2, "no `id:` line"),
        ("# D | 甲\n" + card_block("Bad_ID"), 3, "bad id `Bad_ID`"),
        ("# D | 甲\n" + card_block(extra="colour: red\n"), 4, "unknown key `colour`"),
        ("# D | 甲\n" + card_block(extra="this is prose\n"), 4, "expected `key: value`"),
        ("# D | 甲\n" + card_block(sections="QA问"), 2, "no `### 答` section"),
        ("# D | 甲\n" + card_block().replace("### A\nAnswer.", "### A\n"), 8, "section `### A` is empty"),
        ("# D | 甲\n" + card_block().replace("### A", "### Answer"), 8, "unknown section `### Answer`"),
        ("# D | 甲\n" + card_block().replace("Answer.", "$x + y"), 9, "unclosed $"),
        ("# D | 甲\n" + card_block().replace("Answer.", "see\n$\\frobnicate{x}$"), 10, "\\frobnicate"),
        ("# D | 甲\n" + card_block(extra="source: nowhere § 1\n"), 4, "unknown note `nowhere`"),
        ("# D | 甲\n" + card_block(extra="source: revision-notes\n"), 4, "must read `note-key § section`"),
        ("# D | 甲\n" + card_block(extra="tags: ok bad!tag\n"), 4, "bad tag `bad!tag`"),
        ("# D | 甲\n" + card_block(extra="demo: teleport\n"), 4, "unknown demo `teleport` (known: optimizers)"),
        ("# D | 甲\n" + card_block(extra="demo: teleport lr=1\n"), 4, "unknown demo `teleport`"),
        ("# D | 甲\n" + card_block(extra="demo: optimizers lr\n"), 4, "`lr` in `demo: optimizers lr`: write a value as name=value"),
        ("# D | 甲\n" + card_block(extra="demo: optimizers lr=1 lr=2\n"), 4, "`lr` is given twice"),
        ("# D | 甲\n" + card_block(extra='demo: optimizers surface="saddle\n'), 4, "has an unclosed quote"),
        ("# D | 甲\n" + card_block().replace("## Title | 标题", "## Title only"), 2, "card heading"),
    ],
)
def test_each_mistake_is_reported_at_its_line(text: str, line: int, fragment: str) -> None:
    parsed = parse(text)
    assert parsed.problems, "expected a problem"
    problem = parsed.problems[0]
    assert problem.line == line, str(problem)
    assert fragment in problem.message
    assert str(problem).startswith(f"cards/deck.md:{line}: ")


def test_a_bad_card_does_not_hide_the_good_ones() -> None:
    text = "# D | 甲\n" + card_block("good-one") + "\n" + card_block("bad-one", sections="Q") + "\n" + card_block("good-two")
    parsed = parse(text)
    assert [card.id for card in parsed.cards] == ["good-one", "good-two"]
    assert len(parsed.problems) == 3


def test_duplicate_id_in_one_file_names_both_lines() -> None:
    text = "# D | 甲\n" + card_block("same") + "\n" + card_block("same")
    parsed = parse(text)
    assert [card.id for card in parsed.cards] == ["same"]
    assert parsed.problems[0].message == "duplicate id `same` (first used at line 2)"


def test_escaped_dollar_is_not_a_formula() -> None:
    parsed = parse("# D | 甲\n" + card_block().replace("Answer.", "costs \\$5 and $x^2$"))
    assert parsed.problems == []


def test_a_demo_line_carries_the_values_its_demo_opens_on() -> None:
    extra = 'demo: conv_size preset=custom layers="conv k=5 c=6" start-x=2\n'
    card = parse("# D | 甲\n" + card_block(extra=extra.replace("conv_size", "optimizers"))).cards[0]
    assert card.demo_link.name == "optimizers"
    assert card.demo_link.as_dict() == {"preset": "custom", "layers": "conv k=5 c=6", "start_x": "2"}
    assert card.demo_line == 4


def test_formula_lines_are_counted_past_code_escaped_dollars_and_other_formulas() -> None:
    answer = "$a$ and `$not math$`\n```\n$ in a fence\n```\n$\\bad{b}$ costs \\$5\n\n$$c$$\nthen $\\frobnicate{x}$"
    parsed = parse("# D | 甲\n" + card_block().replace("Answer.", answer))
    assert [(problem.line, problem.message.split(":")[0]) for problem in parsed.problems] == [
        (13, "formula $\\bad{b}$"), (16, "formula $\\frobnicate{x}$")]


def test_a_byte_order_mark_before_the_title_is_not_text() -> None:
    parsed = parse("\ufeff" + DECK)
    assert parsed.problems == [] and parsed.deck.title_en == "Optimisation"


@pytest.mark.parametrize(("separator", "line"), [("\f", 10), ("\u2028", 10), ("\x1c", 10), ("\r\n", 11), ("\r", 11)])
def test_lines_are_counted_as_an_editor_counts_them(separator: str, line: int) -> None:
    """Only a line break starts a new line (str.splitlines also breaks at a form feed or U+2028)."""
    text = "# D | 甲\n" + card_block().replace("Answer.", f"one{separator}two\n$\\frobnicate{{x}}$")
    assert [problem.line for problem in parse(text).problems] == [line]


def test_a_formula_the_converter_cannot_read_keeps_its_card_and_shows_as_its_latex() -> None:
    from revise.text.card_markdown import DisplayFormula, card_blocks

    parsed = parse("# D | 甲\n" + card_block().replace("Answer.", "see $\\frobnicate{x}$\n$$\\wibble{y}$$"))
    assert [card.id for card in parsed.cards] == ["c1"], "the card loads"
    assert [(problem.line, problem.warning) for problem in parsed.problems] == [(9, True), (10, True)]
    assert str(parsed.problems[0]).startswith("cards/deck.md:9: warning: formula $\\frobnicate{x}$")
    blocks = card_blocks(parsed.cards[0].back_en)
    assert "frobnicate" in blocks[0] and blocks[1] == DisplayFormula("\\wibble{y}", "\\wibble{y}")


def test_an_unclosed_dollar_keeps_its_card_shown_as_written() -> None:
    from revise.text.card_markdown import card_blocks

    parsed = parse("# D | 甲\n" + card_block().replace("Answer.", "costs $5 a month"))
    assert [card.id for card in parsed.cards] == ["c1"] and parsed.problems[0].warning
    assert card_blocks(parsed.cards[0].back_en) == ["costs $5 a month"]


def test_an_answer_over_120_words_is_a_warning_and_the_card_loads() -> None:
    from revise.text.card_markdown import word_count

    assert word_count("one two $x^2$ three") == 4, "a formula counts as one word"
    assert word_count("梯度下降法") == 3, "Chinese at 1.7 characters a word"
    parsed = parse("# D | 甲\n" + card_block().replace("答案。", "长" * 250))
    assert [card.id for card in parsed.cards] == ["c1"]
    assert [(problem.line, problem.warning) for problem in parsed.problems] == [(15, True)]
    assert "about 147 words" in parsed.problems[0].message
