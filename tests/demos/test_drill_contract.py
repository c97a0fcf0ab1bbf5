"""What every drill of every demo module must do, checked over many seeds: a valid instance whose questions,
answers and worked solution are complete in both languages, and whose answers, typed back, are right."""

from __future__ import annotations

import json

import pytest

from revise.demo_engine.drill import Drill, drill_seed
from revise.demo_engine.registry import all_drills

DRILLS = all_drills()
SEEDS = range(200)


def test_at_least_30_bundled_cards_ask_a_drill_that_exists() -> None:
    from revise.cards.loader import card_files, load_known_names, read_card_file
    from revise.paths import PROJECT_ROOT

    folder = PROJECT_ROOT / "cards"
    known, _ = load_known_names(folder)
    named = [card.drill for path in card_files(folder) for card in read_card_file(path, known).cards if card.drill]
    assert len(named) >= 30, "issue 15: at least 30 drill cards"
    assert set(named) <= set(DRILLS) and len(DRILLS) >= 30


@pytest.mark.parametrize("name", sorted(DRILLS))
def test_every_instance_is_complete_and_its_answers_typed_back_are_right(name: str) -> None:
    drill: Drill = DRILLS[name]
    assert drill.title_en and drill.title_zh and drill.fields
    for seed in SEEDS:
        instance = drill.instance(seed)
        json.dumps(instance.values)
        assert "{" not in instance.question_en and "{" not in instance.question_zh
        assert instance.worked.steps_en and len(instance.worked.steps_en) == len(instance.worked.steps_zh)
        shown = {field.name: field.show(instance.worked.answers[field.name]) for field in drill.fields}
        marks = instance.check(shown)
        assert all(mark.right for mark in marks), (seed, shown, marks)
        assert instance.values == drill.instance(seed).values, "a seed always draws the same numbers"


@pytest.mark.parametrize("name", sorted(DRILLS))
def test_different_seeds_draw_different_problems(name: str) -> None:
    questions = {DRILLS[name].instance(seed).question_en for seed in SEEDS}
    assert len(questions) >= 20


def test_a_cards_numbers_stay_until_it_is_rated_and_change_after() -> None:
    assert drill_seed("conv-output", 3) == drill_seed("conv-output", 3)
    assert len({drill_seed("conv-output", reviews) for reviews in range(50)}) == 50
    assert drill_seed("conv-output", 0) != drill_seed("pooling", 0)
