"""Optimizer race: SGD, momentum, Nesterov, RMSprop, Adagrad, Adadelta, Adam and AdamW on classic 2-D surfaces.

Every update follows torch.optim to the letter (float64), so a learner sees the paths PyTorch would take.
Momentum and Nesterov default to momentum=0.9 here (torch's SGD defaults to 0, which is plain SGD).
A run that blows up (a coordinate becomes inf or nan) stops: that row and every later row are nan, so the
plotted path simply ends and `diverged_at` reports the step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import check_array, check_choice, check_int, check_number, check_shape
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
}
SURFACE_NAMES = tuple(SURFACES)
ROSENBROCK, BEALE, SADDLE, BOWL, HIMMELBLAU = range(len(SURFACE_NAMES))


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
    a, b = x * x + y - 11.0, x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


@njit(cache=True)
def _loss(surface, points):
    """The surface's height at each row of an (N, 2) array."""
    heights = np.empty(points.shape[0])
    for row in range(points.shape[0]):
        heights[row] = _value(surface, points[row, 0], points[row, 1])
    return heights


@njit(cache=True)
def _trajectory(method, surface, x0, y0, lr, steps, momentum, alpha, eps, beta1, beta2, lr_decay,
                weight_decay, beta, rho):
    """Every point an optimizer visits, row 0 the start; rows from the first non-finite point on are nan."""
    path = np.full((steps + 1, 2), np.nan)
    point = np.array([x0, y0])
    path[0] = point
    first = np.zeros(2)  # momentum buffer, EWMA velocity, Adam's m or Adadelta's running mean of squared updates
    second = np.zeros(2)  # running mean (RMSprop, Adadelta, Adam's v) or sum (Adagrad) of squared gradients
    gradient = np.empty(2)
    for t in range(1, steps + 1):
        gradient[0], gradient[1] = _gradient(surface, point[0], point[1])
        for i in range(2):
            if method == ADAMW:  # decoupled weight decay: the parameter shrinks, the gradient is left alone
                g = gradient[i]
                point[i] *= 1.0 - lr * weight_decay
            else:
                g = gradient[i] + weight_decay * point[i]
            if method == SGD:
                update = lr * g
            elif method == MOMENTUM or method == NESTEROV:
                first[i] = g if t == 1 else momentum * first[i] + g
                update = lr * (g + momentum * first[i] if method == NESTEROV else first[i])
            elif method == MOMENTUM_EWMA:
                first[i] = beta * first[i] + (1.0 - beta) * g
                update = lr * first[i]
            elif method == RMSPROP:
                second[i] = alpha * second[i] + (1.0 - alpha) * g * g
                update = lr * g / (math.sqrt(second[i]) + eps)
            elif method == ADAGRAD:
                second[i] += g * g
                update = lr / (1.0 + (t - 1) * lr_decay) * g / (math.sqrt(second[i]) + eps)
            elif method == ADADELTA:
                second[i] = rho * second[i] + (1.0 - rho) * g * g
                delta = math.sqrt(first[i] + eps) / math.sqrt(second[i] + eps) * g
                first[i] = rho * first[i] + (1.0 - rho) * delta * delta
                update = lr * delta
            else:
                first[i] = beta1 * first[i] + (1.0 - beta1) * g
                second[i] = beta2 * second[i] + (1.0 - beta2) * g * g
                denominator = math.sqrt(second[i]) / math.sqrt(1.0 - beta2 ** t) + eps
                update = lr / (1.0 - beta1 ** t) * first[i] / denominator
            point[i] -= update
        if not (math.isfinite(point[0]) and math.isfinite(point[1])):
            break
        path[t] = point
    return path


def trajectory(method: str, surface: str, start, lr: float, steps: int, **hyper) -> np.ndarray:
    """The (steps + 1, 2) float64 path of `method` on `surface` from `start`, exactly as torch.optim steps it."""
    check_choice("method", method, METHODS)
    check_choice("surface", surface, SURFACE_NAMES)
    x0, y0 = _check_point(start)
    lr, steps = check_number("lr", lr, 0.0), check_int("steps", steps, 0)
    settings = _check_hyper(method, hyper)
    beta1, beta2 = settings.get("betas", (0.0, 0.0))
    unused = 0.0  # the kernel takes every hyperparameter; those this method lacks are never read
    return _trajectory(METHODS.index(method), SURFACE_NAMES.index(surface), x0, y0, lr, steps,
                       *(settings.get(name, unused) for name in ("momentum", "alpha", "eps")), beta1, beta2,
                       *(settings.get(name, unused) for name in ("lr_decay", "weight_decay", "beta", "rho")))


def loss(surface: str, points) -> np.ndarray:
    """The surface's height at each row of an (N, 2) array of points."""
    check_choice("surface", surface, SURFACE_NAMES)
    array = check_shape("points", check_array("points", points, finite=False), (None, 2), "one (x, y) per row")
    return _loss(SURFACE_NAMES.index(surface), array)


def diverged_at(path: np.ndarray) -> int | None:
    """The first step whose row is nan (the run blew up there), or None if the run stayed finite."""
    blown = np.flatnonzero(np.isnan(path[:, 0]))
    return int(blown[0]) if blown.size else None


def _check_point(start) -> tuple[float, float]:
    """The start point as two finite floats; ValueError otherwise."""
    try:
        x0, y0 = (float(v) for v in start)
    except (TypeError, ValueError):
        raise ValueError(f"start={start!r}: must be two finite numbers (x, y)") from None
    if not (math.isfinite(x0) and math.isfinite(y0)):
        raise ValueError(f"start={start!r}: must be two finite numbers (x, y)")
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
              "himmelblau": "Himmelblau 曲面"}


def run(
    surface: Annotated[str, Arg("surface to descend", "要下降的曲面", choices=SURFACE_NAMES)] = "rosenbrock",
    methods: Annotated[tuple[str, ...], Arg("optimizers to race (torch defaults; momentum 0.9)",
                                            "参赛的优化器（torch 默认超参数；动量 0.9）", choices=METHODS)]
    = ("sgd", "momentum", "rmsprop", "adam"),
    lr: Annotated[float, Arg("learning rate shared by every optimizer", "所有优化器共用的学习率", low=1e-5, high=1.0)]
    = 0.002,
    steps: Annotated[int, Arg("number of update steps", "更新步数", low=1, high=5000)] = 200,
    start_x: Annotated[float, Arg("x of the start point", "起点的 x 坐标", low=-5.0, high=5.0)] = -1.2,
    start_y: Annotated[float, Arg("y of the start point", "起点的 y 坐标", low=-5.0, high=5.0)] = 1.0,
) -> DemoResult:
    """Races the chosen optimizers from one start with one shared learning rate, and draws their paths."""
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
    return DemoResult(summary=summary, summary_zh=summary_zh, table=Table(columns, rows, columns_zh),
                      figure=_figure(surface, start, paths), data=data)


def _summaries(surface: str, lr: float, steps: int, paths: dict, losses: dict) -> tuple[str, str]:
    """Which optimizer ended lowest and where, and which blew up, in English and Chinese."""
    finished = {m: values[-1] for m, values in losses.items() if math.isfinite(values[-1])}
    blown = [m for m, path in paths.items() if diverged_at(path) is not None]
    if not finished:
        return (f"{steps} steps on {surface} at lr={lr:g}: every optimizer diverged ({', '.join(paths)}).",
                f"在{SURFACE_ZH[surface]}上以 lr={lr:g} 走 {steps} 步:所有优化器都发散了({', '.join(paths)})。")
    best = min(finished, key=finished.get)
    x, y = paths[best][-1]
    marks = ", ".join(f"({mx:g}, {my:g})" for mx, my in SURFACES[surface].marks)
    mark_zh = {"minimum": "极小值", "minima": "极小值", "saddle point": "鞍点"}[SURFACES[surface].mark_label]
    tail, tail_zh = (f"; diverged: {', '.join(blown)}", f";发散:{'、'.join(blown)}") if blown else ("", "")
    return (f"{steps} steps on {surface} at lr={lr:g}: {best} got lowest, loss {finished[best]:.4g} "
            f"at ({x:.3f}, {y:.3f}){tail}.\n{SURFACES[surface].mark_label.capitalize()}: {marks}.",
            f"在{SURFACE_ZH[surface]}上以 lr={lr:g} 走 {steps} 步:{best} 的损失最低,为 {finished[best]:.4g},"
            f"停在 ({x:.3f}, {y:.3f}){tail_zh}。\n{mark_zh}:{marks}。")


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


def warm() -> None:
    """Compiles (or loads from cache) every kernel on a tiny input."""
    trajectory("adam", "rosenbrock", (0.0, 0.0), 0.01, 1)
    loss("rosenbrock", np.zeros((1, 2)))


DEMO = declare_demo(
    run, warm,
    title_en="Optimizer race",
    title_zh="优化器赛跑",
    description_en="Races SGD, momentum, Nesterov, RMSprop, Adagrad, Adadelta, Adam and AdamW (torch.optim's "
                   "updates) across a contour map of a classic test surface.",
    description_zh="在经典测试曲面的等高线图上让 SGD、动量、Nesterov、RMSprop、Adagrad、Adadelta、Adam 和 AdamW"
                   "(与 torch.optim 相同的更新)赛跑。",
)
