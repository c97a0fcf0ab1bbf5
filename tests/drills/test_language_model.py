"""The language-model drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math
from fractions import Fraction

from demos.language_model import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_perplexity_is_the_geometric_mean_of_the_inverse_probabilities() -> None:
    for seed in SEEDS:
        instance = BY_NAME["perplexity"].instance(seed)
        shown = [Fraction(item.strip()) for item in instance.values["probabilities"].split(",")]
        assert 3 <= len(shown) == instance.values["tokens"] <= 5
        assert all(0 < p < 1 for p in shown) and len(set(shown)) > 1
        expected = math.prod(1 / float(p) for p in shown) ** (1 / len(shown))
        assert math.isclose(instance.worked.answers["perplexity"], expected, rel_tol=1e-9)


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["perplexity"].instance(11)
    right = instance.worked.answers["perplexity"]
    (wrong,) = instance.check({"perplexity": f"{math.log(right):.3g}"})  # forgot the exp
    (close,) = instance.check({"perplexity": f"{right:.3g}"})
    assert not wrong.right and close.right
