"""Evaluation metrics: precision, recall and F1 as the decision threshold moves, and the error-analysis gaps.

`precision_recall_f1` counts true positives, false positives and false negatives in a Numba kernel
(predicted positive when score >= threshold) and agrees with scikit-learn's
`precision_recall_fscore_support(y_true, scores >= threshold, average="binary", zero_division=0)`:
each of precision, recall and F1 is 0 when its denominator is 0, and F1 = 2 TP / (2 TP + FP + FN).
`error_gaps` splits the distance from human-level error to test error into avoidable bias, variance,
data mismatch and overfitting to the dev set (deeplearning.ai, "Structuring machine learning projects").

`error_ceilings` is the arithmetic of manual error analysis: if a category holds `count` of the `inspected`
misclassified dev examples, fixing every one of them can lower the dev error by at most count / inspected * dev
points (its "ceiling"). `satisficing_choice` picks the most accurate classifier among those whose running time
meets a limit (one optimising metric, one satisficing). `split_sizes` counts what a train/dev/test split holds
from each of two sources (the distribution you care about and another), shuffled together or with dev and test
taken from the target only; `standard_error` is how precisely a dev set of n examples measures an error rate p,
sqrt(p (1 - p) / n) (the binomial standard error).

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


def error_ceilings(dev: float, inspected: int, counts) -> np.ndarray:
    """For each category's count among `inspected` misclassified dev examples, the most fixing it can gain: the
    fraction count / inspected of the dev error `dev` (in dev's unit). Categories may overlap."""
    dev = check_number("dev", dev, 0.0)
    inspected = check_int("inspected", inspected, 1)
    counts = check_array("counts", counts, ndim=1, dtype=np.int64, min_size=1)
    outside = np.flatnonzero((counts < 0) | (counts > inspected))
    if outside.size:
        raise ValueError(f"counts[{outside[0]}]={counts[outside[0]]}: must be from 0 to inspected={inspected}")
    return counts / inspected * dev


def satisficing_choice(accuracy, time, max_time: float) -> int | None:
    """The index of the most accurate classifier whose time is at most max_time (the first on a tie), or None
    when none meets it."""
    accuracy = check_array("accuracy", accuracy, ndim=1, min_size=1)
    time = check_shape("time", check_array("time", time, ndim=1), accuracy.shape, "one time per classifier")
    max_time = check_number("max_time", max_time)
    feasible = np.flatnonzero(time <= max_time)
    return None if feasible.size == 0 else int(feasible[np.argmax(accuracy[feasible])])


SETS = ("train", "dev", "test")


def split_sizes(examples: int, other_examples: int, dev_size: int, test_size: int, shuffle: bool) -> dict:
    """How many examples of each source each set holds: {set: (from the target, from the other source)}.

    shuffle: both sources mixed and split at random (expected counts, proportional to the sources' sizes); else
    dev and test come from the target only and train gets the rest of the target plus every other example.
    """
    examples, other = check_int("examples", examples, 1), check_int("other_examples", other_examples, 0)
    dev_size, test_size = check_int("dev_size", dev_size, 1), check_int("test_size", test_size, 1)
    pool = examples + other if shuffle else examples
    if dev_size + test_size >= pool:
        where = "all the examples" if shuffle else "the target examples"
        raise ValueError(f"dev_size + test_size = {dev_size + test_size}: must leave training examples among "
                         f"{where} ({pool})")
    if shuffle:
        share = examples / (examples + other)
        dev, test = (dev_size * share, dev_size * (1 - share)), (test_size * share, test_size * (1 - share))
        train = (examples - dev[0] - test[0], other - dev[1] - test[1])
    else:
        dev, test = (float(dev_size), 0.0), (float(test_size), 0.0)
        train = (float(examples - dev_size - test_size), float(other))
    return {"train": train, "dev": dev, "test": test}


def standard_error(error: float, n) -> np.ndarray:
    """The standard error sqrt(p (1 - p) / n) of an error rate p (a fraction) measured on n examples."""
    error = check_number("error", error, 0.0, 1.0)
    n = check_array("n", n, min_size=1)
    if (n <= 0).any():
        raise ValueError(f"n={n.tolist()!r}: must be positive")
    return np.sqrt(error * (1.0 - error) / n)


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
    view: Annotated[str, Arg("threshold: precision/recall/F1 curves; error_gaps: what to work on first; ceiling: "
                             "what fixing each category of dev errors can gain at most; satisficing: one optimising "
                             "and one satisficing metric; split: what train, dev and test hold, and from where",
                             "threshold:精确率/召回率/F1 曲线;error_gaps:先改进什么;ceiling:修好每类开发集错误最多能带来多少改进;"
                             "satisficing:一个优化指标加一个满足指标;split:训练/开发/测试集各含多少、来自哪里",
                             choices=("threshold", "error_gaps", "ceiling", "satisficing", "split"))] = "threshold",
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
    inspected: Annotated[int, Arg("ceiling: misclassified dev examples inspected by hand",
                                  "ceiling:人工检查的分错的开发集样本数", low=1, high=1000)] = 100,
    categories: Annotated[str, Arg("ceiling: name=count of each category among them, separated by commas",
                                   "ceiling:各类别在其中的个数,写成 名称=个数,用逗号分隔", high=200)]
    = "dogs=5, blurry=50, great cats=20",
    classifiers: Annotated[str, Arg("satisficing: name=accuracy%/milliseconds of each classifier, separated by commas",
                                    "satisficing:各分类器的 名称=准确率%/毫秒,用逗号分隔", high=200)]
    = "A=90/80, B=92/95, C=95/1500",
    max_ms: Annotated[float, Arg("satisficing: the running-time limit in milliseconds", "satisficing:运行时间上限(毫秒)",
                                 low=0.0, high=100000.0)] = 100.0,
    examples: Annotated[int, Arg("split: examples from the distribution you care about (the target)",
                                 "split:来自你关心的分布(目标)的样本数", low=10, high=10_000_000)] = 1000,
    other_examples: Annotated[int, Arg("split: examples from another source (e.g. web images)",
                                       "split:来自其他来源的样本数(如网络图片)", low=0, high=10_000_000)] = 0,
    dev_size: Annotated[int, Arg("split: dev set size", "split:开发集大小", low=1, high=1_000_000)] = 200,
    test_size: Annotated[int, Arg("split: test set size", "split:测试集大小", low=1, high=1_000_000)] = 200,
    shuffle: Annotated[bool, Arg("split: mix both sources before splitting (else dev and test come from the target "
                                 "only)", "split:划分前把两个来源混在一起(否则开发集和测试集只取自目标分布)")] = False,
) -> DemoResult:
    """Precision, recall and F1 of a seeded classifier against the threshold, the error-analysis gaps, the ceiling
    of each error category, or an optimising metric under a satisficing one."""
    if view == "error_gaps":
        return _gaps_result(human, train, train_dev, dev, test)
    if view == "ceiling":
        return _ceiling_result(dev, inspected, categories)
    if view == "satisficing":
        return _satisficing_result(classifiers, max_ms)
    if view == "split":
        return _split_result(examples, other_examples, dev_size, test_size, shuffle, dev)
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


# The ceiling view: the most that fixing each category of dev errors can gain.

def _parse_pairs(name: str, text: str, example: str) -> list[tuple[str, str]]:
    """'name=value' items separated by commas (1 to 10 of them, names unique) as (name, value) pairs."""
    pairs = []
    for item in (part.strip() for part in text.split(",") if part.strip()):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{name}={text!r}: each item must be name=value, e.g. {example}")
        pairs.append((key.strip(), value.strip()))
    if not 1 <= len(pairs) <= 10:
        raise ValueError(f"{name}={text!r}: must hold 1 to 10 items name=value, e.g. {example}")
    names = [key for key, _ in pairs]
    if len(set(names)) < len(names):
        raise ValueError(f"{name}={text!r}: each name may appear once")
    return pairs


def _ceiling_result(dev: float, inspected: int, text: str) -> DemoResult:
    """Each category's share of the inspected errors, its ceiling and the dev error if it were all fixed."""
    pairs = _parse_pairs("categories", text, "blurry=50")
    try:
        counts = [int(value) for _, value in pairs]
    except ValueError:
        raise ValueError(f"categories={text!r}: each count must be a whole number, e.g. blurry=50") from None
    gains = error_ceilings(dev, inspected, counts)
    names = [key for key, _ in pairs]
    order = sorted(range(len(names)), key=lambda i: -gains[i])
    rows = tuple((names[i], f"{counts[i]}/{inspected}", f"{counts[i] / inspected:.0%}", f"{gains[i]:.3g}",
                  f"{dev:g}% -> {dev - gains[i]:.3g}%") for i in range(len(names)))
    table = Table(columns=("category", "errors", "share of errors", "ceiling (points)", "dev error if all fixed"),
                  rows=rows, columns_zh=("类别", "错误数", "占错误的比例", "上限(百分点)", "全部修好后的开发集误差"))
    best = order[0]
    listed = "; ".join(f"{names[i]} {counts[i]}/{inspected} x {dev:g}% = {gains[i]:.3g} points" for i in order)
    listed_zh = ";".join(f"{names[i]} {counts[i]}/{inspected} x {dev:g}% = {gains[i]:.3g} 个百分点" for i in order)
    summary = (f"Dev error {dev:g}%, {inspected} misclassified dev examples inspected. Fixing a category gains at most "
               f"its share of the errors times the dev error: {listed}.")
    summary_zh = (f"开发集误差 {dev:g}%,人工检查了 {inspected} 个分错的开发集样本。修好一类错误最多能带来的改进 = "
                  f"它在错误中的比例 x 开发集误差:{listed_zh}。")
    if len(names) == 1:
        summary += (f"\nThe category '{names[0]}' causes at most {gains[0]:.3g} of the {dev:g} points "
                    f"({counts[0] / inspected:.0%} of the errors); other causes account for {dev - gains[0]:.3g}: "
                    f"work on it first only if it is a large share of the errors.")
        summary_zh += (f"\n类别“{names[0]}”最多造成 {dev:g} 个百分点中的 {gains[0]:.3g} 个(占错误的 "
                       f"{counts[0] / inspected:.0%});其他原因占 {dev - gains[0]:.3g} 个:只有当它占错误的比例很大时才值得先处理。")
    else:
        summary += (f"\nStart with {names[best]}: at best {dev:g}% -> {dev - gains[best]:.3g}%. One example may "
                    f"fall in several categories, so the shares need not add up to 100%.")
        summary_zh += (f"\n先从 {names[best]} 入手:最好能从 {dev:g}% 降到 {dev - gains[best]:.3g}%。"
                       f"一个样本可以属于多个类别,所以比例之和不必是 100%。")
    data = {"view": "ceiling", "dev": dev, "inspected": inspected,
            "categories": {names[i]: {"count": counts[i], "share": counts[i] / inspected, "ceiling": float(gains[i]),
                                      "best_dev_error": float(dev - gains[i])} for i in range(len(names))},
            "first": names[best]}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table,
                      figure=_ceiling_figure(names, gains, dev, best), data=data)


def _ceiling_figure(names: list[str], gains: np.ndarray, dev: float, best: int):
    """Each category's ceiling as a bar, the largest in red, and the dev error as a line."""
    fig, ax = new_axes(f"Error analysis: the most each category can gain (dev error {dev:g}%)", "category",
                       "percentage points")
    positions = np.arange(len(names))
    colours = [COLOURS[3] if i == best else COLOURS[0] for i in range(len(names))]
    ax.bar(positions, gains, color=colours, edgecolor=colours, width=0.6)
    for position, name, gain in zip(positions, names, gains):
        ax.text(position, gain + 0.02 * max(dev, 1e-9), f"{name} {gain:.3g}", ha="center", va="bottom")
    ax.axhline(dev, color=GRID_COLOUR, linestyle="--", linewidth=1, label=f"dev error {dev:g}%")
    ax.set_xticks(positions, names)
    ax.set_ylim(0.0, max(dev, 1e-9) * 1.15)
    ax.legend(loc="upper right")
    return fig


# The satisficing view: maximise accuracy subject to a running-time limit.

COMBINED_WEIGHT = 0.5  # the notes' arbitrary single number: accuracy - 0.5 x running time


def _satisficing_result(text: str, max_ms: float) -> DemoResult:
    """Which classifiers meet the time limit, the most accurate of them, and the combined metric for contrast."""
    pairs = _parse_pairs("classifiers", text, "A=90/80")
    try:
        accuracy, time = zip(*((float(a), float(t)) for a, _, t in (value.partition("/") for _, value in pairs)))
    except ValueError:
        raise ValueError(f"classifiers={text!r}: each must be name=accuracy/milliseconds, e.g. A=90/80") from None
    accuracy, time = np.array(accuracy), np.array(time)
    if not (np.isfinite(accuracy).all() and np.isfinite(time).all()) or (time < 0).any():
        raise ValueError(f"classifiers={text!r}: accuracies and times must be finite, times at least 0")
    names = [key for key, _ in pairs]
    chosen = satisficing_choice(accuracy, time, max_ms)
    combined = accuracy - COMBINED_WEIGHT * time
    top = int(np.argmax(combined))
    rows = tuple((names[i], f"{accuracy[i]:g}%", f"{time[i]:g} ms", "yes" if time[i] <= max_ms else "no",
                  f"{combined[i]:.4g}", "<- chosen" if i == chosen else "") for i in range(len(names)))
    table = Table(columns=("classifier", "accuracy (optimising)", "running time", f"<= {max_ms:g} ms (satisficing)",
                           f"accuracy - {COMBINED_WEIGHT:g} x time", "choice"), rows=rows,
                  columns_zh=("分类器", "准确率(优化指标)", "运行时间", f"<= {max_ms:g} ms(满足指标)",
                              f"准确率 - {COMBINED_WEIGHT:g} x 时间", "选择"))
    meets = [names[i] for i in range(len(names)) if time[i] <= max_ms]
    fails = [names[i] for i in range(len(names)) if time[i] > max_ms]
    if chosen is None:
        verdict = f"No classifier runs within {max_ms:g} ms: relax the limit or make one faster."
        verdict_zh = f"没有分类器能在 {max_ms:g} ms 内运行:放宽上限,或让某个分类器更快。"
    else:
        verdict = (f"{', '.join(meets)} meet{'s' if len(meets) == 1 else ''} the limit"
                   + (f", {', '.join(fails)} do{'es' if len(fails) == 1 else ''} not" if fails else "")
                   + f"; the most accurate of them is {names[chosen]} ({accuracy[chosen]:g}%): choose {names[chosen]}.")
        verdict_zh = (f"{'、'.join(meets)} 满足上限" + (f",{'、'.join(fails)} 不满足" if fails else "")
                      + f";其中准确率最高的是 {names[chosen]}({accuracy[chosen]:g}%):选 {names[chosen]}。")
    summary = (f"Maximise accuracy (optimising metric) subject to running time <= {max_ms:g} ms (satisficing): "
               f"{verdict}\nThe single number accuracy - {COMBINED_WEIGHT:g} x time would pick {names[top]} "
               f"({combined[top]:.4g}); its weights are arbitrary, which is why one optimising metric and N - 1 "
               f"satisficing thresholds are usually better.")
    summary_zh = (f"在运行时间 <= {max_ms:g} ms(满足指标)的条件下最大化准确率(优化指标):{verdict_zh}\n"
                  f"若用单一数字 准确率 - {COMBINED_WEIGHT:g} x 时间,会选 {names[top]}({combined[top]:.4g});"
                  f"但这些权重是随意定的,所以通常更好的做法是一个优化指标加 N - 1 个满足指标的阈值。")
    data = {"view": "satisficing", "max_ms": max_ms, "names": names, "accuracy": accuracy.tolist(),
            "time_ms": time.tolist(), "combined": combined.tolist(),
            "chosen": None if chosen is None else names[chosen], "combined_best": names[top]}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table,
                      figure=_satisficing_figure(names, accuracy, time, max_ms, chosen), data=data)


def _satisficing_figure(names, accuracy, time, max_ms, chosen):
    """Accuracy against running time, the time limit as a line, the chosen classifier starred."""
    fig, ax = new_axes("Optimising accuracy subject to a running-time limit", "running time (ms)", "accuracy (%)")
    ok = time <= max_ms
    ax.scatter(time[ok], accuracy[ok], color=COLOURS[2], marker="o", s=60, label=f"meets <= {max_ms:g} ms")
    ax.scatter(time[~ok], accuracy[~ok], color=COLOURS[3], marker="X", s=60, label="too slow")
    if chosen is not None:
        ax.scatter([time[chosen]], [accuracy[chosen]], color="gold", edgecolors="black", marker="*", s=250, zorder=3,
                   label=f"chosen: {names[chosen]}")
    for name, t, a in zip(names, time, accuracy):
        ax.text(t, a, f" {name}", va="bottom")
    ax.axvline(max_ms, color=GRID_COLOUR, linestyle="--", linewidth=1)
    if time.min() > 0 and time.max() / time.min() > 10:
        ax.set_xscale("log")
    ax.legend(loc="lower right")
    return fig


# The split view: what each set holds, from which source, and how precisely dev measures an error.

def _split_result(examples: int, other: int, dev_size: int, test_size: int, shuffle: bool, dev: float) -> DemoResult:
    """The three sets' sizes and sources, and the dev and test error bars at a dev error of `dev` percent."""
    sizes = split_sizes(examples, other, dev_size, test_size, shuffle)
    total = examples + other
    bars = standard_error(dev / 100.0, [dev_size, test_size]) * 100.0
    rows = []
    for name in SETS:
        target, rest = sizes[name]
        count = target + rest
        bar = "" if name == "train" else f"±{bars[SETS.index(name) - 1]:.2g} points"
        rows.append((name, f"{count:,.0f}", f"{100 * count / total:.3g}%", f"{target:,.0f}", f"{rest:,.0f}",
                     f"{target / count:.1%}", bar))
    table = Table(columns=("set", "examples", "share of all", "from the target", "from the other source",
                           "target share", f"error bar at {dev:g}% error"), rows=tuple(rows),
                  columns_zh=("集合", "样本数", "占全部", "来自目标", "来自其他来源", "目标占比", f"误差 {dev:g}% 时的误差条"))
    percent = "/".join(f"{100 * sum(sizes[name]) / total:.3g}" for name in SETS)
    counts = "/".join(f"{sum(sizes[name]):,.0f}" for name in SETS)
    first = (f"{total:,} examples split {counts} = {percent}% (train/dev/test). A dev set of {dev_size:,} measures a "
             f"{dev:g}% error to ±{bars[0]:.2g} points (one standard error, √(p(1-p)/n)), the test set of "
             f"{test_size:,} to ±{bars[1]:.2g}: {_resolution(bars[0])[0]}.")
    first_zh = (f"{total:,} 个样本划分为 {counts} = {percent}%(训练/开发/测试)。{dev_size:,} 个样本的开发集测量 {dev:g}% 的误差,"
                f"精度约 ±{bars[0]:.2g} 个百分点(一个标准误 √(p(1-p)/n)),{test_size:,} 个样本的测试集约 ±{bars[1]:.2g}:"
                f"{_resolution(bars[0])[1]}。")
    if other == 0:
        second = "Dev and test come from the one distribution you care about, as they must."
        second_zh = "开发集和测试集都来自你关心的同一分布,这是必须的。"
    elif shuffle:
        web = sizes["dev"][1] / dev_size
        second = (f"Shuffled together, dev and test are {web:.0%} other-source examples ({other:,}/{total:,}): you "
                  f"would be tuning for the wrong distribution. Set shuffle=false to take dev and test from the "
                  f"target only.")
        second_zh = (f"混在一起随机划分后,开发集和测试集有 {web:.0%} 来自其他来源({other:,}/{total:,}):"
                     f"调参会瞄准错误的分布。设 shuffle=false,开发集和测试集只取自目标分布。")
    else:
        second = (f"Dev and test are all target examples, the distribution you care about; train holds the other "
                  f"{other:,} plus {sizes['train'][0]:,.0f} target examples, so train and dev now differ: use a "
                  f"train-dev set to tell data mismatch from variance.")
        second_zh = (f"开发集和测试集全部来自目标分布,即你关心的分布;训练集包含其他来源的 {other:,} 个样本和目标分布的 "
                     f"{sizes['train'][0]:,.0f} 个,于是训练集与开发集分布不同:用训练-开发集区分数据不匹配和方差。")
    data = {"view": "split", "examples": examples, "other_examples": other, "shuffle": shuffle, "dev_error": dev,
            "sets": {name: {"target": sizes[name][0], "other": sizes[name][1]} for name in SETS},
            "dev_error_bar": float(bars[0]), "test_error_bar": float(bars[1])}
    return DemoResult(summary=f"{first}\n{second}", summary_zh=f"{first_zh}\n{second_zh}", table=table,
                      figure=_split_figure(sizes), data=data)


def _resolution(bar: float) -> tuple[str, str]:
    """What a dev set with this error bar (in points) can tell apart."""
    if bar < 0.35:
        return "enough to tell models 1 point apart", "足以分辨相差 1 个百分点的模型"
    if bar < 1.0:
        return "differences of a few points show", "能看出相差几个百分点的模型"
    return "only large differences between models show", "只能看出模型之间较大的差别"


def _split_figure(sizes: dict):
    """Each set's composition as a stacked bar of percentages: target below, other source above."""
    fig, ax = new_axes("What each set holds, by source", "set", "share of the set (%)")
    positions = np.arange(len(SETS))
    target = np.array([100 * sizes[name][0] / sum(sizes[name]) for name in SETS])
    ax.bar(positions, target, color=COLOURS[0], edgecolor=COLOURS[0], width=0.6, label="target distribution")
    ax.bar(positions, 100 - target, bottom=target, color=COLOURS[1], edgecolor=COLOURS[1], width=0.6,
           label="other source")
    for position, name in zip(positions, SETS):
        ax.text(position, 101, f"{name} {sum(sizes[name]):,.0f}", ha="center", va="bottom")
    ax.set_xticks(positions, SETS)
    ax.set_ylim(0, 135)
    ax.legend(loc="upper center", ncols=2)
    return fig


def warm() -> None:
    """Compile (or load from cache) every kernel on a four-example problem."""
    precision_recall_f1([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.6], 0.5)
    classifier_scores(2, 2, 1.0)
    error_gaps(0.0, 1.0, 1.5, 10.0, 10.5)
    error_ceilings(10.0, 100, [5, 50])
    satisficing_choice([90.0, 92.0], [80.0, 95.0], 100.0)
    split_sizes(1000, 0, 200, 200, False)
    standard_error(0.1, [200.0])


DEMO = declare_demo(
    run, warm,
    title_en="Precision, recall, F1 and error analysis",
    title_zh="精确率、召回率、F1 与误差分析",
    description_en="Precision, recall and F1 of a seeded classifier as the threshold moves; the gaps between "
                   "human, train, train-dev, dev and test error, and which to work on first; the ceiling of each "
                   "category of errors; an optimising metric under a satisficing one; what a train/dev/test "
                   "split holds.",
    description_zh="阈值变化时一个固定种子分类器的精确率、召回率和 F1;人类、训练、训练-开发、开发和测试误差之间的差距,"
                   "以及应先改进哪一个;每类错误的改进上限;满足指标约束下的优化指标;训练/开发/测试集的划分。",
)
