"""Cloze cards: the syntax (inside formulas too), one review item per cloze number, siblings buried for the day,
the hidden part on the front and highlighted on the back, in the files, the database and the app."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from revise.cards.parser import parse_card_file
from revise.collection import Collection, utc_now
from revise.text.card_markdown import CardSides, DisplayFormula
from revise.text.cloze import ClozeError, anki_text, find_clozes, show_cloze
from revise.ui.app import ReviseApp
from tests.conftest import touch_later
from tests.screen import screen_text, wait_for_text

SIZE = (100, 30)

CLOZE_CARD = """
## Adam bias correction | Adam 偏差修正
id: adam-bias
demo: optimizers

### Cloze
Adam divides $v_t$ by $$\\hat{v}_t = \\frac{v_t}{ {{c1::1-\\beta_2^t::a power of beta}} }$$ and $m_t$ by {{c2::$1-\\beta_1^t$}}.

### 填空
Adam 把 $v_t$ 除以 $$\\hat{v}_t = \\frac{v_t}{ {{c1::1-\\beta_2^t::a power of beta}} }$$,把 $m_t$ 除以 {{c2::$1-\\beta_1^t$}}。

### Extra
Both start at zero, so early averages are too small.

### 补充
两者都从零开始,早期的平均值偏小。
"""


def _cloze_deck(cards_dir: Path) -> Path:
    """The test deck with its `adam-bias` question turned into the cloze card above."""
    deck = cards_dir / "optimisation.md"
    text = deck.read_text(encoding="utf-8")
    start = text.index("## Adam bias correction")
    end = text.index("## Momentum")
    deck.write_text(text[:start] + CLOZE_CARD.lstrip() + "\n" + text[end:], encoding="utf-8")
    touch_later(deck)
    return deck


def _parse(card: str):
    return parse_card_file("# Deck | 卡组\n" + card, "deck.md", "deck")


def test_a_cloze_card_is_one_item_per_cloze_number_sharing_its_text() -> None:
    parsed = _parse(CLOZE_CARD)
    assert parsed.problems == []
    assert [card.id for card in parsed.cards] == ["adam-bias::c1", "adam-bias::c2"]
    assert [(card.cloze, card.written_id) for card in parsed.cards] == [(1, "adam-bias"), (2, "adam-bias")]
    assert parsed.cards[0].front_en == parsed.cards[1].front_en
    assert parsed.cards[0].back_zh == "两者都从零开始,早期的平均值偏小。"


def test_the_front_hides_its_cloze_and_the_back_highlights_it_inside_and_outside_formulas() -> None:
    first, second = _parse(CLOZE_CARD).cards
    front = CardSides.of(first).front["en"]
    assert front[1] == DisplayFormula("\\hat{v}_t = \\frac{v_t}{ [\\text{a power of beta}] }", "v̂ₜ = vₜ/[a power of beta]")
    assert front[2] == "and mₜ by 1-β₁ᵗ.", "the other cloze is shown plainly"
    back = CardSides.of(first).back["en"]
    assert back[1].unicode == "v̂ₜ = vₜ/(1̲-̲β̲₂̲ᵗ̲)", "underlined where it was hidden"
    assert back[-1].endswith("\n\nBoth start at zero, so early averages are too small."), "then the extra"
    assert CardSides.of(first).replaces_front
    assert CardSides.of(second).front["en"][2] == "and mₜ by \\[…\\]."
    assert CardSides.of(second).back["en"][2].startswith("and mₜ by **1-β₁ᵗ**.\n")
    assert CardSides.of(second).front["zh"][2] == ",把 mₜ 除以 \\[…\\]。"


def test_braces_nest_inside_a_cloze_and_anki_reads_it_the_same_way() -> None:
    text = "$x = {{c1::\\frac{a}{b}}}$"
    assert [cloze.answer for cloze in find_clozes(text)] == ["\\frac{a}{b}"]
    assert show_cloze(text, 1, reveal=False) == "$x = [\\ldots]$"
    assert anki_text(text) == "$x = {{c1::\\frac{a}{b} }}$", "Anki ends a cloze at the first }}"
    assert anki_text("{{c1::a::hint}} {{c2::b}}") == "{{c1::a::hint}} {{c2::b}}"


@pytest.mark.parametrize(("text", "message"), [
    ("see {{c1::the end", "cloze `{{c1::` is never closed with `}}`"),
    ("a {{c1::  }} b", "cloze c1 hides nothing"),
    ("a {{c0::b}}", "cloze numbers start at 1"),
    ("{{c1::a $b}} c$", "starts outside a formula and ends inside it"),
])
def test_broken_clozes_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ClozeError, match=message.replace("{", "\\{").replace("}", "\\}")):
        find_clozes(text)


def test_cloze_mistakes_are_problems_at_their_line() -> None:
    broken = CLOZE_CARD.replace("{{c2::$1-\\beta_1^t$}}。", "$1-\\beta_1^t$。")
    assert [str(problem) for problem in _parse(broken).problems] == [
        "deck.md:10: the cloze numbers differ: ### Cloze has c1, c2, ### 填空 has c1; each number hides the same "
        "part on both sides"]
    unclosed = CLOZE_CARD.replace("{{c2::$1-\\beta_1^t$}}.", "{{c2::$1-\\beta_1^t$.")
    assert [str(problem) for problem in _parse(unclosed).problems] == [
        "deck.md:8: cloze `{{c2::` is never closed with `}}`"]
    none = CLOZE_CARD.replace("### Cloze\n", "### Cloze\nNo gap here.\n\n", 1)
    none = none[:none.index("No gap here.") + len("No gap here.")] + none[none.index("\n### 填空"):]
    assert "has no cloze" in str(_parse(none).problems[0])
    mixed = CLOZE_CARD.replace("### Extra", "### A")
    assert "`### A` in a cloze card" in str(_parse(mixed).problems[0])
    drilled = CLOZE_CARD.replace("demo: optimizers", "demo: optimizers\ndrill: ewma.bias_corrected")
    assert "a cloze card has no `drill:`" in str(_parse(drilled).problems[0]), "a drill would show the hidden part"
    twice = _parse(CLOZE_CARD + CLOZE_CARD.replace("## Adam", "## Again"))
    assert [str(problem) for problem in twice.problems] == ["deck.md:19: duplicate id `adam-bias` (first used at line 3)"]
    assert len(twice.cards) == 2


def test_each_cloze_has_its_own_schedule_and_its_sibling_waits_for_tomorrow(collection: Collection,
                                                                           cards_dir: Path) -> None:
    now = utc_now()
    card = collection.next_card(now)
    collection.rate(card, 3, 1000, now)  # gd-update first: new cards come in file order
    _cloze_deck(cards_dir)
    report = collection.sync(now)
    assert report.added == ["adam-bias::c2"] and report.renamed == [("adam-bias", "adam-bias::c1")]
    assert collection.counts(now).new == 3
    first = collection.next_card(now)
    assert first.text.id == "adam-bias::c1"
    collection.rate(first, 4, 1000, now)  # Easy: straight to review, days away
    assert collection.counts(now).new == 1, "c2 is buried for the day once c1 is rated"
    assert collection.next_card(now).text.id == "momentum"
    tomorrow = now + timedelta(days=1)
    assert collection.counts(tomorrow).new == 2, "c2 is new again the next day"
    assert collection.card("adam-bias::c1").schedule.state == "review"
    assert collection.card("adam-bias::c2").schedule.state == "new"


def test_search_lists_a_cloze_card_once_and_finds_its_hidden_words(collection: Collection, cards_dir: Path) -> None:
    _cloze_deck(cards_dir)
    collection.sync()
    assert [hit.card_id for hit in collection.search("early averages").hits] == ["adam-bias::c1"]
    assert [hit.card_id for hit in collection.search("power").hits] == [], "a hint is not the card's text"
    assert [hit.card_id for hit in collection.search("β₂").hits] == ["adam-bias::c1"]


def test_renaming_a_cloze_card_renames_every_item(collection: Collection, cards_dir: Path) -> None:
    deck = _cloze_deck(cards_dir)
    collection.sync()
    collection.rename("adam-bias", "adam-bias-correction")
    assert "id: adam-bias-correction\nwas: adam-bias\n" in deck.read_text(encoding="utf-8")
    report = collection.sync()
    assert (report.added, report.retired, report.problems) == ([], [], [])
    assert sorted(card.text.id for card in collection.cards() if card.text.written_id == "adam-bias-correction") == [
        "adam-bias-correction::c1", "adam-bias-correction::c2"]


async def test_reviewing_a_cloze_shows_the_gap_then_the_whole_text_with_the_answer(db_path: Path,
                                                                                 cards_dir: Path) -> None:
    deck = _cloze_deck(cards_dir)
    deck.write_text(deck.read_text(encoding="utf-8").replace("id: gd-update", "id: gd-update\ntags: late"),
                    encoding="utf-8")
    text = deck.read_text(encoding="utf-8")
    start = text.index("## Adam bias correction")
    end = text.index("## Momentum")
    deck.write_text(text[:text.index("## Gradient descent")] + text[start:end], encoding="utf-8")  # the cloze only
    app = ReviseApp(db_path, cards_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "2 new")
        await pilot.press("space")
        await wait_for_text(pilot, "v̂ₜ = vₜ/[a power of beta]")
        shown = screen_text(pilot)
        assert "cloze 1/2" in shown and "and mₜ by 1-β₁ᵗ." in shown
        assert "early averages" not in shown
        await pilot.press("space")
        await wait_for_text(pilot, "Both start at zero, so early averages are too small.")
        shown = screen_text(pilot)
        assert "v̂ₜ = vₜ/(1̲-̲β̲₂̲ᵗ̲)" in shown
        assert "a power of beta" not in shown, "the answer takes the question's place"
        await pilot.press("4")
        await wait_for_text(pilot, "nothing more is due now")  # cloze 2 waits for tomorrow


def test_revise_show_takes_a_cloze_cards_id_and_shows_its_first_cloze(capsys, collection: Collection,
                                                                     cards_dir: Path, db_path: Path) -> None:
    from revise.cli import main

    _cloze_deck(cards_dir)
    collection.sync()
    assert main(["--db", str(db_path), "--cards", str(cards_dir), "show", "adam-bias"]) == 0
    shown = capsys.readouterr().out
    assert "id: adam-bias::c1" in shown and "v̂ₜ = vₜ/[a power of beta]" in shown and "{{c" not in shown
    answer = shown[shown.index("\nA\n"):shown.index("\n答\n")]
    assert "v̂ₜ = vₜ/(1̲-̲β̲₂̲ᵗ̲)" in answer and "Both start at zero" in answer
