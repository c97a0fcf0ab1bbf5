"""Batch, mini-batch and stochastic gradient descent on a seeded linear regression.

`linear_regression_gd` runs mini-batch gradient descent on the mean squared error (1/2m) ||X_b w - y_b||^2
from w = 0 in a Numba kernel: each epoch visits the rows in a fresh order (the e-th
`np.random.default_rng(seed).permutation(n)`), cut into ceil(n / batch_size) batches, the last one smaller
when batch_size does not divide n; each batch makes one update w -= lr * X_b^T (X_b w - y_b) / m_b, the
gradient of that batch's cost, as `torch.optim.SGD` on `0.5 * F.mse_loss` would. batch_size = n is batch
gradient descent (rows in their own order, no shuffle, so no dependence on the seed) and batch_size = 1 is
stochastic gradient descent. The full-data loss after each update is (1/2n) ||X w - y||^2, evaluated from
the precomputed X^T X, X^T y and y^T y (O(d^2) per update).

The demo fits y = 3 z1 - z2 + 0.5 noise (z centred standard normal), whose raw features are x1 = 10 z1 and
x2 = z2 (the cost is a long narrow bowl) or, with `normalise`, the standardised features (a round bowl).
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import check_array, check_int, check_number, check_shape
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

TRUE_WEIGHTS = (3.0, -1.0)  # on the standardised features z1, z2
RAW_SCALE = 10.0  # the raw x1 is 10 z1, so the unnormalised cost is 100 times steeper along w1
NOISE = 0.5
CONTOUR_GRID = 60
PLOT_CEILING = 1e30  # a diverging run's curve stops here, so that matplotlib's log scale does not overflow


def linear_regression_gd(X, y, batch_size: int, lr: float, epochs: int, seed: int = 0):
    """Mini-batch gradient descent from w = 0: (weights (updates + 1, d), full-data loss (updates + 1,)), per update.

    Row 0 is w = 0. An epoch is ceil(n / batch_size) updates on a fresh shuffle (the e-th permutation of
    `np.random.default_rng(seed)`); batch_size = n keeps the rows in order (batch gradient descent).
    """
    X, y, batch_size, lr, epochs, seed = _check_problem(X, y, batch_size, lr, epochs, seed)
    return _descend(X, y, _orders(X.shape[0], batch_size, epochs, seed), batch_size, lr)


def _check_problem(X, y, batch_size, lr, epochs, seed):
    """The arguments of linear_regression_gd, checked and converted."""
    X = check_array("X", X, ndim=2, min_size=1)
    y = check_shape("y", check_array("y", y, ndim=1), (X.shape[0],), "one target per row of X")
    n = X.shape[0]
    return (X, y, check_int("batch_size", batch_size, 1, n), check_number("lr", lr, 0.0, low_open=True),
            check_int("epochs", epochs, 1), check_int("seed", seed, 0))


def _orders(n: int, batch_size: int, epochs: int, seed: int) -> np.ndarray:
    """The row order of each epoch, (epochs, n): seeded permutations, or 0..n-1 for batch gradient descent."""
    if batch_size >= n:
        return np.tile(np.arange(n, dtype=np.int64), (epochs, 1))
    rng = np.random.default_rng(seed)
    return np.array([rng.permutation(n) for _ in range(epochs)], dtype=np.int64)


@njit(cache=True)
def _full_loss(gram, xty, yty, w):
    """(1/2n) ||X w - y||^2 = (w^T G w - 2 w^T c + s) / 2 from G = X^T X / n, c = X^T y / n and s = y^T y / n."""
    d = w.size
    quadratic, linear = 0.0, 0.0
    for i in range(d):
        linear += w[i] * xty[i]
        for j in range(d):
            quadratic += w[i] * gram[i, j] * w[j]
    value = 0.5 * (quadratic - 2.0 * linear + yty)
    return 0.0 if value < 0.0 else value  # never below 0 by rounding; nan (a diverged run) stays nan


@njit(cache=True)
def _moments(X, y):
    """X^T X / n, X^T y / n and y^T y / n, by loops (Numba's matrix products would need SciPy's BLAS)."""
    n, d = X.shape
    gram, xty, yty = np.zeros((d, d)), np.zeros(d), 0.0
    for row in range(n):
        yty += y[row] * y[row]
        for i in range(d):
            xty[i] += X[row, i] * y[row]
            for j in range(d):
                gram[i, j] += X[row, i] * X[row, j]
    return gram / n, xty / n, yty / n


@njit(cache=True)
def _descend(X, y, orders, batch_size, lr):
    """Weights after every update, and the full-data loss at each, for the given per-epoch row orders."""
    n, d = X.shape
    epochs = orders.shape[0]
    per_epoch = (n + batch_size - 1) // batch_size
    updates = epochs * per_epoch
    weights = np.zeros((updates + 1, d))
    losses = np.empty(updates + 1)
    gram, xty, yty = _moments(X, y)
    losses[0] = _full_loss(gram, xty, yty, weights[0])
    w = np.zeros(d)
    gradient = np.empty(d)
    t = 0
    for epoch in range(epochs):
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            gradient[:] = 0.0
            for k in range(start, stop):
                row = orders[epoch, k]
                residual = -y[row]
                for j in range(d):
                    residual += X[row, j] * w[j]
                for j in range(d):
                    gradient[j] += residual * X[row, j]
            for j in range(d):
                w[j] -= lr * gradient[j] / (stop - start)
            t += 1
            weights[t] = w
            losses[t] = _full_loss(gram, xty, yty, w)
    return weights, losses


@njit(cache=True)
def _batch_costs(X, y, orders, batch_size, weights):
    """The cost (1/2m) ||X_b w - y_b||^2 of the batch each update used, at the weights it started from."""
    n, d = X.shape
    costs = np.empty(weights.shape[0] - 1)
    t = 0
    for epoch in range(orders.shape[0]):
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            total = 0.0
            for k in range(start, stop):
                row = orders[epoch, k]
                residual = -y[row]
                for j in range(d):
                    residual += X[row, j] * weights[t, j]
                total += residual * residual
            costs[t] = 0.5 * total / (stop - start)
            t += 1
    return costs


def regression_data(n: int, normalise: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The demo's problem: X (n, 2), raw (x1 = 10 z1, x2 = z2) or standardised, and y = 3 z1 - z2 + 0.5 noise."""
    n, seed = check_int("n", n, 2), check_int("seed", seed, 0)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2))
    z -= z.mean(axis=0)  # centred, so standardising only rescales and both problems have the same least-squares fit
    y = z @ np.array(TRUE_WEIGHTS) + NOISE * rng.standard_normal(n)
    X = z * np.array([RAW_SCALE, 1.0])
    if normalise:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    return np.ascontiguousarray(X), y


# The demo.

METHODS = ("batch", "mini-batch", "SGD")


def run(
    view: Annotated[str, Arg("cost: the cost each update logs; excess: full-data cost above its minimum; "
                             "paths: the weights on the cost's contours",
                             "cost:每次更新记录的代价;excess:全数据代价超出最小值的部分;paths:代价等高线上的权重路径",
                             choices=("cost", "excess", "paths"))] = "cost",
    n: Annotated[int, Arg("training examples m", "训练样本数 m", low=10, high=1000)] = 200,
    batch_size: Annotated[int, Arg("mini-batch size (at most n)", "小批量大小(不超过 n)", low=1, high=1000)] = 32,
    lr: Annotated[float, Arg("learning rate, the same for all three", "学习率(三者相同)", low=0.001, high=2.0)] = 0.1,
    epochs: Annotated[int, Arg("passes over the data", "遍历数据的次数(周期)", low=1, high=20)] = 5,
    normalise: Annotated[bool, Arg("standardise the features (else x1 is 10 times wider than x2)",
                                   "标准化特征(否则 x1 的尺度是 x2 的 10 倍)")] = True,
    seed: Annotated[int, Arg("seed of the data and the shuffles", "数据与打乱顺序的随机种子", low=0, high=9999)] = 0,
) -> DemoResult:
    """Batch, mini-batch and stochastic gradient descent side by side on one regression problem."""
    X, y = regression_data(n, normalise, seed)
    size = min(batch_size, n)
    optimum, *_ = np.linalg.lstsq(X, y)
    floor = 0.5 * float(np.mean((X @ optimum - y) ** 2))
    flattest, steepest = (float(v) for v in np.linalg.eigvalsh(X.T @ X / n)[[0, -1]])
    runs = {}
    for method, b in zip(METHODS, (n, size, 1)):
        orders = _orders(n, b, epochs, seed)
        weights, losses = _descend(X, y, orders, b, lr)
        runs[method] = (b, weights, losses, _batch_costs(X, y, orders, b, weights))
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged run's distances overflow to inf: "diverged"
        rows = tuple(_row(method, b, n, epochs, weights, losses, floor, optimum)
                     for method, (b, weights, losses, _) in runs.items())
    table = Table(columns=("method", "batch size", "updates/epoch", "updates", "cost after epoch 1", "final cost",
                           "final |w - w*|"),
                  rows=rows,
                  columns_zh=("方法", "批量大小", "每周期更新数", "总更新数", "第 1 周期后代价", "最终代价", "最终 |w - w*|"))
    summary, summary_zh = _summaries(runs, n, size, batch_size, lr, epochs, floor, (flattest, steepest), normalise)
    figure = {"cost": _cost_figure, "excess": _excess_figure, "paths": _paths_figure}[view](
        runs, n, floor, X, y, optimum)
    data = {"view": view, "n": n, "batch_size": size, "lr": lr, "epochs": epochs, "normalise": normalise,
            "least_squares_weights": optimum.tolist(), "least_squares_cost": floor, "stable_lr_limit": 2 / steepest,
            "methods": {method: {"batch_size": b, "updates_per_epoch": -(-n // b),
                                 "full_cost": _json_floats(losses), "batch_cost": _json_floats(costs),
                                 "final_weights": _json_floats(weights[-1])}
                        for method, (b, weights, losses, costs) in runs.items()}}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=figure, data=data)


def _row(method, b, n, epochs, weights, losses, floor, optimum) -> tuple[str, ...]:
    """One table row: a method's batch size, updates, and where it got to."""
    per_epoch = -(-n // b)
    distance = float(np.linalg.norm(weights[-1] - optimum))
    return (method, str(b), str(per_epoch), str(per_epoch * epochs), _number(losses[per_epoch]),
            _number(losses[-1]), _number(distance))


def _number(value: float) -> str:
    """A cost or distance as 4 significant digits, or 'diverged'."""
    return f"{value:.4g}" if math.isfinite(value) else "diverged"


def _json_floats(values) -> list:
    """Floats for JSON, non-finite ones as None."""
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, float).ravel()]


def _summaries(runs, n, size, asked, lr, epochs, floor, curvatures, normalise) -> tuple[str, str]:
    """What the three runs show, in English and Chinese."""
    flattest, steepest = curvatures
    limit = 2 / steepest
    final = {method: runs[method][2][-1] for method in METHODS}
    diverged = [method for method in METHODS if not final[method] <= runs[method][2][0]]
    note = f" (batch_size {asked} > n: using {n}, which is batch gradient descent.)" if asked > n else ""
    note_zh = f"(batch_size {asked} > n,按 {n} 计,即批量梯度下降。)" if asked > n else ""
    if lr >= limit:
        first = (f"lr {lr:g} is above 2/λmax = {limit:.3g} (λmax = {steepest:.3g}, the curvature of the steepest "
                 f"direction), so even batch gradient descent diverges: "
                 f"{'lower lr' if normalise else 'normalise the features or lower lr'}.")
        first_zh = (f"lr {lr:g} 超过 2/λmax = {limit:.3g}(λmax = {steepest:.3g},最陡方向的曲率),"
                    f"连批量梯度下降也会发散:{'请减小学习率' if normalise else '请归一化特征或减小学习率'}。")
    else:
        first = (f"In {epochs} epoch{'s' * (epochs > 1)}, batch GD makes {epochs} smooth update{'s' * (epochs > 1)} "
                 f"(cost {_number(final['batch'])}), mini-batches of {size} make {-(-n // size) * epochs} "
                 f"(cost {_number(final['mini-batch'])}) and SGD {n * epochs} (cost {_number(final['SGD'])}); "
                 f"the least-squares cost is {floor:.4g}.")
        first_zh = (f"{epochs} 个周期内,批量梯度下降平稳更新 {epochs} 次(代价 {_number(final['batch'])}),"
                    f"大小为 {size} 的小批量更新 {-(-n // size) * epochs} 次(代价 {_number(final['mini-batch'])}),"
                    f"SGD 更新 {n * epochs} 次(代价 {_number(final['SGD'])});最小二乘代价为 {floor:.4g}。")
    broke = (f" {' and '.join(diverged)} diverged: a small batch's gradient can be far steeper than the average one."
             if diverged and lr < limit else "")
    broke_zh = f"{'和'.join(diverged)} 发散了:小批量的梯度可能远比平均梯度陡。" if diverged and lr < limit else ""
    if not normalise:
        second = (f"Unnormalised, x1 is 10 times wider than x2: the cost is a narrow bowl (curvatures {steepest:.3g} "
                  f"and {flattest:.3g}), so lr must stay below 2/λmax = {limit:.3g}; steps zig-zag across the bowl "
                  f"and creep along it.{broke}")
        second_zh = (f"未归一化时 x1 的尺度是 x2 的 10 倍:代价函数是狭长的碗(曲率 {steepest:.3g} 与 {flattest:.3g}),"
                     f"学习率必须小于 2/λmax = {limit:.3g};步子在碗的横向来回震荡,沿纵向缓慢前进。{broke_zh}")
    elif broke:
        second, second_zh = broke.strip(), broke_zh
    elif lr >= limit:
        second, second_zh = "", ""
    else:
        second = ("Each mini-batch's cost is measured on different examples and its gradient is a noisy estimate, "
                  "so the logged cost zig-zags while trending down; SGD never settles exactly.")
        second_zh = "每个小批量的代价在不同样本上计算,梯度只是带噪声的估计,所以记录的代价一边抖动一边下降;SGD 不会精确收敛。"
    return (first + "\n" + second + note).rstrip(), (first_zh + "\n" + second_zh + note_zh).rstrip()


def _epochs_axis(b: int, n: int, count: int) -> np.ndarray:
    """The epoch at updates 0..count - 1 with batch size b: update k is at k / updates-per-epoch."""
    return np.arange(count) / -(-n // b)


def _finite(x: np.ndarray, y: np.ndarray, positive: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The points with a finite y below PLOT_CEILING (and y > 0 when `positive`, for log axes)."""
    keep = np.isfinite(y) & (y < PLOT_CEILING) & ((y > 0) if positive else True)
    return x[keep], y[keep]


def _cost_figure(runs, n, floor, X, y, optimum):
    """The cost each update logs (its batch's, before the step) against epochs: smooth for batch, noisy for others."""
    fig, ax = new_axes("Cost logged at each update", "epoch", "cost on the update's batch")
    for index, method in reversed(list(enumerate(METHODS))):
        b, _, _, costs = runs[method]
        ax.plot(*_finite(_epochs_axis(b, n, costs.size), costs), color=COLOURS[index],
                linewidth=2.5 if method == "batch" else 1.0, label=f"{method} (B={b})")
    ax.plot([0, runs["batch"][2].size - 1], [floor, floor], color=GRID_COLOUR, linestyle="--",
            label=f"least-squares cost {floor:.3g}")
    ax.set_ylim(0.0, max(float(runs["batch"][2][0]), 2 * floor) * 1.05)  # the cost at w = 0 is the top
    ax.set_xlim(0.0, runs["batch"][2].size - 1)
    ax.legend(loc="upper right")
    return fig


def _excess_figure(runs, n, floor, X, y, optimum):
    """Full-data cost minus the least-squares cost, log scale: batch falls steadily, SGD stalls at a noise level."""
    fig, ax = new_axes("Full-data cost above its minimum", "epoch", "cost - least-squares cost")
    for index, method in reversed(list(enumerate(METHODS))):
        b, _, losses, _ = runs[method]
        ax.plot(*_finite(_epochs_axis(b, n, losses.size), losses - floor, positive=True),
                color=COLOURS[index], linewidth=2.5 if method == "batch" else 1.2, marker=MARKERS[index]
                if method == "batch" else None, label=f"{method} (B={b})")
    ax.set_yscale("log")
    ax.set_xlim(0.0, runs["batch"][2].size - 1)
    ax.legend(loc="upper right")
    return fig


def _paths_figure(runs, n, floor, X, y, optimum):
    """The weights each method visits, over the contours of the full-data cost."""
    fig, ax = new_axes("Paths of the weights on the cost's contours", "w1", "w2")
    centre = optimum / 2  # the window holds the start w = 0, w* and every path that stays near them
    reach = 2.0 * float(np.max(np.abs(optimum))) + 1.0
    half = float(np.max(np.abs(optimum))) / 2
    for method in METHODS:
        with np.errstate(invalid="ignore"):
            extent = float(np.max(np.abs(runs[method][1] - centre)))
        if extent <= reach:
            half = max(half, extent)
    half = max(half, 0.5) * 1.1
    w1 = np.linspace(centre[0] - half, centre[0] + half, CONTOUR_GRID)
    w2 = np.linspace(centre[1] - half, centre[1] + half, CONTOUR_GRID)
    grid1, grid2 = np.meshgrid(w1, w2)
    gram, xty, yty = X.T @ X / n, X.T @ y / n, float(y @ y) / n
    cost = 0.5 * (gram[0, 0] * grid1 ** 2 + 2 * gram[0, 1] * grid1 * grid2 + gram[1, 1] * grid2 ** 2
                  - 2 * (xty[0] * grid1 + xty[1] * grid2) + yty)
    levels = floor + (0.5 * float(np.max(cost) - floor)) * np.geomspace(1e-3, 1.0, 8)
    ax.contour(grid1, grid2, cost, levels=levels, colors=GRID_COLOUR, linewidths=0.8)
    for index, method in reversed(list(enumerate(METHODS))):
        b, weights, _, _ = runs[method]
        with np.errstate(invalid="ignore"):
            weights = np.where(np.abs(weights) < 1e6, weights, np.nan)  # a diverged path leaves the window and ends
        ax.plot(weights[:, 0], weights[:, 1], color=COLOURS[index], linewidth=2.5 if method == "batch" else 1.0,
                marker=MARKERS[index] if method == "batch" else None, markersize=4, label=f"{method} (B={b})")
    ax.plot([optimum[0]], [optimum[1]], color="black", marker="*", markersize=12, linestyle="none",
            label="least squares w*")
    ax.set_xlim(w1[0], w1[-1])
    ax.set_ylim(w2[0], w2[-1])
    ax.legend(loc="upper right")
    return fig


def warm() -> None:
    """Compile (or load from cache) the kernels on a three-example problem."""
    X, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 3.0])
    weights, _ = linear_regression_gd(X, y, 2, 0.1, 1)
    _batch_costs(X, y, _orders(3, 2, 1, 0), 2, weights)
    _full_loss(*_moments(X, y), weights[0])  # called directly too, so it is compiled on its own and not only inlined


DEMO = declare_demo(
    run, warm,
    title_en="Batch, mini-batch and stochastic gradient descent",
    title_zh="批量、小批量与随机梯度下降",
    description_en="Cost curves and weight paths of batch, mini-batch and stochastic gradient descent on a seeded "
                   "linear regression, with and without input normalisation.",
    description_zh="在一个固定种子的线性回归上比较批量、小批量与随机梯度下降的代价曲线和权重路径,以及输入归一化的作用。",
)
