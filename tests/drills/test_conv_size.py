"""The conv_size drills against an independent computation, over 1,000 seeds each."""

from __future__ import annotations

from demos.conv_size import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_output_shapes_are_whole_and_follow_the_size_formula() -> None:
    for seed in SEEDS:
        instance = BY_NAME["output_shape"].instance(seed)
        v = instance.values
        assert (v["n"] + 2 * v["padding"] - v["kernel"]) % v["stride"] == 0, "the output is whole"
        side = (v["n"] + 2 * v["padding"] - v["kernel"]) // v["stride"] + 1
        assert side >= 1 and v["padding"] < v["kernel"]
        assert instance.worked.answers["shape"] == (side, side, v["filters"])


def test_parameter_counts_are_weights_plus_one_bias_per_filter() -> None:
    for seed in SEEDS:
        instance = BY_NAME["parameters"].instance(seed)
        v = instance.values
        expected = sum(v["kernel"] * v["kernel"] * v["c_in"] + 1 for _ in range(v["filters"]))
        assert instance.worked.answers["parameters"] == expected


def test_a_wrong_answer_is_marked_wrong_and_an_unreadable_one_says_why() -> None:
    instance = BY_NAME["output_shape"].instance(5)
    side, _, filters = instance.worked.answers["shape"]
    (wrong,) = instance.check({"shape": f"{side + 1}x{side + 1}x{filters}"})
    (unreadable,) = instance.check({"shape": "twenty"})
    assert not wrong.right and not wrong.problem
    assert not unreadable.right and "not a shape" in unreadable.problem
