"""The BLEU drills against an independent computation, over 1,000 seeds each."""

from __future__ import annotations

import math
from collections import Counter

from demos.bleu import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def grams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def test_clipped_precision_counts_each_ngram_at_most_as_often_as_in_one_reference() -> None:
    orders, reference_counts = set(), set()
    for seed in SEEDS:
        instance = BY_NAME["clipped_precision"].instance(seed)
        v = instance.values
        n, candidate = v["order"], v["candidate"].split()
        references = [reference.split() for reference in v["references"]]
        orders.add(n)
        reference_counts.add(len(references))
        counts = grams(candidate, n)
        ceiling = {gram: max(grams(reference, n)[gram] for reference in references) for gram in counts}
        matched = sum(min(count, ceiling[gram]) for gram, count in counts.items())
        total = sum(counts.values())
        assert 4 <= len(candidate) <= 10 and 0 < matched < total, "neither 0 nor 1"
        assert any(count > ceiling[gram] >= 1 for gram, count in counts.items()), "clipping bites"
        assert math.isclose(instance.worked.answers["precision"], matched / total, rel_tol=1e-12)
    assert orders == {1, 2} and reference_counts == {1, 2}


def test_brevity_penalty_uses_the_closest_reference_length() -> None:
    for seed in SEEDS:
        instance = BY_NAME["brevity_penalty"].instance(seed)
        c, lengths = instance.values["candidate"], instance.values["references"]
        distances = sorted(abs(length - c) for length in lengths)
        assert len(distances) == 1 or distances[0] < distances[1], "no tie for the closest reference"
        r = min(lengths, key=lambda length: abs(length - c))
        assert r > c >= 1, "the candidate is short: BP < 1"
        assert math.isclose(instance.worked.answers["bp"], math.exp(1 - r / c), rel_tol=1e-12)
        assert 0 < instance.worked.answers["bp"] < 1


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["brevity_penalty"].instance(2)
    c, lengths = instance.values["candidate"], instance.values["references"]
    r = min(lengths, key=lambda length: abs(length - c))
    (wrong,) = instance.check({"bp": f"{math.exp(1 - c / r):.3g}"})  # r/c the wrong way round
    assert not wrong.right
    precision = BY_NAME["clipped_precision"].instance(5)
    (unclipped,) = precision.check({"precision": "1"})
    (fraction,) = precision.check({"precision": f"{precision.worked.answers['precision']:.6f}"})
    assert not unclipped.right and fraction.right
