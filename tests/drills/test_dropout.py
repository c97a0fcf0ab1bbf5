"""The dropout drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.dropout import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_a_kept_unit_is_scaled_by_one_over_keep_prob_and_its_mean_is_kept() -> None:
    for seed in SEEDS:
        instance = BY_NAME["inverted_scale"].instance(seed)
        keep_prob, a = instance.values["keep_prob"], instance.values["a"]
        assert 0 < keep_prob < 1 and 0 < a <= 5 and round(a, 2) == a
        assert math.isclose(instance.worked.answers["kept"], a / keep_prob, rel_tol=1e-12)
        assert math.isclose(instance.worked.answers["expected"], a, rel_tol=1e-12)


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["inverted_scale"].instance(2)
    keep_prob, a = instance.values["keep_prob"], instance.values["a"]
    marks = instance.check({"kept": f"{a * keep_prob:.3g}", "expected": f"{a / keep_prob:.3g}"})
    assert not marks[0].right and not marks[1].right
