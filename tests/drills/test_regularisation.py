"""The regularisation drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.regularisation import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_one_step_shrinks_w_by_one_minus_alpha_lambda_over_m_then_steps() -> None:
    for seed in SEEDS:
        instance = BY_NAME["weight_decay_step"].instance(seed)
        v = instance.values
        w, grad, lam, lr, m = v["w"], v["grad"], v["lam"], v["lr"], v["m"]
        expected = w - lr * (grad + lam / m * w)
        assert grad != 0 and abs(expected) >= 0.1
        (plain,) = instance.check({"weight": f"{w - lr * grad:.3g}"})
        (undivided,) = instance.check({"weight": f"{w * (1 - lr * lam) - lr * grad:.3g}"})
        assert not plain.right and not undivided.right, "forgetting the decay or the 1/m shows at 3 figures"
        third_figure = 10 ** (math.floor(math.log10(abs(expected))) - 2)
        assert abs(lr * lam / m * w) >= 1.5 * third_figure and abs(lr * lam * w * (1 - 1 / m)) >= 1.5 * third_figure
        assert math.isclose(instance.worked.answers["weight"], expected, rel_tol=1e-12)


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["weight_decay_step"].instance(5)
    v = instance.values
    (plain,) = instance.check({"weight": f"{v['w'] - v['lr'] * v['grad']:.3g}"})  # forgot the penalty
    (undivided,) = instance.check({"weight": f"{v['w'] * (1 - v['lr'] * v['lam']) - v['lr'] * v['grad']:.3g}"})
    assert not plain.right and not undivided.right
