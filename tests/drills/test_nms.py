"""The nms drills against an independent computation, over 1,000 seeds each."""

from __future__ import annotations

from itertools import combinations

from demos.nms import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def overlap(a: list[int], b: list[int]) -> float:
    """IoU of two corner boxes, area (x2 - x1)(y2 - y1)."""
    inter_w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = inter_w * inter_h
    area = lambda box: (box[2] - box[0]) * (box[3] - box[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def test_ious_of_overlapping_integer_boxes() -> None:
    for seed in SEEDS:
        instance = BY_NAME["iou"].instance(seed)
        v = instance.values
        a = [v["ax1"], v["ay1"], v["ax2"], v["ay2"]]
        b = [v["bx1"], v["by1"], v["bx2"], v["by2"]]
        assert all(isinstance(corner, int) for corner in a + b)
        assert a[2] > a[0] and a[3] > a[1] and b[2] > b[0] and b[3] > b[1]
        expected = overlap(a, b)
        assert 0.1 <= expected <= 0.9, "the boxes overlap, and are not nearly the same box"
        assert abs(instance.worked.answers["iou"] - expected) < 1e-12


def test_nms_keeps_what_a_plain_greedy_pass_keeps() -> None:
    for seed in SEEDS:
        instance = BY_NAME["kept"].instance(seed)
        v = instance.values
        boxes, scores, threshold = v["boxes"], v["scores"], v["threshold"]
        assert 4 <= len(boxes) == len(scores) <= 5 and len(set(scores)) == len(scores), "no tied scores"
        assert all(0 < score < 1 and round(score, 2) == score for score in scores)
        assert all(box[2] > box[0] and box[3] > box[1] for box in boxes)
        ious = [overlap(boxes[i], boxes[j]) for i, j in combinations(range(len(boxes)), 2)]
        assert all(abs(value - threshold) >= 0.03 for value in ious), "no IoU near the threshold"
        kept: list[int] = []
        for i in sorted(range(len(boxes)), key=lambda i: -scores[i]):
            if all(overlap(boxes[i], boxes[j]) <= threshold for j in kept):
                kept.append(i)
        assert 2 <= len(kept) < len(boxes), "something is suppressed, something besides the top box kept"
        assert instance.worked.answers["kept"] == tuple(sorted(i + 1 for i in kept))
        assert f"box {len(boxes)} (" in instance.question_en


def test_wrong_answers_are_marked_wrong() -> None:
    pair = BY_NAME["iou"].instance(3)
    assert not pair.check({"iou": str(round(pair.worked.answers["iou"] + 0.01, 3))})[0].right
    assert pair.check({"iou": str(round(pair.worked.answers["iou"], 3))})[0].right
    nms = BY_NAME["kept"].instance(3)
    everything = " ".join(str(i + 1) for i in range(len(nms.values["boxes"])))
    assert not nms.check({"kept": everything})[0].right
    backwards = ", ".join(str(i) for i in reversed(nms.worked.answers["kept"]))
    assert not nms.check({"kept": backwards})[0].right
