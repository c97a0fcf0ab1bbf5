"""The nms demo: IoU, NMS and Soft-NMS against slow Python loops, their invariants, validation and the demo."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.nms import DEMO, iou, nms, soft_nms, warm


def iou_reference(a, b):
    """IoU of two boxes with plain Python floats, torchvision's formula: no +1, 0 when both are empty."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms_reference(boxes, scores, threshold):
    """torchvision's CPU loop: sort by score (ties lower index first), keep, mark what the kept box suppresses."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    suppressed = set()
    keep = []
    for position, i in enumerate(order):
        if i in suppressed:
            continue
        keep.append(i)
        suppressed.update(j for j in order[position + 1:] if iou_reference(boxes[i], boxes[j]) > threshold)
    return keep


def soft_nms_reference(boxes, scores, method, sigma, iou_threshold, score_threshold):
    """Bodla et al.'s loop on a Python list: take the best, decay the rest, drop any that fall under the threshold."""
    remaining = [(float(score), i) for i, score in enumerate(scores) if score >= score_threshold]
    keep, kept_scores = [], []
    while remaining:
        remaining.sort(key=lambda item: (-item[0], item[1]))
        best_score, best = remaining.pop(0)
        keep.append(best)
        kept_scores.append(best_score)
        decayed = []
        for score, i in remaining:
            overlap = iou_reference(boxes[best], boxes[i])
            if method == "gaussian":
                score *= math.exp(-overlap * overlap / sigma)
            elif overlap > iou_threshold:
                score *= 1 - overlap
            decayed.append((score, i))
        remaining = [(score, i) for score, i in decayed if score >= score_threshold]
    return keep, kept_scores


def random_case(rng, count):
    """Boxes on a half-pixel grid (so IoU ties and exact threshold hits happen), some empty, with tied scores."""
    corners = rng.integers(0, 20, (count, 2)) / 2
    sizes = rng.integers(0, 12, (count, 2)) / 2  # zero width or height: degenerate boxes
    scores = rng.choice([0.2, 0.4, 0.5, 0.7, 0.9], count) if rng.random() < 0.5 else rng.random(count)
    return np.hstack([corners, corners + sizes]), scores


coordinate = st.one_of(st.integers(-50, 50).map(lambda v: v / 4), st.floats(-100, 100, allow_nan=False))
extent = st.one_of(st.integers(0, 40).map(lambda v: v / 4), st.floats(0.01, 100))


@st.composite
def a_box(draw, min_extent=extent):
    """(x1, y1, x2, y2) with x2 >= x1 and y2 >= y1."""
    x, y, width, height = draw(coordinate), draw(coordinate), draw(min_extent), draw(min_extent)
    return (x, y, x + width, y + height)


@st.composite
def scored_boxes(draw):
    """Up to 25 boxes, and scores drawn from a few values so that ties are common."""
    boxes = draw(st.lists(a_box(), max_size=25))
    scores = draw(st.lists(st.sampled_from([0.1, 0.3, 0.5, 0.8, 1.0]), min_size=len(boxes), max_size=len(boxes)))
    return np.array(boxes, dtype=np.float64).reshape(-1, 4), np.array(scores)


thresholds = st.one_of(st.sampled_from([0.0, 0.25, 1 / 3, 0.5, 1.0]), st.floats(0, 1))


# ---- IoU ----

def test_iou_of_two_boxes_is_intersection_over_union_without_plus_one():
    assert iou((0, 0, 4, 1), (0, 0, 2, 1)) == 0.5
    assert iou((0, 0, 2, 2), (1, 1, 3, 3)) == pytest.approx(1 / 7, rel=1e-15)
    assert iou((0, 0, 1, 1), (1, 0, 2, 1)) == 0.0  # touching edges do not overlap
    assert iou((0, 0, 0, 5), (0, 0, 0, 5)) == 0.0  # two empty boxes: 0, not nan
    assert isinstance(iou((0, 0, 1, 1), (0, 0, 1, 1)), float)


def test_iou_matrix_matches_pairwise_reference():
    rng = np.random.default_rng(1)
    a, _ = random_case(rng, 30)
    b, _ = random_case(rng, 20)
    expected = [[iou_reference(p, q) for q in b] for p in a]
    result = iou(a, b)
    assert result.shape == (30, 20) and result.dtype == np.float64
    np.testing.assert_allclose(result, expected, rtol=1e-15, atol=0)


@settings(deadline=None)
@given(a_box(), a_box())
def test_iou_is_symmetric_and_between_0_and_1(a, b):
    forward = iou(a, b)
    assert forward == iou(b, a)
    assert 0.0 <= forward <= 1.0
    assert forward == pytest.approx(iou_reference(a, b), rel=1e-15, abs=0)


@settings(deadline=None)
@given(a_box(min_extent=st.floats(0.01, 100)))
def test_iou_of_a_box_with_itself_is_1(box):
    assert iou(box, box) == 1.0


@settings(deadline=None)
@given(a_box(), a_box(), st.floats(0, 50), st.booleans())
def test_iou_of_disjoint_boxes_is_0(a, b, gap, along_x):
    axis = 0 if along_x else 1
    shift = a[axis + 2] + gap - b[axis]  # move b to start `gap` past a's far edge
    moved = list(b)
    moved[axis] += shift
    moved[axis + 2] += shift
    if moved[axis] < a[axis + 2]:  # rounding in the shift can leave b a hair inside a
        moved[axis + 2] += a[axis + 2] - moved[axis]
        moved[axis] = a[axis + 2]
    assert iou(a, tuple(moved)) == 0.0


# ---- NMS ----

def test_nms_matches_torchvision_like_reference_on_random_boxes_with_ties_and_empty_boxes():
    rng = np.random.default_rng(0)
    for trial in range(300):
        boxes, scores = random_case(rng, int(rng.integers(0, 40)))
        threshold = float(rng.choice([0.0, 0.2, 1 / 3, 0.5, 0.7, 1.0, rng.random()]))
        kept = nms(boxes, scores, threshold)
        assert kept.dtype == np.int64
        np.testing.assert_array_equal(kept, nms_reference(boxes, scores, threshold), err_msg=f"trial {trial}")


def test_nms_keeps_iou_equal_to_threshold_and_suppresses_above_it():
    boxes = np.array([[0, 0, 4, 1], [0, 0, 2, 1]], dtype=np.float64)  # IoU exactly 0.5
    scores = np.array([0.6, 0.9])
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), [1, 0])
    np.testing.assert_array_equal(nms(boxes, scores, 0.49), [1])


def test_nms_breaks_score_ties_by_lower_index():
    boxes = np.array([[0, 0, 1, 1], [5, 5, 6, 6], [0, 0, 1, 1]], dtype=np.float64)
    np.testing.assert_array_equal(nms(boxes, np.array([0.5, 0.5, 0.5]), 0.5), [0, 1])


def test_nms_of_no_boxes_is_empty():
    kept = nms(np.zeros((0, 4)), np.zeros(0), 0.5)
    assert kept.shape == (0,) and kept.dtype == np.int64


@settings(max_examples=150, deadline=None)
@given(scored_boxes(), thresholds)
def test_nms_invariants(case, threshold):
    boxes, scores = case
    kept = nms(boxes, scores, threshold).tolist()
    overlaps = iou(boxes, boxes)
    for position, i in enumerate(kept):  # kept boxes never overlap too much
        assert all(overlaps[i, j] <= threshold for j in kept[position + 1:])
    for position in range(len(kept) - 1):  # by score descending, ties by index
        i, j = kept[position], kept[position + 1]
        assert scores[i] > scores[j] or (scores[i] == scores[j] and i < j)
    for i in set(range(len(boxes))) - set(kept):  # a suppressor ranked above with IoU > threshold
        assert any(overlaps[i, j] > threshold and (scores[j], -j) > (scores[i], -i) for j in kept)
    np.testing.assert_array_equal(nms(boxes[kept], scores[kept], threshold), np.arange(len(kept)))


@settings(deadline=None)
@given(scored_boxes())
def test_nms_with_threshold_1_keeps_every_box_even_identical_ones(case):
    boxes, scores = case
    boxes = np.vstack([boxes, boxes[:3]])  # duplicates have IoU exactly 1, which is not > 1
    scores = np.concatenate([scores, scores[:3]])
    assert sorted(nms(boxes, scores, 1.0).tolist()) == list(range(len(boxes)))


# ---- Soft-NMS ----

@pytest.mark.parametrize("method", ["linear", "gaussian"])
def test_soft_nms_matches_reference_on_random_boxes(method):
    rng = np.random.default_rng(2 if method == "linear" else 3)
    for trial in range(200):
        boxes, scores = random_case(rng, int(rng.integers(0, 30)))
        sigma = float(rng.choice([0.5, 0.1, 2.0]))
        iou_threshold, score_threshold = float(rng.choice([0.0, 0.3, 0.5])), float(rng.choice([0.001, 0.1, 0.3]))
        kept, kept_scores = soft_nms(boxes, scores, method, sigma, iou_threshold, score_threshold)
        expected, expected_scores = soft_nms_reference(boxes, scores, method, sigma, iou_threshold, score_threshold)
        assert kept.dtype == np.int64 and kept_scores.dtype == np.float64
        np.testing.assert_array_equal(kept, expected, err_msg=f"trial {trial}")
        np.testing.assert_allclose(kept_scores, expected_scores, rtol=1e-12, atol=0)


def test_soft_nms_decays_by_the_papers_formulas():
    boxes = np.array([[0, 0, 4, 1], [0, 0, 2, 1], [10, 10, 11, 11]], dtype=np.float64)  # IoU(0, 1) = 0.5
    scores = np.array([0.9, 0.8, 0.0005])
    kept, kept_scores = soft_nms(boxes, scores, "linear", iou_threshold=0.3)
    np.testing.assert_array_equal(kept, [0, 1])  # the 0.0005 box is under score_threshold 0.001
    np.testing.assert_allclose(kept_scores, [0.9, 0.8 * 0.5], rtol=1e-15)
    _, linear_above = soft_nms(boxes, scores, "linear", iou_threshold=0.5)
    np.testing.assert_allclose(linear_above, [0.9, 0.8], rtol=1e-15)  # IoU == Nt: no decay
    _, gaussian = soft_nms(boxes, scores, "gaussian", sigma=0.5)
    np.testing.assert_allclose(gaussian, [0.9, 0.8 * math.exp(-0.25 / 0.5)], rtol=1e-15)


def test_soft_nms_drops_only_scores_under_the_threshold():
    boxes = np.array([[0, 0, 1, 1], [5, 5, 6, 6]], dtype=np.float64)
    kept, _ = soft_nms(boxes, np.array([0.5, 0.4999]), "linear", score_threshold=0.5)
    np.testing.assert_array_equal(kept, [0])


def test_soft_nms_re_ranks_by_decayed_score():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 9], [20, 0, 30, 10]], dtype=np.float64)
    kept, kept_scores = soft_nms(boxes, np.array([0.9, 0.85, 0.5]), "linear")
    np.testing.assert_array_equal(kept, [0, 2, 1])  # box 1 decays to 0.085, under box 2
    np.testing.assert_allclose(kept_scores, [0.9, 0.5, 0.85 * (1 - 0.9)], rtol=1e-12)


# ---- validation ----

@pytest.mark.parametrize("call, message", [
    (lambda: nms(np.zeros((3, 3)), np.zeros(3), 0.5), r"boxes has shape \(3, 3\): must be \(n, 4\)"),
    (lambda: nms([[0, 0, 1, 1], [2, 0, 1, 1]], [1, 1], 0.5), r"boxes\[1\]=\[2.0, 0.0, 1.0, 1.0\]: .*x2 >= x1"),
    (lambda: nms([[0, 0, 1, np.nan]], [1], 0.5), r"boxes\[0\].*must be finite"),
    (lambda: nms([["a", 0, 1, 1]], [1], 0.5), r"boxes=.*must be numbers"),
    (lambda: nms([[0, 0, 1, 1]], [1, 2], 0.5), r"scores has shape \(2,\): must be \(1,\)"),
    (lambda: nms([[0, 0, 1, 1]], [np.inf], 0.5), r"scores\[0\]=inf: must be finite"),
    (lambda: nms([[0, 0, 1, 1]], [1], 1.5), r"iou_threshold=1.5: must be a number from 0 to 1"),
    (lambda: nms([[0, 0, 1, 1]], [1], -0.1), r"iou_threshold=-0.1"),
    (lambda: nms([[0, 0, 1, 1]], [1], True), r"iou_threshold=True"),
    (lambda: soft_nms([[0, 0, 1, 1]], [1], method="hard"), r"method='hard': must be one of linear, gaussian"),
    (lambda: soft_nms([[0, 0, 1, 1]], [1], sigma=0), r"sigma=0: must be a finite number > 0"),
    (lambda: soft_nms([[0, 0, 1, 1]], [1], score_threshold=2), r"score_threshold=2: must be a number from 0 to 1"),
    (lambda: soft_nms([[0, 0, 1, 1]], [-0.5], "linear"), r"scores\[0\]=-0.5: Soft-NMS needs scores >= 0"),
    (lambda: iou((0, 0, 1, 1), [(0, 0, 1, 1)]), r"a has shape \(4,\) and b has shape \(1, 4\)"),
    (lambda: iou((0, 0, 1), (0, 0, 1, 1)), r"a has shape \(3,\)"),
    (lambda: iou((0, 0, 1, 1), (1, 0, 0, 1)), r"b\[0\]=.*x2 >= x1"),
    (lambda: iou("box", (0, 0, 1, 1)), r"a='box': must be numbers"),
    (lambda: nms([[0, 0, 1, 1]], ["high"], 0.5), r"scores=\['high'\]: must be numbers"),
])
def test_invalid_input_is_rejected_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- the demo ----

def test_demo_defaults_keep_one_cat_and_one_dog_as_in_the_notes():
    result = DEMO.run(**DEMO.defaults())
    data = result.data
    assert data["kept"] == [0, 4]
    assert data["status"] == ["kept", "suppressed", "suppressed", "low score", "kept", "suppressed", "suppressed",
                              "suppressed", "low score"]
    assert data["strongest_with"] == [None, 0, 0, None, None, 4, 4, 4, None]
    assert data["strongest_iou"][7] == pytest.approx(2000 / 3900)
    assert "kept 2 of 9 boxes (1 cat, 1 dog); 2 with score ≤ 0.6 were discarded first" in result.summary
    assert result.table.columns == ("#", "x1,y1,x2,y2", "class", "score", "IoU (with #)", "kept?")
    assert result.table.rows[0] == ("1", "15,22,70,80", "cat", "0.92", "–", "yes")
    assert result.table.rows[7] == ("8", "100,50,150,90", "dog", "0.62", "0.51 (#5)", "no: IoU > 0.5")
    assert result.table.rows[8][-1] == "no: score ≤ 0.6"
    json.dumps(data)


def test_demo_iou_column_explains_every_hard_nms_decision():
    for threshold in (0.3, 0.5, 0.52, 0.7):
        data = DEMO.run(**DEMO.validate({"iou_threshold": threshold, "score_threshold": 0.3})).data
        for status, overlap in zip(data["status"], data["strongest_iou"]):
            assert (status == "suppressed") == (overlap is not None and overlap > threshold)


def test_demo_raising_the_threshold_past_an_overlap_keeps_that_box():
    data = DEMO.run(**DEMO.validate({"iou_threshold": 0.52})).data
    assert data["kept"] == [0, 4, 7]  # dog box 8 overlaps the best dog box by 0.513


def test_demo_soft_linear_decays_instead_of_deleting():
    result = DEMO.run(**DEMO.validate({"method": "soft-linear", "score_threshold": 0.3}))
    data = result.data
    assert data["kept"] == [0, 3, 4, 7, 8]
    assert data["final_scores"][7] == pytest.approx(0.62 * (1 - 2000 / 3900))
    assert data["status"][1] == "decayed"
    assert result.table.rows[7][3] == "0.62→0.30"
    assert result.table.rows[1][-1] == "no: fell < 0.3"
    json.dumps(data)


def test_demo_figure_draws_every_box_and_labels_the_kept_ones():
    figure = DEMO.run(**DEMO.defaults()).figure
    ax = figure.axes[0]
    assert len(ax.patches) == 9
    assert sorted(patch.get_linewidth() for patch in ax.patches).count(3) == 2
    assert sorted(text.get_text() for text in ax.texts) == ["cat 0.92", "dog 0.88"]
    assert ax.get_ylim() == (100, 0)


def test_warm_runs():
    warm()
