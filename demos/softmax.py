"""Softmax, log-softmax and the cross-entropy losses, computed the numerically stable way.

Each agrees with PyTorch in float64: `softmax(z, T)` is `torch.softmax(z / T, -1)` (max-shifted, so huge logits
do not overflow), `log_softmax` is `F.log_softmax(z, -1)` (log-sum-exp, so tiny probabilities keep their
logs), `cross_entropy` is `F.cross_entropy(logits, targets, label_smoothing=ls)` with its mean over the batch
((1 - ls) * NLL + ls * the mean over classes of -log p), `cross_entropy_grad` is the autograd gradient of that
mean loss, (softmax - one_hot) / N, `binary_cross_entropy` is `F.binary_cross_entropy` (each log clamped at
-100) and `binary_cross_entropy_with_logits` is `F.binary_cross_entropy_with_logits`, (1 - y) z - log sigmoid(z).

`multilabel_loss` is the multi-task (multi-label) loss: one sigmoid per label, the binary cross-entropies of the
labelled entries summed over the labels and averaged over the examples, entries whose label is unknown left
out; torch: `(F.binary_cross_entropy_with_logits(z, y, reduction='none') * mask).sum() / m`.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_number, check_shape
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

LOG_FLOOR = -100.0  # torch's binary_cross_entropy clamps each log here, so p = 0 or 1 costs 100, not inf
MAX_CLASSES = 10


def softmax(z, temperature: float = 1.0) -> np.ndarray:
    """softmax(z / temperature) over the last axis: positive, summing to 1, largest where z is largest."""
    values = _logits("z", z)
    temperature = check_number("temperature", temperature, 0, low_open=True)
    return _softmax(values.reshape(-1, values.shape[-1]), temperature).reshape(values.shape)


def log_softmax(z) -> np.ndarray:
    """log softmax(z) over the last axis, as z - logsumexp(z) (finite even where softmax underflows to 0)."""
    values = _logits("z", z)
    return _log_softmax(values.reshape(-1, values.shape[-1])).reshape(values.shape)


def cross_entropy(logits, targets, label_smoothing: float = 0.0) -> float:
    """Mean over the N rows of (1 - ls) * (-log p[target]) + ls * mean_k(-log p[k]), p = softmax of a row.

    logits (N, C), targets (N,) class indices in [0, C); label_smoothing in [0, 1] (torch's definition).
    """
    logits, targets = _batch(logits, targets)
    label_smoothing = check_number("label_smoothing", label_smoothing, 0, 1)
    return float(_cross_entropy(logits, targets, label_smoothing))


def cross_entropy_grad(logits, targets) -> np.ndarray:
    """d cross_entropy(logits, targets) / d logits, (softmax(logits) - one_hot(targets)) / N, shape (N, C)."""
    logits, targets = _batch(logits, targets)
    return _cross_entropy_grad(logits, targets)


def binary_cross_entropy(p, y) -> float:
    """Mean of -(y log p + (1 - y) log(1 - p)), each log clamped at -100; p and y of one shape, in [0, 1]."""
    p = _unit_interval("p", p)
    y = check_shape("y", _unit_interval("y", y), p.shape, "the shape of p")
    return float(_binary_cross_entropy(p.ravel(), y.ravel()))


def binary_cross_entropy_with_logits(z, y) -> float:
    """Binary cross-entropy of sigmoid(z) against y, from the logits z: mean of (1 - y) z - log sigmoid(z)."""
    z = check_array("z", z, min_size=1)
    y = check_shape("y", _unit_interval("y", y), z.shape, "the shape of z")
    return float(_binary_cross_entropy_with_logits(z.ravel(), y.ravel()))


def multilabel_loss(z, y, mask) -> tuple[float, np.ndarray]:
    """(1/m) sum_i sum_j mask_ij BCE(sigmoid(z_ij), y_ij) for z, y, mask of shape (m, K), and its gradient
    dJ/dz = mask (sigmoid(z) - y) / m; entries where mask is False (unknown labels) add nothing."""
    z = check_array("z", z, ndim=2, min_size=1)
    y = check_shape("y", _unit_interval("y", y), z.shape, "the shape of z")
    mask = check_shape("mask", check_array("mask", mask, ndim=2, dtype=np.bool_), z.shape, "the shape of z")
    loss, grad = _multilabel(z, y, mask)
    return float(loss), grad


def _logits(name: str, value) -> np.ndarray:
    """Finite float64 numbers with at least one axis (the class axis is the last one)."""
    array = check_array(name, value, min_size=1)
    if np.ndim(value) == 0:
        raise ValueError(f"{name}={value!r}: must be an array of logits (softmax runs over its last axis)")
    return array


def _batch(logits, targets) -> tuple[np.ndarray, np.ndarray]:
    """Logits (N, C) and integer targets (N,) in [0, C), each checked."""
    logits = check_array("logits", logits, ndim=2, min_size=1)
    indices = check_array("targets", targets, ndim=1, dtype=np.int64)
    if not np.array_equal(indices, check_array("targets", targets, ndim=1)):
        raise ValueError(f"targets={targets!r}: must be whole class indices")
    check_shape("targets", indices, (logits.shape[0],), "one class index per row of logits")
    outside = np.flatnonzero((indices < 0) | (indices >= logits.shape[1]))
    if outside.size:
        i = int(outside[0])
        raise ValueError(f"targets[{i}]={int(indices[i])}: must be a class index from 0 to {logits.shape[1] - 1}")
    return logits, indices


def _unit_interval(name: str, value) -> np.ndarray:
    """Finite float64 numbers, at least one, each in [0, 1]."""
    array = check_array(name, value, min_size=1)
    outside = np.argwhere((array < 0) | (array > 1))
    if outside.size:
        index = tuple(int(i) for i in outside[0])
        where = f"[{', '.join(map(str, index))}]" if index else ""
        raise ValueError(f"{name}{where}={array[index].item()!r}: must be a number from 0 to 1")
    return array


@njit(cache=True)
def _softmax(z, temperature):
    """softmax(row / temperature) of each row of the 2-D array z, shifted by the row's max so nothing overflows."""
    out = np.empty_like(z)
    for r in range(z.shape[0]):
        top = -np.inf
        for k in range(z.shape[1]):
            top = max(top, z[r, k] / temperature)
        total = 0.0
        for k in range(z.shape[1]):
            out[r, k] = math.exp(z[r, k] / temperature - top)
            total += out[r, k]
        for k in range(z.shape[1]):
            out[r, k] /= total
    return out


@njit(cache=True)
def _logsumexp(row):
    """log sum_k exp(row[k]), as max + log sum exp(row - max)."""
    top = -np.inf
    for k in range(row.size):
        top = max(top, row[k])
    total = 0.0
    for k in range(row.size):
        total += math.exp(row[k] - top)
    return top + math.log(total)


@njit(cache=True)
def _log_softmax(z):
    """row - logsumexp(row) for each row of the 2-D array z."""
    out = np.empty_like(z)
    for r in range(z.shape[0]):
        lse = _logsumexp(z[r])
        for k in range(z.shape[1]):
            out[r, k] = z[r, k] - lse
    return out


@njit(cache=True)
def _cross_entropy(logits, targets, label_smoothing):
    """Mean over rows of (1 - ls) * (lse - z[target]) + ls * mean_k(lse - z[k])."""
    n, classes = logits.shape
    total = 0.0
    for r in range(n):
        lse = _logsumexp(logits[r])
        nll = lse - logits[r, targets[r]]
        uniform = 0.0
        for k in range(classes):
            uniform += lse - logits[r, k]
        total += (1.0 - label_smoothing) * nll + label_smoothing * uniform / classes
    return total / n


@njit(cache=True)
def _cross_entropy_grad(logits, targets):
    """(softmax(row) - one_hot(target)) / N for each row."""
    n = logits.shape[0]
    grad = _softmax(logits, 1.0)
    for r in range(n):
        grad[r, targets[r]] -= 1.0
    return grad / n


@njit(cache=True)
def _binary_cross_entropy(p, y):
    """Mean of -(y max(log p, -100) + (1 - y) max(log(1 - p), -100)) over the 1-D arrays p and y."""
    total = 0.0
    for i in range(p.size):
        log_p = max(math.log(p[i]), LOG_FLOOR) if p[i] > 0.0 else LOG_FLOOR
        log_q = max(math.log1p(-p[i]), LOG_FLOOR) if p[i] < 1.0 else LOG_FLOOR
        total -= y[i] * log_p + (1.0 - y[i]) * log_q
    return total / p.size


@njit(cache=True)
def _binary_cross_entropy_with_logits(z, y):
    """Mean of (1 - y) z - log sigmoid(z), with log sigmoid(z) = min(z, 0) - log1p(exp(-|z|))."""
    total = 0.0
    for i in range(z.size):
        log_sigmoid = min(z[i], 0.0) - math.log1p(math.exp(-abs(z[i])))
        total += (1.0 - y[i]) * z[i] - log_sigmoid
    return total / z.size


@njit(cache=True)
def _multilabel(z, y, mask):
    """Masked sum over labels, mean over examples, of (1 - y) z - log sigmoid(z); gradient mask (sigmoid - y) / m."""
    m, k = z.shape
    total = 0.0
    grad = np.zeros((m, k))
    for i in range(m):
        for j in range(k):
            if mask[i, j]:
                log_sigmoid = min(z[i, j], 0.0) - math.log1p(math.exp(-abs(z[i, j])))
                total += (1.0 - y[i, j]) * z[i, j] - log_sigmoid
                sigmoid = math.exp(log_sigmoid)
                grad[i, j] = (sigmoid - y[i, j]) / m
    return total / m, grad


# The demo: one example's probabilities, their logs, and its loss and gradient against a target class.

def run(
    values: Annotated[str, Arg("the logits z (or probabilities), separated by commas",
                               "logits z(或概率),用逗号分隔", high=120)] = "2,1,0",
    given: Annotated[str, Arg("what the values are: logits, or probabilities (then z = log p)",
                              "数值的含义:logits,或概率(此时 z = log p)", choices=("logits", "probabilities"))]
    = "logits",
    target: Annotated[int, Arg("the true class, counted from 0", "真实类别(从 0 开始计数)", low=0,
                               high=MAX_CLASSES - 1)] = 0,
    temperature: Annotated[float, Arg("softmax temperature T: p = softmax(z / T)", "softmax 温度 T:p = softmax(z / T)",
                                      low=0.05, high=20.0)] = 1.0,
    label_smoothing: Annotated[float, Arg("label smoothing ls of the target (torch's)", "目标的标签平滑系数 ls(同 torch)",
                                          low=0.0, high=1.0)] = 0.0,
    view: Annotated[str, Arg("softmax: one class out of K; multilabel: an independent sigmoid per label, several "
                             "may be 1 (multi-task learning)",
                             "softmax:K 个类别中选一个;multilabel:每个标签一个独立的 sigmoid,可同时有多个为 1(多任务学习)",
                             choices=("softmax", "multilabel"))] = "softmax",
    labels: Annotated[str, Arg("multilabel: one label per value, 1, 0 or ? (unknown: left out of the loss)",
                               "multilabel:每个值一个标签,1、0 或 ?(未知:不计入损失)", high=60)] = "1,0,?",
) -> DemoResult:
    """softmax(z / T) of one example, its -log p, and the cross-entropy and its gradient for the target class; or
    independent sigmoids and the masked sum of binary cross-entropies (view multilabel)."""
    if view == "multilabel":
        return _multilabel_result(values, given, labels)
    numbers, note = _parse(values, given)
    classes = numbers.size
    if target >= classes:
        raise ValueError(f"target={target}: must be a class index from 0 to {classes - 1} ({classes} values given)")
    z = numbers if given == "logits" else np.log(numbers)
    scaled = (z / temperature)[None, :]
    p = softmax(z, temperature)
    neg_log_p = -log_softmax(scaled)[0]
    loss = cross_entropy(scaled, [target], label_smoothing)
    y = np.full(classes, label_smoothing / classes)
    y[target] += 1.0 - label_smoothing
    grad = (cross_entropy_grad(scaled, [target])[0] + label_smoothing * (np.eye(classes)[target] - 1.0 / classes)) \
        / temperature
    rows = tuple((str(k), f"{z[k]:.4g}", _probability(p[k]), f"{neg_log_p[k]:.3f}", f"{y[k]:.3g}", f"{grad[k]:+.3f}")
                 for k in range(classes))
    summary, summary_zh = _summaries(z, p, neg_log_p, target, temperature, label_smoothing, loss, grad, given, note)
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=("class", "logit z", "p", "-log p", "target y", "dL/dz"), rows=rows,
                    columns_zh=("类别", "logit z", "概率 p", "-log p", "目标 y", "dL/dz")),
        figure=_figure(z, p, y, target, temperature),
        data={"logits": z.tolist(), "probabilities": p.tolist(), "neg_log_probabilities": neg_log_p.tolist(),
              "target": target, "target_distribution": y.tolist(), "temperature": temperature,
              "label_smoothing": label_smoothing, "loss": loss, "gradient": grad.tolist()},
    )


def _parse(text: str, given: str) -> tuple[np.ndarray, str]:
    """The numbers of a comma-separated list, and for probabilities a note when they had to be normalised."""
    items = [item for item in text.replace(";", ",").replace(" ", ",").split(",") if item]
    try:
        numbers = np.array([float(item) for item in items])
    except ValueError:
        numbers = np.array([])
    if not 2 <= numbers.size <= MAX_CLASSES or not np.isfinite(numbers).all():
        raise ValueError(f"values={text!r}: must be 2 to {MAX_CLASSES} finite numbers separated by commas, "
                         "e.g. 2,1,0")
    if given == "logits":
        return numbers, ""
    if (numbers <= 0).any():
        raise ValueError(f"values={text!r}: probabilities must each be > 0 (log 0 is -inf)")
    total = float(numbers.sum())
    if abs(total - 1.0) <= 1e-9:
        return numbers, ""
    return numbers / total, f" (normalised: they summed to {total:.4g})"


def _multilabel_result(values: str, given: str, labels: str) -> DemoResult:
    """One example with K labels: sigmoid per label, each labelled entry's BCE, their sum, and the gradient."""
    items = [item for item in values.replace(";", ",").replace(" ", ",").split(",") if item]
    try:
        numbers = np.array([float(item) for item in items])
    except ValueError:
        numbers = np.array([])
    if not 1 <= numbers.size <= MAX_CLASSES or not np.isfinite(numbers).all():
        raise ValueError(f"values={values!r}: must be 1 to {MAX_CLASSES} finite numbers separated by commas")
    if given == "probabilities":
        if ((numbers <= 0) | (numbers >= 1)).any():
            raise ValueError(f"values={values!r}: each label's probability must be between 0 and 1 (exclusive)")
        numbers = np.log(numbers) - np.log1p(-numbers)  # the logit, so that sigmoid gives the probability back
    marks = [item.strip() for item in labels.replace(";", ",").split(",") if item.strip()]
    if len(marks) != numbers.size or any(mark not in ("0", "1", "?") for mark in marks):
        raise ValueError(f"labels={labels!r}: must be one of 1, 0 or ? per value ({numbers.size} values given)")
    known = np.array([mark != "?" for mark in marks])
    y = np.array([float(mark) if mark != "?" else 0.0 for mark in marks])
    loss, grad = multilabel_loss(numbers[None, :], y[None, :], known[None, :])
    p = 1.0 / (1.0 + np.exp(-numbers))
    each = [binary_cross_entropy_with_logits([numbers[j]], [y[j]]) if known[j] else None for j in range(numbers.size)]
    rows = tuple((str(j), f"{numbers[j]:.4g}", _probability(p[j]), marks[j],
                  f"{each[j]:.3f}" if known[j] else "left out", f"{grad[0, j]:+.3f}") for j in range(numbers.size))
    table = Table(columns=("label j", "logit z_j", "p_j = σ(z_j)", "y_j", "BCE_j", "dJ/dz_j"), rows=rows,
                  columns_zh=("标签 j", "logit z_j", "p_j = σ(z_j)", "y_j", "BCE_j", "dJ/dz_j"))
    terms = " + ".join(f"{each[j]:.3f}" for j in range(numbers.size) if known[j])
    skipped = [str(j) for j in range(numbers.size) if not known[j]]
    left = (f"; label{'s' if len(skipped) > 1 else ''} {', '.join(skipped)} unknown (?), left out" if skipped else "")
    left_zh = f";标签 {'、'.join(skipped)} 未知(?),不计入" if skipped else ""
    exclusive = softmax(numbers)
    first = (f"One sigmoid per label, not a softmax, since several labels can be 1 at once: p = σ(z) = {_vector(p)} "
             f"(summing to {p.sum():.3g}); a softmax would force {_vector(exclusive)}, summing to 1.")
    first_zh = (f"每个标签一个 sigmoid,而不是 softmax,因为可以同时有多个标签为 1:p = σ(z) = {_vector(p)}(和为 "
                f"{p.sum():.3g});softmax 会强制变成 {_vector(exclusive)},和为 1。")
    slopes = "[" + ", ".join("0" if v == 0.0 else f"{v:.3f}" for v in grad[0]) + "]"
    second = (f"Loss J = Σ over labelled j of BCE(p_j, y_j) = {terms or '0'} = {loss:.3f}{left}; dJ/dz_j = p_j - y_j "
              f"= {slopes} (0 for unknown labels).")
    second_zh = (f"损失 J = Σ(有标签的 j)BCE(p_j, y_j) = {terms or '0'} = {loss:.3f}{left_zh};dJ/dz_j = p_j - y_j "
                 f"= {slopes}(未知标签为 0)。")
    data = {"view": "multilabel", "logits": numbers.tolist(), "probabilities": p.tolist(), "labels": marks,
            "losses": each, "loss": loss, "gradient": grad[0].tolist(), "softmax": exclusive.tolist()}
    return DemoResult(summary=f"{first}\n{second}", summary_zh=f"{first_zh}\n{second_zh}", table=table,
                      figure=_multilabel_figure(numbers, p, y, known, exclusive), data=data)


def _multilabel_figure(z: np.ndarray, p: np.ndarray, y: np.ndarray, known: np.ndarray, exclusive: np.ndarray):
    """Bars of each label's sigmoid, its known label as a marker, and what a softmax would give instead."""
    labels = np.arange(p.size)
    fig, ax = new_axes("Independent sigmoids per label against the labels (? left out)", "label j (logit z_j)",
                       "probability")
    ax.bar(labels, p, color=COLOURS[0], width=0.6, label="p_j = σ(z_j)")
    for j in labels:
        ax.text(j, p[j] + 0.02, _probability(p[j]), ha="center", fontsize=9)
    ax.plot(labels[known], y[known], color=COLOURS[2], marker=MARKERS[3], linestyle="none", markersize=8,
            label="label y_j")
    if (~known).any():
        ax.plot(labels[~known], np.full(int((~known).sum()), 0.5), color=GRID_COLOUR, marker="X", linestyle="none",
                markersize=10, label="unknown: left out")
    ax.plot(labels, exclusive, color=COLOURS[3], marker=MARKERS[0], linestyle="none", label="softmax instead")
    ax.set_xticks(labels, [f"{j} ({z[j]:.3g})" for j in labels])
    ax.set_ylim(0, 1.35)
    ax.legend(loc="upper center", fontsize=8, ncol=2)
    return fig


def _probability(value: float) -> str:
    """A probability to 3 decimals, or in scientific notation when that would show 0.000."""
    return f"{value:.3f}" if value >= 5e-4 else f"{value:.2e}"


def _vector(values: np.ndarray) -> str:
    """A short vector as [0.665, 0.245, 0.090]."""
    return "[" + ", ".join(_probability(v) if v >= 0 else f"{v:.3f}" for v in values) + "]"


def _summaries(z, p, neg_log_p, target, temperature, label_smoothing, loss, grad, given, note) -> tuple[str, str]:
    """The distribution and what the temperature or the logits' offset does to it; then the loss and gradient."""
    classes = p.size
    scaled = "softmax(z)" if temperature == 1.0 else f"softmax(z / {temperature:g})"
    if temperature < 1.0:
        insight = f"T < 1 sharpens it towards the largest logit (class {int(np.argmax(z))})."
        insight_zh = f"T < 1 让分布更尖锐,集中到 logit 最大的类别 {int(np.argmax(z))}。"
    elif temperature > 1.0:
        insight = f"T > 1 flattens it towards uniform (1/{classes} = {1 / classes:.3f})."
        insight_zh = f"T > 1 让分布更平坦,趋向均匀分布(1/{classes} = {1 / classes:.3f})。"
    elif given == "probabilities":
        insight = "With z = log p, softmax gives back the probabilities themselves."
        insight_zh = "取 z = log p 时,softmax 还原出原来的概率。"
    else:
        insight = (f"Only differences matter: softmax(z - {z.max():g}) is the same, which is how a stable "
                   "softmax avoids overflow.")
        insight_zh = f"只有差值有意义:softmax(z - {z.max():g}) 结果相同,数值稳定的实现正是这样避免上溢。"
    first = f"p = {scaled} = {_vector(p)}{note}: all positive, summing to 1. {insight}"
    first_zh = f"p = {scaled} = {_vector(p)}{note}:全为正数,和为 1。{insight_zh}"
    gradient = "p - y" if temperature == 1.0 else f"(p - y) / {temperature:g}"
    if label_smoothing == 0.0:
        second = (f"Cross-entropy for target class {target}: -log p_{target} = -log {_probability(p[target])} = "
                  f"{loss:.3f}; dL/dz = {gradient} = {_vector(grad)}.")
        second_zh = (f"对目标类别 {target} 的交叉熵:-log p_{target} = -log {_probability(p[target])} = {loss:.3f};"
                     f"dL/dz = {gradient} = {_vector(grad)}。")
        if classes == 2:
            positive = target == 1
            bce = binary_cross_entropy([p[1]], [float(positive)])
            second += (f" With two classes this is binary cross-entropy: BCE(p = {p[1]:.3g}, y = {int(positive)}) "
                       f"= {bce:.3f}.")
            second_zh += f"两个类别时就是二元交叉熵:BCE(p = {p[1]:.3g}, y = {int(positive)}) = {bce:.3f}。"
    else:
        mean = float(neg_log_p.mean())
        second = (f"Cross-entropy with label smoothing {label_smoothing:g} for class {target}: "
                  f"{1 - label_smoothing:g} x {neg_log_p[target]:.3f} + {label_smoothing:g} x mean(-log p) {mean:.3f} "
                  f"= {loss:.3f}; the target is no longer one-hot, so dL/dz = {gradient} = {_vector(grad)}.")
        second_zh = (f"标签平滑 {label_smoothing:g} 时对类别 {target} 的交叉熵:{1 - label_smoothing:g} × "
                     f"{neg_log_p[target]:.3f} + {label_smoothing:g} × mean(-log p) {mean:.3f} = {loss:.3f};"
                     f"目标不再是独热向量,dL/dz = {gradient} = {_vector(grad)}。")
    return f"{first}\n{second}", f"{first_zh}\n{second_zh}"


def _figure(z: np.ndarray, p: np.ndarray, y: np.ndarray, target: int, temperature: float):
    """Bars of p (the target's highlighted), the target distribution y as markers, p at T = 1 and uniform 1/K."""
    classes = np.arange(p.size)
    title = "softmax(z)" if temperature == 1.0 else f"softmax(z / {temperature:g})"
    fig, ax = new_axes(f"Probabilities p = {title} against the target", "class k (logit z_k)", "probability")
    others = classes != target
    ax.bar(classes[others], p[others], color=COLOURS[0], width=0.6, label="p_k")
    ax.bar([target], [p[target]], color=COLOURS[1], width=0.6, label=f"p of target class {target}")
    for k in classes:
        ax.text(k, p[k] + 0.02, _probability(p[k]), ha="center", fontsize=9)
    ax.plot(classes, y, color=COLOURS[2], marker=MARKERS[3], linestyle="none", markersize=8, label="target y")
    if temperature != 1.0:
        ax.plot(classes, softmax(z), color=COLOURS[3], marker=MARKERS[0], linestyle="none", label="p at T = 1")
    ax.axhline(1.0 / p.size, color=GRID_COLOUR, linestyle="--", linewidth=1, label=f"uniform 1/{p.size}")
    ax.set_xticks(classes, [f"{k} ({z[k]:.3g})" for k in classes])
    ax.set_ylim(0, 1.35)
    ax.legend(loc="upper center", fontsize=8, ncol=3)
    return fig


def warm() -> None:
    """Compile (or load from cache) every kernel on a two-class example, and the helper by itself too
    (a caller loaded from Numba's cache does not compile the helpers it calls)."""
    logits, targets = np.array([[1.0, -1.0]]), np.array([0])
    _logsumexp(logits[0])
    softmax(logits)
    log_softmax(logits)
    cross_entropy(logits, targets, 0.1)
    cross_entropy_grad(logits, targets)
    binary_cross_entropy([0.5], [1.0])
    binary_cross_entropy_with_logits([0.5], [1.0])
    multilabel_loss([[0.5, -1.0]], [[1.0, 0.0]], [[True, False]])


DEMO = declare_demo(
    run, warm,
    title_en="Softmax and cross-entropy",
    title_zh="softmax 与交叉熵",
    description_en="Probabilities from logits with a temperature, and the cross-entropy loss and its gradient "
                   "against a target class, with label smoothing; or one sigmoid per label and the summed binary "
                   "cross-entropy of a multi-label example.",
    description_zh="由 logits 和温度得到概率,以及对目标类别的交叉熵损失及其梯度(含标签平滑);"
                   "或多标签样本每个标签一个 sigmoid 及其二元交叉熵之和。",
)


# Drills: one class's softmax probability, and the cross-entropy loss of a target class, by hand.

_CLASSES_EN = ("cat", "dog", "bird", "fish")
_CLASSES_ZH = ("猫", "狗", "鸟", "鱼")


def _listing(names: tuple[str, ...], values: list, fmt: str, separator: str) -> str:
    """'cat 2.1, dog -0.4, bird 0.7': each class with its number."""
    return separator.join(f"{name} {value:{fmt}}" for name, value in zip(names, values))


def _draw_logits(rng) -> dict:
    """3 or 4 distinct logits with one decimal in [-3, 3] and a named class whose probability is in [0.02, 0.98]."""
    while True:
        count = int(rng.integers(3, 5))
        logits = [round(float(value), 1) for value in rng.integers(-30, 31, count) / 10]
        target = int(rng.integers(0, count))
        p = np.exp(logits) / np.exp(logits).sum()
        if len(set(logits)) == count and 0.02 <= p[target] <= 0.98:
            return {"logits": logits, "target": target, "target_en": _CLASSES_EN[target],
                    "target_zh": _CLASSES_ZH[target],
                    "logits_en": _listing(_CLASSES_EN, logits, ".1f", ", "),
                    "logits_zh": _listing(_CLASSES_ZH, logits, ".1f", ", ")}


def _exponential_lines(logits: list) -> tuple[str, str]:
    """'e^2.1 + e^-0.4 + e^0.7' and '8.166 + 0.6703 + 2.014 = 10.85': the denominator worked out."""
    terms = " + ".join(f"e^{value:.1f}" for value in logits)
    values = " + ".join(f"{math.exp(value):.4g}" for value in logits)
    return terms, f"{values} = {sum(math.exp(value) for value in logits):.4g}"


def _solve_softmax_probability(logits: list, target: int, target_en: str, target_zh: str, logits_en: str,
                               logits_zh: str) -> Worked:
    """The named class's probability with the module's softmax, worked through the exponentials."""
    p = float(softmax(np.array(logits))[target])
    terms, values = _exponential_lines(logits)
    top = f"e^{logits[target]:.1f} = {math.exp(logits[target]):.4g}"
    result = f"p = {math.exp(logits[target]):.4g} / {sum(math.exp(value) for value in logits):.4g} = {p:.4g}"
    return Worked({"probability": p},
                  ("p_i = e^(z_i) / Σ_j e^(z_j)", f"Σ_j e^(z_j) = {terms}", f"= {values}",
                   f"{target_en}: {top}", f"{result}, about {p:.3g}"),
                  ("p_i = e^(z_i) / Σ_j e^(z_j)", f"Σ_j e^(z_j) = {terms}", f"= {values}",
                   f"{target_zh}:{top}", f"{result},约为 {p:.3g}"))


def _draw_cross_entropy(rng) -> dict:
    """Half the time logits (as _draw_logits), half the time 3 or 4 softmax probabilities in steps of 0.05, none 0
    (so the loss is at least −log 0.9); and a true class."""
    if rng.random() < 0.5:
        values = _draw_logits(rng)
        values.update(given="logits", probabilities=[], given_en="logits", given_zh="logits ")
        return values
    count = int(rng.integers(3, 5))
    cuts = np.sort(rng.choice(np.arange(1, 20), count - 1, replace=False))  # so each is 0.05 to 0.90
    probabilities = [round(int(value) / 20, 2) for value in np.diff(np.concatenate(([0], cuts, [20])))]
    target = int(rng.integers(0, count))
    return {"logits": [], "probabilities": probabilities, "target": target, "given": "probabilities",
            "target_en": _CLASSES_EN[target], "target_zh": _CLASSES_ZH[target],
            "given_en": "softmax probabilities", "given_zh": "softmax 概率",
            "logits_en": _listing(_CLASSES_EN, probabilities, ".2f", ", "),
            "logits_zh": _listing(_CLASSES_ZH, probabilities, ".2f", ", ")}


def _solve_cross_entropy(logits: list, probabilities: list, target: int, given: str, target_en: str,
                         target_zh: str, given_en: str, given_zh: str, logits_en: str, logits_zh: str) -> Worked:
    """-log p of the true class with the module's cross_entropy (on z = log p when probabilities are given)."""
    z = np.array(logits) if given == "logits" else np.log(np.array(probabilities))
    loss = cross_entropy(z[None, :], [target])
    formula = "L = −Σ_k y_k log p_k = −log p_c"
    formula_en, formula_zh = f"{formula} (y is one-hot on the true class c)", f"{formula}(y 是真实类别 c 的独热向量)"
    if given == "probabilities":
        line = f"L = −log {probabilities[target]:.2f} = {loss:.4g}"
        return Worked({"loss": loss}, (formula_en, f"p_c = p({target_en}) = {probabilities[target]:.2f}", line),
                      (formula_zh, f"p_c = p({target_zh}) = {probabilities[target]:.2f}", line))
    terms, values = _exponential_lines(logits)
    total = sum(math.exp(value) for value in logits)
    z_c = f"({logits[target]:.1f})" if logits[target] < 0 else f"{logits[target]:.1f}"
    p = float(softmax(z)[target])
    steps = ("−log p_c = log Σ_j e^(z_j) − z_c", f"Σ_j e^(z_j) = {terms} = {values.rpartition('= ')[2]}",
             f"L = log {total:.4g} − {z_c} = {math.log(total):.4g} − {z_c} = {loss:.4g}")
    return Worked({"loss": loss}, (formula_en, *steps, f"(so p_c = {p:.4g}, and −log {p:.4g} = {loss:.4g})"),
                  (formula_zh, *steps, f"(即 p_c = {p:.4g},−log {p:.4g} = {loss:.4g})"))


DRILLS = declare_drills(
    __name__,
    Drill("softmax_probability", "Softmax probability by hand", "手算 softmax 概率",
          "A classifier outputs the logits {logits_en}. What probability does softmax give {target_en}, to 3 "
          "significant figures?",
          "一个分类器输出的 logits 为 {logits_zh}。softmax 给{target_zh}的概率是多少?保留 3 位有效数字。",
          (Field("probability", "probability", "概率", kind="number"),), _draw_logits, _solve_softmax_probability),
    Drill("cross_entropy", "Cross-entropy loss by hand", "手算交叉熵损失",
          "A classifier's {given_en} for one example are {logits_en}; the true class is {target_en}. What is the "
          "cross-entropy loss (natural log), to 3 significant figures?",
          "一个分类器对某样本输出的 {given_zh}为 {logits_zh};真实类别是{target_zh}。交叉熵损失(自然对数)是多少?"
          "保留 3 位有效数字。",
          (Field("loss", "loss", "损失", kind="number"),), _draw_cross_entropy, _solve_cross_entropy),
)
