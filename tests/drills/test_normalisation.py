"""The normalisation drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.normalisation import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_batch_norm_output_uses_the_batch_mean_and_biased_variance() -> None:
    for seed in SEEDS:
        instance = BY_NAME["batch_norm_output"].instance(seed)
        v = instance.values
        z, i = v["z"], v["example"]
        assert 3 <= len(z) == v["size"] <= 4 and v["example_number"] == i + 1
        mean = sum(z) / len(z)
        var = sum((value - mean) ** 2 for value in z) / len(z)
        expected = v["gamma"] * (z[i] - mean) / math.sqrt(var + v["eps"]) + v["beta"]
        assert var >= 1 and z[i] != mean and abs(expected) >= 0.05
        assert float(v["eps_text"]) == v["eps"]
        assert math.isclose(instance.worked.answers["variance"], var, rel_tol=1e-12)
        assert math.isclose(instance.worked.answers["output"], expected, rel_tol=1e-9, abs_tol=1e-12)


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["batch_norm_output"].instance(1)
    z = instance.values["z"]
    mean = sum(z) / len(z)
    unbiased = sum((value - mean) ** 2 for value in z) / (len(z) - 1)
    marks = instance.check({"variance": f"{unbiased:.3g}", "output": "0"})
    assert not marks[0].right and not marks[1].right
