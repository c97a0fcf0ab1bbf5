"""The activations drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.activations import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_sigmoid_derivative_is_sigma_times_one_minus_sigma() -> None:
    for seed in SEEDS:
        instance = BY_NAME["sigmoid_derivative"].instance(seed)
        z = instance.values["z"]
        assert z != 0 and -4 <= z <= 4 and round(z, 2) == z
        sigma = 1 / (1 + math.exp(-z))
        assert math.isclose(instance.worked.answers["sigma"], sigma, rel_tol=1e-12)
        assert math.isclose(instance.worked.answers["derivative"], sigma * (1 - sigma), rel_tol=1e-12)


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["sigmoid_derivative"].instance(2)
    sigma = instance.worked.answers["sigma"]
    marks = instance.check({"sigma": f"{sigma:.3g}", "derivative": f"{sigma:.3g}"})  # σ for σ'
    assert marks[0].right and not marks[1].right
