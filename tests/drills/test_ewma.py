"""The ewma drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.ewma import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_bias_correction_divides_the_last_average_by_one_minus_beta_to_the_t() -> None:
    for seed in SEEDS:
        instance = BY_NAME["bias_corrected"].instance(seed)
        x, beta = instance.values["x"], instance.values["beta"]
        assert 3 <= len(x) == instance.values["days"] <= 4 and len(set(x)) > 1 and 0 < beta < 1
        v = 0.0
        for value in x:
            v = beta * v + (1 - beta) * value
        assert math.isclose(instance.worked.answers["plain"], v, rel_tol=1e-12)
        assert math.isclose(instance.worked.answers["corrected"], v / (1 - beta ** len(x)), rel_tol=1e-12)


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["bias_corrected"].instance(4)
    plain, corrected = instance.worked.answers["plain"], instance.worked.answers["corrected"]
    marks = instance.check({"plain": f"{plain:.3g}", "corrected": f"{plain:.3g}"})  # forgot the correction
    assert marks[0].right and not marks[1].right
    assert instance.check({"plain": "x", "corrected": f"{corrected:.3g}"})[1].right
