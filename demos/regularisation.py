"""L2 (ridge) and L1 (lasso) regularised least squares, and their weight paths against lambda.

ridge minimises ||y - Xw||^2 + lam ||w||^2 without intercept, as sklearn `Ridge(alpha=lam, fit_intercept=False)`,
through the SVD X = U S V^T: w = V diag(s / (s^2 + lam)) U^T y, so every singular direction is shrunk by
s^2 / (s^2 + lam) and none is cut to zero. lasso minimises (1/2n) ||y - Xw||^2 + lam ||w||_1 without intercept
(the objective of sklearn `Lasso(alpha=lam, fit_intercept=False)`) by cyclic coordinate descent with soft
thresholding, until no coordinate moves by tol (1e-10) in a sweep; a weight the optimum sets to zero is exactly 0.0.

The demo puts both on one scale, that of the mean squared error: lam ||w||_1 (L1) or (lam/2) ||w||^2 (L2)
added to (1/2n) ||y - Xw||^2 (glmnet's and sklearn ElasticNet's convention), i.e. lasso(X, y, lam) and
ridge(X, y, n * lam). For nearly uncorrelated features L1 then subtracts lam from each least-squares weight and
clips at 0, while L2 divides it by 1 + lam.

`weight_decay_path` is gradient descent on that L2 cost: the penalty's gradient is lam * w, so each step is
w <- (1 - lr * lam) w - lr * X^T (Xw - y) / n, the weights multiplied by a factor just below 1 (decayed) before
the data's step. It converges to ridge(X, y, n * lam); lam here is the notes' lambda / m, and what
`torch.optim.SGD(weight_decay=lam)` adds to the gradient.
"""

from __future__ import annotations

import math
import warnings
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_choice, check_int, check_number, check_shape
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, new_axes

KINDS = ("l1", "l2")
L1, L2 = range(len(KINDS))
# The demo's true weights: a few large, some small, some exactly zero (the first n_features are used).
TRUE_WEIGHTS = (3.0, -2.0, 1.5, 0.0, 1.0, 0.0, -0.5, 0.25, 0.0, 0.75, -1.25, 0.0)
GRID = np.logspace(-2, 1, 41)  # the demo's lam axis, 0.01 to 10 on the mean-squared-error scale


def ridge(X, y, lam):
    """argmin ||y - Xw||^2 + lam ||w||^2 (no intercept); at lam = 0 the minimum-norm least-squares solution."""
    X, y = _check_data(X, y)
    lam = check_number("lam", lam, 0.0)
    return _ridge_path(X, y, np.array([lam]))[0]


def lasso(X, y, lam, max_iter=10000, tol=1e-10):
    """argmin (1/2n) ||y - Xw||^2 + lam ||w||_1 (no intercept) by coordinate descent from w = 0.

    Sweeps over the coordinates until the largest change in one sweep is below tol; after max_iter sweeps
    without getting there it warns (RuntimeWarning, as sklearn's ConvergenceWarning) and returns the last weights.
    """
    X, y = _check_data(X, y)
    lam = check_number("lam", lam, 0.0)
    max_iter = check_int("max_iter", max_iter, 1)
    tol = check_number("tol", tol, 0.0, low_open=True)
    return _lasso_checked(X, y, np.array([lam]), max_iter, tol)[0]


def path(X, y, lams, kind):
    """The weights (len(lams), d) at each lam: lasso (kind "l1") or ridge (kind "l2"), lam as each function takes it."""
    X, y = _check_data(X, y)
    lams = check_array("lams", lams, ndim=1, min_size=1)
    if (lams < 0).any():
        index = int(np.argmax(lams < 0))
        raise ValueError(f"lams[{index}]={float(lams[index])!r}: must be >= 0")
    kind = check_choice("kind", kind, KINDS)
    if kind == "l1":
        return _lasso_checked(X, y, lams, 10000, 1e-10)
    return _ridge_path(X, y, lams)


def weight_decay_path(X, y, lam, lr, steps, w0=None):
    """Gradient descent on (1/2n) ||y - Xw||^2 + (lam/2) ||w||^2 from w0 (zeros by default): the weights after each
    step, (steps + 1, d), row 0 being w0; each step is w <- (1 - lr lam) w - lr X^T (Xw - y) / n."""
    X, y = _check_data(X, y)
    lam, lr = check_number("lam", lam, 0.0), check_number("lr", lr, 0.0, low_open=True)
    steps = check_int("steps", steps, 0)
    start = np.zeros(X.shape[1]) if w0 is None else check_shape("w0", check_array("w0", w0, ndim=1),
                                                                 (X.shape[1],), "one weight per column of X")
    return _decay_descent(X, y, lam, lr, steps, start)


def _lasso_checked(X: np.ndarray, y: np.ndarray, lams: np.ndarray, max_iter: int, tol: float) -> np.ndarray:
    """The lasso kernel's weights for each lam, with a warning for each lam it did not converge at."""
    weights, changes = _lasso_path(X, y, lams, max_iter, tol)
    for lam, change in zip(lams, changes):
        if change >= tol:
            warnings.warn(f"lasso at lam={lam:g} did not converge in max_iter={max_iter} sweeps (last largest change "
                          f"{change:.3g} >= tol={tol:g}); raise max_iter", RuntimeWarning, stacklevel=3)
    return weights


def _check_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    """X (n, d) and y (n,) as float64 arrays."""
    X = check_array("X", X, ndim=2, min_size=1)
    y = check_array("y", y, ndim=1)
    return X, check_shape("y", y, (X.shape[0],), "one target per row of X")


@njit(cache=True)
def _ridge_path(X, y, lams):
    """Ridge weights for each lam through one SVD: w = V diag(s / (s^2 + lam)) U^T y.

    At lam = 0, directions with a singular value below the rank tolerance get 0 (the minimum-norm solution).
    """
    u, s, vt = np.linalg.svd(X, full_matrices=False)
    projected = u.T @ y
    cutoff = s[0] * max(X.shape[0], X.shape[1]) * 2.220446049250313e-16 if s.size else 0.0
    weights = np.zeros((lams.size, X.shape[1]))
    for k in range(lams.size):
        for i in range(s.size):
            if lams[k] > 0.0 or s[i] > cutoff:
                factor = s[i] / (s[i] * s[i] + lams[k]) * projected[i]
                for j in range(X.shape[1]):
                    weights[k, j] += vt[i, j] * factor
    return weights


@njit(cache=True)
def _decay_descent(X, y, lam, lr, steps, w0):
    """Weights after each full-batch step w <- (1 - lr lam) w - lr X^T (Xw - y) / n, row 0 = w0."""
    n, d = X.shape
    weights = np.empty((steps + 1, d))
    weights[0] = w0
    w = w0.copy()
    data_gradient = np.empty(d)
    for t in range(1, steps + 1):
        data_gradient[:] = 0.0
        for i in range(n):
            residual = -y[i]
            for j in range(d):
                residual += X[i, j] * w[j]
            for j in range(d):
                data_gradient[j] += X[i, j] * residual
        for j in range(d):
            w[j] = (1.0 - lr * lam) * w[j] - lr * data_gradient[j] / n  # decay, then the data's step
        weights[t] = w
    return weights


@njit(cache=True)
def _lasso_path(X, y, lams, max_iter, tol):
    """Lasso weights for each lam, each by coordinate descent from w = 0, and the last sweep's largest change."""
    weights = np.zeros((lams.size, X.shape[1]))
    changes = np.zeros(lams.size)
    for k in range(lams.size):
        changes[k] = _lasso(X, y, lams[k], max_iter, tol, weights[k])
    return weights, changes


@njit(cache=True)
def _lasso(X, y, lam, max_iter, tol, w):
    """Cyclic coordinate descent on (1/2n) ||y - Xw||^2 + lam ||w||_1 from w = 0, in place in w (d,), keeping the
    residual r = y - Xw; returns the largest coordinate change of the last sweep (< tol once converged).

    Coordinate j's minimiser with the others fixed is S(rho, lam) / (||x_j||^2 / n), where
    rho = x_j . (r + x_j w_j) / n and S the soft threshold: exactly 0 when |rho| <= lam.
    """
    n, d = X.shape
    w[:] = 0.0
    r = y.copy()
    largest = 0.0
    curvature = np.zeros(d)
    for j in range(d):
        for i in range(n):
            curvature[j] += X[i, j] * X[i, j]
        curvature[j] /= n
    for _ in range(max_iter):
        largest = 0.0
        for j in range(d):
            if curvature[j] == 0.0:
                continue
            old = w[j]
            rho = 0.0
            for i in range(n):
                rho += X[i, j] * r[i]
            rho = rho / n + curvature[j] * old
            if rho > lam:
                new = (rho - lam) / curvature[j]
            elif rho < -lam:
                new = (rho + lam) / curvature[j]
            else:
                new = 0.0
            if new != old:
                for i in range(n):
                    r[i] -= X[i, j] * (new - old)
                w[j] = new
                largest = max(largest, abs(new - old))
        if largest < tol:
            break
    return largest


# The demo.

def run(
    kind: Annotated[str, Arg("penalty whose weight path is drawn: l1 (lasso) or l2 (ridge)",
                             "绘制哪种惩罚的权重路径:l1(lasso)或 l2(岭回归)", choices=KINDS)] = "l1",
    lam: Annotated[float, Arg("penalty strength: lam*|w|_1 or lam/2*|w|^2 added to the half mean squared error",
                              "惩罚强度:在半均方误差上加 lam*|w|_1 或 lam/2*|w|^2", low=0.0, high=10.0)] = 0.2,
    n_features: Annotated[int, Arg("number of features (true weights 3, -2, 1.5, 0, 1, 0, -0.5, 0.25, 0, ...)",
                                   "特征个数(真实权重 3, -2, 1.5, 0, 1, 0, -0.5, 0.25, 0, ...)",
                                   low=2, high=len(TRUE_WEIGHTS))] = 8,
    noise: Annotated[float, Arg("std of the noise added to the targets", "加到目标值上的噪声标准差",
                                low=0.0, high=5.0)] = 1.0,
    n_samples: Annotated[int, Arg("number of training examples", "训练样本数", low=20, high=500)] = 50,
    seed: Annotated[int, Arg("random seed of the data", "生成数据的随机种子", low=0, high=9999)] = 0,
    view: Annotated[str, Arg("path: weights against lam; decay: gradient descent with L2 weight decay at lam, "
                             "step by step from the least-squares weights",
                             "path:权重随 lam 的变化;decay:在 lam 下带 L2 权重衰减的梯度下降,从最小二乘权重出发逐步进行",
                             choices=("path", "decay"))] = "path",
    lr: Annotated[float, Arg("decay: learning rate of the gradient descent", "decay:梯度下降的学习率",
                             low=0.001, high=1.0)] = 0.1,
    steps: Annotated[int, Arg("decay: gradient-descent steps", "decay:梯度下降的步数", low=1, high=2000)] = 200,
) -> DemoResult:
    """The L1 or L2 path of a seeded regression problem, and the weights of both penalties at the chosen lam; or
    gradient descent with weight decay (view decay)."""
    kind = check_choice("kind", kind, KINDS)
    X, y, truth = _problem(n_features, noise, n_samples, seed)
    if view == "decay":
        return _decay_result(X, y, lam, lr, steps, n_samples)
    least_squares = ridge(X, y, 0.0)
    l1, l2 = lasso(X, y, lam), ridge(X, y, n_samples * lam)
    grid = np.union1d(GRID, [lam]) if lam > 0 else GRID
    weights = path(X, y, grid if kind == "l1" else n_samples * grid, kind)
    lam_max = float(np.max(np.abs(X.T @ y)) / n_samples)
    zero_from = _zero_from(path(X, y, GRID, "l1"))
    rows = tuple((f"w{j + 1}", f"{truth[j]:g}", _weight(least_squares[j]), _weight(l1[j]), _weight(l2[j]))
                 for j in range(n_features))
    table = Table(columns=("weight", "true", "least squares (lam 0)", f"L1 at lam {lam:g}", f"L2 at lam {lam:g}"),
                  rows=rows,
                  columns_zh=("权重", "真实值", "最小二乘(lam 0)", f"L1(lam {lam:g})", f"L2(lam {lam:g})"))
    summary, summary_zh = _summary(kind, lam, l1, l2, least_squares, lam_max, zero_from)
    data = {"kind": kind, "lam": lam, "n_features": n_features, "noise": noise, "n_samples": n_samples, "seed": seed,
            "true_weights": list(truth), "least_squares": least_squares.tolist(), "l1": l1.tolist(),
            "l2": l2.tolist(), "l1_zeros": int(np.sum(l1 == 0.0)), "l2_zeros": int(np.sum(l2 == 0.0)),
            "lam_max": lam_max, "path_lams": grid.tolist(), "path": weights.tolist(),
            "l1_zero_from": [None if z is None else float(z) for z in zero_from]}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table,
                      figure=_figure(kind, lam, grid, weights, lam_max), data=data)


def _problem(n_features: int, noise: float, n_samples: int, seed: int):
    """Standard-normal features, the first n_features true weights, targets with Gaussian noise."""
    rng = np.random.default_rng(seed)
    truth = np.array(TRUE_WEIGHTS[:n_features])
    X = rng.standard_normal((n_samples, n_features))
    y = X @ truth + noise * rng.standard_normal(n_samples)
    return X, y, truth


def _zero_from(weights: np.ndarray) -> list[float | None]:
    """For each weight, the grid lam from which on the L1 path keeps it at exactly 0 (None if it never is)."""
    result = []
    for j in range(weights.shape[1]):
        nonzero = np.nonzero(weights[:, j] != 0.0)[0]
        last = nonzero[-1] + 1 if nonzero.size else 0
        result.append(float(GRID[last]) if last < GRID.size else None)
    return result


def _weight(value: float) -> str:
    """A weight as a table cell, an exact zero written as 0."""
    return "0" if value == 0.0 else f"{value:+.4f}"


def _decay_result(X: np.ndarray, y: np.ndarray, lam: float, lr: float, steps: int, n: int) -> DemoResult:
    """Gradient descent with weight decay from the least-squares weights: step 1 is pure decay, the end is ridge."""
    least_squares = ridge(X, y, 0.0)
    optimum = ridge(X, y, n * lam)
    weights = weight_decay_path(X, y, lam, lr, steps, least_squares)
    factor = 1.0 - lr * lam
    steepest = float(np.linalg.eigvalsh(X.T @ X / n)[-1]) + lam
    with np.errstate(over="ignore", invalid="ignore"):
        distance = float(np.linalg.norm(weights[-1] - optimum))
        shrink = float(np.linalg.norm(weights[-1]) / np.linalg.norm(least_squares))
    rows = tuple((f"w{j + 1}", _weight(least_squares[j]), _weight(weights[1, j]), _weight(weights[-1, j]),
                  _weight(optimum[j])) for j in range(X.shape[1]))
    table = Table(columns=("weight", "start: least squares", f"step 1: x{factor:g}", f"after step {steps}",
                           f"ridge at lam {lam:g}"), rows=rows,
                  columns_zh=("权重", "起点:最小二乘", f"第 1 步:x{factor:g}", f"第 {steps} 步后", f"lam {lam:g} 的岭回归"))
    first = (f"With (lam/2)|w|² added to the cost, dW = dW_data + lam·W, so each step is W <- (1 - lr·lam)·W - "
             f"lr·dW_data = {factor:.4g}·W - {lr:g}·dW_data: the weights are first shrunk by {factor:.4g} (decayed) "
             f"towards 0, then the data's gradient step is taken (lam plays λ/m; torch's weight_decay=lam).")
    first_zh = (f"代价加上 (lam/2)|w|² 后,dW = dW_data + lam·W,每一步为 W <- (1 - lr·lam)·W - lr·dW_data = "
                f"{factor:.4g}·W - {lr:g}·dW_data:先把权重乘以 {factor:.4g}(衰减)向 0 收缩,再走数据梯度的一步"
                f"(lam 相当于 λ/m;即 torch 的 weight_decay=lam)。")
    if not np.isfinite(weights[-1]).all() or lr >= 2.0 / steepest:
        second = (f"lr {lr:g} is above 2/(λmax + lam) = {2.0 / steepest:.3g}: the descent diverges; lower lr.")
        second_zh = f"lr {lr:g} 超过 2/(λmax + lam) = {2.0 / steepest:.3g}:梯度下降发散,请减小 lr。"
    else:
        second = (f"Starting from the least-squares weights, where dW_data = 0, step 1 is pure decay (w1 "
                  f"{least_squares[0]:+.4f} -> {weights[1, 0]:+.4f}); after {steps} steps the weights are "
                  f"{distance:.1e} from the ridge solution at lam = {lam:g}, |w| x {shrink:.2f}.")
        second_zh = (f"从最小二乘权重出发(此处 dW_data = 0),第 1 步纯粹是衰减(w1 {least_squares[0]:+.4f} -> "
                     f"{weights[1, 0]:+.4f});{steps} 步后权重离 lam = {lam:g} 的岭回归解 {distance:.1e},|w| x {shrink:.2f}。")
    data = {"view": "decay", "lam": lam, "lr": lr, "steps": steps, "factor": factor,
            "least_squares": least_squares.tolist(), "ridge": optimum.tolist(),
            "weights": [[float(v) if np.isfinite(v) else None for v in row] for row in weights],
            "distance_to_ridge": distance if np.isfinite(distance) else None}
    return DemoResult(summary=f"{first}\n{second}", summary_zh=f"{first_zh}\n{second_zh}", table=table,
                      figure=_decay_figure(weights, optimum, lam, lr), data=data)


def _decay_figure(weights: np.ndarray, optimum: np.ndarray, lam: float, lr: float):
    """Each weight against the step (solid) and its ridge value (dotted): shrinking from least squares to ridge."""
    fig, ax = new_axes(f"Gradient descent with weight decay (lam={lam:g}, lr={lr:g}): factor {1 - lr * lam:g} per step",
                       "step", "weight")
    steps = np.arange(weights.shape[0])
    shown = np.where(np.abs(weights) < 1e6, weights, np.nan)
    for j in range(weights.shape[1]):
        colour = COLOURS[j % len(COLOURS)]
        ax.plot(steps, shown[:, j], color=colour, linewidth=2, label=f"w{j + 1}")
        ax.plot([0, steps[-1]], [optimum[j], optimum[j]], color=colour, linewidth=1, linestyle=":")
    ax.plot([0, steps[-1]], [0.0, 0.0], color=GRID_COLOUR, linewidth=0.8)
    ax.plot([], [], color="black", linestyle=":", linewidth=1, label="ridge optimum")
    ax.legend(loc="upper right", fontsize=7, ncols=2)
    return fig


def _summary(kind, lam, l1, l2, least_squares, lam_max, zero_from) -> tuple[str, str]:
    """How many weights each penalty zeroes at lam, and the order in which L1 removes them."""
    d = l1.size
    zeros = [f"w{j + 1}" for j in range(d) if l1[j] == 0.0]
    shrink = np.linalg.norm(l2) / np.linalg.norm(least_squares)
    named = f" ({', '.join(zeros)})" if zeros else ""
    order = sorted((z, j) for j, z in enumerate(zero_from) if z is not None)
    order_text = ", ".join(f"w{j + 1}" for _, j in order)
    first_en = (f"At lam={lam:g}, L1 sets {len(zeros)} of {d} weights to exactly 0{named}; L2 keeps all "
                f"{d - int(np.sum(l2 == 0.0))} non-zero and only shrinks them (|w| x {shrink:.2f}, about "
                f"1/(1+lam) = {1 / (1 + lam):.2f}).")
    first_zh = (f"lam={lam:g} 时,L1 把 {d} 个权重中的 {len(zeros)} 个恰好压到 0{named};L2 让 "
                f"{d - int(np.sum(l2 == 0.0))} 个权重都保持非零,只是整体缩小(|w| x {shrink:.2f},"
                f"约为 1/(1+lam) = {1 / (1 + lam):.2f})。")
    if kind == "l1":
        second_en = (f"Along the L1 path weights drop to 0 one by one ({order_text}); beyond lam_max = "
                     f"max|X^T y|/n = {lam_max:.3g} all are 0.")
        second_zh = f"沿 L1 路径,权重逐个变为 0({order_text});lam 超过 lam_max = max|X^T y|/n = {lam_max:.3g} 后全部为 0。"
    else:
        second_en = "Along the L2 path every weight shrinks smoothly towards 0 but none reaches it at any finite lam."
        second_zh = "沿 L2 路径,每个权重都平滑地向 0 收缩,但在任何有限的 lam 下都不会恰好为 0。"
    return f"{first_en}\n{second_en}", f"{first_zh}\n{second_zh}"


def _figure(kind: str, lam: float, grid: np.ndarray, weights: np.ndarray, lam_max: float):
    """Each weight against lam (log axis), the chosen lam as a vertical line, and lam_max for L1."""
    name = "L1 (lasso)" if kind == "l1" else "L2 (ridge)"
    fig, ax = new_axes(f"{name} weight path", "lam (log scale)", "weight")
    for j in range(weights.shape[1]):
        ax.plot(grid, weights[:, j], color=COLOURS[j % len(COLOURS)], linewidth=2,
                linestyle="-" if j < len(COLOURS) else "--", label=f"w{j + 1}")
    low, high = float(min(weights.min(), 0.0)), float(max(weights.max(), 0.0))
    ax.plot([grid[0], grid[-1]], [0.0, 0.0], color=GRID_COLOUR, linewidth=0.8)
    if lam > 0:
        ax.plot([lam, lam], [low, high], color="black", linestyle="--", linewidth=1)
        ax.text(lam, high, f" lam={lam:g}", color="black", fontsize=8)
    if kind == "l1" and lam_max <= grid[-1]:
        ax.plot([lam_max, lam_max], [low, high], color=GRID_COLOUR, linestyle=":", linewidth=1)
        ax.text(lam_max, low, f" lam_max={lam_max:.3g}", color=GRID_COLOUR, fontsize=8)
    ax.set_xscale("log")
    ax.legend(loc="upper right", fontsize=7, ncols=2)
    return fig


def warm() -> None:
    """Compile (or load from cache) the ridge and lasso kernels on a 3 x 2 problem."""
    X, y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 3.0])
    ridge(X, y, 0.5)
    lasso(X, y, 0.1)
    path(X, y, [0.1, 1.0], "l1")
    weight_decay_path(X, y, 0.1, 0.1, 2)


DEMO = declare_demo(
    run, warm,
    title_en="L1 vs L2 regularisation paths",
    title_zh="L1 与 L2 正则化路径",
    description_en="Weights of a small regression against lambda: L1 (lasso) sets them to exactly zero one by one, "
                   "L2 (ridge) only shrinks them; and gradient descent with L2 weight decay, step by step.",
    description_zh="小型回归问题的权重随 lambda 的变化:L1(lasso)把权重逐个压到恰好为零,L2(岭回归)只让它们变小;"
                   "以及带 L2 权重衰减的梯度下降,逐步进行。",
)


# Drill: one gradient step with L2 weight decay, by hand (the notes' λ/m convention).

def _decayed_weight(w: float, grad: float, lam: float, lr: float, m: int) -> float:
    """w after one step of weight_decay_path, on one example (x = 1, y = w − grad) whose data gradient at w is grad;
    the module's lam is the notes' λ/m."""
    return float(weight_decay_path(np.array([[1.0]]), np.array([w - grad]), lam / m, lr, 1, np.array([w]))[1, 0])


def _draw_decay_step(rng) -> dict:
    """A weight, a backprop gradient, λ, α and m where the decay visibly changes the step (the answer without decay,
    or with λ not divided by m, is at least 1.5 units of the 3rd figure away, so however it is rounded it is marked
    wrong), and the new weight is not near 0."""
    while True:
        w = round(float(rng.integers(5, 51)) / 10 * float(rng.choice((-1, 1))), 1)
        grad = round(float(rng.integers(-20, 21)) / 10, 1)
        lam = float(rng.choice((0.1, 0.5, 1.0, 2.0, 5.0, 10.0)))
        lr = float(rng.choice((0.01, 0.05, 0.1, 0.2, 0.5)))
        m = int(rng.choice((10, 20, 50, 100, 200, 500)))
        new = w * (1 - lr * lam / m) - lr * grad
        plain, undivided = w - lr * grad, w * (1 - lr * lam) - lr * grad
        unit = 10.0 ** (math.floor(math.log10(abs(new))) - 2) if new else 0.0  # the 3rd figure's place
        if grad != 0 and abs(new) >= 0.1 and min(abs(plain - new), abs(undivided - new)) >= 1.5 * unit:
            return {"w": w, "grad": grad, "lam": lam, "lr": lr, "m": m}


def _bracketed(value: float) -> str:
    """A number for a product: -0.7 as (-0.7), 2.5 as 2.5."""
    return f"({value:g})" if value < 0 else f"{value:g}"


def _solve_weight_decay_step(w: float, grad: float, lam: float, lr: float, m: int) -> Worked:
    """The new weight from the module's weight_decay_path, worked through the decay factor."""
    new = _decayed_weight(w, grad, lam, lr, m)
    factor = 1 - lr * lam / m
    step = f"{factor * w:.6g} − {lr * grad:.6g}" if grad > 0 else f"{factor * w:.6g} + {-lr * grad:.6g}"
    lines = (f"1 − α λ / m = 1 − {lr:g} · {lam:g} / {m} = {factor:.6g}",
             f"w ← {factor:.6g} · {_bracketed(w)} − {lr:g} · {_bracketed(grad)} = {step} = {new:.4g}")
    return Worked({"weight": new},
                  ("dw = dw_backprop + (λ/m) w,  so  w ← (1 − α λ / m) w − α dw_backprop", *lines,
                   f"without the penalty it would be {w - lr * grad:.4g}: the decay pulls w towards 0"),
                  ("dw = dw_backprop + (λ/m) w,所以 w ← (1 − α λ / m) w − α dw_backprop", *lines,
                   f"不加惩罚时是 {w - lr * grad:.4g}:权重衰减把 w 拉向 0"))


DRILLS = declare_drills(
    __name__,
    Drill("weight_decay_step", "One step with L2 weight decay", "带 L2 权重衰减的一步更新",
          "A weight w = {w:g} has the gradient dw = {grad:g} from backprop (of the unregularised cost). The cost adds "
          "the L2 penalty (λ/2m)·Σw² with λ = {lam:g} and m = {m} examples. After one gradient-descent step with "
          "α = {lr:g}, what is w, to 3 significant figures?",
          "某权重 w = {w:g},反向传播(未正则化的代价)给出的梯度为 dw = {grad:g}。代价函数加上 L2 惩罚 (λ/2m)·Σw²,"
          "λ = {lam:g},样本数 m = {m}。以 α = {lr:g} 做一步梯度下降后,w 是多少?保留 3 位有效数字。",
          (Field("weight", "new w", "更新后的 w", kind="number"),), _draw_decay_step, _solve_weight_decay_step),
)
