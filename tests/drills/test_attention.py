"""The attention drills against an independent computation, over 1,000 seeds each."""

from __future__ import annotations

import math

from demos.attention import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_attention_weights_are_the_softmax_of_the_scaled_scores() -> None:
    key_counts, sizes = set(), set()
    for seed in SEEDS:
        instance = BY_NAME["attention_weights"].instance(seed)
        v = instance.values
        q, keys, d_k, key = v["q"], v["keys"], v["d_k"], v["key"]
        key_counts.add(len(keys))
        sizes.add(d_k)
        assert len(q) == d_k and all(len(k) == d_k for k in keys) and 1 <= key <= len(keys)
        assert all(isinstance(x, int) and -1 <= x <= 2 for x in q + [x for k in keys for x in k]), "small integers"
        dots = [sum(a * b for a, b in zip(q, k)) for k in keys]
        assert len(set(dots)) == len(dots), "no two keys tie"
        exps = [math.exp(dot / math.sqrt(d_k)) for dot in dots]
        expected = exps[key - 1] / sum(exps)
        assert 0.03 <= expected <= 0.97, "neither near 0 nor near 1"
        assert math.isclose(instance.worked.answers["weight"], expected, rel_tol=1e-12)
        assert f"k{key}" in instance.question_en and f"d_k = {d_k}" in instance.question_en
    assert key_counts == {2, 3} and sizes == {2, 3, 4}


def test_positional_values_are_the_sine_or_cosine_of_the_scaled_position() -> None:
    functions = set()
    for seed in SEEDS:
        instance = BY_NAME["positional_value"].instance(seed)
        v = instance.values
        pos, i, j, d_model = v["pos"], v["i"], v["j"], v["d_model"]
        assert j in (2 * i, 2 * i + 1) and 0 <= j < d_model and d_model % 2 == 0 and pos >= 1
        assert v["form"] == ("2i + 1" if j % 2 else "2i")
        angle = pos / 10000 ** (2 * i / d_model)
        expected = math.cos(angle) if j % 2 else math.sin(angle)
        functions.add(j % 2)
        assert 0.05 <= abs(expected) <= 0.99, "not near 0 or ±1"
        assert math.isclose(instance.worked.answers["value"], expected, rel_tol=1e-12, abs_tol=1e-15)
    assert functions == {0, 1}, "both sines and cosines come up"


def test_a_wrong_answer_is_marked_wrong() -> None:
    weights = BY_NAME["attention_weights"].instance(4)
    v = weights.values
    dots = [sum(a * b for a, b in zip(v["q"], k)) for k in v["keys"]]
    exps = [math.exp(dot) for dot in dots]  # forgetting to divide by sqrt(d_k)
    (unscaled,) = weights.check({"weight": f"{exps[v['key'] - 1] / sum(exps):.3g}"})
    assert not unscaled.right
    encoding = BY_NAME["positional_value"].instance(4)
    (wrong,) = encoding.check({"value": f"{-encoding.worked.answers['value']:.3g}"})
    assert not wrong.right
