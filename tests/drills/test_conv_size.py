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


def test_pool_outputs_are_whole_keep_the_channels_and_follow_the_size_formula() -> None:
    for seed in SEEDS:
        instance = BY_NAME["pool_output"].instance(seed)
        v = instance.values
        room = v["n"] + 2 * v["padding"] - v["kernel"]
        assert room % v["stride"] == 0, "the output is whole"
        assert v["padding"] in (0, (v["kernel"] - 1) // 2) and 2 * v["padding"] < v["kernel"], "torch allows it"
        assert v["stride"] <= v["kernel"] and v["kind"] in ("maxpool", "avgpool")
        side = room // v["stride"] + 1
        assert side >= 2
        assert instance.worked.answers["shape"] == (side, side, v["channels"])
        assert {"maxpool": "max", "avgpool": "average"}[v["kind"]] + " pooling" in instance.question_en


def test_transposed_outputs_follow_torchs_formula_and_upsample() -> None:
    for seed in SEEDS:
        instance = BY_NAME["transposed_output"].instance(seed)
        v = instance.values
        side = (v["n"] - 1) * v["stride"] - 2 * v["padding"] + v["kernel"]
        assert side > v["n"] and v["padding"] < v["kernel"] and v["stride"] <= v["kernel"]
        assert instance.worked.answers["size"] == side


def test_receptive_fields_grow_back_from_one_output_pixel() -> None:
    for seed in SEEDS:
        instance = BY_NAME["receptive_field"].instance(seed)
        layers = instance.values["layers"]
        assert 2 <= len(layers) <= 4 and layers[0][0] == "conv"
        assert sum(kernel > 1 for _, kernel, _ in layers) >= 2, "at least two layers widen the field"
        field = 1
        for _, kernel, stride in reversed(layers):  # a window of `field` outputs needs this many inputs
            field = (field - 1) * stride + kernel
        assert instance.worked.answers["field"] == field
        assert instance.question_en.count("stride") == len(layers)


def test_bottleneck_costs_count_one_multiply_per_weight_per_output() -> None:
    for seed in SEEDS:
        instance = BY_NAME["bottleneck_cost"].instance(seed)
        v = instance.values
        positions = v["n"] * v["n"]
        direct = positions * v["c_out"] * v["kernel"] ** 2 * v["c_in"]
        squeeze = positions * v["mid"] * v["c_in"]
        conv = positions * v["c_out"] * v["kernel"] ** 2 * v["mid"]
        assert 4 * v["mid"] <= v["c_in"] and direct >= 2 * (squeeze + conv), "a real bottleneck that saves"
        assert instance.worked.answers == {"direct": direct, "bottleneck": squeeze + conv}


def test_wrong_answers_to_the_new_drills_are_marked_wrong() -> None:
    pooled = BY_NAME["pool_output"].instance(9)
    side, _, channels = pooled.worked.answers["shape"]
    assert not pooled.check({"shape": f"{side}x{side}x{channels + 1}"})[0].right
    transposed = BY_NAME["transposed_output"].instance(9)
    assert not transposed.check({"size": str(transposed.worked.answers["size"] + 1)})[0].right
    field = BY_NAME["receptive_field"].instance(9)
    assert not field.check({"field": str(field.worked.answers["field"] - 1)})[0].right
    cost = BY_NAME["bottleneck_cost"].instance(9)
    marks = cost.check({"direct": f"{cost.worked.answers['direct']:,}", "bottleneck": "1000"})
    assert [mark.right for mark in marks] == [True, False]
