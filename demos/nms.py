"""Non-maximum suppression: IoU, greedy NMS with torchvision's semantics, and Soft-NMS (Bodla et al. 2017).

Boxes are (x1, y1, x2, y2) with x2 >= x1 and y2 >= y1; a box's area is (x2 - x1)(y2 - y1), with no +1.
IoU is intersection / (area_a + area_b - intersection), and 0 when both boxes have zero area.

nms agrees with `torchvision.ops.nms`: sort by score descending, then greedily keep a box unless a box
already kept overlaps it with IoU > iou_threshold (IoU == iou_threshold is kept); indices come back in
decreasing score order. Equal scores are ranked lower index first (torchvision leaves that order unspecified;
this is the order of `cv2.dnn.NMSBoxes`' stable sort).

The demo follows the notes' YOLO recipe: discard boxes with score <= score_threshold, then run NMS for each
class on its own, so a dog box never suppresses a cat box.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field, significant
from revise.demo_engine.checks import check_array, check_choice, check_number, check_shape
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, new_axes

SOFT_METHODS = ("linear", "gaussian")


def iou(a, b):
    """Intersection over union of two boxes, or the (N, M) matrix of IoUs between (N, 4) and (M, 4) boxes.

    a, b: both one box (x1, y1, x2, y2), giving a float, or both arrays of boxes, giving an (N, M) array.
    """
    first, second = check_array("a", a, finite=False), check_array("b", b, finite=False)
    if first.shape == (4,) and second.shape == (4,):
        return float(_iou_matrix(_checked_boxes("a", first[None]), _checked_boxes("b", second[None]))[0, 0])
    if first.ndim == 2 and second.ndim == 2:
        return _iou_matrix(_checked_boxes("a", first), _checked_boxes("b", second))
    raise ValueError(f"a has shape {first.shape} and b has shape {second.shape}: must be two boxes of shape (4,) "
                     "or two arrays of shape (N, 4) and (M, 4)")


def nms(boxes, scores, iou_threshold: float) -> np.ndarray:
    """Indices (int64) of the boxes greedy NMS keeps, in decreasing score order, as torchvision.ops.nms.

    A box is suppressed when a kept box of higher score (or equal score and lower index) overlaps it with
    IoU > iou_threshold; IoU == iou_threshold is kept.
    """
    boxes = _checked_boxes("boxes", boxes)
    scores = check_shape("scores", check_array("scores", scores), (len(boxes),), "one score per box")
    return _nms(boxes, scores, check_number("iou_threshold", iou_threshold, 0.0, 1.0))


def soft_nms(boxes, scores, method: str = "linear", sigma: float = 0.5, iou_threshold: float = 0.3,
             score_threshold: float = 0.001) -> tuple[np.ndarray, np.ndarray]:
    """Soft-NMS: (indices kept, int64; their decayed scores, float64), both in the order they were picked.

    Repeatedly pick the box M with the highest current score (ties: lower index) and decay every box not yet
    picked: linear, s_i *= 1 - IoU(M, b_i) when IoU > iou_threshold; gaussian, s_i *= exp(-IoU^2 / sigma)
    (iou_threshold unused). Stop when the best current score is under score_threshold: those boxes are dropped.
    Scores must be >= 0, since decay multiplies them.
    """
    check_choice("method", method, SOFT_METHODS)
    sigma = check_number("sigma", sigma, 0.0, low_open=True)
    boxes = _checked_boxes("boxes", boxes)
    scores = check_shape("scores", check_array("scores", scores), (len(boxes),), "one score per box")
    if np.any(scores < 0):
        index = int(np.argmax(scores < 0))
        raise ValueError(f"scores[{index}]={float(scores[index])!r}: Soft-NMS needs scores >= 0, "
                         "since it decays them by multiplying")
    return _soft_nms(boxes, scores, method == "gaussian", sigma,
                     check_number("iou_threshold", iou_threshold, 0.0, 1.0),
                     check_number("score_threshold", score_threshold, 0.0, 1.0))


def _checked_boxes(name: str, value) -> np.ndarray:
    """The boxes as a contiguous (N, 4) float64 array; ValueError unless finite with x2 >= x1 and y2 >= y1."""
    boxes = check_shape(name, check_array(name, value, finite=False), (None, 4), "rows x1, y1, x2, y2")
    bad = ~np.isfinite(boxes).all(axis=1) | (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(f"{name}[{row}]={boxes[row].tolist()}: must be finite with x2 >= x1 and y2 >= y1")
    return boxes


@njit(cache=True)
def _areas(boxes):
    """(x2 - x1)(y2 - y1) of every box, no +1."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


@njit(cache=True)
def _iou_at(a, i, area_a, b, j, area_b):
    """IoU of row i of a and row j of b, given their areas; 0 when both are empty."""
    width = max(min(a[i, 2], b[j, 2]) - max(a[i, 0], b[j, 0]), 0.0)
    height = max(min(a[i, 3], b[j, 3]) - max(a[i, 1], b[j, 1]), 0.0)
    inter = width * height
    union = area_a + area_b - inter
    return inter / union if union > 0.0 else 0.0


@njit(cache=True)
def _iou_matrix(a, b):
    """The (N, M) IoUs between every row of a and every row of b."""
    areas_a, areas_b = _areas(a), _areas(b)
    out = np.empty((a.shape[0], b.shape[0]))
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            out[i, j] = _iou_at(a, i, areas_a[i], b, j, areas_b[j])
    return out


@njit(cache=True)
def _overlaps_a_kept_box(ranked, areas, kept, count, i, iou_threshold):
    """Whether any of the first count kept boxes overlaps ranked box i with IoU > iou_threshold."""
    for k in range(count):
        j = kept[k]
        if _iou_at(ranked, j, areas[j], ranked, i, areas[i]) > iou_threshold:
            return True
    return False


@njit(cache=True)
def _nms(boxes, scores, iou_threshold):
    """Greedy NMS: walk the boxes by score (stable), keeping each one no kept box overlaps too much."""
    order = np.argsort(-scores, kind="mergesort")
    ranked = boxes[order]  # contiguous rows in score order, so the inner loop reads memory in sequence
    areas = _areas(ranked)
    kept = np.empty(len(order), dtype=np.int64)
    count = 0
    for i in range(len(order)):
        if not _overlaps_a_kept_box(ranked, areas, kept, count, i, iou_threshold):
            kept[count] = i
            count += 1
    return order[kept[:count]]


@njit(cache=True)
def _decay(overlap, gaussian, sigma, iou_threshold):
    """Soft-NMS's score factor for a box overlapping the picked one by `overlap`."""
    if gaussian:
        return math.exp(-overlap * overlap / sigma)
    return 1.0 - overlap if overlap > iou_threshold else 1.0


@njit(cache=True)
def _best_waiting(current, waiting):
    """Index of the highest current score among boxes still waiting (ties: lower index), or -1 if none."""
    best = -1
    for i in range(len(current)):
        if waiting[i] and (best < 0 or current[i] > current[best]):
            best = i
    return best


@njit(cache=True)
def _soft_nms(boxes, scores, gaussian, sigma, iou_threshold, score_threshold):
    """Soft-NMS: pick the best waiting box, decay the others by their IoU with it, until the best is too low."""
    areas = _areas(boxes)
    current = scores.copy()
    waiting = np.ones(len(scores), dtype=np.bool_)
    kept = np.empty(len(scores), dtype=np.int64)
    kept_scores = np.empty(len(scores))
    count = 0
    best = _best_waiting(current, waiting)
    while best >= 0 and current[best] >= score_threshold:
        waiting[best] = False
        kept[count], kept_scores[count] = best, current[best]
        count += 1
        for i in range(len(scores)):
            if waiting[i]:
                overlap = _iou_at(boxes, best, areas[best], boxes, i, areas[i])
                current[i] *= _decay(overlap, gaussian, sigma, iou_threshold)
        best = _best_waiting(current, waiting)
    return kept[:count], kept_scores[:count]


# ---- the demo: a cat and a dog, each found several times (the notes' YOLO section) ----

SCENE = (  # class, (x1, y1, x2, y2) in pixels of a 160 x 100 image, y down, score
    ("cat", (15, 22, 70, 80), 0.92),
    ("cat", (20, 18, 75, 76), 0.81),
    ("cat", (10, 30, 62, 85), 0.67),
    ("cat", (40, 45, 72, 82), 0.55),
    ("dog", (85, 30, 150, 90), 0.88),
    ("dog", (78, 25, 145, 88), 0.76),
    ("dog", (90, 35, 155, 95), 0.70),
    ("dog", (100, 50, 150, 90), 0.62),
    ("dog", (60, 40, 110, 92), 0.45),
)
CLASS_COLOURS = {"cat": COLOURS[1], "dog": COLOURS[0]}
CLASSES_ZH = {"cat": "猫", "dog": "狗"}
METHODS = {"nms": "NMS", "soft-linear": "Soft-NMS (linear)", "soft-gaussian": "Soft-NMS (gaussian)"}
METHODS_ZH = {"nms": "NMS", "soft-linear": "Soft-NMS(线性衰减)", "soft-gaussian": "Soft-NMS(高斯衰减)"}
SIGMA = 0.5


def _suppress_class(members, boxes, scores, method: str, iou_threshold: float, score_threshold: float):
    """Suppress among one class's boxes (scene indices `members`): (kept, their scores, decision order).

    Indices are scene indices. The decision order lists the members as their fates were settled: by score for
    NMS; for Soft-NMS the picks in turn, then the dropped boxes.
    """
    if method == "nms":
        kept = nms(boxes[members], scores[members], iou_threshold)
        return members[kept], scores[members][kept], members[np.argsort(-scores[members], kind="stable")]
    kept, kept_scores = soft_nms(boxes[members], scores[members], method.removeprefix("soft-"), SIGMA,
                                 iou_threshold, score_threshold)
    return members[kept], kept_scores, np.concatenate([members[kept], np.setdiff1d(members, members[kept])])


def _strongest_overlaps(overlaps, kept, decision_order) -> dict[int, tuple[float, int]]:
    """For each box with a kept box settled before it: (the largest IoU with one, that box's index)."""
    strongest = {}
    kept_before: list[int] = []
    for box in decision_order.tolist():
        if kept_before:
            partner = max(kept_before, key=lambda other: overlaps[box, other])
            strongest[box] = (float(overlaps[box, partner]), partner)
        if box in kept:
            kept_before.append(box)
    return strongest


def _detect(method: str, iou_threshold: float, score_threshold: float) -> dict:
    """Run the chosen suppression class by class on the scene; every box's fate, score and strongest overlap."""
    classes = [label for label, _, _ in SCENE]
    boxes = np.array([box for _, box, _ in SCENE], dtype=np.float64)
    scores = np.array([score for _, _, score in SCENE])
    overlaps = iou(boxes, boxes)
    status = ["low score"] * len(SCENE)
    final_scores: list[float | None] = [None] * len(SCENE)
    strongest: dict[int, tuple[float, int]] = {}
    for label in CLASS_COLOURS:
        members = np.array([i for i, name in enumerate(classes) if name == label and scores[i] > score_threshold],
                           dtype=np.int64)
        kept, kept_scores, order = _suppress_class(members, boxes, scores, method, iou_threshold, score_threshold)
        strongest.update(_strongest_overlaps(overlaps, set(kept.tolist()), order))
        for box in members:
            status[box] = "suppressed" if method == "nms" else "decayed"
        for box, score in zip(kept.tolist(), kept_scores.tolist()):
            status[box], final_scores[box] = "kept", score
    return {"classes": classes, "boxes": boxes.tolist(), "scores": scores.tolist(), "status": status,
            "final_scores": final_scores,
            "strongest_iou": [strongest.get(i, (None, None))[0] for i in range(len(SCENE))],
            "strongest_with": [strongest.get(i, (None, None))[1] for i in range(len(SCENE))]}


def _fate(status: str, iou_threshold: float, score_threshold: float) -> str:
    """The kept? cell: yes, or why not."""
    return {"kept": "yes", "suppressed": f"no: IoU > {iou_threshold:g}",
            "decayed": f"no: fell < {score_threshold:g}", "low score": f"no: score ≤ {score_threshold:g}"}[status]


def _table(found: dict, iou_threshold: float, score_threshold: float) -> Table:
    """One row per box: number, corners, class, score (and decayed score), strongest overlap, fate."""
    rows = []
    for i, (label, box, score) in enumerate(SCENE):
        final, overlap, partner = found["final_scores"][i], found["strongest_iou"][i], found["strongest_with"][i]
        shown_score = f"{score:.2f}" if final is None or final == score else f"{score:.2f}→{final:.2f}"
        shown_overlap = "–" if overlap is None else f"{overlap:.2f} (#{partner + 1})"
        rows.append((str(i + 1), ",".join(f"{v:g}" for v in box), label, shown_score, shown_overlap,
                     _fate(found["status"][i], iou_threshold, score_threshold)))
    return Table(columns=("#", "x1,y1,x2,y2", "class", "score", "IoU (with #)", "kept?"), rows=tuple(rows),
                 columns_zh=("#", "x1,y1,x2,y2", "类别", "分数", "IoU(与 #)", "保留?"))


def _figure(found: dict, title: str):
    """Every box as a thin dashed rectangle, the kept ones thick and labelled 'cat 0.92', in image coordinates."""
    from matplotlib.patches import Rectangle

    fig, ax = new_axes(title, "x (pixels)", "y (pixels, down)")
    legend_done = set()
    for i, (label, (x1, y1, x2, y2), _) in enumerate(SCENE):
        kept = found["status"][i] == "kept"
        entry = f"{label} ({'kept' if kept else 'dropped'})"
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=CLASS_COLOURS[label],
                               linewidth=3 if kept else 1, linestyle="-" if kept else "--",
                               label="_" + entry if entry in legend_done else entry))
        legend_done.add(entry)
        if kept:
            ax.text(x1 + 1, y1 - 1.5, f"{label} {found['final_scores'][i]:.2f}", color=CLASS_COLOURS[label],
                    fontsize=9, fontweight="bold")
    ax.set_xlim(0, 160)
    ax.set_ylim(100, 0)  # image rows grow downwards
    ax.legend(loc="lower right", fontsize=8)
    return fig


def run(
    iou_threshold: Annotated[float, Arg("a kept box suppresses boxes overlapping it with IoU above this",
                                        "与已保留框的 IoU 超过此值的框被抑制", low=0.0, high=1.0)] = 0.5,
    method: Annotated[str, Arg("hard NMS, or Soft-NMS with linear or gaussian score decay",
                               "硬 NMS,或线性 / 高斯衰减分数的 Soft-NMS", choices=tuple(METHODS))] = "nms",
    score_threshold: Annotated[float, Arg("boxes with score at or below this are discarded first",
                                          "分数不高于此值的框先被丢弃", low=0.0, high=1.0)] = 0.6,
) -> DemoResult:
    """Suppress the scene's duplicate detections class by class and show which boxes survive and why."""
    found = _detect(method, iou_threshold, score_threshold)
    kept = [i for i, status in enumerate(found["status"]) if status == "kept"]
    counts = {label: sum(found["classes"][i] == label for i in kept) for label in CLASS_COLOURS}
    low = found["status"].count("low score")
    if method == "nms":
        rule = f"IoU > {iou_threshold:g} with a kept box suppresses a box"
        rule_zh = f"与某个已保留框的 IoU > {iou_threshold:g} 的框被抑制"
    else:
        rule = f"Overlaps decay scores, and a score under {score_threshold:g} is dropped"
        rule_zh = f"重叠会衰减分数,分数低于 {score_threshold:g} 的框被丢弃"
    summary = (f"{METHODS[method]} per class: kept {len(kept)} of {len(SCENE)} boxes "
               f"({', '.join(f'{count} {label}' for label, count in counts.items())}); "
               f"{low} with score ≤ {score_threshold:g} were discarded first.\n"
               f"{rule}; IoU column: the largest overlap with a kept box ranked above.")
    summary_zh = (f"按类别做 {METHODS_ZH[method]}:{len(SCENE)} 个框保留 {len(kept)} 个"
                  f"({'、'.join(f'{count} 只{CLASSES_ZH[label]}' for label, count in counts.items())});"
                  f"分数 ≤ {score_threshold:g} 的 {low} 个框先被丢弃。\n"
                  f"{rule_zh};IoU 列:与排在它前面的已保留框的最大重叠。")
    title = f"{METHODS[method]}: {len(SCENE)} detections → {len(kept)} kept"
    return DemoResult(summary=summary, summary_zh=summary_zh, table=_table(found, iou_threshold, score_threshold),
                      figure=_figure(found, title),
                      data={"method": method, "iou_threshold": iou_threshold, "score_threshold": score_threshold,
                            "kept": kept, **found})


def warm() -> None:
    """Compiles (or loads from cache) every kernel on two tiny boxes."""
    boxes, scores = np.array([[0.0, 0.0, 2.0, 2.0], [1.0, 0.0, 3.0, 2.0]]), np.array([0.9, 0.8])
    iou(boxes, boxes)
    nms(boxes, scores, 0.5)
    for method in SOFT_METHODS:
        soft_nms(boxes, scores, method)


DEMO = declare_demo(
    run, warm,
    title_en="Non-maximum suppression",
    title_zh="非极大值抑制",
    description_en="Overlapping detections of a cat and a dog: per-class NMS or Soft-NMS keeps one box per object.",
    description_zh="猫和狗的重叠检测框:按类别做 NMS 或 Soft-NMS,每个物体只保留一个框。",
)


def _box_iou_plain(a: list[int], b: list[int]) -> float:
    """IoU of two corner boxes in plain Python, for the drills' guards on what they draw."""
    width = max(min(a[2], b[2]) - max(a[0], b[0]), 0)
    height = max(min(a[3], b[3]) - max(a[1], b[1]), 0)
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _draw_iou(rng) -> dict:
    """Two boxes with whole-number corners that overlap, neither nearly the other: IoU from 0.1 to 0.9."""
    while True:
        x1, y1, width, height = (int(value) for value in rng.integers((20, 20, 8, 8), (50, 50, 41, 41)))
        a = [x1, y1, x1 + width, y1 + height]
        bx1 = x1 + int(rng.integers(-width // 2, width // 2 + 1))
        by1 = y1 + int(rng.integers(-height // 2, height // 2 + 1))
        b = [bx1, by1, bx1 + width + int(rng.integers(-width // 3, width // 3 + 1)),
             by1 + height + int(rng.integers(-height // 3, height // 3 + 1))]
        if 0.1 <= _box_iou_plain(a, b) <= 0.9:
            return dict(zip(("ax1", "ay1", "ax2", "ay2", "bx1", "by1", "bx2", "by2"), a + b))


def _solve_iou(ax1: int, ay1: int, ax2: int, ay2: int, bx1: int, by1: int, bx2: int, by2: int) -> Worked:
    """The IoU by the module's kernel, with the intersection, areas and union worked out on the way."""
    value = iou([ax1, ay1, ax2, ay2], [bx1, by1, bx2, by2])
    left, right, top, bottom = max(ax1, bx1), min(ax2, bx2), max(ay1, by1), min(ay2, by2)
    inter = (right - left) * (bottom - top)
    area_a, area_b = (ax2 - ax1) * (ay2 - ay1), (bx2 - bx1) * (by2 - by1)
    union = area_a + area_b - inter
    x_from, x_to = f"max({ax1}, {bx1}) = {left}", f"min({ax2}, {bx2}) = {right}"
    y_from, y_to = f"max({ay1}, {by1}) = {top}", f"min({ay2}, {by2}) = {bottom}"
    areas = f"|A| = {ax2 - ax1}·{ay2 - ay1} = {area_a}, |B| = {bx2 - bx1}·{by2 - by1} = {area_b}"
    union_text = f"|A ∪ B| = {area_a} + {area_b} − {inter} = {union}"
    result = f"IoU = {inter} / {union} = {significant(value)}"
    return Worked({"iou": value},
                  ("IoU = |A ∩ B| / (|A| + |B| − |A ∩ B|)", f"x: {x_from} to {x_to}, width {right - left}",
                   f"y: {y_from} to {y_to}, height {bottom - top}",
                   f"|A ∩ B| = {right - left}·{bottom - top} = {inter}", areas, union_text, result),
                  ("IoU = |A ∩ B| / (|A| + |B| − |A ∩ B|)", f"x：{x_from} 到 {x_to}，宽 {right - left}",
                   f"y：{y_from} 到 {y_to}，高 {bottom - top}",
                   f"|A ∩ B| = {right - left}·{bottom - top} = {inter}", areas, union_text, result))


NMS_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
NMS_MARGIN = 0.03  # no IoU this close to the threshold, so the two-decimal IoUs of the solution decide plainly


def _draw_kept(rng) -> dict:
    """4 or 5 boxes in two clusters far apart (boxes overlap only within a cluster), distinct scores, a threshold
    that no IoU comes near, and a pair over it (so some box is suppressed); numbered in shuffled order."""
    while True:
        count = int(rng.integers(4, 6))
        first = int(rng.integers(2, 4))  # clusters of 2 or 3 boxes (and 1 beside 3): at most 3 IoUs each
        boxes = []
        for offset, members in ((4, first), (44, count - first)):
            x1, y1 = offset + int(rng.integers(0, 6)), 4 + int(rng.integers(0, 6))
            width, height = int(rng.integers(10, 21)), int(rng.integers(10, 21))
            for _ in range(members):
                dx, dy, dw, dh = (int(step) for step in rng.integers(-4, 5, 4))
                boxes.append([x1 + dx, y1 + dy, x1 + dx + width + dw, y1 + dy + height + dh])
        order = rng.permutation(count)
        boxes = [boxes[i] for i in order]
        cluster = [0 if i < first else 1 for i in order]
        scores = [int(score) / 100 for score in rng.choice(np.arange(50, 100), count, replace=False)]
        threshold = float(rng.choice(NMS_THRESHOLDS))
        pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
        overlaps = {(i, j): _box_iou_plain(boxes[i], boxes[j]) for i, j in pairs}
        apart = all((overlaps[i, j] > 0) == (cluster[i] == cluster[j]) for i, j in pairs)
        clear = all(abs(overlap - threshold) >= NMS_MARGIN for overlap in overlaps.values())
        if apart and clear and any(overlap > threshold for overlap in overlaps.values()):
            listed = [f"{i} ({', '.join(map(str, box))}), score {score:.2f}"
                      for i, (box, score) in enumerate(zip(boxes, scores), 1)]
            return {"boxes": boxes, "scores": scores, "threshold": threshold,
                    "boxes_en": "; ".join(f"box {line}" for line in listed),
                    "boxes_zh": "；".join(f"框 {line}".replace(", score", "，分数") for line in listed)}


def _solve_kept(boxes: list, scores: list, threshold: float, boxes_en: str, boxes_zh: str) -> Worked:
    """The boxes greedy NMS keeps (by the module's nms), walked through in score order with their IoUs."""
    kept = nms(boxes, scores, threshold)
    overlaps = iou(np.array(boxes, dtype=np.float64), np.array(boxes, dtype=np.float64))
    steps_en = [f"by score, highest first: keep a box unless its IoU with a kept box is > {threshold:g}"]
    steps_zh = [f"按分数从高到低：与某个已保留框的 IoU > {threshold:g} 的框被抑制，否则保留"]
    so_far: list[int] = []
    for box in np.argsort(-np.array(scores), kind="stable").tolist():
        head = f"{box + 1} ({scores[box]:.2f})"
        if not so_far:
            steps_en.append(f"box {head}: the top score, kept")
            steps_zh.append(f"框 {head}：分数最高，保留")
        else:
            touching = [other for other in so_far if overlaps[box, other] > 0]
            against = ", ".join(f"IoU with {other + 1} = {overlaps[box, other]:.2f}" for other in touching)
            against_zh = "，".join(f"与 {other + 1} 的 IoU = {overlaps[box, other]:.2f}" for other in touching)
            if not touching:
                steps_en.append(f"box {head}: overlaps no kept box: kept")
                steps_zh.append(f"框 {head}：与已保留的框都不重叠：保留")
            elif box in kept:
                steps_en.append(f"box {head}: {against}, none > {threshold:g}: kept")
                steps_zh.append(f"框 {head}：{against_zh}，都不大于 {threshold:g}：保留")
            else:
                worst = max(touching, key=lambda other: overlaps[box, other])
                steps_en.append(f"box {head}: IoU with {worst + 1} = {overlaps[box, worst]:.2f} > {threshold:g}: "
                                "suppressed")
                steps_zh.append(f"框 {head}：与 {worst + 1} 的 IoU = {overlaps[box, worst]:.2f} > {threshold:g}：抑制")
        if box in kept:
            so_far.append(box)
    numbers = tuple(sorted(int(box) + 1 for box in kept))
    shown = ", ".join(map(str, numbers))
    steps_en.append(f"kept, in increasing order: {shown}")
    steps_zh.append(f"保留的框（编号从小到大）：{shown}")
    return Worked({"kept": numbers}, tuple(steps_en), tuple(steps_zh))


DRILLS = declare_drills(
    __name__,
    Drill("iou", "IoU of two boxes", "两个框的交并比",
          "Box A = ({ax1}, {ay1}, {ax2}, {ay2}) and box B = ({bx1}, {by1}, {bx2}, {by2}) are given as (x1, y1, x2, y2) "
          "corners; a box's area is (x2 − x1)(y2 − y1). What is their intersection over union (IoU), to 3 significant "
          "figures?",
          "框 A = ({ax1}, {ay1}, {ax2}, {ay2})，框 B = ({bx1}, {by1}, {bx2}, {by2})，坐标为 (x1, y1, x2, y2) 角点；"
          "框的面积为 (x2 − x1)(y2 − y1)。它们的交并比（IoU）是多少？保留 3 位有效数字。",
          (Field("iou", "IoU", "交并比 IoU", kind="number"),), _draw_iou, _solve_iou),
    Drill("kept", "Boxes kept by NMS", "NMS 保留的框",
          "A detector gives these boxes of one class, as (x1, y1, x2, y2) corners: {boxes_en}. Greedy non-max "
          "suppression with IoU threshold {threshold:g} takes the boxes by score, highest first, and suppresses a box "
          "whose IoU with an already kept box is greater than {threshold:g}. Which boxes are kept? Give their numbers "
          "in increasing order, separated by spaces or commas.",
          "检测器给出同一类别的这些框，坐标为 (x1, y1, x2, y2) 角点：{boxes_zh}。贪心非极大值抑制的 IoU 阈值为 "
          "{threshold:g}：按分数从高到低处理，与已保留框的 IoU 大于 {threshold:g} 的框被抑制。哪些框被保留？"
          "按编号从小到大写出，用空格或逗号分隔。",
          (Field("kept", "kept boxes (numbers in increasing order)", "保留的框（编号从小到大）", kind="list"),),
          _draw_kept, _solve_kept),
)
