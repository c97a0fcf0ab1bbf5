"""Optimizer race: SGD, momentum, Nesterov, RMSprop, Adagrad, Adadelta, Adam and AdamW on classic 2-D surfaces.

Every update follows torch.optim to the letter (float64), so a learner sees the paths PyTorch would take.
Momentum and Nesterov default to momentum=0.9 here (torch's SGD defaults to 0, which is plain SGD).
A run that blows up (a coordinate becomes inf or nan) stops: that row and every later row are nan, so the
plotted path simply ends and `diverged_at` reports the step.

Two more views share the same kernels. `first_step` is each method's very first update of a parameter at 0 for
a given gradient g (one `_update`, as in the race): Adam's bias-corrected step is lr * g / (|g| + eps), about lr
whatever the scale of g, SGD's is lr * g, Adadelta's lr * sqrt(eps) * g / sqrt((1 - rho) g^2 + eps).
`hessian` is the second-order picture at a point: the analytic Hessian of the surface (checked against
differences of the gradient), its eigenvalues and eigenvectors, whether the point is a minimum, a maximum or
a saddle, and the exact loss against the second-order Taylor model along each eigenvector. The surface `lee`
is Hung-yi Lee's toy network y_hat = w1 * w2 * x on the one example x = 1, y = 1 with (x, y) = (w1, w2):
L = (1 - w1 w2)^2, a saddle at the origin with Hessian [[0, -2], [-2, 0]].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_choice, check_int, check_number, check_shape
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

METHODS = ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "momentum_ewma", "adadelta", "adamw")
SGD, MOMENTUM, NESTEROV, RMSPROP, ADAGRAD, ADAM, MOMENTUM_EWMA, ADADELTA, ADAMW = range(len(METHODS))

# Each method's hyperparameters with torch.optim's names and defaults (momentum: this demo's 0.9, see above).
HYPER_DEFAULTS = {
    "sgd": {"weight_decay": 0.0},
    "momentum": {"momentum": 0.9, "weight_decay": 0.0},
    "nesterov": {"momentum": 0.9, "weight_decay": 0.0},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0},
    "adagrad": {"lr_decay": 0.0, "eps": 1e-10, "weight_decay": 0.0},
    "adam": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
    "momentum_ewma": {"beta": 0.9, "weight_decay": 0.0},
    "adadelta": {"rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
    "adamw": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01},
}

# The allowed values of each scalar hyperparameter: a test and its description for error messages.
HYPER_RANGES = {
    "momentum": (lambda v: 0.0 <= v < 1.0, "at least 0 and below 1"),
    "beta": (lambda v: 0.0 <= v < 1.0, "at least 0 and below 1"),
    "rho": (lambda v: 0.0 <= v <= 1.0, "from 0 to 1"),
    "alpha": (lambda v: 0.0 <= v <= 1.0, "from 0 to 1"),
    "eps": (lambda v: v >= 0.0, "at least 0"),
    "lr_decay": (lambda v: v >= 0.0, "at least 0"),
    "weight_decay": (lambda v: v >= 0.0, "at least 0"),
}


@dataclass(frozen=True)
class Surface:
    """A 2-D test function as the demo draws it: plot window, marked points and contour levels."""

    formula: str
    window: tuple[float, float, float, float]  # x_low, x_high, y_low, y_high
    marks: tuple[tuple[float, float], ...]  # the minima (for saddle: the saddle point)
    mark_label: str
    log_levels: tuple[float, float] | None  # powers of ten for log-spaced contours; None for linear levels


# The bowl is 0.5*(x^2 + 10 y^2): condition number 10, so plain SGD zig-zags across the narrow direction.
SURFACES = {
    "rosenbrock": Surface("(1-x)² + 100(y-x²)²", (-2.0, 2.0, -1.0, 3.0), ((1.0, 1.0),), "minimum", (-1.0, 3.5)),
    "beale": Surface("(1.5-x+xy)² + (2.25-x+xy²)² + (2.625-x+xy³)²", (-4.5, 4.5, -4.5, 4.5), ((3.0, 0.5),),
                     "minimum", (-1.0, 5.0)),
    "saddle": Surface("x² - y²", (-2.0, 2.0, -2.0, 2.0), ((0.0, 0.0),), "saddle point", None),
    "bowl": Surface("0.5(x² + 10y²)", (-2.0, 2.0, -2.0, 2.0), ((0.0, 0.0),), "minimum", (-2.0, 1.5)),
    "himmelblau": Surface("(x²+y-11)² + (x+y²-7)²", (-5.0, 5.0, -5.0, 5.0),
                          ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
                          "minima", (-0.5, 3.0)),
    "quadratic": Surface("x² + y²", (-4.0, 4.0, -4.0, 4.0), ((0.0, 0.0),), "minimum", None),
    "lee": Surface("(1 - xy)²", (-2.0, 2.0, -2.0, 2.0), ((1.0, 1.0), (-1.0, -1.0)), "minima on xy = 1",
                 (-2.0, 1.4)),
}
SURFACE_NAMES = tuple(SURFACES)
ROSENBROCK, BEALE, SADDLE, BOWL, HIMMELBLAU, QUADRATIC, LEE = range(len(SURFACE_NAMES))


@njit(cache=True)
def _value(surface, x, y):
    """The surface's height at (x, y)."""
    if surface == ROSENBROCK:
        return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
    if surface == BEALE:
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2
    if surface == SADDLE:
        return x * x - y * y
    if surface == BOWL:
        return 0.5 * (x * x + 10.0 * y * y)
    if surface == QUADRATIC:
        return x * x + y * y
    if surface == LEE:
        return (1.0 - x * y) ** 2
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


@njit(cache=True)
def _gradient(surface, x, y):
    """The surface's analytic gradient at (x, y), as (df/dx, df/dy)."""
    if surface == ROSENBROCK:
        return -2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)
    if surface == BEALE:
        a, b, c = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y ** 3
        return (2.0 * (a * (y - 1.0) + b * (y * y - 1.0) + c * (y ** 3 - 1.0)),
                2.0 * x * (a + 2.0 * b * y + 3.0 * c * y * y))
    if surface == SADDLE:
        return 2.0 * x, -2.0 * y
    if surface == BOWL:
        return x, 10.0 * y
    if surface == QUADRATIC:
        return 2.0 * x, 2.0 * y
    if surface == LEE:
        r = 1.0 - x * y
        return -2.0 * y * r, -2.0 * x * r
    a, b = x * x + y - 11.0, x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


@njit(cache=True)
def _hessian(surface, x, y):
    """The surface's analytic second derivatives at (x, y), as (d2f/dx2, d2f/dxdy, d2f/dy2)."""
    if surface == ROSENBROCK:
        return 2.0 - 400.0 * y + 1200.0 * x * x, -400.0 * x, 200.0
    if surface == BEALE:
        a, b, c = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y ** 3
        dxx = 2.0 * ((y - 1.0) ** 2 + (y * y - 1.0) ** 2 + (y ** 3 - 1.0) ** 2)
        dxy = 2.0 * (x * (y - 1.0) + a + 2.0 * x * y * (y * y - 1.0) + 2.0 * y * b
                     + 3.0 * x * y * y * (y ** 3 - 1.0) + 3.0 * y * y * c)
        dyy = 2.0 * x * (x + 4.0 * x * y * y + 2.0 * b + 9.0 * x * y ** 4 + 6.0 * y * c)
        return dxx, dxy, dyy
    if surface == SADDLE:
        return 2.0, 0.0, -2.0
    if surface == BOWL:
        return 1.0, 0.0, 10.0
    if surface == QUADRATIC:
        return 2.0, 0.0, 2.0
    if surface == LEE:
        return 2.0 * y * y, 4.0 * x * y - 2.0, 2.0 * x * x
    a, b = x * x + y - 11.0, x + y * y - 7.0
    return 4.0 * a + 8.0 * x * x + 2.0, 4.0 * (x + y), 2.0 + 4.0 * b + 8.0 * y * y


@njit(cache=True)
def _loss(surface, points):
    """The surface's height at each row of an (N, 2) array."""
    heights = np.empty(points.shape[0])
    for row in range(points.shape[0]):
        heights[row] = _value(surface, points[row, 0], points[row, 1])
    return heights


@njit(cache=True)
def _update(method, t, gradient, p, first, second, lr, momentum, alpha, eps, beta1, beta2, lr_decay,
            weight_decay, beta, rho):
    """Step t (from 1) of one parameter p with gradient `gradient`: the new (p, first, second).

    first: momentum buffer, EWMA velocity, Adam's m or Adadelta's running mean of squared updates; second:
    running mean (RMSprop, Adadelta, Adam's v) or sum (Adagrad) of squared gradients; both start at 0.
    """
    if method == ADAMW:  # decoupled weight decay: the parameter shrinks, the gradient is left alone
        g = gradient
        p *= 1.0 - lr * weight_decay
    else:
        g = gradient + weight_decay * p
    if method == SGD:
        update = lr * g
    elif method == MOMENTUM or method == NESTEROV:
        first = g if t == 1 else momentum * first + g
        update = lr * (g + momentum * first if method == NESTEROV else first)
    elif method == MOMENTUM_EWMA:
        first = beta * first + (1.0 - beta) * g
        update = lr * first
    elif method == RMSPROP:
        second = alpha * second + (1.0 - alpha) * g * g
        update = lr * g / (math.sqrt(second) + eps)
    elif method == ADAGRAD:
        second += g * g
        update = lr / (1.0 + (t - 1) * lr_decay) * g / (math.sqrt(second) + eps)
    elif method == ADADELTA:
        second = rho * second + (1.0 - rho) * g * g
        delta = math.sqrt(first + eps) / math.sqrt(second + eps) * g
        first = rho * first + (1.0 - rho) * delta * delta
        update = lr * delta
    else:
        first = beta1 * first + (1.0 - beta1) * g
        second = beta2 * second + (1.0 - beta2) * g * g
        denominator = math.sqrt(second) / math.sqrt(1.0 - beta2 ** t) + eps
        update = lr / (1.0 - beta1 ** t) * first / denominator
    return p - update, first, second


@njit(cache=True)
def _trajectory(method, surface, x0, y0, lr, steps, momentum, alpha, eps, beta1, beta2, lr_decay,
                weight_decay, beta, rho):
    """Every point an optimizer visits, row 0 the start; rows from the first non-finite point on are nan."""
    path = np.full((steps + 1, 2), np.nan)
    point = np.array([x0, y0])
    path[0] = point
    first = np.zeros(2)
    second = np.zeros(2)
    gradient = np.empty(2)
    for t in range(1, steps + 1):
        gradient[0], gradient[1] = _gradient(surface, point[0], point[1])
        for i in range(2):
            point[i], first[i], second[i] = _update(method, t, gradient[i], point[i], first[i], second[i], lr,
                                                    momentum, alpha, eps, beta1, beta2, lr_decay, weight_decay,
                                                    beta, rho)
        if not (math.isfinite(point[0]) and math.isfinite(point[1])):
            break
        path[t] = point
    return path


@njit(cache=True)
def _first_steps(method, gradients, lr, momentum, alpha, eps, beta1, beta2, lr_decay, weight_decay, beta, rho):
    """The change of a parameter at 0 on its first update (t = 1), for each gradient."""
    out = np.empty(gradients.size)
    for k in range(gradients.size):
        out[k] = _update(method, 1, gradients[k], 0.0, 0.0, 0.0, lr, momentum, alpha, eps, beta1, beta2, lr_decay,
                         weight_decay, beta, rho)[0]
    return out


def trajectory(method: str, surface: str, start, lr: float, steps: int, **hyper) -> np.ndarray:
    """The (steps + 1, 2) float64 path of `method` on `surface` from `start`, exactly as torch.optim steps it."""
    check_choice("method", method, METHODS)
    check_choice("surface", surface, SURFACE_NAMES)
    x0, y0 = _check_point(start)
    lr, steps = check_number("lr", lr, 0.0), check_int("steps", steps, 0)
    return _trajectory(METHODS.index(method), SURFACE_NAMES.index(surface), x0, y0, lr, steps,
                       *_kernel_hyper(method, hyper))


def _kernel_hyper(method: str, hyper: dict) -> tuple[float, ...]:
    """The method's checked hyperparameters in the kernels' order: momentum, alpha, eps, beta1, beta2, lr_decay,
    weight_decay, beta, rho (0 for those the method lacks, which its update never reads)."""
    settings = _check_hyper(method, hyper)
    beta1, beta2 = settings.get("betas", (0.0, 0.0))
    unused = 0.0
    return (*(settings.get(name, unused) for name in ("momentum", "alpha", "eps")), beta1, beta2,
            *(settings.get(name, unused) for name in ("lr_decay", "weight_decay", "beta", "rho")))


def first_step(method: str, gradients, lr: float, **hyper) -> np.ndarray:
    """The first update Δp of a parameter that starts at 0, for each gradient g (same shape as `gradients`).

    The same update as `trajectory`'s first step (torch.optim's rules, this module's hyperparameter defaults):
    sgd -lr g, adam -lr g / (|g| + eps) (the bias corrections make m_hat = g and v_hat = g^2), rmsprop
    -lr g / (sqrt(1 - alpha) |g| + eps), adadelta -lr sqrt(eps) g / sqrt((1 - rho) g^2 + eps).
    """
    check_choice("method", method, METHODS)
    values = check_array("gradients", gradients)
    lr = check_number("lr", lr, 0.0)
    return _first_steps(METHODS.index(method), values.ravel(), lr, *_kernel_hyper(method, hyper)).reshape(
        values.shape)


def hessian(surface: str, point) -> np.ndarray:
    """The (2, 2) Hessian [[f_xx, f_xy], [f_xy, f_yy]] of the surface at point (x, y), from its analytic form."""
    check_choice("surface", surface, SURFACE_NAMES)
    x, y = _check_point(point, "point")
    dxx, dxy, dyy = _hessian(SURFACE_NAMES.index(surface), x, y)
    return np.array([[dxx, dxy], [dxy, dyy]])


def gradient(surface: str, point) -> np.ndarray:
    """The surface's analytic gradient (df/dx, df/dy) at point (x, y), as the optimizers see it."""
    check_choice("surface", surface, SURFACE_NAMES)
    x, y = _check_point(point, "point")
    return np.array(_gradient(SURFACE_NAMES.index(surface), x, y))


def loss(surface: str, points) -> np.ndarray:
    """The surface's height at each row of an (N, 2) array of points."""
    check_choice("surface", surface, SURFACE_NAMES)
    array = check_shape("points", check_array("points", points, finite=False), (None, 2), "one (x, y) per row")
    return _loss(SURFACE_NAMES.index(surface), array)


def diverged_at(path: np.ndarray) -> int | None:
    """The first step whose row is nan (the run blew up there), or None if the run stayed finite."""
    blown = np.flatnonzero(np.isnan(path[:, 0]))
    return int(blown[0]) if blown.size else None


def _check_point(start, name: str = "start") -> tuple[float, float]:
    """The point as two finite floats; ValueError otherwise."""
    try:
        x0, y0 = (float(v) for v in start)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={start!r}: must be two finite numbers (x, y)") from None
    if not (math.isfinite(x0) and math.isfinite(y0)):
        raise ValueError(f"{name}={start!r}: must be two finite numbers (x, y)")
    return x0, y0


def _check_hyper(method: str, hyper: dict) -> dict:
    """The method's hyperparameters (defaults overlaid with `hyper`), each checked; ValueError on a bad one."""
    defaults = HYPER_DEFAULTS[method]
    for name, value in hyper.items():
        if name not in defaults:
            raise ValueError(f"{name}={value!r}: not a hyperparameter of {method} (it has: {', '.join(defaults)})")
        if name == "betas":
            _check_betas(value)
            continue
        accepts, allowed = HYPER_RANGES[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not accepts(value):
            raise ValueError(f"{name}={value!r}: must be a number {allowed}")
    if method == "nesterov" and hyper.get("momentum", defaults["momentum"]) <= 0:
        raise ValueError(f"momentum={hyper['momentum']!r}: nesterov needs a momentum above 0")
    return {**defaults, **{name: (tuple(map(float, v)) if name == "betas" else float(v)) for name, v in hyper.items()}}


def _check_betas(betas) -> None:
    """Raises ValueError unless betas is a pair of numbers each at least 0 and below 1 (as torch's Adam)."""
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2
            and all(isinstance(b, (int, float)) and not isinstance(b, bool) and 0.0 <= b < 1.0 for b in betas)):
        raise ValueError(f"betas={betas!r}: must be a pair (beta1, beta2), each at least 0 and below 1")


CHECKPOINT_STEPS = (10, 50)
SURFACE_ZH = {"rosenbrock": "Rosenbrock 曲面", "beale": "Beale 曲面", "saddle": "鞍面", "bowl": "病态碗面",
              "himmelblau": "Himmelblau 曲面", "quadratic": "二次曲面", "lee": "李宏毅的玩具网络曲面"}
VIEWS = ("race", "first_step", "hessian")
MAX_GRADIENTS = 6
GRADIENT_GRID = np.logspace(-10.0, 4.0, 57)  # |g| on the first-step figure, four points a decade
# Each method's update rule as the first-step table shows it (p the parameter, g its gradient, t the step).
RULES = {
    "sgd": "p -= lr·g",
    "momentum": "b = μb + g (b = g at t=1); p -= lr·b",
    "nesterov": "b = μb + g (b = g at t=1); p -= lr·(g + μb)",
    "rmsprop": "v = αv + (1-α)g² (α: the notes' β2); p -= lr·g/(√v + ε)",
    "adagrad": "G += g²; p -= lr·g/(√G + ε)",
    "adam": "m = β1·m + (1-β1)g; v = β2·v + (1-β2)g²; p -= lr·m̂/(√v̂ + ε), m̂ = m/(1-β1^t), v̂ = v/(1-β2^t)",
    "momentum_ewma": "v = βv + (1-β)g; p -= lr·v",
    "adadelta": "s = ρs + (1-ρ)g²; Δ = √(u + ε)/√(s + ε)·g; u = ρu + (1-ρ)Δ²; p -= lr·Δ",
    "adamw": "p *= 1 - lr·wd; then Adam's step on g",
}
# Each method's first step from p = 0 in closed form, for the first-step summary.
FIRST_FORMS = {
    "sgd": ("lr·g: proportional to g", "lr·g:与 g 成正比"),
    "momentum": ("lr·g (the buffer starts at g): proportional to g", "lr·g(缓冲区从 g 开始):与 g 成正比"),
    "nesterov": ("lr·(1+μ)·g: proportional to g", "lr·(1+μ)·g:与 g 成正比"),
    "momentum_ewma": ("lr·(1-β)·g: proportional to g, and 10 times smaller than SGD's",
                      "lr·(1-β)·g:与 g 成正比,比 SGD 小 10 倍"),
    "rmsprop": ("lr·g/(√(1-α)|g| + ε) ≈ 10·lr: no bias correction, so v = (1-α)g² is too small",
                "lr·g/(√(1-α)|g| + ε) ≈ 10·lr:没有偏差修正,v = (1-α)g² 偏小"),
    "adagrad": ("lr·g/(|g| + ε) ≈ lr whatever g", "lr·g/(|g| + ε) ≈ lr,与 g 的大小无关"),
    "adam": ("lr·g/(|g| + ε) ≈ lr whatever g: after bias correction m̂ = g and v̂ = g²",
             "lr·g/(|g| + ε) ≈ lr,与 g 的大小无关:偏差修正后 m̂ = g、v̂ = g²"),
    "adamw": ("lr·g/(|g| + ε) ≈ lr, as Adam (p = 0 has nothing to decay)", "lr·g/(|g| + ε) ≈ lr,与 Adam 相同(p = 0 无可衰减)"),
    "adadelta": ("lr·√ε·g/√((1-ρ)g² + ε) ≈ lr·√(ε/(1-ρ)) = 0.00316·lr whatever g: the ε in its numerator starts it",
                 "lr·√ε·g/√((1-ρ)g² + ε) ≈ lr·√(ε/(1-ρ)) = 0.00316·lr,与 g 的大小无关:分子里的 ε 让它迈出第一步"),
}


def run(
    surface: Annotated[str, Arg("surface to descend (quadratic: x²+y²; lee: (1-xy)², Lee's y = w1·w2·x on x=1, y=1)",
                                "要下降的曲面(quadratic:x²+y²;lee:(1-xy)²,即李宏毅的 y = w1·w2·x 在 x=1、y=1 上)",
                                choices=SURFACE_NAMES)] = "rosenbrock",
    methods: Annotated[tuple[str, ...], Arg("optimizers to race or compare (torch defaults; momentum 0.9)",
                                            "参赛或比较的优化器（torch 默认超参数；动量 0.9）", choices=METHODS)]
    = ("sgd", "momentum", "rmsprop", "adam"),
    lr: Annotated[float, Arg("learning rate shared by every optimizer", "所有优化器共用的学习率", low=1e-5, high=2.0)]
    = 0.002,
    steps: Annotated[int, Arg("number of update steps", "更新步数", low=1, high=5000)] = 200,
    start_x: Annotated[float, Arg("x of the start point (hessian: of the point examined)",
                                  "起点的 x 坐标(hessian:所考察点的 x)", low=-5.0, high=5.0)] = -1.2,
    start_y: Annotated[float, Arg("y of the start point (hessian: of the point examined)",
                                  "起点的 y 坐标(hessian:所考察点的 y)", low=-5.0, high=5.0)] = 1.0,
    view: Annotated[str, Arg("race: paths on the surface; first_step: each method's first update for given "
                             "gradients; hessian: gradient, Hessian and its eigenvectors at the start point",
                             "race:曲面上的路径;first_step:给定梯度时各方法的第一步更新;"
                             "hessian:起点处的梯度、海森矩阵及其特征向量", choices=VIEWS)] = "race",
    gradients: Annotated[str, Arg("first_step: gradients g of the first update, separated by commas",
                                  "first_step:第一步的梯度 g,用逗号分隔", high=80)] = "0.02,200",
    step: Annotated[float, Arg("hessian: how far to step along each eigenvector u (largest entry ±1)",
                               "hessian:沿每个特征向量 u(最大分量为 ±1)走多远", low=0.0, high=3.0)] = 0.5,
) -> DemoResult:
    """Races the chosen optimizers (view race), compares their first updates (first_step), or examines the
    curvature at a point (hessian)."""
    if view == "first_step":
        return _first_step_result(methods, lr, gradients)
    if view == "hessian":
        return _hessian_result(surface, start_x, start_y, step)
    start = (start_x, start_y)
    paths = {method: trajectory(method, surface, start, lr, steps) for method in methods}
    checkpoints = [s for s in CHECKPOINT_STEPS if s < steps] + [steps]
    losses = {method: loss(surface, path[checkpoints]) for method, path in paths.items()}
    rows = tuple((method, *(_format_loss(value) for value in losses[method]), _format_end(path))
                 for method, path in paths.items())
    columns = ("optimizer", *(f"loss @{s}" for s in checkpoints[:-1]), f"final loss (@{steps})", "final point")
    columns_zh = ("优化器", *(f"第 {s} 步损失" for s in checkpoints[:-1]), f"最终损失(第 {steps} 步)", "终点")
    data = {"surface": surface, "lr": lr, "steps": steps, "start": [start_x, start_y], "checkpoints": checkpoints,
            "runs": {method: {"losses": [_json_number(v) for v in losses[method]],
                              "final_point": [_json_number(v) for v in path[-1]],
                              "diverged_at": diverged_at(path)} for method, path in paths.items()}}
    summary, summary_zh = _summaries(surface, lr, steps, paths, losses)
    if surface == "quadratic" and "sgd" in paths:
        note, note_zh = _quadratic_note(lr, start, paths["sgd"])
        summary, summary_zh = f"{summary}\n{note}", f"{summary_zh}\n{note_zh}"
    if "adagrad" in paths and steps >= 1 and np.isfinite(paths["adagrad"][1]).all():
        note, note_zh = _adagrad_note(lr, start, paths)
        summary, summary_zh = f"{summary}\n{note}", f"{summary_zh}\n{note_zh}"
    if "adadelta" in paths and diverged_at(paths["adadelta"]) is None:
        note, note_zh = _adadelta_note(lr, paths["adadelta"])
        summary, summary_zh = f"{summary}\n{note}", f"{summary_zh}\n{note_zh}"
    return DemoResult(summary=summary, summary_zh=summary_zh, table=Table(columns, rows, columns_zh),
                      figure=_figure(surface, start, paths), data=data)


def _adagrad_note(lr: float, start: tuple[float, float], paths: dict) -> tuple[str, str]:
    """Adagrad's first step per coordinate (lr·g/|g|: the same size in every direction) against SGD's lr·g."""
    moved = paths["adagrad"][1] - np.array(start)
    text = (f"Adagrad divides each parameter's step by the root of its own sum of squared gradients, so its first "
            f"step is -lr·g/|g| = ({moved[0]:.3g}, {moved[1]:.3g}): the same size in steep and flat directions")
    text_zh = (f"Adagrad 把每个参数的步长除以它自己梯度平方和的平方根,所以第一步是 "
               f"-lr·g/|g| = ({moved[0]:.3g}, {moved[1]:.3g}):陡峭方向和平坦方向步子一样大")
    if "sgd" in paths and np.isfinite(paths["sgd"][1]).all():
        sgd = paths["sgd"][1] - np.array(start)
        text += f"; one shared lr gives SGD -lr·g = ({sgd[0]:.3g}, {sgd[1]:.3g})"
        text_zh += f";SGD 共用一个学习率,第一步为 -lr·g = ({sgd[0]:.3g}, {sgd[1]:.3g})"
    return text + ".", text_zh + "。"


def _adadelta_note(lr: float, path: np.ndarray) -> tuple[str, str]:
    """Adadelta's first step, about lr·sqrt(eps/(1-rho)) per coordinate, and the range of its later steps."""
    lengths = np.linalg.norm(np.diff(path, axis=0), axis=1)
    first = lr * math.sqrt(HYPER_DEFAULTS["adadelta"]["eps"] / (1.0 - HYPER_DEFAULTS["adadelta"]["rho"]))
    low, high = float(lengths.min()), float(lengths.max())
    return (f"Adadelta's first step is {lengths[0]:.2g} long (lr·√(ε/(1-ρ)) = {first:.2g} per coordinate, whatever "
            f"the gradient); after that the RMS of its own recent updates, not a learning rate, sets each step "
            f"(here {low:.2g} to {high:.2g} long), and lr (torch's default 1.0) only scales it.",
            f"Adadelta 的第一步长 {lengths[0]:.2g}(每个坐标 lr·√(ε/(1-ρ)) = {first:.2g},与梯度大小无关);"
            f"此后每一步由它自己最近更新量的均方根决定,而不是学习率(这里步长从 {low:.2g} 到 {high:.2g}),"
            f"lr(torch 默认 1.0)只起缩放作用。")


def _quadratic_note(lr: float, start: tuple[float, float], path: np.ndarray) -> tuple[str, str]:
    """What one SGD step does on x² + y²: it multiplies the point by 1 - 2 lr."""
    factor = 1.0 - 2.0 * lr
    x1, y1 = path[1]
    first = (f"On x² + y² the gradient is 2p, so each SGD step is p - lr·2p = (1 - 2·lr)·p = {factor:.4g}·p: "
             f"step 1 takes ({start[0]:g}, {start[1]:g}) to ({x1:.4g}, {y1:.4g}), loss "
             f"{start[0] ** 2 + start[1] ** 2:.4g} -> {x1 ** 2 + y1 ** 2:.4g}; ")
    first_zh = (f"在 x² + y² 上梯度是 2p,所以每步 SGD 为 p - lr·2p = (1 - 2·lr)·p = {factor:.4g}·p:"
                f"第 1 步把 ({start[0]:g}, {start[1]:g}) 变为 ({x1:.4g}, {y1:.4g}),损失 "
                f"{start[0] ** 2 + start[1] ** 2:.4g} -> {x1 ** 2 + y1 ** 2:.4g};")
    if factor == 0.0:
        return first + "lr = 0.5 lands on the minimum in one step.", first_zh + "lr = 0.5 一步就落在最小值上。"
    if abs(factor) < 1.0:
        sign, sign_zh = ("", "") if factor > 0 else (" (flipping sign each step)", "(每步变号)")
        return (first + f"|factor| < 1, so it shrinks towards the minimum at 0{sign}.",
                first_zh + f"|系数| < 1,所以逐步缩向最小值点 0{sign_zh}。")
    if factor == -1.0:
        return (first + "factor -1: it jumps between two points for ever (lr = 1).",
                first_zh + "系数为 -1:在两点之间永远来回跳(lr = 1)。")
    return (first + "|factor| > 1: it flips sign and grows every step, so the run diverges: the learning rate "
            "overshoots the minimum.",
            first_zh + "|系数| > 1:每步变号且绝对值增大,训练发散:学习率过大,一步跨过了最小值。")


def _summaries(surface: str, lr: float, steps: int, paths: dict, losses: dict) -> tuple[str, str]:
    """Which optimizer ended lowest and where, and which blew up, in English and Chinese."""
    finished = {m: values[-1] for m, values in losses.items() if math.isfinite(values[-1])}
    blown = [m for m, path in paths.items() if diverged_at(path) is not None]
    if not finished:
        return (f"{_steps(steps)} on {surface} at lr={lr:g}: every optimizer diverged ({', '.join(paths)}).",
                f"在{SURFACE_ZH[surface]}上以 lr={lr:g} 走 {steps} 步:所有优化器都发散了({', '.join(paths)})。")
    best = min(finished, key=finished.get)
    x, y = paths[best][-1]
    marks = ", ".join(f"({mx:g}, {my:g})" for mx, my in SURFACES[surface].marks)
    mark_zh = {"minimum": "极小值", "minima": "极小值", "saddle point": "鞍点",
               "minima on xy = 1": "xy = 1 上的极小值"}[SURFACES[surface].mark_label]
    tail, tail_zh = (f"; diverged: {', '.join(blown)}", f";发散:{'、'.join(blown)}") if blown else ("", "")
    return (f"{_steps(steps)} on {surface} at lr={lr:g}: {best} got lowest, loss {finished[best]:.4g} "
            f"at ({x:.3f}, {y:.3f}){tail}.\n{SURFACES[surface].mark_label.capitalize()}: {marks}.",
            f"在{SURFACE_ZH[surface]}上以 lr={lr:g} 走 {steps} 步:{best} 的损失最低,为 {finished[best]:.4g},"
            f"停在 ({x:.3f}, {y:.3f}){tail_zh}。\n{mark_zh}:{marks}。")


def _steps(count: int) -> str:
    """'1 step' or '200 steps'."""
    return f"{count} step" if count == 1 else f"{count} steps"


def _format_loss(value: float) -> str:
    """A loss as a short table cell; nan (the run diverged) as 'diverged'."""
    return "diverged" if math.isnan(value) else f"{value:.4g}"


def _format_end(path: np.ndarray) -> str:
    """Where a run ended, or the step it blew up at."""
    step = diverged_at(path)
    return f"diverged at step {step}" if step is not None else f"({path[-1, 0]:.3f}, {path[-1, 1]:.3f})"


def _json_number(value: float) -> float | None:
    """A float for JSON, with inf and nan as None."""
    return float(value) if math.isfinite(value) else None


def _figure(surface: str, start: tuple[float, float], paths: dict):
    """Contour lines of the surface, each optimizer's path, the start and the marked points."""
    spec = SURFACES[surface]
    x_low, x_high = min(spec.window[0], start[0] - 0.5), max(spec.window[1], start[0] + 0.5)
    y_low, y_high = min(spec.window[2], start[1] - 0.5), max(spec.window[3], start[1] + 0.5)
    grid_x, grid_y = np.meshgrid(np.linspace(x_low, x_high, 160), np.linspace(y_low, y_high, 160))
    heights = loss(surface, np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    levels = (np.logspace(*spec.log_levels, 14) if spec.log_levels
              else np.linspace(heights.min(), heights.max(), 17)[1:-1])
    fig, ax = new_axes(f"Optimizers on {surface}: {spec.formula}", "x", "y")
    ax.contour(grid_x, grid_y, heights, levels=levels, colors=GRID_COLOUR, linewidths=0.8)
    for (method, path), colour, marker in zip(paths.items(), COLOURS, MARKERS):
        ax.plot(path[:, 0], path[:, 1], color=colour, linewidth=2, marker=marker, markevery=[len(path) - 1],
                label=method)
    ax.scatter([start[0]], [start[1]], color="black", marker="o", s=50, zorder=3, label="start")
    ax.scatter([x for x, _ in spec.marks], [y for _, y in spec.marks], color="gold", edgecolors="black",
               marker="*", s=200, zorder=3, label=spec.mark_label)
    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)
    ax.legend()
    return fig


# The first-step view: each method's first update of a parameter at 0, for the learner's gradients.

def _parse_gradients(text: str) -> np.ndarray:
    """The comma-separated gradients as finite floats (1 to MAX_GRADIENTS of them); ValueError otherwise."""
    items = [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]
    if not 1 <= len(items) <= MAX_GRADIENTS:
        raise ValueError(f"gradients={text!r}: must be 1 to {MAX_GRADIENTS} numbers separated by commas")
    try:
        values = np.array([float(item) for item in items])
    except ValueError:
        raise ValueError(f"gradients={text!r}: must be numbers separated by commas, e.g. 0.02,200") from None
    if not np.isfinite(values).all():
        raise ValueError(f"gradients={text!r}: must be finite numbers")
    return values


def _first_step_result(methods: tuple[str, ...], lr: float, text: str) -> DemoResult:
    """Each method's rule, torch defaults and first update for every gradient; the figure over |g|."""
    grads = _parse_gradients(text)
    steps = {method: first_step(method, grads, lr) for method in methods}
    curves = {method: np.abs(first_step(method, GRADIENT_GRID, lr)) for method in methods}
    rows = tuple((method, RULES[method], _defaults_text(method), *(f"{value:+.4g}" for value in steps[method]))
                 for method in methods)
    heads = tuple(f"Δp for g={g:g}" for g in grads)
    table = Table(columns=("optimizer", "update rule", "torch defaults", *heads), rows=rows,
                  columns_zh=("优化器", "更新规则", "torch 默认值", *(f"g={g:g} 时的 Δp" for g in grads)))
    listed = ", ".join(f"{g:g}" for g in grads)
    lines = [f"First update of a parameter at 0 with lr={lr:g}, for g = {listed}:"]
    lines_zh = [f"参数从 0 出发、lr={lr:g} 时的第一步更新,g = {listed}:"]
    for method in methods:
        form, form_zh = FIRST_FORMS[method]
        values = ", ".join(f"{value:+.4g}" for value in steps[method])
        lines.append(f"{method} {values}: Δp = -{form}.")
        lines_zh.append(f"{method} {values}:Δp = -{form_zh}。")
    if "adam" in methods or "adamw" in methods:
        lines.append(f"So in Adam the step is set by lr ({lr:g}), not by the scale of the gradient: lr is the "
                     "hyperparameter to tune, while β1 = 0.9, β2 = 0.999 and ε = 1e-8 are left at their defaults.")
        lines_zh.append(f"所以 Adam 的步长由 lr({lr:g})决定,而与梯度的大小无关:需要调的是 lr,"
                        "β1 = 0.9、β2 = 0.999、ε = 1e-8 保持默认即可。")
    data = {"view": "first_step", "lr": lr, "gradients": grads.tolist(),
            "steps": {method: values.tolist() for method, values in steps.items()},
            "grid": GRADIENT_GRID.tolist(), "curves": {method: _json_list(c) for method, c in curves.items()}}
    return DemoResult(summary="\n".join(lines), summary_zh="\n".join(lines_zh), table=table,
                      figure=_first_step_figure(lr, grads, steps, curves), data=data)


def _defaults_text(method: str) -> str:
    """A method's torch-default hyperparameters as a short cell (weight decay left out when 0)."""
    parts = []
    for name, value in HYPER_DEFAULTS[method].items():
        if name == "weight_decay" and value == 0.0:
            continue
        parts.append(f"{name}=({value[0]:g}, {value[1]:g})" if name == "betas" else f"{name}={value:g}")
    return ", ".join(parts) or "-"


def _json_list(values: np.ndarray) -> list[float | None]:
    """Floats for JSON, inf and nan as None."""
    return [_json_number(float(v)) for v in values]


def _first_step_figure(lr: float, grads: np.ndarray, steps: dict, curves: dict):
    """|first update| against |g| on log axes, one line per method, the chosen gradients marked."""
    fig, ax = new_axes(f"Size of the first update against the gradient (lr = {lr:g})", "|g|", "|Δp| of step 1")
    for (method, curve), colour, marker in zip(curves.items(), COLOURS, MARKERS):
        shown = np.where(curve > 0, curve, np.nan)
        ax.plot(GRADIENT_GRID, shown, color=colour, linewidth=2, label=method)
        chosen = np.abs(steps[method])
        keep = (np.abs(grads) > 0) & (chosen > 0)
        ax.plot(np.abs(grads)[keep], chosen[keep], color=colour, marker=marker, linestyle="none", markersize=7)
    ax.plot(GRADIENT_GRID, np.full(GRADIENT_GRID.size, lr), color=GRID_COLOUR, linestyle="--", linewidth=1,
            label=f"lr = {lr:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(loc="upper left", fontsize=8)
    return fig


# The Hessian view: slope and curvature at a point, and what they say about it.

def _scaled(vector: np.ndarray) -> np.ndarray:
    """A direction scaled so that its largest entry is ±1 and its first non-zero entry is positive (as by hand)."""
    big = vector[np.argmax(np.abs(vector))]
    scaled = vector / abs(big)
    lead = scaled[np.flatnonzero(np.abs(scaled) > 1e-12)[0]]
    return np.where(np.abs(scaled) < 1e-12, 0.0, scaled * np.sign(lead))


def _classify(norm: float, eigenvalues: np.ndarray) -> str:
    """critical point kind from the gradient norm and the Hessian's eigenvalues (zero within rounding)."""
    if norm > 1e-4:
        return "not critical"
    tolerance = 1e-9 * max(1.0, float(np.max(np.abs(eigenvalues))))
    if np.any(np.abs(eigenvalues) <= tolerance):
        return "inconclusive"
    if np.all(eigenvalues > 0):
        return "minimum"
    if np.all(eigenvalues < 0):
        return "maximum"
    return "saddle"


def _hessian_result(surface: str, x: float, y: float, t: float) -> DemoResult:
    """Loss, gradient, Hessian, eigenvalues and eigenvectors at (x, y); exact loss and Taylor model along each."""
    point = np.array([x, y])
    value = float(loss(surface, point[None, :])[0])
    g = gradient(surface, point)
    H = hessian(surface, point)
    eigenvalues, vectors = np.linalg.eigh(H)
    directions = [("u1", _scaled(vectors[:, 0])), ("u2", _scaled(vectors[:, 1]))]
    norm = float(np.linalg.norm(g))
    kind = _classify(norm, eigenvalues)
    if kind == "not critical":
        directions.append(("-g (downhill)", _scaled(-g)))
    rows, found = [], []
    for name, u in directions:
        reached = point + t * u
        exact = float(loss(surface, reached[None, :])[0])
        model = value + t * float(g @ u) + 0.5 * t * t * float(u @ H @ u)
        curvature = float(u @ H @ u) / float(u @ u)
        found.append({"direction": name, "u": u.tolist(), "curvature": curvature, "point": reached.tolist(),
                      "exact": exact, "taylor": model})
        rows.append((name, _vector(u), f"{curvature:.4g}", _vector(reached), f"{exact:.4g}", f"{model:.4g}"))
    table = Table(columns=("direction", "u", "curvature uᵀHu/|u|²", f"θ' + {t:g}·u", "L exact", "L Taylor 2nd order"),
                  rows=tuple(rows),
                  columns_zh=("方向", "u", "曲率 uᵀHu/|u|²", f"θ' + {t:g}·u", "L 精确值", "L 二阶泰勒近似"))
    summary, summary_zh = _hessian_summaries(surface, point, value, g, H, eigenvalues, kind, found, t)
    data = {"view": "hessian", "surface": surface, "point": point.tolist(), "loss": value, "gradient": g.tolist(),
            "hessian": H.tolist(), "eigenvalues": eigenvalues.tolist(), "kind": kind, "step": t,
            "directions": found}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table,
                      figure=_hessian_figure(surface, point, value, g, H, directions, t), data=data)


def _vector(v) -> str:
    """A 2-vector as a short cell, -0 written as 0."""
    return "(" + ", ".join(f"{0.0 if abs(c) < 5e-13 else c:.4g}" for c in v) + ")"


def _matrix(H: np.ndarray) -> str:
    """A 2x2 matrix as [[a, b], [c, d]]."""
    return "[" + ", ".join("[" + ", ".join(f"{0.0 if abs(c) < 5e-13 else c:.4g}" for c in row) + "]" for row in H) + "]"


KIND_TEXT = {
    "minimum": ("every eigenvalue is positive (H positive definite), so vᵀHv = Σ λᵢaᵢ² > 0 for every step v: "
                "a local minimum", "所有特征值都为正(H 正定),对任何一步 v 都有 vᵀHv = Σ λᵢaᵢ² > 0:局部最小值"),
    "maximum": ("every eigenvalue is negative, so vᵀHv = Σ λᵢaᵢ² < 0 for every step v: a local maximum",
                "所有特征值都为负,对任何一步 v 都有 vᵀHv = Σ λᵢaᵢ² < 0:局部最大值"),
    "saddle": ("the eigenvalues have both signs: the loss rises along some directions and falls along others, a "
               "saddle point, not a local minimum", "特征值有正有负:沿一些方向上升、沿另一些方向下降,是鞍点,而不是局部最小值"),
    "inconclusive": ("an eigenvalue is 0, so the quadratic term is flat along its eigenvector and the test says "
                     "nothing: higher-order terms decide", "有一个特征值为 0,二次项沿其特征向量是平的,判据失效:由更高阶项决定"),
}


def _hessian_summaries(surface, point, value, g, H, eigenvalues, kind, found, t) -> tuple[str, str]:
    """The numbers at the point, and what they say, in English and Chinese."""
    where = f"({point[0]:g}, {point[1]:g})"
    about = " (w1, w2 of ŷ = w1·w2·x on x = 1, y = 1)" if surface == "lee" else ""
    about_zh = "(即 ŷ = w1·w2·x 在 x = 1、y = 1 上的 w1、w2)" if surface == "lee" else ""
    lam = " and ".join(f"{v:.4g}" for v in eigenvalues)
    first = (f"At {where}{about} on {SURFACES[surface].formula}: L = {value:.4g}, gradient g = {_vector(g)}, "
             f"Hessian H = {_matrix(H)}, eigenvalues {lam}.")
    first_zh = (f"{SURFACES[surface].formula} 上的点 {where}{about_zh}:L = {value:.4g},梯度 g = {_vector(g)},"
                f"海森矩阵 H = {_matrix(H)},特征值 {lam.replace(' and ', ' 和 ')}。")
    if kind == "not critical":
        down = found[-1]
        second = (f"Not a critical point (|g| = {np.linalg.norm(g):.3g}): the slope term (θ-θ')ᵀg leads and H "
                  f"adds the curvature. L(θ) ≈ L + (θ-θ')ᵀg + ½(θ-θ')ᵀH(θ-θ'): stepping {t:g}·u downhill to "
                  f"{_vector(down['point'])} gives {down['exact']:.4g}, the second-order model {down['taylor']:.4g}.")
        second_zh = (f"不是临界点(|g| = {np.linalg.norm(g):.3g}):斜率项 (θ-θ')ᵀg 起主导作用,H 给出曲率。"
                     f"L(θ) ≈ L + (θ-θ')ᵀg + ½(θ-θ')ᵀH(θ-θ'):沿下坡方向走 {t:g}·u 到 {_vector(down['point'])},"
                     f"精确值 {down['exact']:.4g},二阶近似 {down['taylor']:.4g}。")
        return f"{first}\n{second}", f"{first_zh}\n{second_zh}"
    text, text_zh = KIND_TEXT[kind]
    second, second_zh = f"g = 0 and {text}.", f"g = 0,且{text_zh}。"
    if kind == "saddle":
        low = found[0]
        second += (f" Along u = {_vector(low['u'])} (λ = {eigenvalues[0]:.4g}) the loss falls: stepping {t:g}·u to "
                   f"{_vector(low['point'])} gives L = {low['exact']:.4g} (Taylor L + ½λ|tu|² = {low['taylor']:.4g}), "
                   f"below {value:.4g}: the way out of the saddle.")
        second_zh += (f"沿 u = {_vector(low['u'])}(λ = {eigenvalues[0]:.4g})损失下降:走 {t:g}·u 到 "
                      f"{_vector(low['point'])},L = {low['exact']:.4g}(泰勒近似 L + ½λ|tu|² = {low['taylor']:.4g}),"
                      f"低于 {value:.4g}:这就是逃离鞍点的方向。")
    elif kind == "inconclusive":
        flat = found[int(np.argmin(np.abs(eigenvalues)))]
        second += (f" Along u = {_vector(flat['u'])} the model predicts {flat['taylor']:.4g} at {t:g}·u, but the "
                   f"loss there is {flat['exact']:.4g}.")
        second_zh += (f"沿 u = {_vector(flat['u'])} 走 {t:g}·u,二阶近似给出 {flat['taylor']:.4g},"
                      f"而实际损失是 {flat['exact']:.4g}。")
    return f"{first}\n{second}", f"{first_zh}\n{second_zh}"


def _hessian_figure(surface, point, value, g, H, directions, t):
    """The exact loss (solid) and the second-order Taylor model (dashed) along each direction through the point."""
    reach = max(1.0, 1.5 * t)
    ts = np.linspace(-reach, reach, 121)
    fig, ax = new_axes(f"Loss (solid) and 2nd-order Taylor model (dashed) through ({point[0]:g}, {point[1]:g}) on "
                       f"{surface}",
                       "t (step θ' + t·u)", "loss")
    for (name, u), colour, marker in zip(directions, COLOURS, MARKERS):
        exact = loss(surface, point[None, :] + ts[:, None] * u[None, :])
        model = value + ts * float(g @ u) + 0.5 * ts ** 2 * float(u @ H @ u)
        ax.plot(ts, exact, color=colour, linewidth=2, label=f"{name} = {_vector(u)} exact")
        ax.plot(ts, model, color=colour, linewidth=1.2, linestyle="--", label=f"{name} Taylor")
        if t > 0:
            ax.plot([t], [float(loss(surface, (point + t * u)[None, :])[0])], color=colour, marker=marker,
                    linestyle="none", markersize=7)
    ax.axhline(value, color=GRID_COLOUR, linewidth=1, linestyle=":")
    ax.legend(loc="best", fontsize=8)
    return fig


def warm() -> None:
    """Compiles (or loads from cache) every kernel on a tiny input."""
    trajectory("adam", "rosenbrock", (0.0, 0.0), 0.01, 1)
    loss("rosenbrock", np.zeros((1, 2)))
    first_step("adam", [1.0], 0.01)
    hessian("rosenbrock", (0.0, 0.0))
    gradient("rosenbrock", (0.0, 0.0))
    _update(ADAM, 1, 1.0, 0.0, 0.0, 0.0, 0.01, 0.0, 0.0, 1e-8, 0.9, 0.999, 0.0, 0.0, 0.0, 0.0)
    _value(ROSENBROCK, 0.0, 0.0)
    _gradient(ROSENBROCK, 0.0, 0.0)


DEMO = declare_demo(
    run, warm,
    title_en="Optimizer race",
    title_zh="优化器赛跑",
    description_en="Races SGD, momentum, Nesterov, RMSprop, Adagrad, Adadelta, Adam and AdamW (torch.optim's "
                   "updates) across a contour map of a classic test surface; compares their first update for a "
                   "given gradient; and reads the Hessian at a point (minimum, maximum or saddle).",
    description_zh="在经典测试曲面的等高线图上让 SGD、动量、Nesterov、RMSprop、Adagrad、Adadelta、Adam 和 AdamW"
                   "(与 torch.optim 相同的更新)赛跑;比较给定梯度时它们的第一步更新;并读出某点的海森矩阵"
                   "(极小值、极大值还是鞍点)。",
)


# Drill: the size of Adam's first update, by hand (it is about lr whatever the gradient, unless eps is comparable).

def _plain(value: float, digits: int = 6) -> str:
    """A drill number as people write it, to `digits` significant figures: 0.001, 350, 1e-8, 8.41e4."""
    text = f"{value:.{digits}g}"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if e else text


def _draw_adam_first_step(rng) -> dict:
    """A gradient of one or two significant figures and Adam's hyperparameters; a third of the time the gradient is
    within a few eps of 0, so that eps visibly shrinks the step."""
    lr = float(rng.choice((1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 0.01, 0.05, 0.1)))
    beta1, beta2 = float(rng.choice((0.8, 0.9, 0.9, 0.95))), float(rng.choice((0.99, 0.999, 0.999, 0.9999)))
    sign = float(rng.choice((-1.0, 1.0)))
    if rng.random() < 1 / 3:
        eps = float(rng.choice((1e-8, 1e-7, 1e-6)))
        g = sign * float(rng.choice((0.5, 1.0, 2.0, 3.0, 4.0))) * eps
    else:
        eps = float(rng.choice((1e-8, 1e-8, 1e-7)))
        g = sign * float(rng.integers(1, 100)) * 10.0 ** int(rng.integers(-5, 3))
    g = float(f"{g:.2g}")
    return {"g": g, "lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "g_text": _plain(g),
            "lr_text": _plain(lr), "eps_text": _plain(eps)}


def _solve_adam_first_step(g: float, lr: float, beta1: float, beta2: float, eps: float, g_text: str, lr_text: str,
                           eps_text: str) -> Worked:
    """|Δw| at t = 1 with the module's first_step (torch's Adam from m = v = 0), worked through the corrections."""
    step = float(first_step("adam", [g], lr, betas=(beta1, beta2), eps=eps)[0])
    size = abs(step)
    m1, v1 = (1 - beta1) * g, (1 - beta2) * g * g
    direction_en = "down" if g > 0 else "up"
    direction_zh = "减小" if g > 0 else "增大"
    g_factor, size_g = (f"({g_text})" if g < 0 else g_text), _plain(abs(g))
    common = (f"m_1 = (1 − {beta1:g})·{g_factor} = {_plain(m1, 4)},  v_1 = (1 − {beta2:g})·({g_text})² = "
              f"{_plain(v1, 4)}",
              f"m̂_1 = m_1 / (1 − {beta1:g}¹) = {g_text},  v̂_1 = v_1 / (1 − {beta2:g}¹) = ({g_text})²",
              f"|Δw| = {lr_text} · {size_g} / ({size_g} + {eps_text}) = {_plain(size, 4)}")
    return Worked({"size": size},
                  ("Δw = −α · m̂_t / (√v̂_t + ε), with m_0 = v_0 = 0 and t = 1", *common,
                   f"the betas cancel: |Δw| = α·|g| / (|g| + ε), about α unless |g| is near ε; w moves {direction_en}"),
                  ("Δw = −α · m̂_t / (√v̂_t + ε),其中 m_0 = v_0 = 0,t = 1", *common,
                   f"β 被约掉:|Δw| = α·|g| / (|g| + ε),除非 |g| 接近 ε,否则约等于 α;w {direction_zh}"))


DRILLS = declare_drills(
    __name__,
    Drill("adam_first_step", "Adam's first step", "Adam 的第一步",
          "A weight's gradient on Adam's first update (t = 1, m_0 = v_0 = 0) is g = {g_text}. With α = {lr_text}, "
          "β1 = {beta1:g}, β2 = {beta2:g} and ε = {eps_text} (added to √v̂, as in PyTorch), how large is the update "
          "|Δw|, to 3 significant figures?",
          "Adam 第一次更新(t = 1,m_0 = v_0 = 0)时某权重的梯度为 g = {g_text}。取 α = {lr_text},β1 = {beta1:g},"
          "β2 = {beta2:g},ε = {eps_text}(加在 √v̂ 上,同 PyTorch),更新量 |Δw| 是多少?保留 3 位有效数字。",
          (Field("size", "|Δw|", "|Δw|", kind="number"),), _draw_adam_first_step, _solve_adam_first_step),
)
