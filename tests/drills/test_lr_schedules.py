"""The lr_schedules drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.lr_schedules import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def _rate(v: dict) -> float:
    """The schedule's closed form at epoch t (torch's, t counted from 0)."""
    lr, t = v["lr"], v["t"]
    if v["schedule"] == "step":
        assert t // v["step_size"] >= 1, "at least one drop"
        return lr * v["gamma"] ** (t // v["step_size"])
    if v["schedule"] == "exponential":
        return lr * v["gamma"] ** t
    if v["schedule"] == "inverse_time":
        return lr / (1 + v["decay_rate"] * t)
    assert 0 < t < v["t_max"], "inside the first half-period"
    return v["eta_min"] + (lr - v["eta_min"]) * (1 + math.cos(math.pi * t / v["t_max"])) / 2


def test_the_rate_at_epoch_t_follows_the_schedules_formula() -> None:
    seen = set()
    for seed in SEEDS:
        instance = BY_NAME["rate_at_step"].instance(seed)
        v = instance.values
        seen.add(v["schedule"])
        expected = _rate(v)
        assert 0 < expected < v["lr"] and f"{expected:.3g}" != f"{v['lr']:.3g}", "the rate has visibly decayed"
        assert math.isclose(instance.worked.answers["rate"], expected, rel_tol=1e-12)
    assert seen == {"step", "exponential", "inverse_time", "cosine"}


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = next(BY_NAME["rate_at_step"].instance(seed) for seed in SEEDS
                    if BY_NAME["rate_at_step"].instance(seed).values["schedule"] == "exponential")
    v = instance.values
    (off_by_one,) = instance.check({"rate": f"{v['lr'] * v['gamma'] ** (v['t'] + 1):.3g}"})
    assert not off_by_one.right
