"""Model selection on polynomial fits: training, validation and k-fold cross-validation error against the degree,
and early stopping of a gradient-descent fit.

polynomial_fit returns coefficients highest power first (as `numpy.polyfit`) minimising
sum (y - p(x))^2 + lam * (sum of the squared coefficients of x^1..x^degree), the constant unpenalised: sklearn
`Ridge(alpha=lam)` with an intercept on the features x..x^degree (at lam = 0, `numpy.polyfit`). The kernel centres
the features and solves the least-squares problem stacked with sqrt(lam) I by one Householder QR for all degrees
at once (the minimum-norm lstsq solution when there are too few distinct points for the degree and lam = 0).
kfold_splits equals sklearn `KFold(n_splits=k, shuffle=False)`: consecutive folds, the first n % k of them one
sample larger. The early-stopping view runs full-batch gradient descent on the same cost over the monomials.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import check_array, check_choice, check_int, check_number, check_shape
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

VIEWS = ("degree", "early_stopping")
CURVE = "sin(2.5x) + 0.5x^2"  # the smooth truth on [-1, 1]; degree 3 fits it well at the demo's noise
VALIDATION_SIZE = 200  # fresh points from the same curve and noise: the held-out validation set
GD_STEPS = 30_000  # full-batch gradient-descent steps of the early-stopping view
GD_CHECKPOINTS = 80  # log-spaced steps at which its errors are measured
Y_RANGE = 1e3  # the degree view's y axis ends this many times above the best validation error
OVERFIT_RATIO = 1.25  # the summary calls the top degree overfitted when its validation error is this much above best


def polynomial_fit(x, y, degree, lam=0.0):
    """Coefficients (degree + 1,), highest power first, of the least-squares polynomial with the x^1..x^degree
    coefficients penalised by lam * (their sum of squares); the constant is not penalised."""
    x, y = _check_points(x, y)
    degree = check_int("degree", degree, 0)
    lam = check_number("lam", lam, 0.0)
    return _polynomial_fit(x, y, degree, lam)


def kfold_splits(n, k):
    """[(train_indices, validation_indices)] of k consecutive folds over range(n), as sklearn KFold unshuffled."""
    n = check_int("n", n, 2)
    k = check_int("k", k, 2, n)
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[:n % k] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    indices = np.arange(n, dtype=np.int64)
    return [(np.concatenate([indices[:start], indices[stop:]]), indices[start:stop])
            for start, stop in zip(bounds[:-1], bounds[1:])]


def _check_points(x, y) -> tuple[np.ndarray, np.ndarray]:
    """x and y as 1-D float64 arrays of the same length, at least one point."""
    x = check_array("x", x, ndim=1, min_size=1)
    y = check_array("y", y, ndim=1)
    return x, check_shape("y", y, (x.size,), "one value per x")


@njit(cache=True)
def _polynomial_fit(x, y, degree, lam):
    """The fit of one degree: the last row of _fits_up_to (highest power first)."""
    return _fits_up_to(x, y, degree, lam)[degree].copy()


@njit(cache=True)
def _fits_up_to(x, y, max_degree, lam):
    """Row d: the coefficients of the degree-d fit, highest power first, right-aligned (leading zeros).

    Ridge with an unpenalised intercept is least squares on the centred features x..x^D stacked with sqrt(lam) I,
    then intercept = mean(y) - mean(features) . w. The first d columns of that stacked matrix are the degree-d
    problem (the other sqrt(lam) rows are 0 there), so one Householder QR serves every degree: w_d solves
    R[:d, :d] w = (Q^T b)[:d]. A degree whose R has a (numerically) zero pivot, which needs lam = 0 and at most
    d distinct points, gets LAPACK's minimum-norm lstsq instead. (The QR is written out rather than LAPACK's:
    threaded BLAS on a busy machine made that hundreds of times slower.)
    """
    n, top = x.size, max_degree
    rows = n + top
    fits = np.zeros((top + 1, top + 1))
    y_mean = np.mean(y)
    fits[0, top] = y_mean
    if top == 0:
        return fits
    columns = np.zeros((top, rows))  # columns[j]: the stacked column of x^(j+1), contiguous
    target = np.zeros(rows)
    for i in range(n):
        target[i] = y[i] - y_mean
    feature_means = np.zeros(top)
    power = np.ones(n)
    for j in range(top):
        for i in range(n):
            power[i] *= x[i]
            columns[j, i] = power[i]
        feature_means[j] = np.mean(columns[j, :n])
        for i in range(n):
            columns[j, i] -= feature_means[j]
        columns[j, n + j] = np.sqrt(lam)
    original = columns.copy()
    original_target = target.copy()
    _householder(columns, target)
    largest = 0.0
    for degree in range(1, top + 1):
        largest = max(largest, abs(columns[degree - 1, degree - 1]))
        full_rank = True
        for j in range(degree):
            if abs(columns[j, j]) <= 1e-12 * largest:
                full_rank = False
        if full_rank:
            weights = np.zeros(degree)
            for j in range(degree - 1, -1, -1):
                total = target[j]
                for m in range(j + 1, degree):
                    total -= columns[m, j] * weights[m]
                weights[j] = total / columns[j, j]
        else:
            weights = np.linalg.lstsq(np.ascontiguousarray(original[:degree].T), original_target)[0]
        intercept = y_mean
        for j in range(degree):
            fits[degree, top - 1 - j] = weights[j]
            intercept -= feature_means[j] * weights[j]
        fits[degree, top] = intercept
    return fits


@njit(cache=True)
def _householder(columns, target):
    """In-place Householder QR of the matrix whose j-th column is columns[j]: afterwards columns[m, j] = R[j, m]
    for j <= m, and target holds Q^T target."""
    count, rows = columns.shape
    v = np.zeros(rows)
    for j in range(count):
        norm = 0.0
        for i in range(j, rows):
            norm += columns[j, i] ** 2
        norm = np.sqrt(norm)
        if norm == 0.0:
            continue
        alpha = -norm if columns[j, j] >= 0.0 else norm
        v_norm = 0.0
        for i in range(j, rows):
            v[i] = columns[j, i]
        v[j] -= alpha
        for i in range(j, rows):
            v_norm += v[i] * v[i]
        for m in range(j, count):
            dot = 0.0
            for i in range(j, rows):
                dot += v[i] * columns[m, i]
            scale = 2.0 * dot / v_norm
            for i in range(j, rows):
                columns[m, i] -= scale * v[i]
        dot = 0.0
        for i in range(j, rows):
            dot += v[i] * target[i]
        scale = 2.0 * dot / v_norm
        for i in range(j, rows):
            target[i] -= scale * v[i]
        columns[j, j] = alpha


@njit(cache=True)
def _polynomial_mse(coefficients, x, y):
    """Mean squared error of the polynomial (highest power first, Horner's rule) on the points (x, y)."""
    total = 0.0
    for i in range(x.size):
        value = 0.0
        for c in coefficients:
            value = value * x[i] + c
        total += (value - y[i]) ** 2
    return total / x.size


@njit(cache=True)
def _errors_by_degree(x_fit, y_fit, x_eval, y_eval, max_degree, lam):
    """For degrees 0..max_degree: (MSE on the fitted points, MSE on the evaluation points)."""
    fits = _fits_up_to(x_fit, y_fit, max_degree, lam)
    errors = np.zeros((max_degree + 1, 2))
    for degree in range(max_degree + 1):
        errors[degree, 0] = _polynomial_mse(fits[degree], x_fit, y_fit)
        errors[degree, 1] = _polynomial_mse(fits[degree], x_eval, y_eval)
    return errors


@njit(cache=True)
def _early_stopping(x, y, x_val, y_val, degree, lam, checkpoints):
    """Full-batch gradient descent from 0 on sum (y - p(x))^2 + lam * sum_{j>=1} c_j^2 over monomial coefficients.

    The step is 1 / (largest eigenvalue of the Hessian), the stable step of the smooth cost. checkpoints: sorted
    step counts (the last is the total). Returns (training MSE, validation MSE) at each checkpoint and the final
    coefficients, highest power first (they converge to polynomial_fit's).
    """
    n, size = x.size, degree + 1
    phi = np.zeros((n, size))
    phi_val = np.zeros((x_val.size, size))
    for i in range(n):
        for j in range(size):
            phi[i, j] = x[i] ** j
    for i in range(x_val.size):
        for j in range(size):
            phi_val[i, j] = x_val[i] ** j
    gram, moment = np.zeros((size, size)), np.zeros(size)
    for i in range(n):
        for a in range(size):
            moment[a] += phi[i, a] * y[i]
            for b in range(size):
                gram[a, b] += phi[i, a] * phi[i, b]
    for j in range(1, size):
        gram[j, j] += lam
    step = 1.0 / (2.0 * np.linalg.eigvalsh(gram)[-1])
    c, gradient = np.zeros(size), np.zeros(size)
    errors = np.zeros((checkpoints.size, 2))
    done = 0
    for k in range(checkpoints.size):
        while done < checkpoints[k]:
            for a in range(size):
                total = -moment[a]
                for b in range(size):
                    total += gram[a, b] * c[b]
                gradient[a] = 2.0 * total
            for a in range(size):
                c[a] -= step * gradient[a]
            done += 1
        errors[k, 0] = _monomial_mse(c, phi, y)
        errors[k, 1] = _monomial_mse(c, phi_val, y_val)
    return errors, c[::-1].copy()


@njit(cache=True)
def _monomial_mse(c, phi, y):
    """Mean squared error of phi @ c against y, written out."""
    total = 0.0
    for i in range(y.size):
        value = 0.0
        for j in range(c.size):
            value += phi[i, j] * c[j]
        total += (value - y[i]) ** 2
    return total / y.size


# The demo.

def run(
    view: Annotated[str, Arg("degree: errors against the polynomial degree; early_stopping: errors against "
                             "gradient-descent steps of a max_degree fit",
                             "degree:误差随多项式次数的变化;early_stopping:max_degree 次多项式梯度下降时误差随步数的变化",
                             choices=VIEWS)] = "degree",
    max_degree: Annotated[int, Arg("highest polynomial degree", "最高的多项式次数", low=1, high=15)] = 12,
    k: Annotated[int, Arg("folds of the cross-validation", "交叉验证的折数", low=2, high=10)] = 5,
    lam: Annotated[float, Arg("L2 penalty on the non-constant coefficients (0: plain least squares)",
                              "对非常数项系数的 L2 惩罚(0 即普通最小二乘)", low=0.0, high=10.0)] = 0.0,
    noise: Annotated[float, Arg("std of the noise on the samples", "样本噪声的标准差", low=0.0, high=1.0)] = 0.3,
    n: Annotated[int, Arg("number of training samples", "训练样本数", low=10, high=2000)] = 20,
    seed: Annotated[int, Arg("random seed of the samples", "生成样本的随机种子", low=0, high=9999)] = 1,
) -> DemoResult:
    """Fits polynomials to noisy samples of a smooth curve and compares training, validation and k-fold errors."""
    view = check_choice("view", view, VIEWS)
    x, y, x_val, y_val = _samples(n, noise, seed)
    if view == "degree":
        return _degree_view(x, y, x_val, y_val, max_degree, k, lam, noise)
    return _early_stopping_view(x, y, x_val, y_val, max_degree, lam, noise)


def _truth(x: np.ndarray) -> np.ndarray:
    """The smooth curve the samples come from."""
    return np.sin(2.5 * x) + 0.5 * x ** 2


def _samples(n: int, noise: float, seed: int):
    """n training points and VALIDATION_SIZE validation points, x uniform on [-1, 1] in random order."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    y = _truth(x) + noise * rng.standard_normal(n)
    x_val = rng.uniform(-1.0, 1.0, VALIDATION_SIZE)
    y_val = _truth(x_val) + noise * rng.standard_normal(VALIDATION_SIZE)
    return x, y, x_val, y_val


def _degree_view(x, y, x_val, y_val, max_degree, k, lam, noise) -> DemoResult:
    """Training, validation and k-fold errors for every degree up to max_degree."""
    errors = _errors_by_degree(x, y, x_val, y_val, max_degree, lam)
    train, validation = errors[:, 0], errors[:, 1]
    folds = np.array([_errors_by_degree(x[fit], y[fit], x[held], y[held], max_degree, lam)[:, 1]
                      for fit, held in kfold_splits(x.size, k)])  # (k, degrees)
    cv_mean, cv_std = folds.mean(axis=0), folds.std(axis=0)
    best_val, best_cv = int(np.argmin(validation)), int(np.argmin(cv_mean))
    degrees = list(range(max_degree + 1))
    notes = [", ".join(label for label, best in (("best validation", best_val), (f"best {k}-fold", best_cv))
                       if best == d) for d in degrees]
    rows = tuple((str(d), _mse(train[d]), _mse(validation[d]), f"{_mse(cv_mean[d])} ± {_mse(cv_std[d])}", notes[d])
                 for d in degrees)
    table = Table(columns=("degree", "training MSE", "validation MSE", f"{k}-fold MSE (mean ± std)", ""), rows=rows,
                  columns_zh=("次数", "训练 MSE", "验证 MSE", f"{k} 折 MSE(均值 ± 标准差)", ""))
    gap = validation[max_degree] - train[max_degree]
    summary, summary_zh = _degree_summary(train, validation, cv_mean, cv_std, best_val, best_cv, k, x.size, noise)
    data = {"view": "degree", "curve": CURVE, "n": int(x.size), "k": k, "lam": lam, "noise": noise,
            "degrees": degrees, "train_mse": train.tolist(), "validation_mse": validation.tolist(),
            "kfold_mean": cv_mean.tolist(), "kfold_std": cv_std.tolist(), "kfold_folds": folds.tolist(),
            "best_validation_degree": best_val, "best_kfold_degree": best_cv, "gap_at_max_degree": float(gap)}
    fig, ax = new_axes(f"Error against polynomial degree (n={x.size}, noise={noise:g}, lam={lam:g})",
                       "polynomial degree", "mean squared error (log scale)")
    floor = 1e-12
    ax.plot(degrees, np.maximum(train, floor), color=COLOURS[0], marker=MARKERS[0], linewidth=2, label="training")
    ax.plot(degrees, np.maximum(validation, floor), color=COLOURS[1], marker=MARKERS[1], linewidth=2,
            label="validation")
    ax.vlines(degrees, np.maximum(folds.min(axis=0), floor), np.maximum(folds.max(axis=0), floor), colors=COLOURS[2],
              linewidth=1.5)
    ax.plot(degrees, np.maximum(cv_mean, floor), color=COLOURS[2], marker=MARKERS[2], linewidth=2, linestyle="--",
            label=f"{k}-fold mean (bars: fold range)")
    if noise > 0:
        ax.plot([0, max_degree], [noise ** 2] * 2, color=GRID_COLOUR, linestyle=":", linewidth=1,
                label="noise variance")
    ax.text(best_val, validation[best_val], f" best {best_val}", color=COLOURS[1], fontsize=8, va="top")
    ax.set_yscale("log")
    ceiling = Y_RANGE * validation[best_val]  # wild fold errors of interpolating fits would squash the U-shape
    if max(folds.max(), validation.max()) > ceiling:
        ax.set_ylim(top=ceiling)
    ax.legend(loc="upper left", fontsize=8)
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=fig, data=data)


def _early_stopping_view(x, y, x_val, y_val, degree, lam, noise) -> DemoResult:
    """Training and validation error of a gradient-descent polynomial fit against the number of steps."""
    checkpoints = np.unique(np.concatenate([[0], np.round(np.logspace(0, math.log10(GD_STEPS), GD_CHECKPOINTS))]))
    checkpoints = checkpoints.astype(np.int64)
    errors, final = _early_stopping(x, y, x_val, y_val, degree, lam, checkpoints)
    train, validation = errors[:, 0], errors[:, 1]
    best = int(np.argmin(validation))
    closed = _polynomial_mse(polynomial_fit(x, y, degree, lam), x_val, y_val)
    shown = sorted(set(np.linspace(0, checkpoints.size - 1, 9).round().astype(int)) | {best})
    rows = tuple((f"{checkpoints[i]:,}", _mse(train[i]), _mse(validation[i]), "← stop here" if i == best else "")
                 for i in shown)
    table = Table(columns=("step", "training MSE", "validation MSE", ""), rows=rows,
                  columns_zh=("步数", "训练 MSE", "验证 MSE", ""))
    summary, summary_zh = _early_stopping_summary(train, validation, checkpoints, best, degree, lam, closed)
    data = {"view": "early_stopping", "curve": CURVE, "n": int(x.size), "degree": degree, "lam": lam, "noise": noise,
            "steps": checkpoints.tolist(), "train_mse": train.tolist(), "validation_mse": validation.tolist(),
            "best_step": int(checkpoints[best]), "best_validation_mse": float(validation[best]),
            "closed_form_validation_mse": float(closed), "final_coefficients": final.tolist()}
    fig, ax = new_axes(f"Early stopping: gradient descent on a degree-{degree} polynomial (n={x.size})",
                       "gradient-descent step (log scale)", "mean squared error (log scale)")
    steps = checkpoints[1:]
    ax.plot(steps, train[1:], color=COLOURS[0], linewidth=2, label="training")
    ax.plot(steps, validation[1:], color=COLOURS[1], linewidth=2, label="validation")
    ax.plot([checkpoints[max(best, 1)]] * 2, [train[1:].min(), validation[1:].max()], color="black", linestyle="--",
            linewidth=1, label=f"stop: step {checkpoints[best]:,}")
    if noise > 0:
        ax.plot([1, GD_STEPS], [noise ** 2] * 2, color=GRID_COLOUR, linestyle=":", linewidth=1, label="noise variance")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(loc="upper right", fontsize=8)
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=fig, data=data)


def _degree_summary(train, validation, cv_mean, cv_std, best_val, best_cv, k, n, noise) -> tuple[str, str]:
    """Where validation error bottoms out, what lies on either side (bias, variance), and what k-fold picks."""
    top = train.size - 1
    sides_en, sides_zh = [], []
    if best_val > 0:
        sides_en.append("lower degrees underfit (high bias)")
        sides_zh.append("次数更低时欠拟合(高偏差)")
    if best_val < top and validation[top] > OVERFIT_RATIO * validation[best_val]:
        sides_en.append(f"higher ones overfit (high variance: at degree {top} training {_mse(train[top])}, "
                        f"validation {_mse(validation[top])})")
        sides_zh.append(f"更高时过拟合(高方差:{top} 次时训练 {_mse(train[top])},验证 {_mse(validation[top])})")
    else:
        sides_en.append(f"up to degree {top} the {n} points keep the variance low (validation {_mse(validation[top])} "
                        f"at degree {top})")
        sides_zh.append(f"这 {n} 个点让方差一直很小(直到 {top} 次,验证误差 {_mse(validation[top])})")
    fits = k * (top + 1)
    first_en = (f"Training error falls as the degree grows ({_mse(train[0])} at degree 0, {_mse(train[top])} at "
                f"{top}); validation error is lowest at degree {best_val} ({_mse(validation[best_val])}): "
                f"{', '.join(sides_en)}.")
    first_zh = (f"训练误差随次数增加而下降(0 次 {_mse(train[0])},{top} 次 {_mse(train[top])});验证误差在 {best_val} 次"
                f"最低({_mse(validation[best_val])}):{','.join(sides_zh)}。")
    second_en = (f"{k}-fold cross-validation ({k} folds x {top + 1} degrees = {fits} fits) on the {n} training points "
                 f"alone picks degree {best_cv} ({_mse(cv_mean[best_cv])} ± {_mse(cv_std[best_cv])} over folds); "
                 f"the noise variance {noise ** 2:.3g} is the Bayes error, below which no degree gets on average.")
    second_zh = (f"只用 {n} 个训练点做 {k} 折交叉验证({k} 折 x {top + 1} 个次数 = {fits} 次拟合),选出 {best_cv} 次"
                 f"({_mse(cv_mean[best_cv])} ± {_mse(cv_std[best_cv])});噪声方差 {noise ** 2:.3g} 即贝叶斯误差,"
                 "任何次数平均都无法低于它。")
    return f"{first_en}\n{second_en}", f"{first_zh}\n{second_zh}"


def _early_stopping_summary(train, validation, checkpoints, best, degree, lam, closed) -> tuple[str, str]:
    """Where validation error bottoms out during gradient descent, and how far it rises afterwards."""
    steps = int(checkpoints[-1])
    first_en = (f"Gradient descent on a degree-{degree} polynomial: training error keeps falling ({_mse(train[0])} → "
                f"{_mse(train[-1])} after {steps:,} steps)")
    first_zh = f"对 {degree} 次多项式做梯度下降:训练误差一路下降({_mse(train[0])} → {steps:,} 步后 {_mse(train[-1])})"
    if best < checkpoints.size - 1:
        first_en += (f", while validation error is lowest ({_mse(validation[best])}) at step {checkpoints[best]:,} "
                     f"and then rises to {_mse(validation[-1])}: stopping there is early stopping.")
        first_zh += (f",验证误差在第 {checkpoints[best]:,} 步最低({_mse(validation[best])}),之后升到 "
                     f"{_mse(validation[-1])}:在那里停下就是提前停止(early stopping)。")
    else:
        first_en += f", and so does validation error ({_mse(validation[-1])}): nothing to stop early for here."
        first_zh += f",验证误差也一直下降({_mse(validation[-1])}):这里无需提前停止。"
    second_en = f"The fully converged fit (closed form, lam={lam:g}) has validation error {_mse(closed)}."
    second_zh = f"完全收敛的拟合(闭式解,lam={lam:g})验证误差为 {_mse(closed)}。"
    return f"{first_en}\n{second_en}", f"{first_zh}\n{second_zh}"


def _mse(value: float) -> str:
    """An error as a short table cell."""
    return f"{value:.3g}"


def warm() -> None:
    """Compile (or load from cache) every kernel on four points."""
    x, y = np.array([-1.0, -0.5, 0.5, 1.0]), np.array([1.0, 0.0, 0.5, 2.0])
    polynomial_fit(x, y, 2, 0.1)
    _errors_by_degree(x, y, x, y, 2, 0.0)
    _early_stopping(x, y, x, y, 2, 0.0, np.array([0, 1, 3], dtype=np.int64))
    kfold_splits(4, 2)


DEMO = declare_demo(
    run, warm,
    title_en="Model selection: bias, variance, cross-validation",
    title_zh="模型选择:偏差、方差与交叉验证",
    description_en="Polynomials fitted to noisy samples of a smooth curve: training, validation and k-fold error "
                   "against the degree, and early stopping of gradient descent.",
    description_zh="用多项式拟合光滑曲线的带噪样本:训练、验证和 k 折误差随次数的变化,以及梯度下降的提前停止。",
)
