"""The anchors drills against an independent computation, over 1,000 seeds each."""

from __future__ import annotations

from demos.anchors import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_anchor_counts_are_n_plus_m_minus_one_at_every_pixel() -> None:
    for seed in SEEDS:
        instance = BY_NAME["anchors_per_pixel"].instance(seed)
        v = instance.values
        sizes, ratios = v["sizes"], v["ratios"]
        assert len(sizes) >= 2 and len(ratios) >= 2, "n + m - 1 differs from n·m"
        assert len(set(sizes)) == len(sizes) and len(set(ratios)) == len(ratios) and ratios[0] == 1
        assert all(0 < size < 1 for size in sizes) and all(ratio > 0 for ratio in ratios)
        pairs = {(size, ratios[0]) for size in sizes} | {(sizes[0], ratio) for ratio in ratios}
        assert instance.worked.answers == {"per_pixel": len(pairs),
                                           "total": v["height"] * v["width"] * len(pairs)}
        assert f"{v['height']}x{v['width']}" in instance.question_en


def test_yolo_volumes_hold_five_plus_c_numbers_per_anchor() -> None:
    for seed in SEEDS:
        instance = BY_NAME["yolo_volume"].instance(seed)
        v = instance.values
        per_cell = sum(5 + v["classes"] for _ in range(v["anchors"]))
        assert v["grid"] >= 3 and v["anchors"] >= 1 and v["classes"] >= 1
        assert instance.worked.answers["shape"] == (v["grid"], v["grid"], per_cell)
        assert instance.worked.answers["numbers"] == v["grid"] ** 2 * per_cell


def test_wrong_answers_are_marked_wrong() -> None:
    counts = BY_NAME["anchors_per_pixel"].instance(4)
    v = counts.values
    wrong_total = v["height"] * v["width"] * len(v["sizes"]) * len(v["ratios"])  # n·m, the count d2l avoids
    marks = counts.check({"per_pixel": str(counts.worked.answers["per_pixel"]), "total": str(wrong_total)})
    assert [mark.right for mark in marks] == [True, False]
    yolo = BY_NAME["yolo_volume"].instance(4)
    grid, _, channels = yolo.worked.answers["shape"]
    assert not yolo.check({"shape": f"{grid}x{grid}x{channels + 5}"})[0].right


def test_ssd_totals_add_every_maps_pixels_times_n_plus_m_minus_one() -> None:
    for seed in SEEDS:
        instance = BY_NAME["ssd_total"].instance(seed)
        v = instance.values
        assert len(v["maps"]) >= 3 and v["maps"] == sorted(v["maps"], reverse=True), "a pyramid, largest first"
        per_pixel = len(v["sizes"]) + len(v["ratios"]) - 1
        assert instance.worked.answers["total"] == sum(side * side * per_pixel for side in v["maps"])
    instance = BY_NAME["ssd_total"].instance(3)
    first_map_only = instance.values["maps"][0] ** 2 * (len(instance.values["sizes"]) + len(instance.values["ratios"]) - 1)
    (wrong,) = instance.check({"total": str(first_map_only)})
    assert not wrong.right, "the first map alone is not the total"
