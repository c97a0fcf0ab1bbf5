"""Evaluation metrics: precision, recall and F1 as the decision threshold moves, and the error-analysis gaps.

`precision_recall_f1` counts true positives, false positives and false negatives in a Numba kernel
(predicted positive when score >= threshold) and agrees with scikit-learn's
`precision_recall_fscore_support(y_true, scores >= threshold, average="binary", zero_division=0)`:
each of precision, recall and F1 is 0 when its denominator is 0, and F1 = 2 TP / (2 TP + FP + FN).
`error_gaps` splits the distance from human-level error to test error into avoidable bias, variance,
data mismatch and overfitting to the dev set (deeplearning.ai, "Structuring machine learning projects").

The demo's classifier is seeded and stratified: positives' logits follow a standard logistic distribution
centred on 0 (score 0.5) and negatives' are centred `separation` lower, each class drawn one sample per
equal-probability slice. At the defaults (80 positives, 120 negatives, separation 2.4, threshold 0.5) it
flags 50 items, 40 of them positive: the notes' example, precision 0.8, recall 0.5, F1 0.615.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import check_array, check_int, check_number, check_shape
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

GAPS = ("avoidable_bias", "variance", "data_mismatch", "overfitting_to_dev")
# Per gap: the two errors it lies between, its name in both languages, and what reduces it.
GAP_TEXT = {
    "avoidable_bias": ("human", "train", "avoidable bias", "可避免偏差",
                       "bigger network, train longer, better optimiser", "更大的网络、训练更久、更好的优化器"),
    "variance": ("train", "train-dev", "variance", "方差",
                 "more data, regularisation (L2, dropout, augmentation)", "更多数据、正则化(L2、dropout、数据增强)"),
    "data_mismatch": ("train-dev", "dev", "data mismatch", "数据不匹配",
                      "study dev errors, make training data like dev data", "分析开发集错误,让训练数据更像开发集"),
    "overfitting_to_dev": ("dev", "test", "overfitting to dev", "对开发集过拟合",
                           "a bigger dev set", "更大的开发集"),
}
ERRORS_ZH = {"human": "人类", "train": "训练", "train-dev": "训练-开发", "dev": "开发", "test": "测试"}
SHORT_NAMES = {"avoidable_bias": "bias", "variance": "variance", "data_mismatch": "mismatch",
               "overfitting_to_dev": "dev overfit"}  # bar labels, short enough for a text-only plot
CURVE_POINTS = 201  # thresholds 0, 0.005, ..., 1 on the plotted curves
SEED = 0


def precision_recall_f1(y_true, scores, threshold: float) -> tuple[float, float, float]:
    """(precision, recall, F1) when every score >= threshold is predicted positive; each 0 on a 0 denominator."""
    labels, values = _check_labels_and_scores(y_true, scores)
    threshold = check_number("threshold", threshold)
    precision, recall, f1 = _rates(_counts(labels, values, np.array([threshold])))[0]
    return float(precision), float(recall), float(f1)


def error_gaps(human: float, train: float, train_dev: float, dev: float, test: float) -> dict:
    """The four gaps between successive errors, and `first`: the largest one, what to work on first.

    avoidable_bias = train - human, variance = train_dev - train, data_mismatch = dev - train_dev,
    overfitting_to_dev = test - dev. Errors may be fractions or percentages (the gaps are in the same unit);
    a tie goes to the earlier gap in that order.
    """
    errors = [check_number(name, value, 0.0) for name, value in
              (("human", human), ("train", train), ("train_dev", train_dev), ("dev", dev), ("test", test))]
    gaps = {name: errors[i + 1] - errors[i] for i, name in enumerate(GAPS)}
    return {**gaps, "first": max(GAPS, key=lambda name: gaps[name])}


def _check_labels_and_scores(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    """Labels as int64 0/1 and scores as float64, one score per label; ValueError otherwise."""
    labels = check_array("y_true", y_true, ndim=1, dtype=np.int64, min_size=1)
    outside = np.flatnonzero((labels != 0) & (labels != 1))
    if outside.size:
        raise ValueError(f"y_true[{outside[0]}]={labels[outside[0]]}: must be 0 or 1")
    values = check_shape("scores", check_array("scores", scores, ndim=1), (labels.size,), "one score per label")
    return labels, values


@njit(cache=True)
def _counts(labels, scores, thresholds):
    """(true positives, false positives, false negatives) at each threshold, score >= threshold being positive."""
    counts = np.zeros((thresholds.size, 3), np.int64)
    for k in range(thresholds.size):
        for i in range(labels.size):
            flagged = scores[i] >= thresholds[k]
            if flagged and labels[i] == 1:
                counts[k, 0] += 1
            elif flagged:
                counts[k, 1] += 1
            elif labels[i] == 1:
                counts[k, 2] += 1
    return counts


@njit(cache=True)
def _rates(counts):
    """Precision TP/(TP+FP), recall TP/(TP+FN) and F1 2TP/(2TP+FP+FN) per row of counts, 0 for 0/0."""
    rates = np.zeros((counts.shape[0], 3))
    for k in range(counts.shape[0]):
        tp, fp, fn = counts[k, 0], counts[k, 1], counts[k, 2]
        if tp + fp > 0:
            rates[k, 0] = tp / (tp + fp)
        if tp + fn > 0:
            rates[k, 1] = tp / (tp + fn)
        if 2 * tp + fp + fn > 0:
            rates[k, 2] = 2.0 * tp / (2 * tp + fp + fn)
    return rates


@njit(cache=True)
def _class_scores(centre, jitter):
    """Scores sigmoid(centre + logit(q_i)), q_i = (i + jitter_i) / n: one logistic sample per 1/n slice."""
    n = jitter.size
    scores = np.empty(n)
    odds = np.exp(centre)
    for i in range(n):
        q = (i + jitter[i]) / n
        scores[i] = q * odds / (1.0 - q + q * odds)
    return scores


def classifier_scores(positives: int, negatives: int, separation: float, seed: int = 0):
    """The demo's seeded classifier: (labels, scores), positives' logits centred on 0, negatives' on -separation."""
    positives, negatives = check_int("positives", positives, 1), check_int("negatives", negatives, 1)
    separation, seed = check_number("separation", separation), check_int("seed", seed, 0)
    rng = np.random.default_rng(seed)
    scores = np.concatenate([_class_scores(0.0, rng.random(positives)), _class_scores(-separation,
                                                                                       rng.random(negatives))])
    labels = np.concatenate([np.ones(positives, np.int64), np.zeros(negatives, np.int64)])
    return labels, scores


# The demo.

def run(
    view: Annotated[str, Arg("threshold: precision/recall/F1 curves; error_gaps: what to work on first",
                             "threshold:精确率/召回率/F1 曲线;error_gaps:先改进什么",
                             choices=("threshold", "error_gaps"))] = "threshold",
    threshold: Annotated[float, Arg("predict positive when score >= threshold", "分数 >= 阈值时判为正类",
                                    low=0.0, high=1.0)] = 0.5,
    positives: Annotated[int, Arg("positive examples (cats)", "正例数(猫)", low=1, high=1000)] = 80,
    negatives: Annotated[int, Arg("negative examples", "负例数", low=1, high=2000)] = 120,
    separation: Annotated[float, Arg("how far apart the classes' logits are (classifier quality)",
                                     "两类 logit 的间隔(分类器好坏)", low=0.0, high=8.0)] = 2.4,
    human: Annotated[float, Arg("human-level error in percent (proxy for Bayes error)", "人类水平误差,百分数(近似贝叶斯误差)",
                                low=0.0, high=100.0)] = 0.0,
    train: Annotated[float, Arg("training error in percent", "训练误差,百分数", low=0.0, high=100.0)] = 1.0,
    train_dev: Annotated[float, Arg("train-dev error in percent (held-out training data)",
                                    "训练-开发误差,百分数(留出的训练分布数据)", low=0.0, high=100.0)] = 1.5,
    dev: Annotated[float, Arg("dev error in percent", "开发误差,百分数", low=0.0, high=100.0)] = 10.0,
    test: Annotated[float, Arg("test error in percent", "测试误差,百分数", low=0.0, high=100.0)] = 10.5,
) -> DemoResult:
    """Precision, recall and F1 of a seeded classifier against the threshold, or the error-analysis gaps."""
    if view == "error_gaps":
        return _gaps_result(human, train, train_dev, dev, test)
    return _threshold_result(threshold, positives, negatives, separation)


def _threshold_result(threshold: float, positives: int, negatives: int, separation: float) -> DemoResult:
    """The threshold view: curves, the chosen threshold's counts, and the threshold with the best F1."""
    labels, scores = classifier_scores(positives, negatives, separation, SEED)
    grid = np.linspace(0.0, 1.0, CURVE_POINTS)
    curves = _rates(_counts(labels, scores, grid))
    tp, fp, fn = (int(c) for c in _counts(labels, scores, np.array([threshold]))[0])
    precision, recall, f1 = precision_recall_f1(labels, scores, threshold)
    candidates = np.unique(scores)
    best_f1s = _rates(_counts(labels, scores, candidates))[:, 2]
    best = int(np.argmax(best_f1s))
    best_threshold, best_f1 = float(candidates[best]), float(best_f1s[best])
    flagged = tp + fp
    summary = (f"At threshold {threshold:.2f} the classifier flags {flagged} of {positives + negatives}, {tp} of them "
               f"really positive: precision {tp}/{flagged} = {precision:.3f}, recall {tp}/{positives} = {recall:.3f}, "
               f"F1 {f1:.3f} (arithmetic mean {(precision + recall) / 2:.3f}).\n"
               f"Raising the threshold trades recall for precision; F1, a harmonic mean pulled towards the smaller "
               f"of the two, peaks at {best_f1:.3f} at threshold {best_threshold:.3f}.")
    summary_zh = (f"阈值 {threshold:.2f} 时分类器在 {positives + negatives} 个样本中判出 {flagged} 个正类,其中 {tp} 个"
                  f"确为正类:精确率 {tp}/{flagged} = {precision:.3f},召回率 {tp}/{positives} = {recall:.3f},"
                  f"F1 {f1:.3f}(算术平均 {(precision + recall) / 2:.3f})。\n"
                  f"提高阈值会用召回率换精确率;F1 是调和平均,偏向两者中较小的那个,"
                  f"在阈值 {best_threshold:.3f} 处达到最大 {best_f1:.3f}。")
    rows = (
        ("true positives TP (flagged, positive)", str(tp)),
        ("false positives FP (flagged, negative)", str(fp)),
        ("false negatives FN (missed positives)", str(fn)),
        ("true negatives TN", str(negatives - fp)),
        ("precision TP/(TP+FP)", f"{tp}/{flagged} = {precision:.3f}" if flagged else "0 (nothing flagged)"),
        ("recall TP/(TP+FN)", f"{tp}/{positives} = {recall:.3f}"),
        ("F1 = 2PR/(P+R)", f"{f1:.3f}"),
        ("arithmetic mean (P+R)/2", f"{(precision + recall) / 2:.3f}"),
        ("best F1 over thresholds", f"{best_f1:.3f} at {best_threshold:.3f}"),
    )
    table = Table(columns=("quantity", "value"), rows=rows, columns_zh=("量", "值"))
    data = {"view": "threshold", "threshold": threshold, "tp": tp, "fp": fp, "fn": fn, "tn": negatives - fp,
            "precision": precision, "recall": recall, "f1": f1, "best_threshold": best_threshold, "best_f1": best_f1,
            "thresholds": grid.tolist(), "precision_curve": curves[:, 0].tolist(),
            "recall_curve": curves[:, 1].tolist(), "f1_curve": curves[:, 2].tolist()}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table,
                      figure=_threshold_figure(grid, curves, threshold, (precision, recall, f1), best_threshold),
                      data=data)


def _threshold_figure(grid, curves, threshold, chosen, best_threshold):
    """Precision, recall and F1 against the threshold; the chosen threshold as a vertical line with its values."""
    fig, ax = new_axes("Precision, recall and F1 as the threshold moves", "threshold (score >= t is positive)",
                       "value")
    for column, (name, value) in enumerate(zip(("precision", "recall", "F1"), chosen)):
        ax.plot(grid, curves[:, column], color=COLOURS[column], linewidth=2, label=name)
        ax.plot([threshold], [value], color=COLOURS[column], marker=MARKERS[column], markersize=8, linestyle="none")
        ax.text(threshold + 0.015, value, f"{value:.3f}", color=COLOURS[column], fontsize=9, va="center")
    ax.plot([threshold, threshold], [0.0, 1.05], color=GRID_COLOUR, linestyle="--", label=f"threshold {threshold:.2f}")
    ax.plot([best_threshold, best_threshold], [0.0, 1.05], color=COLOURS[3], linestyle=":",
            label=f"best F1 at {best_threshold:.2f}")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.08)
    ax.legend(loc="lower left")
    return fig


def _gaps_result(human: float, train: float, train_dev: float, dev: float, test: float) -> DemoResult:
    """The error-gaps view: each gap, its remedy, and the largest one named as what to work on first."""
    gaps = error_gaps(human, train, train_dev, dev, test)
    first = gaps["first"]
    errors = {"human": human, "train": train, "train-dev": train_dev, "dev": dev, "test": test}
    low, high, name_en, name_zh, remedy_en, remedy_zh = GAP_TEXT[first]
    others = ", ".join(f"{GAP_TEXT[name][2]} {gaps[name]:g}" for name in GAPS if name != first)
    others_zh = "、".join(f"{GAP_TEXT[name][3]} {gaps[name]:g}" for name in GAPS if name != first)
    summary = (f"Work on {name_en} first: {low} {errors[low]:g}% -> {high} {errors[high]:g}% is "
               f"{gaps[first]:g} points, the largest gap ({others}).\nWhat helps: {remedy_en}.")
    summary_zh = (f"先解决{name_zh}:{ERRORS_ZH[low]} {errors[low]:g}% -> {ERRORS_ZH[high]} {errors[high]:g}% 相差 "
                  f"{gaps[first]:g} 个百分点,"
                  f"是最大的差距({others_zh})。\n对策:{remedy_zh}。")
    rows = tuple((GAP_TEXT[name][2], f"{GAP_TEXT[name][0]} -> {GAP_TEXT[name][1]}", f"{gaps[name]:g}",
                  GAP_TEXT[name][4] + (" <- first" if name == first else "")) for name in GAPS)
    table = Table(columns=("gap", "between", "points", "what helps"), rows=rows,
                  columns_zh=("差距", "之间", "百分点", "对策"))
    data = {"view": "error_gaps", "errors": {name.replace("-", "_"): value for name, value in errors.items()},
            **{name: gaps[name] for name in GAPS}, "first": first}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=_gaps_figure(gaps), data=data)


def _gaps_figure(gaps: dict):
    """The four gaps as bars, the largest in red, each labelled with its size."""
    fig, ax = new_axes("Error analysis: where the error comes from", "gap", "percentage points")
    values = [gaps[name] for name in GAPS]
    colours = [COLOURS[3] if name == gaps["first"] else COLOURS[0] for name in GAPS]
    positions = np.arange(len(GAPS))
    ax.bar(positions, values, color=colours, edgecolor=colours, width=0.6)
    top = max(max(values), 0.0)
    for position, name, value in zip(positions, GAPS, values):
        ax.text(position, max(value, 0.0) + 0.02 * (top or 1.0), f"{SHORT_NAMES[name]} {value:g}", ha="center",
                va="bottom")
    ax.set_xticks(positions, [GAP_TEXT[name][2] for name in GAPS])
    ax.axhline(0.0, color=GRID_COLOUR, linewidth=1)
    ax.set_ylim(min(min(values), 0.0) * 1.15, (top or 1.0) * 1.18)
    return fig


def warm() -> None:
    """Compile (or load from cache) every kernel on a four-example problem."""
    precision_recall_f1([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.6], 0.5)
    classifier_scores(2, 2, 1.0)
    error_gaps(0.0, 1.0, 1.5, 10.0, 10.5)


DEMO = declare_demo(
    run, warm,
    title_en="Precision, recall, F1 and error analysis",
    title_zh="精确率、召回率、F1 与误差分析",
    description_en="Precision, recall and F1 of a seeded classifier as the threshold moves; the gaps between "
                   "human, train, train-dev, dev and test error, and which to work on first.",
    description_zh="阈值变化时一个固定种子分类器的精确率、召回率和 F1;人类、训练、训练-开发、开发和测试误差之间的差距,"
                   "以及应先改进哪一个。",
)
