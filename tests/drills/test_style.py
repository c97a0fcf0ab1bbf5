"""The Gram-matrix drill against an independent computation, over 1,000 seeds."""

from __future__ import annotations

import math

from demos.style import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}


def test_gram_entries_sum_products_over_positions_and_gram_matrix_divides_by_chw() -> None:
    entries, widths = set(), set()
    for seed in SEEDS:
        instance = BY_NAME["gram_entry"].instance(seed)
        v = instance.values
        features, k, k2 = v["features"], v["k"], v["k2"]
        assert len(features) == 2 and all(len(channel) == 2 for channel in features)
        width = len(features[0][0])
        assert width == v["width"] and width in (2, 3)
        flat = [[x for row in channel for x in row] for channel in features]
        assert all(isinstance(x, int) and 0 <= x <= 3 for channel in flat for x in channel)
        assert all(sum(x != 0 for x in channel) >= 2 for channel in flat) and flat[0] != flat[1]
        raw = sum(x * y for x, y in zip(flat[k - 1], flat[k2 - 1]))
        assert raw >= 2
        entries.add((k, k2))
        widths.add(width)
        assert instance.worked.answers["raw"] == raw
        assert math.isclose(instance.worked.answers["normalised"], raw / (2 * 2 * width), rel_tol=1e-12)
        assert f"G_{k}{k2}" in instance.question_en
    assert entries == {(1, 1), (2, 2), (1, 2)} and widths == {2, 3}


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["gram_entry"].instance(6)
    raw = instance.worked.answers["raw"]
    marks = instance.check({"raw": str(raw + 1), "normalised": f"{raw / 4:.3g}"})  # divided by H·W only
    assert [mark.right for mark in marks] == [False, False]
    right = instance.check({"raw": str(raw), "normalised": f"{instance.worked.answers['normalised']:.3g}"})
    assert all(mark.right for mark in right)
