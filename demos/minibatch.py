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

`regression_step` is one such update written out for a one-feature model on the learner's own examples (d2l's
linear regression): y_hat = w x + b, loss l = (y_hat - y)^2 / 2, dl/dw = (y_hat - y) x, dl/db = y_hat - y,
averaged over the examples, then (w, b) -= lr * gradient. With model "logistic" y_hat = sigmoid(w x + b) is
P(y = 1 | x), the loss is the binary cross-entropy, and the gradients have the same form (y_hat - y) x and
y_hat - y (torch autograd on `F.binary_cross_entropy_with_logits` gives the same).
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import check_array, check_choice, check_int, check_number, check_shape
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


MODELS = ("linear", "logistic")
MAX_EXAMPLES = 10


@njit(cache=True)
def _sigmoid(z):
    """1 / (1 + e^-z) without overflow; each demo keeps its own (see demos/__init__.py)."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True)
def _example_losses(logistic, x, y, w, b):
    """Each example's prediction and loss: (w x + b, (y_hat - y)^2 / 2) or (sigmoid(w x + b), cross-entropy)."""
    predictions, losses = np.empty(x.size), np.empty(x.size)
    for i in range(x.size):
        z = w * x[i] + b
        if logistic:
            predictions[i] = _sigmoid(z)
            # -y log s(z) - (1 - y) log(1 - s(z)) = (1 - y) z + log(1 + e^-z), computed without overflow
            losses[i] = (1.0 - y[i]) * z + max(-z, 0.0) + math.log1p(math.exp(-abs(z)))
        else:
            predictions[i] = z
            losses[i] = 0.5 * (z - y[i]) ** 2
    return predictions, losses


@njit(cache=True)
def _step(logistic, x, y, w, b, lr):
    """One gradient step on the mean loss: per-example dl/dw, dl/db, their means, and the new (w, b)."""
    predictions, _ = _example_losses(logistic, x, y, w, b)
    dw, db = np.empty(x.size), np.empty(x.size)
    mean_w, mean_b = 0.0, 0.0
    for i in range(x.size):
        error = predictions[i] - y[i]  # the same form for the squared loss and for sigmoid + cross-entropy
        dw[i], db[i] = error * x[i], error
        mean_w += dw[i] / x.size
        mean_b += db[i] / x.size
    return dw, db, mean_w, mean_b, w - lr * mean_w, b - lr * mean_b


def regression_step(x, y, w: float, b: float, lr: float, model: str = "linear") -> dict:
    """One gradient-descent step of y_hat = w x + b (or sigmoid(w x + b)) on the examples (x_i, y_i).

    Returns the predictions, per-example losses and gradients (dl/dw, dl/db), the mean loss and gradients, the new
    w and b, and the predictions and mean loss after the step.
    """
    logistic = check_choice("model", model, MODELS) == "logistic"
    x = check_array("x", x, ndim=1, min_size=1)
    y = check_shape("y", check_array("y", y, ndim=1), x.shape, "one target per x")
    if logistic:
        wrong = np.flatnonzero((y != 0) & (y != 1))
        if wrong.size:
            raise ValueError(f"y[{int(wrong[0])}]={y[wrong[0]].item()!r}: must be 0 or 1 for logistic regression")
    w, b = check_number("w", w), check_number("b", b)
    lr = check_number("lr", lr, 0.0)
    predictions, losses = _example_losses(logistic, x, y, w, b)
    dw, db, mean_w, mean_b, new_w, new_b = _step(logistic, x, y, w, b, lr)
    after, after_losses = _example_losses(logistic, x, y, new_w, new_b)
    return {"prediction": predictions, "loss": losses, "cost": float(losses.mean()), "dw": dw, "db": db,
            "grad_w": float(mean_w), "grad_b": float(mean_b), "w": float(new_w), "b": float(new_b),
            "prediction_after": after, "cost_after": float(after_losses.mean())}


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
                             "paths: the weights on the cost's contours; step: one update of y = w·x + b on your "
                             "own examples",
                             "cost:每次更新记录的代价;excess:全数据代价超出最小值的部分;paths:代价等高线上的权重路径;"
                             "step:在你自己的样本上对 y = w·x + b 做一次更新",
                             choices=("cost", "excess", "paths", "step"))] = "cost",
    n: Annotated[int, Arg("training examples m", "训练样本数 m", low=10, high=1000)] = 200,
    batch_size: Annotated[int, Arg("mini-batch size (at most n)", "小批量大小(不超过 n)", low=1, high=1000)] = 32,
    lr: Annotated[float, Arg("learning rate, the same for all three", "学习率(三者相同)", low=0.001, high=2.0)] = 0.1,
    epochs: Annotated[int, Arg("passes over the data", "遍历数据的次数(周期)", low=1, high=20)] = 5,
    normalise: Annotated[bool, Arg("standardise the features (else x1 is 10 times wider than x2)",
                                   "标准化特征(否则 x1 的尺度是 x2 的 10 倍)")] = True,
    seed: Annotated[int, Arg("seed of the data and the shuffles", "数据与打乱顺序的随机种子", low=0, high=9999)] = 0,
    model: Annotated[str, Arg("step: linear (y_hat = w·x + b, squared loss) or logistic (sigmoid, cross-entropy)",
                              "step:linear(y_hat = w·x + b,平方损失)或 logistic(sigmoid,交叉熵)",
                              choices=MODELS)] = "linear",
    w: Annotated[float, Arg("step: the weight w before the update", "step:更新前的权重 w", low=-10.0, high=10.0)]
    = 1.0,
    b: Annotated[float, Arg("step: the bias b before the update", "step:更新前的偏置 b", low=-10.0, high=10.0)] = 0.0,
    x: Annotated[str, Arg("step: the examples' inputs x, separated by commas", "step:样本的输入 x,用逗号分隔",
                          high=80)] = "2",
    y: Annotated[str, Arg("step: their targets y (0 or 1 for logistic), separated by commas",
                          "step:对应的目标 y(logistic 时为 0 或 1),用逗号分隔", high=80)] = "5",
) -> DemoResult:
    """Batch, mini-batch and stochastic gradient descent side by side on one regression problem; or one update
    of a one-feature model written out (view step)."""
    if view == "step":
        return _step_result(model, w, b, x, y, lr)
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


# The step view: one update of a one-feature model, every number written out.

def _parse_numbers(name: str, text: str) -> np.ndarray:
    """Comma-separated numbers (1 to MAX_EXAMPLES of them) as a float array; ValueError otherwise."""
    items = [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]
    if not 1 <= len(items) <= MAX_EXAMPLES:
        raise ValueError(f"{name}={text!r}: must be 1 to {MAX_EXAMPLES} numbers separated by commas")
    try:
        values = np.array([float(item) for item in items])
    except ValueError:
        raise ValueError(f"{name}={text!r}: must be numbers separated by commas, e.g. 1,2,3") from None
    if not np.isfinite(values).all():
        raise ValueError(f"{name}={text!r}: must be finite numbers")
    return values


def _step_result(model: str, w: float, b: float, x_text: str, y_text: str, lr: float) -> DemoResult:
    """Predictions, losses, gradients and the updated w and b, per example and averaged; the line or curve before
    and after."""
    xs, ys = _parse_numbers("x", x_text), _parse_numbers("y", y_text)
    if xs.size != ys.size:
        raise ValueError(f"y={y_text!r}: must give one target per x ({xs.size} x values, {ys.size} y values)")
    step = {key: _tidy(value) for key, value in regression_step(xs, ys, w, b, lr, model).items()}
    logistic = model == "logistic"
    m = xs.size
    rows = [(f"{xs[i]:g}", f"{ys[i]:g}", f"{step['prediction'][i]:.4g}", f"{step['prediction'][i] - ys[i]:+.4g}",
             f"{step['loss'][i]:.4g}", f"{step['dw'][i]:+.4g}", f"{step['db'][i]:+.4g}",
             f"{step['prediction_after'][i]:.4g}") for i in range(m)]
    if m > 1:
        rows.append(("mean", "", "", "", f"{step['cost']:.4g}", f"{step['grad_w']:+.4g}", f"{step['grad_b']:+.4g}",
                     f"cost {step['cost_after']:.4g}"))
    loss_name = "cross-entropy" if logistic else "½(ŷ-y)²"
    table = Table(columns=("x", "y", "ŷ", "ŷ - y", f"loss {loss_name}", "∂l/∂w = (ŷ-y)x", "∂l/∂b = ŷ-y",
                           "ŷ after the step"), rows=tuple(rows),
                  columns_zh=("x", "y", "ŷ", "ŷ - y", f"损失 {loss_name}", "∂l/∂w = (ŷ-y)x", "∂l/∂b = ŷ-y", "更新后的 ŷ"))
    summary, summary_zh = (_logistic_summaries if logistic else _linear_summaries)(xs, ys, w, b, lr, step)
    data = {"view": "step", "model": model, "x": xs.tolist(), "y": ys.tolist(), "w": w, "b": b, "lr": lr,
            "prediction": step["prediction"].tolist(), "loss": step["loss"].tolist(), "cost": step["cost"],
            "grad_w": step["grad_w"], "grad_b": step["grad_b"], "new_w": step["w"], "new_b": step["b"],
            "prediction_after": step["prediction_after"].tolist(), "cost_after": step["cost_after"]}
    if logistic and w != 0.0:
        data["boundary"] = -b / w
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table,
                      figure=_step_figure(model, xs, ys, w, b, step), data=data)


def _tidy(value):
    """A number or array with rounding dust (|v| < 1e-12, e.g. a mean of exactly cancelling gradients) set to 0."""
    if isinstance(value, np.ndarray):
        return np.where(np.abs(value) < 1e-12, 0.0, value)
    return 0.0 if abs(value) < 1e-12 else value


def _update_text(w: float, b: float, lr: float, step: dict, m: int) -> tuple[str, str]:
    """The update of w and b with the numbers in, in English and Chinese."""
    averaged = f" (each the mean over the {m} examples)" if m > 1 else ""
    averaged_zh = f"(均为 {m} 个样本的平均)" if m > 1 else ""
    text = (f"Gradients{averaged}: ∂L/∂w = {step['grad_w']:.4g}, ∂L/∂b = {step['grad_b']:.4g}; with lr {lr:g}: "
            f"w = {w:g} - {lr:g}·({step['grad_w']:.4g}) = {step['w']:.4g}, "
            f"b = {b:g} - {lr:g}·({step['grad_b']:.4g}) = {step['b']:.4g}.")
    text_zh = (f"梯度{averaged_zh}:∂L/∂w = {step['grad_w']:.4g},∂L/∂b = {step['grad_b']:.4g};学习率 {lr:g}:"
               f"w = {w:g} - {lr:g}·({step['grad_w']:.4g}) = {step['w']:.4g},"
               f"b = {b:g} - {lr:g}·({step['grad_b']:.4g}) = {step['b']:.4g}。")
    return text, text_zh


def _linear_summaries(xs, ys, w, b, lr, step) -> tuple[str, str]:
    """The linear step in words: prediction, loss, gradients, update, and the loss after."""
    m = xs.size
    update, update_zh = _update_text(w, b, lr, step, m)
    if m == 1:
        y_hat, error = step["prediction"][0], step["prediction"][0] - ys[0]
        first = (f"ŷ = w·x + b = {w:g}·{xs[0]:g} + {b:g} = {y_hat:.4g}, error ŷ - y = {error:.4g}, loss ½(ŷ - y)² = "
                 f"{step['cost']:.4g}. ∂l/∂w = (ŷ - y)·x = {step['grad_w']:.4g}, ∂l/∂b = ŷ - y = {step['grad_b']:.4g}.")
        first_zh = (f"ŷ = w·x + b = {w:g}·{xs[0]:g} + {b:g} = {y_hat:.4g},误差 ŷ - y = {error:.4g},"
                    f"损失 ½(ŷ - y)² = {step['cost']:.4g}。∂l/∂w = (ŷ - y)·x = {step['grad_w']:.4g},"
                    f"∂l/∂b = ŷ - y = {step['grad_b']:.4g}。")
    else:
        first = (f"ŷ = w·x + b for each of the {m} examples; the cost L = (1/{m}) Σ ½(ŷ - y)² = {step['cost']:.4g} "
                 f"(torch's nn.MSELoss, without the ½: {2 * step['cost']:.4g}); the largest error weighs most, "
                 f"since it is squared.")
        first_zh = (f"对 {m} 个样本分别算 ŷ = w·x + b;代价 L = (1/{m}) Σ ½(ŷ - y)² = {step['cost']:.4g}"
                    f"(torch 的 nn.MSELoss 没有 ½:{2 * step['cost']:.4g});误差被平方,最大的误差权重最大。")
    name, name_zh = ("loss", "损失") if m == 1 else ("cost", "代价")
    after = (f"After the step: ŷ = {', '.join(f'{v:.4g}' for v in step['prediction_after'])}, {name} "
             f"{step['cost_after']:.4g}.")
    after_zh = f"更新后:ŷ = {', '.join(f'{v:.4g}' for v in step['prediction_after'])},{name_zh} {step['cost_after']:.4g}。"
    model = "ŷ = w·x + b is one neuron with no activation, torch's nn.Linear(1, 1); for a dataset, ŷ = Xw + b."
    model_zh = "ŷ = w·x + b 就是一个没有激活函数的神经元,即 torch 的 nn.Linear(1, 1);对整个数据集 ŷ = Xw + b。"
    return f"{first}\n{update} {after}\n{model}", f"{first_zh}\n{update_zh}{after_zh}\n{model_zh}"


def _logistic_summaries(xs, ys, w, b, lr, step) -> tuple[str, str]:
    """The logistic step in words: probabilities, the decision boundary, cross-entropy, gradients, update."""
    update, update_zh = _update_text(w, b, lr, step, xs.size)
    probabilities = ", ".join(f"{v:.3g}" for v in step["prediction"])
    if w != 0.0:
        boundary = (f"class 1 is predicted where ŷ ≥ 0.5, i.e. w·x + b ≥ 0: the boundary w·x + b = 0 is x = -b/w = "
                    f"{-b / w:.4g} (a hyperplane in more dimensions, so a linear classifier)")
        boundary_zh = (f"ŷ ≥ 0.5 即 w·x + b ≥ 0 时预测为类别 1:决策边界 w·x + b = 0 就是 x = -b/w = {-b / w:.4g}"
                       f"(多维时是一个超平面,所以是线性分类器)")
    else:
        boundary = "with w = 0 every x gets the same ŷ: no boundary"
        boundary_zh = "w = 0 时所有 x 的 ŷ 都相同:没有决策边界"
    first = (f"ŷ = σ(w·x + b) = P(y = 1 | x): {probabilities}; {boundary}. Binary cross-entropy "
             f"{step['cost']:.4g}; its gradients have the linear model's form, (ŷ - y)·x and ŷ - y.")
    first_zh = (f"ŷ = σ(w·x + b) = P(y = 1 | x):{probabilities};{boundary_zh}。二元交叉熵 {step['cost']:.4g};"
                f"梯度与线性模型形式相同:(ŷ - y)·x 和 ŷ - y。")
    after = f"After the step the cross-entropy is {step['cost_after']:.4g}."
    after_zh = f"更新后交叉熵为 {step['cost_after']:.4g}。"
    return f"{first}\n{update} {after}", f"{first_zh}\n{update_zh}{after_zh}"


def _step_figure(model: str, xs: np.ndarray, ys: np.ndarray, w: float, b: float, step: dict):
    """The examples, the model before (solid) and after (dashed) the step; residuals for linear, the 0.5 level
    and the decision boundary for logistic."""
    logistic = model == "logistic"
    low, high = float(min(xs.min(), 0.0)), float(max(xs.max(), 0.0))
    pad = max(1.0, 0.2 * (high - low))
    if logistic and w != 0.0:
        low, high = min(low, -b / w), max(high, -b / w)
    grid = np.linspace(low - pad, high + pad, 200)
    title = ("Logistic regression: ŷ = σ(w·x + b) before and after one step" if logistic
             else "Linear regression: ŷ = w·x + b before and after one step")
    fig, ax = new_axes(title, "x", "P(y = 1 | x)" if logistic else "y")
    before = _example_losses(logistic, grid, np.zeros_like(grid), w, b)[0]
    after = _example_losses(logistic, grid, np.zeros_like(grid), step["w"], step["b"])[0]
    ax.plot(grid, before, color=COLOURS[0], linewidth=2, label=f"before: w={w:g}, b={b:g}")
    ax.plot(grid, after, color=COLOURS[1], linewidth=2, linestyle="--",
            label=f"after: w={step['w']:.4g}, b={step['b']:.4g}")
    if logistic:
        ax.plot([grid[0], grid[-1]], [0.5, 0.5], color=GRID_COLOUR, linestyle=":", linewidth=1)
        if w != 0.0:
            ax.plot([-b / w, -b / w], [0.0, 1.0], color=COLOURS[3], linestyle=":", linewidth=1.5,
                    label=f"boundary x = -b/w = {-b / w:.3g}")
    else:
        for x_i, y_i, p_i in zip(xs, ys, step["prediction"]):
            ax.plot([x_i, x_i], [y_i, p_i], color=COLOURS[3], linewidth=1)
        ax.plot([], [], color=COLOURS[3], linewidth=1, label="error ŷ - y")
    ax.plot(xs, ys, color="black", marker="o", linestyle="none", markersize=7, label="examples (x, y)")
    ax.legend(loc="best", fontsize=8)
    return fig


def warm() -> None:
    """Compile (or load from cache) the kernels on a three-example problem."""
    X, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 3.0])
    weights, _ = linear_regression_gd(X, y, 2, 0.1, 1)
    _batch_costs(X, y, _orders(3, 2, 1, 0), 2, weights)
    _full_loss(*_moments(X, y), weights[0])  # called directly too, so it is compiled on its own and not only inlined
    for model in MODELS:
        regression_step([1.0, 2.0], [0.0, 1.0], 0.5, 0.0, 0.1, model)
    _sigmoid(0.5)


DEMO = declare_demo(
    run, warm,
    title_en="Batch, mini-batch and stochastic gradient descent",
    title_zh="批量、小批量与随机梯度下降",
    description_en="Cost curves and weight paths of batch, mini-batch and stochastic gradient descent on a seeded "
                   "linear regression, with and without input normalisation; and one update of a linear or logistic "
                   "regression written out on your own examples.",
    description_zh="在一个固定种子的线性回归上比较批量、小批量与随机梯度下降的代价曲线和权重路径,以及输入归一化的作用;"
                   "并在你自己的样本上逐项写出线性回归或逻辑回归的一次更新。",
)
