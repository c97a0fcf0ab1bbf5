"""The optimizers drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.optimizers import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_adams_first_step_is_the_bias_corrected_update() -> None:
    near_eps = 0
    for seed in SEEDS:
        instance = BY_NAME["adam_first_step"].instance(seed)
        v = instance.values
        g, lr, beta1, beta2, eps = v["g"], v["lr"], v["beta1"], v["beta2"], v["eps"]
        assert g != 0 and lr > 0 and 0 < beta1 < 1 and 0 < beta2 < 1 and eps > 0
        assert float(v["g_text"]) == g and float(v["lr_text"]) == lr and float(v["eps_text"]) == eps
        m, s = (1 - beta1) * g, (1 - beta2) * g * g
        m_hat, s_hat = m / (1 - beta1), s / (1 - beta2)
        expected = lr * abs(m_hat) / (math.sqrt(s_hat) + eps)
        assert math.isclose(instance.worked.answers["size"], expected, rel_tol=1e-9)
        near_eps += abs(g) <= 10 * eps
    assert 200 <= near_eps <= 500, "about a third of the problems have a gradient near eps"


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = next(BY_NAME["adam_first_step"].instance(seed) for seed in SEEDS
                    if abs(BY_NAME["adam_first_step"].instance(seed).values["g"]) >= 0.1)
    v = instance.values
    (sgd,) = instance.check({"size": f"{v['lr'] * abs(v['g']):.3g}"})  # the plain SGD step
    (right,) = instance.check({"size": f"{v['lr']:.3g}"})
    assert not sgd.right and right.right
