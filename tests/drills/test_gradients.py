"""The gradients drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.gradients import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


FUNCTIONS = {  # f and f'
    "cube": (lambda x: x ** 3, lambda x: 3 * x * x),
    "exp": (math.exp, math.exp),
    "sin": (math.sin, math.cos),
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
}


def test_the_centred_difference_and_its_error_against_the_exact_derivative() -> None:
    for seed in SEEDS:
        instance = BY_NAME["centred_difference"].instance(seed)
        v = instance.values
        f, slope = FUNCTIONS[v["func"]]
        x, eps = v["x"], v["eps"]
        assert x != 0 and round(x, 1) == x and eps in (0.1, 0.05, 0.01)
        estimate = (f(x + eps) - f(x - eps)) / (2 * eps)
        error = abs(estimate - slope(x))
        assert abs(slope(x)) >= 0.05 and error >= 5e-6, "a derivative and an error worth reading"
        assert math.isclose(instance.worked.answers["estimate"], estimate, rel_tol=1e-9)
        assert math.isclose(instance.worked.answers["error"], error, rel_tol=1e-4)


def test_a_cubes_centred_difference_is_off_by_exactly_eps_squared() -> None:
    for seed in SEEDS:
        instance = BY_NAME["centred_difference"].instance(seed)
        if instance.values["func"] == "cube":
            assert math.isclose(instance.worked.answers["error"], instance.values["eps"] ** 2, rel_tol=1e-6)


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["centred_difference"].instance(1)
    v = instance.values
    f, slope = FUNCTIONS[v["func"]]
    forward = (f(v["x"] + v["eps"]) - f(v["x"])) / v["eps"]
    marks = instance.check({"estimate": f"{forward:.4g}", "error": f"{abs(forward - slope(v['x'])):.2g}"})
    assert not marks[0].right and not marks[1].right
