"""The softmax drills against an independent computation, over 1,000 seeds each."""

from __future__ import annotations

import math

from demos.softmax import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_softmax_probabilities_are_the_named_classs_share_of_the_exponentials() -> None:
    for seed in SEEDS:
        instance = BY_NAME["softmax_probability"].instance(seed)
        logits, target = instance.values["logits"], instance.values["target"]
        assert 3 <= len(logits) <= 4 and len(set(logits)) == len(logits), "no ties"
        assert all(round(value, 1) == value and -3 <= value <= 3 for value in logits)
        assert f"{logits[target]:.1f}" in instance.question_en
        expected = math.exp(logits[target]) / sum(math.exp(value) for value in logits)
        assert 0.02 <= expected <= 0.98
        assert math.isclose(instance.worked.answers["probability"], expected, rel_tol=1e-12)


def test_cross_entropy_is_minus_the_log_of_the_true_classs_probability() -> None:
    kinds = set()
    for seed in SEEDS:
        instance = BY_NAME["cross_entropy"].instance(seed)
        v = instance.values
        kinds.add(v["given"])
        if v["given"] == "logits":
            assert len(set(v["logits"])) == len(v["logits"]) >= 3
            expected = math.log(sum(math.exp(z) for z in v["logits"])) - v["logits"][v["target"]]
        else:
            p = v["probabilities"]
            assert 3 <= len(p) <= 4 and all(0 < value < 1 for value in p)
            assert math.isclose(sum(p), 1.0) and all(round(value * 20, 9) % 1 == 0 for value in p)
            expected = -math.log(p[v["target"]])
        assert expected >= 0.02, "a loss that is not almost 0"
        assert math.isclose(instance.worked.answers["loss"], expected, rel_tol=1e-9)
    assert kinds == {"logits", "probabilities"}


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["softmax_probability"].instance(3)
    right = instance.worked.answers["probability"]
    (wrong,) = instance.check({"probability": f"{1 - right:.3g}"})
    (close,) = instance.check({"probability": f"{right:.3g}"})
    assert not wrong.right and close.right
    loss = BY_NAME["cross_entropy"].instance(3)
    (log10,) = loss.check({"loss": f"{loss.worked.answers['loss'] / math.log(10):.3g}"})  # used log base 10
    assert not log10.right
