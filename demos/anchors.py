"""Anchor boxes: IoU matrices, d2l's anchors per pixel, d2l's anchor-to-box assignment, and YOLO's output shape.

box_iou is torchvision's `box_iou` on corner boxes (x1, y1, x2, y2), computed by the NMS demo's own IoU kernel
(`demos.nms._iou_matrix`), with 0 where a union is empty. multibox_prior is d2l's `multibox_prior`: at every
pixel centre ((j + 0.5) / w, (i + 0.5) / h) the n + m - 1 boxes of sizes s_1..s_n with ratio r_1, then of
size s_1 with ratios r_2..r_m (the order of d2l's code), each of width s sqrt(r) h / w and height s / sqrt(r)
in normalised coordinates, computed in d2l's order of operations. assign_anchors is d2l's
`assign_anchor_to_bbox`: each ground-truth box first takes its best anchor, greedily by the largest IoU left
in the matrix (ties: lowest anchor, then lowest box), so every box gets one even at IoU 0; every other anchor
then takes its best box if their IoU reaches the threshold, else stays background (-1). multibox_prior_all puts
every size with every ratio at each pixel (n * m boxes, Faster R-CNN's region proposal network), and
ssd_predictor_channels gives d2l's SSD class and box prediction layers' channels, a (q + 1) and 4 a.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

import numpy as np
from numba import njit

from demos.nms import _checked_boxes, _iou_matrix
from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_int, check_number
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, new_axes


def box_iou(a, b) -> np.ndarray:
    """The (N, M) IoUs between the rows of a (N, 4) and b (M, 4), corner boxes; 0 where a union is empty.

    torchvision's `box_iou`, computed by the NMS demo's IoU kernel (no +1 on widths and heights).
    """
    return _iou_matrix(_checked_boxes("a", a), _checked_boxes("b", b))


def multibox_prior(height: int, width: int, sizes, ratios) -> np.ndarray:
    """d2l's anchors of a height x width image: (height * width * (n + m - 1), 4) normalised corner boxes.

    Pixels in row-major order; at each pixel sizes s_1..s_n with ratio r_1, then s_1 with ratios r_2..r_m.
    """
    height = check_int("height", height, 1)
    width = check_int("width", width, 1)
    sizes = _positive("sizes", sizes)
    ratios = _positive("ratios", ratios)
    return _prior_rows(height, width, sizes, ratios, 0, height * width)


def assign_anchors(anchors, ground_truth, iou_threshold: float = 0.5) -> np.ndarray:
    """The ground-truth box index of each anchor (int64, -1 for background), as d2l's `assign_anchor_to_bbox`.

    First each box takes the anchor of the largest IoU left in the matrix, whose row and column are then
    discarded (ties: lowest anchor, then lowest box); then every other anchor takes the box of its largest IoU
    if that IoU >= iou_threshold. With more boxes than anchors, the boxes left when the anchors run out get none.
    """
    iou_threshold = check_number("iou_threshold", iou_threshold, 0.0, 1.0)
    return _assign(box_iou(anchors, ground_truth), iou_threshold)[0]


def yolo_output_shape(grid: int, anchors_per_cell: int, classes: int) -> tuple[int, int, int]:
    """YOLO's output volume (S, S, B * (5 + C)): per cell and anchor p_c, b_x, b_y, b_h, b_w and C class scores."""
    grid = check_int("grid", grid, 1)
    anchors_per_cell = check_int("anchors_per_cell", anchors_per_cell, 1)
    classes = check_int("classes", classes, 0)
    return (grid, grid, anchors_per_cell * (5 + classes))


def multibox_prior_all(height: int, width: int, sizes, ratios) -> np.ndarray:
    """Every size with every ratio at each pixel, as Faster R-CNN's region proposal network places its anchors:
    (height * width * n * m, 4) normalised corner boxes, pixels row-major, then s_1 with r_1..r_m, s_2 with
    r_1..r_m, ...; each box as in multibox_prior (width s sqrt(r) h / w, height s / sqrt(r))."""
    height = check_int("height", height, 1)
    width = check_int("width", width, 1)
    sizes = _positive("sizes", sizes)
    ratios = _positive("ratios", ratios)
    return _all_pairs_rows(height, width, sizes, ratios, 0, height * width)


def ssd_predictor_channels(anchors_per_pixel: int, classes: int) -> tuple[int, int]:
    """Output channels of SSD's class and box prediction layers (d2l's cls_predictor and bbox_predictor, 3x3
    convs with padding 1): a (q + 1) class scores (the + 1 is the background) and 4 a offsets per position."""
    anchors_per_pixel = check_int("anchors_per_pixel", anchors_per_pixel, 1)
    classes = check_int("classes", classes, 0)
    return anchors_per_pixel * (classes + 1), 4 * anchors_per_pixel


def _all_pairs_rows(height: int, width: int, sizes: np.ndarray, ratios: np.ndarray, first: int,
                    count: int) -> np.ndarray:
    """The n * m anchors of pixels first..first+count-1: for each size, d2l's kernel with that one size and all
    the ratios gives its m boxes; the sizes' blocks are then interleaved pixel by pixel."""
    blocks = [_prior_rows(height, width, sizes[k:k + 1], ratios, first, count).reshape(count, 1, ratios.size, 4)
              for k in range(sizes.size)]
    return np.concatenate(blocks, axis=1).reshape(count * sizes.size * ratios.size, 4)


def _positive(name: str, value) -> np.ndarray:
    """A non-empty 1-D float64 array of finite numbers > 0."""
    array = check_array(name, value, ndim=1, min_size=1)
    if (array <= 0).any():
        index = int(np.argmax(array <= 0))
        raise ValueError(f"{name}[{index}]={float(array[index])!r}: must be > 0")
    return array


@njit(cache=True)
def _prior_rows(height, width, sizes, ratios, first, count):
    """d2l's anchors of the pixels first..first+count-1 (row-major), n + m - 1 rows each, d2l's arithmetic."""
    n, m = sizes.shape[0], ratios.shape[0]
    per_pixel = n + m - 1
    half_w, half_h = np.empty(per_pixel), np.empty(per_pixel)
    root = math.sqrt(ratios[0])
    for k in range(n):  # sizes s_1..s_n with ratio r_1
        half_w[k] = sizes[k] * root * height / width / 2.0
        half_h[k] = sizes[k] / root / 2.0
    for k in range(1, m):  # size s_1 with ratios r_2..r_m
        root_k = math.sqrt(ratios[k])
        half_w[n + k - 1] = sizes[0] * root_k * height / width / 2.0
        half_h[n + k - 1] = (1.0 / root_k) * sizes[0] / 2.0  # d2l's `sizes[0] / tensor` is reciprocal * size
    step_h, step_w = 1.0 / height, 1.0 / width
    out = np.empty((count * per_pixel, 4))
    for p in range(count):
        row, col = divmod(first + p, width)
        centre_y, centre_x = (row + 0.5) * step_h, (col + 0.5) * step_w
        for k in range(per_pixel):
            r = p * per_pixel + k
            out[r, 0] = centre_x - half_w[k]
            out[r, 1] = centre_y - half_h[k]
            out[r, 2] = centre_x + half_w[k]
            out[r, 3] = centre_y + half_h[k]
    return out


@njit(cache=True)
def _assign(iou, threshold):
    """(box of each anchor or -1, the greedy step at which each anchor was taken or -1) from an IoU matrix."""
    anchors, boxes = iou.shape
    mapping = np.full(anchors, -1, dtype=np.int64)
    taken_at = np.full(anchors, -1, dtype=np.int64)
    for i in range(anchors):  # every anchor's best box, first the threshold rule
        best = 0
        for j in range(1, boxes):
            if iou[i, j] > iou[i, best]:
                best = j
        if boxes > 0 and iou[i, best] >= threshold:
            mapping[i] = best
    left = iou.copy()
    for step in range(min(anchors, boxes)):  # then each box takes the largest IoU left, overriding
        best_i, best_j, best = 0, 0, -2.0
        for i in range(anchors):
            for j in range(boxes):
                if left[i, j] > best:
                    best_i, best_j, best = i, j, left[i, j]
        mapping[best_i] = best_j
        taken_at[best_i] = step
        for i in range(anchors):
            left[i, best_j] = -1.0
        for j in range(boxes):
            left[best_i, j] = -1.0
    return mapping, taken_at


# ---- the demo: d2l's cat-and-dog picture, 728 x 561 pixels ----

IMAGE_WIDTH, IMAGE_HEIGHT = 728, 561
OBJECTS = (("dog", (60.0, 45.0, 378.0, 516.0)), ("cat", (400.0, 112.0, 655.0, 493.0)))  # d2l's boxes, pixels
OBJECT_COLOURS = {"dog": COLOURS[0], "cat": COLOURS[1]}  # as in the nms demo
OBJECTS_ZH = {"dog": "狗", "cat": "猫"}
MAX_VALUES = 5  # sizes and ratios each
PAIRS = ("d2l", "all")


def _parse_values(name: str, text: str, high: float) -> np.ndarray:
    """Comma- or space-separated numbers in (0, high], at most MAX_VALUES of them; ValueError in one line."""
    parts = [part for part in re.split(r"[,\s]+", text.strip()) if part]
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if not values or len(values) > MAX_VALUES or not all(0 < v <= high for v in values):
        raise ValueError(f"{name}={text!r}: must be 1 to {MAX_VALUES} numbers in (0, {high:g}] separated by commas, "
                         f"e.g. {'0.75,0.5,0.25' if name == 'sizes' else '1,2,0.5'}")
    return np.array(values)


def _normalised(box) -> tuple[float, float, float, float]:
    """A pixel box divided by the image's width and height, as d2l scales its ground truth."""
    x1, y1, x2, y2 = box
    return (x1 / IMAGE_WIDTH, y1 / IMAGE_HEIGHT, x2 / IMAGE_WIDTH, y2 / IMAGE_HEIGHT)


def _anchor_labels(sizes: np.ndarray, ratios: np.ndarray) -> list[tuple[float, float]]:
    """(size, ratio) of each anchor of a pixel, in d2l's code order."""
    return [(float(s), float(ratios[0])) for s in sizes] + [(float(sizes[0]), float(r)) for r in ratios[1:]]


def _all_pair_labels(sizes: np.ndarray, ratios: np.ndarray) -> list[tuple[float, float]]:
    """(size, ratio) of each anchor of a pixel when every size takes every ratio, sizes first."""
    return [(float(s), float(r)) for s in sizes for r in ratios]


def _greedy_anchor(mapping: np.ndarray, taken_at: np.ndarray, box: int) -> int:
    """The anchor a box took as its best in the greedy pass, or -1 when the anchors ran out first."""
    found = np.flatnonzero((mapping == box) & (taken_at >= 0))
    return int(found[0]) if len(found) else -1


def _cell(x: float, y: float, grid: int) -> tuple[int, int]:
    """(row, column) of the grid cell holding the pixel point (x, y)."""
    return (min(int(y * grid / IMAGE_HEIGHT), grid - 1), min(int(x * grid / IMAGE_WIDTH), grid - 1))


def _assignment_words(box: int, step: int, overlap: float, threshold: float) -> tuple[str, str]:
    """The 'assigned' cell in English and Chinese."""
    if box < 0:
        return "background", "背景"
    name = OBJECTS[box][0]
    if step >= 0:
        return f"{name} (its best anchor)", f"{OBJECTS_ZH[name]}(它的最佳锚框)"
    return f"{name} (IoU {overlap:.2f} ≥ {threshold:g})", f"{OBJECTS_ZH[name]}(IoU {overlap:.2f} ≥ {threshold:g})"


def _figure(anchors_px: np.ndarray, labels, mapping, pixel_x: int, pixel_y: int, grid: int, title: str):
    """The image as an outline, its S x S grid, the dog and cat boxes, and the pixel's anchors in image pixels."""
    from matplotlib.patches import Rectangle

    fig, ax = new_axes(title, "x (pixels)", "y (pixels, down)")
    ax.add_patch(Rectangle((0, 0), IMAGE_WIDTH, IMAGE_HEIGHT, fill=False, edgecolor="0.3", linewidth=1.5,
                           label=f"image {IMAGE_WIDTH} x {IMAGE_HEIGHT}"))
    for k in range(1, grid):
        ax.plot([k * IMAGE_WIDTH / grid] * 2, [0, IMAGE_HEIGHT], color=GRID_COLOUR, linewidth=0.6, linestyle=":")
        ax.plot([0, IMAGE_WIDTH], [k * IMAGE_HEIGHT / grid] * 2, color=GRID_COLOUR, linewidth=0.6, linestyle=":")
    for name, (x1, y1, x2, y2) in OBJECTS:
        colour = OBJECT_COLOURS[name]
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colour, linewidth=3,
                               label=f"{name} (ground truth)"))
        ax.text(x1 + 6, y1 + 24, name, color=colour, fontsize=10, fontweight="bold")
        ax.plot([(x1 + x2) / 2], [(y1 + y2) / 2], marker="x", color=colour, markersize=8, linestyle="none")
    for k, ((x1, y1, x2, y2), (size, ratio), box) in enumerate(zip(anchors_px, labels, mapping)):
        colour = COLOURS[2 + k % (len(COLOURS) - 2)]
        target = OBJECTS[box][0] if box >= 0 else "background"
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colour,
                               linewidth=2 if box >= 0 else 1, linestyle="-" if box >= 0 else "--",
                               label=f"#{k} s={size:g} r={ratio:g} → {target}"))
        ax.text(x1 + 4, y2 - 6, f"#{k}", color=colour, fontsize=9)
    ax.plot([pixel_x + 0.5], [pixel_y + 0.5], marker="o", color="black", markersize=5, linestyle="none")
    extent = np.vstack([anchors_px, [[0.0, 0.0, IMAGE_WIDTH, IMAGE_HEIGHT]]])
    pad = 20.0
    legend_room = 330.0  # empty pixels right of the picture, where the legend goes
    ax.set_xlim(min(extent[:, 0].min(), 0) - pad, max(extent[:, 2].max(), IMAGE_WIDTH) + pad + legend_room)
    ax.set_ylim(max(extent[:, 3].max(), IMAGE_HEIGHT) + pad, min(extent[:, 1].min(), 0) - pad)  # y down
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7)
    return fig


def run(
    pixel_x: Annotated[int, Arg("column of the pixel whose anchors are drawn (the image is 728 wide)",
                                "所画锚框所在像素的列(图像宽 728)", low=0, high=IMAGE_WIDTH - 1)] = 250,
    pixel_y: Annotated[int, Arg("row of that pixel (the image is 561 high)", "该像素的行(图像高 561)",
                                low=0, high=IMAGE_HEIGHT - 1)] = 250,
    sizes: Annotated[str, Arg("anchor sizes s_1..s_n, fractions of the image, comma-separated",
                              "锚框尺寸 s_1..s_n(占图像的比例),用逗号分隔", high=60)] = "0.75,0.5,0.25",
    ratios: Annotated[str, Arg("aspect ratios r_1..r_m (width / height), comma-separated",
                               "宽高比 r_1..r_m(宽 / 高),用逗号分隔", high=60)] = "1,2,0.5",
    iou_threshold: Annotated[float, Arg("an anchor not picked as a box's best joins that box if IoU >= this",
                                        "未被选为最佳的锚框在 IoU 不低于此值时归入该物体", low=0.0, high=1.0)] = 0.5,
    grid: Annotated[int, Arg("YOLO grid S (S x S cells) for the output volume", "YOLO 网格 S(S x S 个单元)",
                             low=1, high=32)] = 3,
    classes: Annotated[int, Arg("YOLO classes C for the output volume (and SSD's q when --ssd-map is set)",
                                "YOLO 类别数 C(设置 --ssd-map 时也是 SSD 的类别数 q)", low=1, high=1000)] = 2,
    pairs: Annotated[str, Arg("which (size, ratio) pairs make a pixel's anchors: d2l = s_1..s_n with r_1, then s_1 "
                              "with r_2..r_m (n + m - 1); all = every size with every ratio (n·m, as Faster R-CNN's "
                              "region proposal network)",
                              "每个像素的锚框由哪些(尺寸, 宽高比)组合构成:d2l = s_1..s_n 配 r_1,再加 s_1 配 r_2..r_m"
                              "(n + m - 1 个);all = 每个尺寸配每个宽高比(n·m 个,同 Faster R-CNN 的区域提议网络)",
                              choices=PAIRS)] = "d2l",
    ssd_map: Annotated[int, Arg("SSD feature map height = width whose prediction layers are sized with these anchors "
                                "and --classes (0 = not shown)",
                                "SSD 特征图的高 = 宽,用这些锚框和 --classes 计算其预测层的大小(0 = 不显示)",
                                low=0, high=64)] = 0,
) -> DemoResult:
    """Draw one pixel's anchors on d2l's cat-and-dog image, their IoUs with both boxes, and who takes which."""
    size_values, ratio_values = _parse_values("sizes", sizes, 1.0), _parse_values("ratios", ratios, 10.0)
    every = pairs == "all"
    per_pixel = len(size_values) * len(ratio_values) if every else len(size_values) + len(ratio_values) - 1
    first = pixel_y * IMAGE_WIDTH + pixel_x
    rows_of = _all_pairs_rows if every else _prior_rows
    anchors = rows_of(IMAGE_HEIGHT, IMAGE_WIDTH, size_values, ratio_values, first, 1)
    truth = np.array([_normalised(box) for _, box in OBJECTS])
    overlaps = box_iou(anchors, truth)
    mapping, taken_at = _assign(overlaps, check_number("iou_threshold", iou_threshold, 0.0, 1.0))
    labels = (_all_pair_labels if every else _anchor_labels)(size_values, ratio_values)
    anchors_px = anchors * np.array([IMAGE_WIDTH, IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_HEIGHT])
    rows, words = [], []
    for k, ((size, ratio), box) in enumerate(zip(labels, mapping.tolist())):
        words.append(_assignment_words(box, int(taken_at[k]), float(overlaps[k, box]) if box >= 0 else 0.0,
                                       iou_threshold))
        rows.append((f"#{k}", f"{size:g}", f"{ratio:g}", ",".join(f"{v:.0f}" for v in anchors_px[k]),
                     f"{overlaps[k, 0]:.3f}", f"{overlaps[k, 1]:.3f}", words[-1][0]))
    shape = yolo_output_shape(grid, per_pixel, classes)
    total = IMAGE_HEIGHT * IMAGE_WIDTH * per_pixel
    best = {name: _greedy_anchor(mapping, taken_at, j) for j, (name, _) in enumerate(OBJECTS)}
    extra = int(np.sum((mapping >= 0) & (taken_at < 0)))
    background = int(np.sum(mapping < 0))
    cells = {name: _cell((x1 + x2) / 2, (y1 + y2) / 2, grid) for name, (x1, y1, x2, y2) in OBJECTS}
    picks = ", ".join(f"{name} takes #{k} (IoU {overlaps[k, j]:.2f})" if k >= 0 else f"{name} gets none (1 anchor)"
                      for j, (name, k) in enumerate(best.items()))
    picks_zh = "、".join(f"{OBJECTS_ZH[name]}取 #{k}(IoU {overlaps[k, j]:.2f})" if k >= 0
                         else f"{OBJECTS_ZH[name]}分不到锚框(只有 1 个)" for j, (name, k) in enumerate(best.items()))
    plural = "s" if per_pixel > 1 else ""
    count_en, count_zh = (f"n + m - 1 = {len(size_values)} + {len(ratio_values)} - 1", "n + m - 1 = "
                          f"{len(size_values)} + {len(ratio_values)} - 1")
    if every:
        count_en = count_zh = f"n · m = {len(size_values)} · {len(ratio_values)}"
    summary = (f"Pixel ({pixel_x}, {pixel_y}) has {count_en} = "
               f"{per_pixel} anchor{plural}, so the 561 x 728 image has "
               f"{IMAGE_HEIGHT} · {IMAGE_WIDTH} · {per_pixel} = {total:,}. {picks}; "
               f"{extra} more reach IoU ≥ {iou_threshold:g}, {background} stay background.\n"
               f"YOLO with a {grid} x {grid} grid, B = {per_pixel} anchor{plural} and C = {classes} classes outputs "
               f"{shape[0]} x {shape[1]} x {per_pixel}·(5 + {classes}) = {shape[0]} x {shape[1]} x {shape[2]} "
               f"({math.prod(shape):,} numbers); the dog's centre lies in cell {cells['dog']}, the cat's in "
               f"{cells['cat']} (row, column).")
    summary_zh = (f"像素 ({pixel_x}, {pixel_y}) 有 {count_zh} = "
                  f"{per_pixel} 个锚框,561 x 728 的图像共 {IMAGE_HEIGHT} · {IMAGE_WIDTH} · {per_pixel} = "
                  f"{total:,} 个。{picks_zh};另有 {extra} 个 IoU ≥ {iou_threshold:g},"
                  f"{background} 个为背景。\n"
                  f"YOLO 用 {grid} x {grid} 网格、每单元 B = {per_pixel} 个锚框、C = {classes} 个类别时输出 "
                  f"{shape[0]} x {shape[1]} x {per_pixel}·(5 + {classes}) = {shape[0]} x {shape[1]} x {shape[2]}"
                  f"(共 {math.prod(shape):,} 个数);狗的中心在单元 {cells['dog']},猫的在 {cells['cat']}(行, 列)。")
    if every:
        summary += (f"\nEvery size with every ratio, as Faster R-CNN's region proposal network: at each position it "
                    f"predicts an objectness score and 4 box offsets per anchor, {per_pixel} + 4 · {per_pixel} = "
                    f"{5 * per_pixel} numbers (the paper's two-class softmax: {2 * per_pixel} + {4 * per_pixel}).")
        summary_zh += (f"\n每个尺寸配每个宽高比,同 Faster R-CNN 的区域提议网络:它在每个位置为每个锚框预测 1 个"
                       f"目标性得分和 4 个偏移量,共 {per_pixel} + 4 · {per_pixel} = {5 * per_pixel} 个数"
                       f"(论文用两类 softmax:{2 * per_pixel} + {4 * per_pixel})。")
    ssd = None
    if ssd_map:
        class_channels, box_channels = ssd_predictor_channels(per_pixel, classes)
        ssd_anchors = rows_of(ssd_map, ssd_map, size_values, ratio_values, 0, ssd_map * ssd_map).shape[0]
        positions = ssd_map * ssd_map
        ssd = {"map": ssd_map, "anchors_per_pixel": per_pixel, "classes": classes,
               "class_channels": class_channels, "box_channels": box_channels, "anchors": ssd_anchors,
               "class_outputs": positions * class_channels, "box_outputs": positions * box_channels}
        summary += (f"\nSSD on a {ssd_map} x {ssd_map} feature map with a = {per_pixel} anchors per position and "
                    f"q = {classes} classes: the class predictor (3x3 conv, padding 1) has a(q + 1) = {per_pixel} · "
                    f"{classes + 1} = {class_channels} channels (+1 for background), the box predictor 4a = "
                    f"{box_channels}; {ssd_map} · {ssd_map} · {per_pixel} = {ssd_anchors:,} anchors, "
                    f"{ssd_map} · {ssd_map} · {class_channels} = {positions * class_channels:,} class scores.")
        summary_zh += (f"\nSSD 在 {ssd_map} x {ssd_map} 的特征图上,每个位置 a = {per_pixel} 个锚框、q = {classes} 个"
                       f"类别:类别预测层(3x3 卷积,填充 1)有 a(q + 1) = {per_pixel} · {classes + 1} = "
                       f"{class_channels} 个通道(+1 为背景),边界框预测层有 4a = {box_channels} 个;共 "
                       f"{ssd_map} · {ssd_map} · {per_pixel} = {ssd_anchors:,} 个锚框,"
                       f"{ssd_map} · {ssd_map} · {class_channels} = {positions * class_channels:,} 个类别得分。")
    title = f"Anchors of pixel ({pixel_x}, {pixel_y}): " + ", ".join(
        f"{name} ← #{k}" if k >= 0 else f"{name} ← none" for name, k in best.items())
    table = Table(columns=("anchor", "size s", "ratio r", "x1,y1,x2,y2 (px)", "IoU dog", "IoU cat", "assigned to"),
                  rows=tuple(rows),
                  columns_zh=("锚框", "尺寸 s", "宽高比 r", "x1,y1,x2,y2(像素)", "与狗的 IoU", "与猫的 IoU", "分配给"))
    return DemoResult(
        summary=summary, summary_zh=summary_zh, table=table,
        figure=_figure(anchors_px, labels, mapping.tolist(), pixel_x, pixel_y, grid, title),
        data={"pixel": [pixel_x, pixel_y], "anchors_per_pixel": per_pixel, "total_anchors": total,
              "anchors": anchors.tolist(), "sizes_ratios": [list(pair) for pair in labels],
              "iou": overlaps.tolist(), "assigned": mapping.tolist(),
              "assigned_to": [word for word, _ in words], "best_anchor": best,
              "yolo_output_shape": list(shape), "object_cells": {k: list(v) for k, v in cells.items()},
              "pairs": pairs, "ssd": ssd})


def warm() -> None:
    """Compiles (or loads from cache) every kernel on a 2 x 2 image's anchors."""
    anchors = multibox_prior(2, 2, [0.5, 0.25], [1.0, 2.0])
    assign_anchors(anchors, [[0.1, 0.1, 0.6, 0.7]])
    box_iou(anchors, anchors)
    yolo_output_shape(3, 2, 3)
    multibox_prior_all(2, 2, [0.5, 0.25], [1.0, 2.0])
    ssd_predictor_channels(4, 1)


DEMO = declare_demo(
    run, warm,
    title_en="Anchor boxes",
    title_zh="锚框",
    description_en="d2l's anchors of one pixel on a cat-and-dog image: their IoUs, which anchor each object takes, "
                   "and YOLO's output volume.",
    description_zh="d2l 猫狗图像上一个像素的锚框:它们的 IoU、每个物体分到哪个锚框,以及 YOLO 的输出体形状。",
)


ANCHOR_SIZES = (0.9, 0.75, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1)
ANCHOR_RATIOS = (2.0, 0.5, 3.0, 1.5)  # r_1 is always 1, these follow it


def _listed(values: list[float]) -> str:
    """Numbers as the question shows them: 0.75, 0.5, 0.25."""
    return ", ".join(f"{value:g}" for value in values)


def _draw_anchor_counts(rng) -> dict:
    """A feature map, 2 to 4 sizes (largest first) and 2 to 4 ratios starting at 1, so n + m - 1 < n·m."""
    n, m = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    sizes = sorted((float(size) for size in rng.choice(ANCHOR_SIZES, n, replace=False)), reverse=True)
    ratios = [1.0, *(float(ratio) for ratio in rng.choice(ANCHOR_RATIOS, m - 1, replace=False))]
    height = int(rng.integers(2, 41))
    width = height if rng.random() < 0.5 else int(rng.integers(2, 41))
    return {"height": height, "width": width, "sizes": sizes, "ratios": ratios, "sizes_text": _listed(sizes),
            "ratios_text": _listed(ratios)}


def _solve_anchor_counts(height: int, width: int, sizes: list, ratios: list, sizes_text: str,
                         ratios_text: str) -> Worked:
    """Counts the rows multibox_prior gives: n + m - 1 per pixel, at every pixel of the map."""
    total = multibox_prior(height, width, sizes, ratios).shape[0]
    per_pixel = total // (height * width)
    n, m = len(sizes), len(ratios)
    count = f"n + m − 1 = {n} + {m} − 1 = {per_pixel}"
    product = f"h·w·(n + m − 1) = {height}·{width}·{per_pixel} = {total:,}"
    return Worked({"per_pixel": per_pixel, "total": total},
                  ("d2l pairs s_1..s_n with r_1, and s_1 with r_2..r_m: n + m − 1 per pixel",
                   f"{count} (not n·m = {n * m})", f"every pixel gets them: {product}"),
                  ("d2l 把 s_1..s_n 配 r_1，再把 s_1 配 r_2..r_m：每个像素 n + m − 1 个",
                   f"{count}（而不是 n·m = {n * m}）", f"每个像素都有这些锚框：{product}"))


def _draw_yolo(rng) -> dict:
    """A grid, anchors per cell and a class count of the sizes the notes and YOLO papers use."""
    return {"grid": int(rng.choice((3, 5, 7, 9, 13, 16, 19))), "anchors": int(rng.integers(1, 6)),
            "classes": int(rng.choice((1, 2, 3, 4, 5, 10, 20, 80)))}


def _solve_yolo(grid: int, anchors: int, classes: int) -> Worked:
    """YOLO's output volume and its size, from yolo_output_shape."""
    shape = yolo_output_shape(grid, anchors, classes)
    total = math.prod(shape)
    volume = f"{grid} x {grid} x {anchors}·(5 + {classes}) = {shape[0]}x{shape[1]}x{shape[2]}"
    numbers = f"{grid}·{grid}·{shape[2]} = {total:,}"
    return Worked({"shape": shape, "numbers": total},
                  ("each anchor: p_c, b_x, b_y, b_h, b_w and C class scores, 5 + C numbers; S x S x B·(5 + C)",
                   volume, f"numbers: {numbers}"),
                  ("每个锚框：p_c、b_x、b_y、b_h、b_w 和 C 个类别得分，共 5 + C 个数；S x S x B·(5 + C)",
                   volume, f"数的个数：{numbers}"))


def _draw_ssd_maps(rng) -> dict:
    """SSD's pyramid: 3 to 5 square feature maps, each half the one before (down to 1), with one anchor set."""
    first = int(rng.choice((8, 16, 19, 32, 38)))
    maps = [first]
    while len(maps) < int(rng.integers(3, 6)) and maps[-1] > 1:
        maps.append(max(1, maps[-1] // 2))
    counts = _draw_anchor_counts(rng)
    return {"maps": maps, "maps_text": ", ".join(f"{side}x{side}" for side in maps), "sizes": counts["sizes"],
            "ratios": counts["ratios"], "sizes_text": counts["sizes_text"], "ratios_text": counts["ratios_text"]}


def _solve_ssd_total(maps: list, maps_text: str, sizes: list, ratios: list, sizes_text: str,
                     ratios_text: str) -> Worked:
    """Anchors of every feature map, counted from the rows multibox_prior gives each, then added up."""
    totals = [multibox_prior(side, side, sizes, ratios).shape[0] for side in maps]
    per_pixel = totals[0] // (maps[0] * maps[0])
    terms = " + ".join(f"{side}²·{per_pixel}" for side in maps)
    added = " + ".join(f"{total:,}" for total in totals)
    return Worked({"total": sum(totals)},
                  ("each map's pixels each get n + m − 1 anchors; SSD adds the maps: Σ h_k·w_k·(n + m − 1)",
                   f"n + m − 1 = {len(sizes)} + {len(ratios)} − 1 = {per_pixel}",
                   f"{terms} = {added} = {sum(totals):,}"),
                  ("每张特征图的每个像素有 n + m − 1 个锚框；SSD 把各图相加：Σ h_k·w_k·(n + m − 1)",
                   f"n + m − 1 = {len(sizes)} + {len(ratios)} − 1 = {per_pixel}",
                   f"{terms} = {added} = {sum(totals):,}"))


DRILLS = declare_drills(
    __name__,
    Drill("anchors_per_pixel", "Anchors per pixel in d2l", "d2l 中每个像素的锚框数",
          "d2l centres anchor boxes on every pixel of a {height}x{width} feature map (height x width), with sizes "
          "({sizes_text}) and aspect ratios ({ratios_text}), pairing them as d2l's multibox_prior does. How many "
          "anchors does each pixel get, and how many are there in all?",
          "d2l 以 {height}x{width}（高 x 宽）特征图的每个像素为中心生成锚框，尺寸为 ({sizes_text})，宽高比为 "
          "({ratios_text})，按 d2l 的 multibox_prior 的方式组合。每个像素有多少个锚框？一共有多少个？",
          (Field("per_pixel", "anchors per pixel", "每个像素的锚框数"),
           Field("total", "anchors in all", "锚框总数")), _draw_anchor_counts, _solve_anchor_counts),
    Drill("yolo_volume", "YOLO output volume", "YOLO 输出体",
          "YOLO splits the image into a {grid}x{grid} grid with B = {anchors} anchor boxes per cell, and each "
          "anchor predicts p_c, b_x, b_y, b_h, b_w and one score for each of C = {classes} classes. What is the "
          "shape of the output volume (anchors stacked along the channels), and how many numbers does it hold?",
          "YOLO 把图像分成 {grid}x{grid} 的网格；每个单元有 B = {anchors} 个锚框，每个锚框预测 p_c、b_x、b_y、b_h、b_w "
          "以及 C = {classes} 个类别各一个得分。输出体的形状是什么（锚框沿通道方向堆叠）？共有多少个数？",
          (Field("shape", "output shape", "输出形状", kind="shape"),
           Field("numbers", "numbers in all", "数的总个数")), _draw_yolo, _solve_yolo),
    Drill("ssd_total", "SSD's anchors over all its feature maps", "SSD 全部特征图上的锚框总数",
          "SSD predicts from feature maps of {maps_text}. On every pixel of each it centres anchors of sizes "
          "({sizes_text}) and aspect ratios ({ratios_text}), paired as d2l's multibox_prior does. How many anchors "
          "are there over all the maps?",
          "SSD 在 {maps_text} 的特征图上预测。每张图的每个像素都以尺寸 ({sizes_text}) 和宽高比 ({ratios_text}) "
          "生成锚框，按 d2l 的 multibox_prior 的方式组合。所有特征图上一共有多少个锚框？",
          (Field("total", "anchors in all", "锚框总数"),), _draw_ssd_maps, _solve_ssd_total),
)
