"""The anchors demo: box_iou, multibox_prior and assign_anchors against slow Python references, d2l's worked
examples, YOLO's output shape, validation and the demo."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.anchors import (DEMO, assign_anchors, box_iou, multibox_prior, multibox_prior_all, run,
                           ssd_predictor_channels, warm, yolo_output_shape)
from tests.demos.test_nms import iou_reference


def prior_reference(height, width, sizes, ratios):
    """d2l's anchors pixel by pixel, as the prose defines them, in the code's order."""
    shapes = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
    rows = []
    for i in range(height):
        for j in range(width):
            cx, cy = (j + 0.5) / width, (i + 0.5) / height
            for s, r in shapes:
                w, h = s * math.sqrt(r) * height / width, s / math.sqrt(r)
                rows.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return np.array(rows)


def assign_reference(anchors, truth, threshold):
    """d2l's assign_anchor_to_bbox written with Python lists: threshold rule, then the greedy best-pair rule."""
    iou = [[iou_reference(a, b) for b in truth] for a in anchors]
    mapping = [-1] * len(anchors)
    for i, row in enumerate(iou):
        if row:
            best = max(range(len(row)), key=lambda j: (row[j], -j))  # first of equal maxima
            if row[best] >= threshold:
                mapping[i] = best
    live_rows, live_cols = set(range(len(anchors))), set(range(len(truth)))
    for _ in range(min(len(anchors), len(truth))):
        _, i, j = max((iou[i][j], -i, -j) for i in live_rows for j in live_cols)
        i, j = -i, -j
        mapping[i] = j
        live_rows.discard(i)
        live_cols.discard(j)
    return mapping


def random_boxes(rng, count):
    """Boxes on a coarse grid (ties and empty boxes happen) or anywhere in the unit square."""
    if rng.random() < 0.5:
        corner, size = rng.integers(0, 8, (count, 2)) / 8, rng.integers(0, 5, (count, 2)) / 8
    else:
        corner, size = rng.random((count, 2)), rng.random((count, 2)) * 0.6
    return np.hstack([corner, corner + size])


# ---- box_iou ----

def test_box_iou_matches_the_pairwise_reference_and_is_zero_for_empty_unions():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a, b = random_boxes(rng, int(rng.integers(1, 9))), random_boxes(rng, int(rng.integers(1, 9)))
        result = box_iou(a, b)
        assert result.shape == (len(a), len(b)) and result.dtype == np.float64
        np.testing.assert_allclose(result, [[iou_reference(p, q) for q in b] for p in a], rtol=1e-15, atol=0)
    assert box_iou([[0, 0, 0, 1]], [[0, 0, 0, 1]])[0, 0] == 0.0  # 0/0 is 0, not nan


def test_box_iou_uses_the_nms_demo_kernel():
    import demos.anchors
    import demos.nms

    assert demos.anchors._iou_matrix is demos.nms._iou_matrix


@settings(deadline=None, max_examples=50)
@given(st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10), st.floats(0.01, 5), st.floats(0.01, 5)),
                min_size=1, max_size=6))
def test_box_iou_is_symmetric_with_ones_on_the_diagonal(raw):
    boxes = np.array([(x, y, x + w, y + h) for x, y, w, h in raw])
    result = box_iou(boxes, boxes)
    np.testing.assert_array_equal(result, result.T)
    np.testing.assert_allclose(np.diag(result), 1.0, rtol=1e-12)
    assert ((result >= 0) & (result <= 1 + 1e-12)).all()


# ---- multibox_prior ----

def test_multibox_prior_matches_the_reference_in_d2ls_code_order():
    rng = np.random.default_rng(1)
    for _ in range(60):
        height, width = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        sizes = rng.uniform(0.05, 1, int(rng.integers(1, 4))).tolist()
        ratios = rng.uniform(0.2, 4, int(rng.integers(1, 4))).tolist()
        result = multibox_prior(height, width, sizes, ratios)
        assert result.shape == (height * width * (len(sizes) + len(ratios) - 1), 4)
        np.testing.assert_allclose(result, prior_reference(height, width, sizes, ratios), rtol=0, atol=1e-15)


def test_multibox_prior_counts_and_d2ls_pixel_250_250():
    anchors = multibox_prior(561, 728, [0.75, 0.5, 0.25], [1, 2, 0.5])
    assert anchors.shape == (561 * 728 * 5, 4) == (2_042_040, 4)
    pixel = anchors.reshape(561, 728, 5, 4)[250, 250] * [728, 561, 728, 561]
    # d2l's figure: s=0.75 r=1 is a 420.75-pixel square centred on (250.5, 250.5); r=2 is sqrt(2) wider
    np.testing.assert_allclose(pixel[0], [250.5 - 210.375, 250.5 - 210.375, 250.5 + 210.375, 250.5 + 210.375])
    width, height = pixel[3, 2] - pixel[3, 0], pixel[3, 3] - pixel[3, 1]
    assert width / height == pytest.approx(2.0) and width * height == pytest.approx(420.75**2)


def test_anchor_widths_and_heights_follow_size_and_ratio():
    anchors = multibox_prior(4, 8, [0.6, 0.3], [1.0, 4.0])
    widths, heights = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    # in pixels of the 4 x 8 image, w/h is the ratio and sqrt(w h) the size times the height
    ratio = widths * 8 / (heights * 4)
    np.testing.assert_allclose(ratio.reshape(-1, 3), np.tile([1.0, 1.0, 4.0], (32, 1)))
    np.testing.assert_allclose(np.sqrt(widths * 8 * heights * 4).reshape(-1, 3) / 4, np.tile([0.6, 0.3, 0.6], (32, 1)))


# ---- assign_anchors ----

def test_assign_anchors_matches_d2ls_algorithm_written_out():
    rng = np.random.default_rng(2)
    for _ in range(300):
        anchors = random_boxes(rng, int(rng.integers(1, 10)))
        truth = random_boxes(rng, int(rng.integers(1, 5)))
        threshold = float(rng.choice([0.0, 0.3, 0.5, 1.0, rng.random()]))
        result = assign_anchors(anchors, truth, threshold)
        assert result.dtype == np.int64
        assert result.tolist() == assign_reference(anchors, truth, threshold)


def test_d2ls_labelling_example():
    truth = [[0.1, 0.08, 0.52, 0.92], [0.55, 0.2, 0.9, 0.88]]  # dog, cat
    anchors = [[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98], [0.66, 0.45, 0.8, 0.8],
               [0.57, 0.3, 0.92, 0.9]]
    assert assign_anchors(anchors, truth).tolist() == [-1, 0, 1, -1, 1]  # d2l's labels 0, 1, 2, 0, 2 minus 1


def test_every_box_gets_an_anchor_even_at_iou_zero():
    anchors = [[0.0, 0.0, 0.1, 0.1], [0.2, 0.2, 0.3, 0.3]]
    truth = [[0.8, 0.8, 0.9, 0.9], [0.6, 0.6, 0.7, 0.7]]  # overlaps nothing
    assert sorted(assign_anchors(anchors, truth).tolist()) == [0, 1]
    assert assign_anchors(anchors, truth[:1], iou_threshold=0.0).tolist() == [0, 0]  # IoU 0 >= 0


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 2**32 - 1))
def test_each_box_takes_exactly_one_anchor_when_there_are_enough(seed):
    rng = np.random.default_rng(seed)
    truth = random_boxes(rng, int(rng.integers(1, 4)))
    anchors = random_boxes(rng, int(rng.integers(len(truth), 9)))
    result = assign_anchors(anchors, truth, 1.0)  # threshold 1: only the greedy picks, and exact copies
    overlaps = box_iou(anchors, truth)
    for j in range(len(truth)):
        assert (result == j).sum() >= 1
    picked_only = [i for i in range(len(anchors)) if result[i] >= 0 and overlaps[i, result[i]] < 1.0]
    assert len(picked_only) <= len(truth)


def test_more_boxes_than_anchors_leaves_the_rest_without_one():
    result = assign_anchors([[0, 0, 1, 1]], [[0, 0, 0.5, 0.5], [0, 0, 1, 1]])
    assert result.tolist() == [1]


# ---- YOLO ----

def test_yolo_output_shapes_of_the_notes():
    assert yolo_output_shape(19, 5, 80) == (19, 19, 425)
    assert yolo_output_shape(3, 1, 3) == (3, 3, 8)
    assert yolo_output_shape(3, 2, 3) == (3, 3, 16)
    assert math.prod(yolo_output_shape(19, 5, 80)) == 153_425


# ---- validation ----

@pytest.mark.parametrize(("call", "message"), [
    (lambda: box_iou([[0, 0, 1]], [[0, 0, 1, 1]]), r"a has shape \(1, 3\): must be \(n, 4\)"),
    (lambda: box_iou([[1, 0, 0, 1]], [[0, 0, 1, 1]]), r"a\[0\]=.*x2 >= x1"),
    (lambda: multibox_prior(0, 4, [0.5], [1]), r"height=0: must be an integer >= 1"),
    (lambda: multibox_prior(2, 2, [], [1]), r"sizes has shape \(0,\): must hold at least 1 value"),
    (lambda: multibox_prior(2, 2, [0.5, -1], [1]), r"sizes\[1\]=-1.0: must be > 0"),
    (lambda: assign_anchors([[0, 0, 1, 1]], [[0, 0, 1, 1]], 1.5), r"iou_threshold=1.5: must be a number from 0 to 1"),
    (lambda: yolo_output_shape(19, 0, 80), r"anchors_per_cell=0: must be an integer >= 1"),
])
def test_bad_input_gives_a_one_line_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(("values", "message"), [({"sizes": "0.5,abc"}, "sizes='0.5,abc'"),
                                                 ({"ratios": "1,2,3,4,5,6"}, "ratios='1,2,3,4,5,6'"),
                                                 ({"sizes": "1.5"}, r"in \(0, 1\]")])
def test_the_demo_refuses_bad_lists(values, message):
    with pytest.raises(ValueError, match=message):
        run(**values)


# ---- the demo ----

def test_the_default_run_is_d2ls_picture():
    warm()
    result = DEMO.run(**DEMO.defaults())
    assert "3 + 3 - 1 = 5 anchors" in result.summary and "2,042,040" in result.summary
    assert "dog takes #0 (IoU 0.68)" in result.summary and "cat takes #3" in result.summary
    assert "3 x 3 x 35" in result.summary
    assert result.data["assigned"] == [0, -1, -1, 1, 0]
    assert [row[6] for row in result.table.rows][4].startswith("dog (IoU 0.66")
    assert result.data["iou"][1][0] == pytest.approx(0.4897, abs=1e-4)  # just under the 0.5 threshold


def test_the_threshold_and_the_pixel_change_the_assignment():
    assert run(iou_threshold=0.45).data["assigned"] == [0, 0, -1, 1, 0]  # anchor #1 (IoU 0.49) joins the dog
    far = run(pixel_x=600, pixel_y=300).data
    assert far["best_anchor"]["cat"] != -1 and far["iou"][far["best_anchor"]["cat"]][1] > 0.5


def test_the_yolo_card_values():
    result = run(grid=19, classes=80)
    assert result.data["yolo_output_shape"] == [19, 19, 425] and "153,425 numbers" in result.summary
    assert run(sizes="0.5", ratios="1,2", grid=3, classes=3).data["yolo_output_shape"] == [3, 3, 16]


def test_one_anchor_leaves_the_cat_without_one():
    result = run(sizes="0.5", ratios="1")
    assert "cat gets none" in result.summary and result.data["best_anchor"]["cat"] == -1



# ---- every size with every ratio (Faster R-CNN) and SSD's prediction layers ----

def all_pairs_reference(height, width, sizes, ratios, pixels=None):
    """Every (size, ratio) pair at each pixel (or at the given (row, column) pixels), sizes first, with d2l's box
    shape, pixel by pixel."""
    rows = []
    for i, j in pixels or [(i, j) for i in range(height) for j in range(width)]:
        cx, cy = (j + 0.5) / width, (i + 0.5) / height
        for s in sizes:
            for r in ratios:
                w, h = s * math.sqrt(r) * height / width, s / math.sqrt(r)
                rows.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return np.array(rows)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6),
       st.lists(st.floats(0.05, 1.0), min_size=1, max_size=4), st.lists(st.floats(0.2, 5.0), min_size=1, max_size=4))
def test_multibox_prior_all_is_every_pair_at_every_pixel(height, width, sizes, ratios):
    anchors = multibox_prior_all(height, width, sizes, ratios)
    assert anchors.shape == (height * width * len(sizes) * len(ratios), 4)
    np.testing.assert_allclose(anchors, all_pairs_reference(height, width, sizes, ratios), rtol=1e-12, atol=1e-15)


def test_with_one_size_or_one_ratio_all_pairs_are_d2ls_anchors():
    for sizes, ratios in (([0.5], [1.0, 2.0, 0.5]), ([0.75, 0.5, 0.25], [1.0])):
        np.testing.assert_allclose(multibox_prior_all(3, 4, sizes, ratios), multibox_prior(3, 4, sizes, ratios))


def test_ssd_predictor_channels_are_a_times_q_plus_one_and_four_a():
    assert ssd_predictor_channels(5, 10) == (55, 20)
    assert ssd_predictor_channels(4, 1) == (8, 16)  # d2l's banana detector: 4 anchors, 1 class
    for a in range(1, 8):
        for q in range(0, 12):
            assert ssd_predictor_channels(a, q) == (a * (q + 1), 4 * a)
    with pytest.raises(ValueError, match=r"anchors_per_pixel=0: must be an integer >= 1"):
        ssd_predictor_channels(0, 3)


def test_the_ssd_card_values():
    result = run(classes=10, ssd_map=20)
    assert "a(q + 1) = 5 · 11 = 55 channels" in result.summary and "the box predictor 4a = 20" in result.summary
    assert "20 · 20 · 5 = 2,000 anchors" in result.summary and "20 · 20 · 55 = 22,000 class scores" in result.summary
    assert result.data["ssd"] == {"map": 20, "anchors_per_pixel": 5, "classes": 10, "class_channels": 55,
                                  "box_channels": 20, "anchors": 2000, "class_outputs": 22000, "box_outputs": 8000}
    assert "55" in result.summary_zh
    assert run().data["ssd"] is None and "SSD" not in run().summary


def test_faster_rcnns_nine_anchors_per_position():
    result = run(pairs="all")
    assert "n · m = 3 · 3 = 9 anchors" in result.summary and len(result.table.rows) == 9
    assert "9 + 4 · 9 = 45 numbers" in result.summary and "18 + 36" in result.summary
    assert [row[1:3] for row in result.table.rows] == [(s, r) for s in ("0.75", "0.5", "0.25")
                                                       for r in ("1", "2", "0.5")]
    np.testing.assert_allclose(result.data["anchors"], all_pairs_reference(561, 728, [0.75, 0.5, 0.25], [1, 2, 0.5],
                                                                       [(250, 250)]))
