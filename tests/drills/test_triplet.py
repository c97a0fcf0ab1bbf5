"""The triplet-loss drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.triplet import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def squared_distance(x: list, y: list) -> float:
    return sum((a - b) ** 2 for a, b in zip(x, y))


def test_triplet_losses_use_squared_distances_and_both_cases_come_up() -> None:
    zero = positive = 0
    for seed in SEEDS:
        instance = BY_NAME["triplet_loss"].instance(seed)
        v = instance.values
        a, p, n, margin = v["anchor"], v["positive"], v["negative"], v["margin"]
        assert all(round(x, 1) == x for x in a + p + n) and margin in (0.1, 0.2, 0.3, 0.5), "one decimal"
        d_ap, d_an = squared_distance(a, p), squared_distance(a, n)
        assert d_ap > 1e-9 and d_an > 1e-9, "neither point sits on the anchor"
        hinge = d_ap - d_an + margin
        assert abs(hinge) >= 0.05 - 1e-9, "not a near-tie at the hinge"
        expected = max(0.0, hinge)
        assert math.isclose(instance.worked.answers["loss"], expected, rel_tol=1e-9, abs_tol=1e-12)
        zero += expected == 0
        positive += expected > 0
        assert "squared" in instance.question_en and "平方" in instance.question_zh
    assert zero >= 300 and positive >= 300, "both the zero and the positive case come up often"


def test_a_wrong_answer_is_marked_wrong() -> None:
    for seed in SEEDS:
        instance = BY_NAME["triplet_loss"].instance(seed)
        if instance.worked.answers["loss"] > 0:
            break
    v = instance.values
    plain = max(0.0, math.dist(v["anchor"], v["positive"]) - math.dist(v["anchor"], v["negative"]) + v["margin"])
    if not math.isclose(plain, instance.worked.answers["loss"], rel_tol=1e-2):
        (unsquared,) = instance.check({"loss": f"{plain:.3g}"})
        assert not unsquared.right
    (zero,) = instance.check({"loss": "0"})
    assert not zero.right
