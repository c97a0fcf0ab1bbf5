"""Triplet loss on face embeddings: easy, semi-hard and hard triplets, and verification by a distance threshold.

triplet_loss is torch `F.triplet_margin_loss` (p = 2, eps = 1e-6, no swap, mean reduction): the mean of
max(0, margin + d(a, p) - d(a, n)) with d the Euclidean distance as `F.pairwise_distance` computes it,
||x1 - x2 + eps||_2 (eps added to every component of the difference). triplet_loss(squared=True) and the demo
can switch to the notes' (deeplearning.ai / FaceNet) form, which compares squared distances ||f(A) - f(P)||^2
with no eps.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field, significant
from revise.demo_engine.checks import check_array, check_number
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

EPS = 1e-6  # F.pairwise_distance's default


def triplet_loss(anchor, positive, negative, margin: float = 1.0, squared: bool = False) -> float:
    """Mean over triplets of max(0, margin + d(a, p) - d(a, n)), d = ||x1 - x2 + 1e-6||_2, as torch; with
    squared=True, d is the notes' squared distance ||x1 - x2||^2 (no eps).

    anchor, positive, negative: (N, D) embeddings, or one triplet of (D,) vectors; margin > 0.
    """
    a = check_array("anchor", anchor, ndim=(1, 2), min_size=1)
    p = check_array("positive", positive, ndim=(1, 2), min_size=1)
    n = check_array("negative", negative, ndim=(1, 2), min_size=1)
    for name, array in (("positive", p), ("negative", n)):
        if array.shape != a.shape:
            raise ValueError(f"{name} has shape {array.shape}: must be {a.shape}, the anchor's shape")
    margin = check_number("margin", margin, 0.0, low_open=True)
    if not isinstance(squared, (bool, np.bool_)):
        raise ValueError(f"squared={squared!r}: must be True or False")
    _, _, losses = _triplet_terms(np.atleast_2d(a), np.atleast_2d(p), np.atleast_2d(n), margin, bool(squared))
    return float(losses.mean())


@njit(cache=True)
def _distance(x, y, squared):
    """||x - y + eps||_2 as F.pairwise_distance, or the plain squared distance ||x - y||^2 of the notes."""
    total = 0.0
    for k in range(x.shape[0]):
        diff = x[k] - y[k] if squared else x[k] - y[k] + EPS
        total += diff * diff
    return total if squared else math.sqrt(total)


@njit(cache=True)
def _triplet_terms(a, p, n, margin, squared):
    """Per triplet (rows): d(a, p), d(a, n) and the loss max(0, margin + d(a, p) - d(a, n))."""
    count = a.shape[0]
    d_ap, d_an, losses = np.empty(count), np.empty(count), np.empty(count)
    for i in range(count):
        d_ap[i] = _distance(a[i], p[i], squared)
        d_an[i] = _distance(a[i], n[i], squared)
        losses[i] = max(margin + d_ap[i] - d_an[i], 0.0)
    return d_ap, d_an, losses


def _classify(d_ap: float, d_an: float, loss: float) -> str:
    """hard when the negative is nearer than the positive, easy when the margin is met (loss 0), else semi-hard."""
    if d_an < d_ap:
        return "hard"
    return "easy" if loss == 0.0 else "semi-hard"


# ---- the demo: 2-D face embeddings ----

GALLERY = (("N1", (-0.4, 0.5)), ("N2", (-1.1, -0.3)), ("N3", (0.2, 1.5)), ("N4", (1.6, -0.8)),
           ("N5", (-1.2, 1.3)))  # other people's embeddings, fixed; the learner's own negative is "N"
KIND_COLOURS = {"hard": COLOURS[3], "semi-hard": COLOURS[1], "easy": COLOURS[0]}
KINDS_ZH = {"hard": "困难", "semi-hard": "半困难", "easy": "容易"}
LIMIT = 5.0  # coordinates allowed in the demo


def _parse_point(name: str, text: str) -> np.ndarray:
    """'x,y' (or 'x y') as a (2,) array with |x|, |y| <= LIMIT; ValueError in one line otherwise."""
    parts = [part for part in re.split(r"[,\s]+", text.strip().strip("()")) if part]
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if len(values) != 2 or not all(math.isfinite(v) and abs(v) <= LIMIT for v in values):
        raise ValueError(f"{name}={text!r}: must be two numbers x,y from {-LIMIT:g} to {LIMIT:g}, e.g. 0.5,0.2")
    return np.array(values)


def _circle(ax, centre, radius: float, **style) -> None:
    """A circle as a polyline (drawn by the text plot too)."""
    angle = np.linspace(0.0, 2.0 * math.pi, 121)
    ax.plot(centre[0] + radius * np.cos(angle), centre[1] + radius * np.sin(angle), **style)


def _figure(a, p, negatives, names, kinds, d_ap, d_an_mine, margin, threshold, squared, title):
    """Anchor, positive and negatives in the embedding plane, the d(A,P) circle, the margin band and tau."""
    fig, ax = new_axes(title, "embedding 1", "embedding 2")
    radius = math.sqrt  # distances are squared in the notes' form, so circle radii are their roots
    inner = radius(d_ap) if squared else d_ap
    outer = radius(d_ap + margin) if squared else d_ap + margin
    tau = radius(threshold) if squared else threshold
    word = "d²" if squared else "d"
    _circle(ax, a, inner, color=COLOURS[2], linewidth=1.5, label=f"{word}(A,P) = {d_ap:.3g}")
    _circle(ax, a, outer, color=COLOURS[2], linewidth=1.5, linestyle="--",
            label=f"{word}(A,P) + α = {d_ap + margin:.3g} (margin band inside)")
    _circle(ax, a, tau, color=GRID_COLOUR, linewidth=1, linestyle=":", label=f"verification τ = {threshold:g}")
    ax.plot([a[0], p[0]], [a[1], p[1]], color=COLOURS[2], linewidth=1)
    ax.plot([a[0], negatives[0, 0]], [a[1], negatives[0, 1]], color=KIND_COLOURS[kinds[0]], linewidth=1)
    for end, value, colour, side in ((p, d_ap, COLOURS[2], "bottom"),
                                     (negatives[0], d_an_mine, KIND_COLOURS[kinds[0]], "top")):
        ax.text((a[0] + end[0]) / 2, (a[1] + end[1]) / 2, f" {value:.3f}", color=colour, fontsize=8, va=side)
    ax.plot([a[0]], [a[1]], marker=MARKERS[7], markersize=13, color="black", linestyle="none", label="A (anchor)")
    ax.plot([p[0]], [p[1]], marker=MARKERS[0], markersize=9, color=COLOURS[2], linestyle="none",
            label="P (same person)")
    for kind, colour in KIND_COLOURS.items():
        members = [k for k, other in enumerate(kinds) if other == kind]
        if members:
            ax.plot(negatives[members, 0], negatives[members, 1], marker=MARKERS[1], markersize=8, color=colour,
                    linestyle="none", label=f"negative: {kind}")
    for point, name, kind in zip(negatives, names, kinds):
        ax.text(point[0] + 0.06, point[1] + 0.06, name, color=KIND_COLOURS[kind], fontsize=9,
                fontweight="bold" if name == "N" else "normal")
    ax.text(p[0] + 0.06, p[1] + 0.06, "P", color=COLOURS[2], fontsize=9)
    ax.text(a[0] + 0.06, a[1] - 0.18, "A", fontsize=9)
    points = np.vstack([a, p, negatives])
    reach = max(2.0, float(np.abs(points).max()) + 0.3, float(np.abs(a).max()) + outer + 0.1)
    ax.set_xlim(-reach, 2.2 * reach)  # the right part holds the legend
    ax.set_ylim(-reach, reach)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7)
    return fig


def run(
    anchor: Annotated[str, Arg("anchor A: the face's embedding, x,y", "锚点 A:人脸的编码 x,y", high=40)] = "0,0",
    positive: Annotated[str, Arg("positive P: another photo of the same person, x,y",
                                 "正例 P:同一个人的另一张照片 x,y", high=40)] = "0.8,0.3",
    negative: Annotated[str, Arg("negative N: a photo of someone else, x,y", "负例 N:另一个人的照片 x,y",
                                 high=40)] = "0.6,-0.7",
    margin: Annotated[float, Arg("margin α", "间隔 α", low=0.01, high=3.0)] = 0.5,
    squared: Annotated[bool, Arg("use the notes' squared distances ||f(A)-f(P)||² instead of torch's distance",
                                 "使用笔记中的平方距离 ||f(A)-f(P)||²,而不是 torch 的距离")] = False,
    threshold: Annotated[float, Arg("verification threshold τ: same person when d <= τ",
                                    "验证阈值 τ:d <= τ 判为同一人", low=0.0, high=10.0)] = 1.0,
) -> DemoResult:
    """Your triplet and five other negatives against the same anchor and positive: distances, losses, kinds."""
    a, p, mine = (_parse_point(name, text) for name, text in
                  (("anchor", anchor), ("positive", positive), ("negative", negative)))
    names = ["N"] + [name for name, _ in GALLERY]
    negatives = np.vstack([mine, np.array([point for _, point in GALLERY])])
    count = len(negatives)
    d_ap, d_an, losses = _triplet_terms(np.tile(a, (count, 1)), np.tile(p, (count, 1)), negatives, margin, squared)
    kinds = [_classify(d_ap[0], d_an[k], losses[k]) for k in range(count)]
    word = "d²" if squared else "d"
    rows = [("P", ",".join(f"{v:g}" for v in p), f"{d_ap[0]:.4f}", "–", "–", "positive",
             "same ✓" if d_ap[0] <= threshold else "different ✗")]
    for k in range(count):
        rows.append((names[k], ",".join(f"{v:g}" for v in negatives[k]), f"{d_an[k]:.4f}",
                     f"{d_ap[k] - d_an[k] + margin:+.4f}", f"{losses[k]:.4f}", kinds[k],
                     "same ✗" if d_an[k] <= threshold else "different ✓"))
    mean = float(losses.mean())
    easy = kinds.count("easy")
    false_accepts = int(np.sum(d_an <= threshold))
    verdict = {"hard": "the negative is nearer than the positive",
               "semi-hard": "the negative is farther than the positive but inside the margin band",
               "easy": "the margin is met, so there is no gradient"}[kinds[0]]
    verdict_zh = {"hard": "负例比正例更近", "semi-hard": "负例比正例远,但仍在间隔带内",
                  "easy": "间隔已满足,没有梯度"}[kinds[0]]
    form = "squared distances (the notes)" if squared else "torch's distance"
    summary = (f"Your triplet ({form}): {word}(A,P) = {d_ap[0]:.4f}, {word}(A,N) = {d_an[0]:.4f}, loss = "
               f"max(0, {d_ap[0]:.4f} − {d_an[0]:.4f} + {margin:g}) = {losses[0]:.4f}: {kinds[0]} ({verdict}). "
               f"Mean over all {count} triplets: {mean:.4f}; the {easy} easy ones add 0 and teach nothing.\n"
               f"Verification at τ = {threshold:g}: P is judged "
               f"{'the same person' if d_ap[0] <= threshold else 'a different person (a false reject)'}, "
               f"and {false_accepts} of the {count} negatives are wrongly judged the same person.")
    summary_zh = (f"你的三元组({'笔记中的平方距离' if squared else 'torch 的距离'}):{word}(A,P) = {d_ap[0]:.4f},"
                  f"{word}(A,N) = {d_an[0]:.4f},损失 = max(0, {d_ap[0]:.4f} − {d_an[0]:.4f} + {margin:g}) = "
                  f"{losses[0]:.4f}:{KINDS_ZH[kinds[0]]}({verdict_zh})。全部 {count} 个三元组的平均损失:"
                  f"{mean:.4f};其中 {easy} 个容易三元组损失为 0,学不到东西。\n"
                  f"阈值 τ = {threshold:g} 的验证:P 被判为{'同一人' if d_ap[0] <= threshold else '不同的人(误拒)'},"
                  f"{count} 个负例中有 {false_accepts} 个被误判为同一人。")
    title = f"Triplet loss {losses[0]:.3f} ({kinds[0]}), margin α = {margin:g}"
    table = Table(columns=("point", "x,y", f"{word}(A,·)", f"{word}(A,P) − {word}(A,N) + α", "loss", "kind",
                           f"{word} ≤ τ: same person?"),
                  rows=tuple(rows),
                  columns_zh=("点", "x,y", f"{word}(A,·)", f"{word}(A,P) − {word}(A,N) + α", "损失", "类型",
                              f"{word} ≤ τ:同一人?"))
    return DemoResult(
        summary=summary, summary_zh=summary_zh, table=table,
        figure=_figure(a, p, negatives, names, kinds, float(d_ap[0]), float(d_an[0]), margin, threshold, squared,
                       title),
        data={"anchor": a.tolist(), "positive": p.tolist(), "negatives": negatives.tolist(), "names": names,
              "squared": squared, "margin": margin, "d_ap": float(d_ap[0]), "d_an": d_an.tolist(),
              "losses": losses.tolist(), "kinds": kinds, "mean_loss": mean, "threshold": threshold,
              "false_accepts": false_accepts})


def warm() -> None:
    """Compiles (or loads from cache) every kernel on one tiny triplet, in both distance forms."""
    a, p, n = np.zeros((1, 2)), np.ones((1, 2)), np.full((1, 2), 2.0)
    triplet_loss(a, p, n)
    triplet_loss(a, p, n, squared=True)


DEMO = declare_demo(
    run, warm,
    title_en="Triplet loss",
    title_zh="三元组损失",
    description_en="Anchor, positive and negative faces as 2-D embeddings: the loss, the margin band, which "
                   "triplets are easy, semi-hard or hard, and verification by a distance threshold.",
    description_zh="把锚点、正例和负例人脸画成二维编码:损失、间隔带、哪些三元组容易 / 半困难 / 困难,以及按距离阈值做验证。",
)


# ---- drill: the triplet loss by hand, with the notes' squared distances ----

def _point(values) -> str:
    """(0.6, -0.3): a 2-D encoding with one decimal."""
    return "(" + ", ".join(f"{value:.1f}" for value in values) + ")"


def _draw_triplet(rng) -> dict:
    """Anchor, positive and negative with one decimal, a margin; half the draws give a positive loss, half give 0,
    each at least 0.05 from the hinge (so neither case is a near-tie); no point coincides with the anchor."""
    want_positive = bool(rng.random() < 0.5)
    while True:
        margin = int(rng.choice((10, 20, 30, 50)))  # hundredths
        a = rng.integers(-10, 11, 2)  # tenths
        p, n = a + rng.integers(-6, 7, 2), a + rng.integers(-9, 10, 2)
        d_ap, d_an = int(((a - p) ** 2).sum()), int(((a - n) ** 2).sum())  # hundredths
        hinge = d_ap - d_an + margin
        if d_ap and d_an and (hinge >= 5 if want_positive else hinge <= -5):
            anchor, positive, negative = ([round(int(x) / 10, 1) for x in point] for point in (a, p, n))
            return {"anchor": anchor, "positive": positive, "negative": negative, "margin": round(margin / 100, 2),
                    "a_text": _point(anchor), "p_text": _point(positive), "n_text": _point(negative)}


def _solve_triplet(anchor: list, positive: list, negative: list, margin: float, **_texts) -> Worked:
    """The loss from triplet_loss(squared=True), worked through the two squared distances."""
    loss = triplet_loss(anchor, positive, negative, margin, squared=True)
    lines, distances = [], []
    for name, other in (("P", positive), ("N", negative)):
        diffs = [round(x - y, 1) for x, y in zip(anchor, other)]
        distance = round(sum(d * d for d in diffs), 2)
        distances.append(distance)
        lines.append(f"d(A, {name}) = {' + '.join(f'({d:.1f})²' for d in diffs)} = "
                     f"{' + '.join(f'{d * d:.2f}' for d in diffs)} = {distance:.2f}")
    hinge = round(distances[0] - distances[1] + margin, 2)
    shown = "0" if loss == 0 else significant(loss)
    total = f"L = max(0, {distances[0]:.2f} − {distances[1]:.2f} + {margin:g}) = max(0, {hinge:.2f}) = {shown}"
    formula = "L = max(0, d(A, P) − d(A, N) + α),  d(x, y) = ||f(x) − f(y)||² (squared: no square root)"
    if loss == 0:
        end_en, end_zh = "d(A, N) ≥ d(A, P) + α: the margin is met, so the loss and its gradient are 0", \
            "d(A, N) ≥ d(A, P) + α:间隔已满足,损失和梯度都为 0"
    else:
        end_en, end_zh = "d(A, N) < d(A, P) + α: the margin is violated, so the loss is positive", \
            "d(A, N) < d(A, P) + α:违反间隔,损失为正"
    return Worked({"loss": loss}, (formula, *lines, total, end_en), (formula, *lines, total, end_zh))


DRILLS = declare_drills(
    __name__,
    Drill("triplet_loss", "Triplet loss by hand", "手算三元组损失",
          "2-D face encodings: anchor f(A) = {a_text}, positive f(P) = {p_text}, negative f(N) = {n_text}; margin "
          "α = {margin}. Using squared Euclidean distances as the notes do, d(x, y) = ||f(x) − f(y)||², what is the "
          "triplet loss L = max(0, d(A, P) − d(A, N) + α)? Give 3 significant figures (0 if there is no loss).",
          "二维人脸编码:锚点 f(A) = {a_text},正例 f(P) = {p_text},负例 f(N) = {n_text};间隔 α = {margin}。按笔记的"
          "写法用欧氏距离的平方 d(x, y) = ||f(x) − f(y)||²,三元组损失 L = max(0, d(A, P) − d(A, N) + α) 是多少?"
          "保留 3 位有效数字(没有损失时填 0)。",
          (Field("loss", "triplet loss L", "三元组损失 L", kind="number"),), _draw_triplet, _solve_triplet),
)
