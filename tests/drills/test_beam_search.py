"""The beam-search drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

from fractions import Fraction

from demos.beam_search import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}
LETTERS = ("A", "B", "C", "D")


def test_the_beam_keeps_the_b_best_joint_probabilities() -> None:
    widths = set()
    for seed in SEEDS:
        instance = BY_NAME["next_beam"].instance(seed)
        v = instance.values
        width, first, second = v["beam_width"], v["first"], v["second"]
        widths.add(width)
        first_p = {word: Fraction(str(p)) for word, p in first}
        assert len(first_p) == width + 1 and sum(first_p.values()) == 1 and all(0 < p < 1 for p in first_p.values())
        assert len(set(first_p.values())) == width + 1, "no tie among the first words"
        kept_first = sorted(first_p, key=lambda word: -first_p[word])[:width]
        assert sorted(parent for parent, _ in second) == sorted(kept_first)
        joint = {}
        for parent, nexts in second:
            probabilities = [Fraction(str(p)) for _, p in nexts]
            assert 2 <= len(nexts) <= 3 and sum(probabilities) == 1 and all(0 < p < 1 for p in probabilities)
            for (word, _), p in zip(nexts, probabilities):
                joint[f"{parent} {word}"] = first_p[parent] * p
        ranked = sorted(joint.values(), reverse=True)
        assert len(set(ranked)) == len(ranked), "no ties"
        assert ranked[width - 1] - ranked[width] >= Fraction(1, 100), "a clear margin at the cut"
        expected = set(sorted(joint, key=lambda text: -joint[text])[:width])
        options = [set(option) for option in v["options"]]
        assert len(options) == 4 and all(len(option) == width for option in options)
        assert all(a != b for i, a in enumerate(options) for b in options[i + 1:]), "four different options"
        assert options.count(expected) == 1
        assert instance.worked.answers["kept"] == LETTERS[options.index(expected)]
    assert widths == {2, 3}


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["next_beam"].instance(4)
    right = instance.worked.answers["kept"]
    wrong = next(letter for letter in LETTERS if letter != right)
    (mark,) = instance.check({"kept": wrong})
    (unreadable,) = instance.check({"kept": "E"})
    assert not mark.right and not mark.problem
    assert not unreadable.right and "not one of" in unreadable.problem
