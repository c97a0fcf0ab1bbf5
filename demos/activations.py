"""Activation functions, their derivatives, and what a stack of them does to a gradient.

Values and derivatives agree with PyTorch (`torch.sigmoid`, `tanh`, `F.relu`, `F.leaky_relu`, `F.gelu` with
`approximate='none'`, `F.silu`, `F.softplus` with beta 1 and threshold 20) and with torch autograd, including
its choices at the kinks: relu'(0) = 0 and leaky_relu'(0) = slope. Softplus is log1p(exp(z)) up to z = 20 and
z itself above, as torch's threshold makes it; its derivative is sigmoid(z), then 1.

`depth_factor` is the product of one activation derivative per layer, the factor backpropagation multiplies a
gradient by through `depth` identical layers: sigmoid at z = 0 gives 0.25 per layer, 0.25^10 ≈ 9.5e-7 over
ten (vanishing gradients).

`fit_hidden_layer` builds a curve as Hung-yi Lee's course does: y = c0 + sum_i c_i g(w_i x + b_i), one hidden
layer of `units` units. The hidden weights follow his construction on evenly spaced knots over the range (a
sigmoid or tanh unit is a smoothed "hard sigmoid" ramp across one segment, with its centre slope matching the
ramp's; a ReLU-like unit is a hinge at a knot), and the output weights c are the least-squares fit to the target.
With no activation ("linear") the units collapse: c0 + sum_i c_i (w_i x + b_i) = W'x + b', one straight line
whatever the number of units.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_choice, check_int, check_number, check_shape
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu", "softplus")
SIGMOID, TANH, RELU, LEAKY_RELU, GELU, SILU, SOFTPLUS = range(len(NAMES))
SOFTPLUS_THRESHOLD = 20.0  # torch F.softplus: z itself above beta * z = 20
INV_SQRT2 = 1.0 / math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GRID_POINTS = 401


def activation(name: str, z, slope: float = 0.01) -> np.ndarray:
    """The activation `name` of every element of z (same shape); `slope` is leaky_relu's negative slope."""
    code, values, slope = _inputs(name, z, slope)
    return _activation(code, values.ravel(), slope).reshape(np.shape(z))


def derivative(name: str, z, slope: float = 0.01) -> np.ndarray:
    """d activation / dz at every element of z, as torch autograd gives it (relu'(0) = 0, leaky_relu'(0) = slope)."""
    code, values, slope = _inputs(name, z, slope)
    return _derivative(code, values.ravel(), slope).reshape(np.shape(z))


def depth_factor(name: str, z, depth: int, slope: float = 0.01) -> np.ndarray:
    """The product of derivative(name, z) over `depth` layers: what backprop multiplies the gradient by."""
    code, values, slope = _inputs(name, z, slope)
    depth = check_int("depth", depth, 1)
    return _depth_factor(code, values.ravel(), depth, slope).reshape(np.shape(z))


HIDDEN = NAMES + ("linear",)  # "linear": no activation, g(z) = z
STEP_LIKE = (SIGMOID, TANH)  # units that saturate on both sides: one per segment; the others are hinges at knots


def hidden_weights(name: str, low: float, high: float, units: int) -> tuple[np.ndarray, np.ndarray]:
    """Lee's placement of `units` hidden units over [low, high]: (w, b), each (units,), for g(w x + b).

    The range is cut into `units` equal segments of width d. Sigmoid: w = 4/d, centred on each segment's middle
    (sigmoid's slope w/4 at its centre equals the hard sigmoid's 1/d); tanh: w = 2/d (its range is 2). Others
    (and linear): a hinge at the left end of each segment, w = 4/d.
    """
    code = HIDDEN.index(check_choice("name", name, HIDDEN))
    low, high = check_number("low", low), check_number("high", high)
    if high <= low:
        raise ValueError(f"high={high!r}: must be above low={low!r}")
    units = check_int("units", units, 1)
    width = (high - low) / units
    if code in STEP_LIKE:
        centres = low + (np.arange(units) + 0.5) * width
        w = np.full(units, (4.0 if code == SIGMOID else 2.0) / width)
    else:
        centres = low + np.arange(units) * width
        w = np.full(units, 4.0 / width)
    return w, -w * centres


def fit_hidden_layer(name: str, x, target, units: int, slope: float = 0.01) -> dict:
    """y = c0 + sum_i c_i g(w_i x + b_i) fitted to target at the points x: Lee's hidden weights (see
    hidden_weights) over [min x, max x], output weights by least squares.

    Returns w, b (hidden, (units,)), c ((units,)), c0, the fitted values at x, and for "linear" the collapsed line
    (W', b') = (sum c_i w_i, c0 + sum c_i b_i).
    """
    x = check_array("x", x, ndim=1, min_size=2)
    target = check_shape("target", check_array("target", target, ndim=1), x.shape, "one target per x")
    slope = check_number("slope", slope)
    w, b = hidden_weights(name, float(x.min()), float(x.max()), units)
    z = np.ascontiguousarray((x[:, None] * w[None, :] + b[None, :]).ravel())
    hidden = z if name == "linear" else _activation(NAMES.index(name), z, slope)
    design = np.column_stack([np.ones(x.size), hidden.reshape(x.size, units)])
    coefficients = np.linalg.lstsq(design, target, rcond=None)[0]
    result = {"w": w, "b": b, "c0": float(coefficients[0]), "c": coefficients[1:], "fitted": design @ coefficients,
              "hidden": hidden.reshape(x.size, units)}
    if name == "linear":
        result["line"] = (float(coefficients[1:] @ w), float(coefficients[0] + coefficients[1:] @ b))
    return result


def _inputs(name: str, z, slope: float) -> tuple[int, np.ndarray, float]:
    """The activation's kernel code, z as a finite float64 array, and the slope as a float, each checked."""
    code = NAMES.index(check_choice("name", name, NAMES))
    return code, check_array("z", z), check_number("slope", slope)


@njit(cache=True)
def _sigmoid(z):
    """1 / (1 + e^-z) without overflow; each demo keeps its own (see demos/__init__.py)."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True)
def _value(code, z, slope):
    """One activation value; code indexes NAMES."""
    if code == SIGMOID:
        return _sigmoid(z)
    if code == TANH:
        return math.tanh(z)
    if code == RELU:
        return z if z > 0.0 else 0.0
    if code == LEAKY_RELU:
        return z if z > 0.0 else slope * z
    if code == GELU:
        return 0.5 * z * (1.0 + math.erf(z * INV_SQRT2))
    if code == SILU:
        return z * _sigmoid(z)
    return z if z > SOFTPLUS_THRESHOLD else math.log1p(math.exp(z))


@njit(cache=True)
def _slope_at(code, z, slope):
    """One activation derivative, with torch's backward formulas and its values at the kinks."""
    if code == SIGMOID:
        s = _sigmoid(z)
        return s * (1.0 - s)
    if code == TANH:
        t = math.tanh(z)
        return 1.0 - t * t
    if code == RELU:
        return 1.0 if z > 0.0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if z > 0.0 else slope
    if code == GELU:
        return 0.5 * (1.0 + math.erf(z * INV_SQRT2)) + z * INV_SQRT_2PI * math.exp(-0.5 * z * z)
    if code == SILU:
        s = _sigmoid(z)
        return s * (1.0 + z * (1.0 - s))
    return 1.0 if z > SOFTPLUS_THRESHOLD else _sigmoid(z)


@njit(cache=True)
def _activation(code, z, slope):
    """The activation of each element of the 1-D array z."""
    out = np.empty_like(z)
    for i in range(z.size):
        out[i] = _value(code, z[i], slope)
    return out


@njit(cache=True)
def _derivative(code, z, slope):
    """The derivative at each element of the 1-D array z."""
    out = np.empty_like(z)
    for i in range(z.size):
        out[i] = _slope_at(code, z[i], slope)
    return out


@njit(cache=True)
def _depth_factor(code, z, depth, slope):
    """For each element of z, the derivative multiplied into a running product once per layer, `depth` times."""
    out = np.empty_like(z)
    for i in range(z.size):
        local, product = _slope_at(code, z[i], slope), 1.0
        for _ in range(depth):
            product *= local
        out[i] = product
    return out


# The demo: the curves, and the factor a chosen z contributes per layer and over `depth` layers.

def run(
    names: Annotated[tuple[str, ...], Arg("activations to draw", "要绘制的激活函数", choices=NAMES)]
    = ("sigmoid", "tanh", "relu"),
    z: Annotated[float, Arg("pre-activation z where the table reads value and derivative",
                            "表格读取函数值和导数的预激活值 z", low=-10.0, high=10.0)] = 0.0,
    depth: Annotated[int, Arg("layers the gradient passes through", "梯度穿过的层数", low=1, high=100)] = 10,
    slope: Annotated[float, Arg("leaky_relu's slope for z < 0", "leaky_relu 在 z < 0 时的斜率", low=0.0, high=0.5)]
    = 0.01,
    z_max: Annotated[float, Arg("largest |z| plotted", "绘图的最大 |z|", low=0.5, high=20.0)] = 6.0,
    view: Annotated[str, Arg("curves: each activation and its derivative; network: one hidden layer of units "
                             "building the curve sin(x) on [-z_max, z_max], against no activation at all",
                             "curves:各激活函数及其导数;network:用一个隐藏层的单元在 [-z_max, z_max] 上拼出 sin(x),"
                             "并与不用激活函数对比", choices=("curves", "network"))] = "curves",
    units: Annotated[int, Arg("network: hidden units", "network:隐藏单元个数", low=1, high=50)] = 6,
) -> DemoResult:
    """Each chosen activation and its derivative, and the gradient factor at z over `depth` layers; or a hidden
    layer building a curve (view network)."""
    if view == "network":
        return _network_result(names, units, slope, z_max)
    at = np.array([z])
    rows, found = [], {}
    for name in names:
        value = float(activation(name, at, slope)[0])
        local = float(derivative(name, at, slope)[0])
        factor = float(depth_factor(name, at, depth, slope)[0])
        found[name] = {"value": value, "derivative": local, "depth_factor": factor}
        rows.append((name, f"{value:.4g}", f"{local:.4g}", f"{factor:.3g}"))
    summary, summary_zh = _summaries(found, z, depth)
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=("activation", "g(z)", "g'(z)", f"g'(z)^{depth}"), rows=tuple(rows),
                    columns_zh=("激活函数", "g(z)", "g'(z)", f"g'(z)^{depth}")),
        figure=_figure(names, z, slope, z_max),
        data={"z": z, "depth": depth, "slope": slope, "z_max": z_max, "activations": found},
    )


def _summaries(found: dict[str, dict[str, float]], z: float, depth: int) -> tuple[str, str]:
    """What the factors say: which activations make the gradient vanish, block it or grow it over the layers."""
    factors = ", ".join(f"{name} {item['depth_factor']:.3g}" for name, item in found.items())
    first = f"At z = {z:g}, over {depth} layers the activations alone scale the gradient by: {factors}."
    first_zh = f"在 z = {z:g} 处,经过 {depth} 层后仅激活函数就把梯度缩放为:{factors}。"
    slopes = {name: item["derivative"] for name, item in found.items()}
    shrinking = [name for name, local in slopes.items() if 0.0 < abs(local) < 1.0]
    blocked = [name for name, local in slopes.items() if local == 0.0]
    growing = [name for name, local in slopes.items() if abs(local) > 1.0]
    parts, parts_zh = [], []
    if shrinking:
        name = min(shrinking, key=lambda n: abs(slopes[n]))
        local, factor = slopes[name], found[name]["depth_factor"]
        note = " (sigmoid' is at most 0.25, at z = 0)" if name == "sigmoid" else ""
        note_zh = "(sigmoid 的导数最大只有 0.25,在 z = 0 处)" if name == "sigmoid" else ""
        parts.append(f"{name}'({z:g}) = {local:.4g} < 1 multiplied {depth} times gives {factor:.3g}: "
                     f"the gradient vanishes with depth{note}")
        parts_zh.append(f"{name}'({z:g}) = {local:.4g} < 1,连乘 {depth} 次得 {factor:.3g}:梯度随深度消失{note_zh}")
    if blocked:
        kink = " (PyTorch takes relu'(0) = 0)" if z == 0.0 and "relu" in blocked else ""
        kink_zh = "(PyTorch 取 relu'(0) = 0)" if z == 0.0 and "relu" in blocked else ""
        parts.append(f"{', '.join(blocked)}' = 0 blocks it entirely{kink}")
        parts_zh.append(f"{'、'.join(blocked)} 的导数为 0,梯度被完全挡住{kink_zh}")
    if growing:
        name = max(growing, key=lambda n: abs(slopes[n]))
        parts.append(f"{name}'({z:g}) = {slopes[name]:.4g} > 1 makes it grow to {found[name]['depth_factor']:.3g}")
        parts_zh.append(f"{name}'({z:g}) = {slopes[name]:.4g} > 1,梯度增长到 {found[name]['depth_factor']:.3g}")
    if not parts:
        parts.append("Every chosen activation passes it unchanged here (factor 1 per layer)")
        parts_zh.append("所选激活函数在这里都让梯度原样通过(每层系数为 1)")
    second = "; ".join(parts)
    return f"{first}\n{second}.", f"{first_zh}\n{';'.join(parts_zh)}。"


def _figure(names: tuple[str, ...], z: float, slope: float, z_max: float):
    """Each activation (solid) and its derivative (dashed) over [-z_max, z_max], with z marked."""
    fig, ax = new_axes("Activations g(z) (solid) and derivatives g'(z) (dashed)", "z", "g(z), g'(z)")
    grid = np.linspace(-z_max, z_max, GRID_POINTS)
    at = np.array([z])
    for i, name in enumerate(names):
        colour = COLOURS[i % len(COLOURS)]
        ax.plot(grid, activation(name, grid, slope), color=colour, linewidth=2, label=name)
        ax.plot(grid, derivative(name, grid, slope), color=colour, linewidth=1.5, linestyle="--", label=f"{name}'")
        if -z_max <= z <= z_max:
            ax.plot([z, z], [activation(name, at, slope)[0], derivative(name, at, slope)[0]], color=colour,
                    marker=MARKERS[i % len(MARKERS)], linestyle="none")
    if -z_max <= z <= z_max:
        ax.axvline(z, color=GRID_COLOUR, linewidth=1, linestyle=":")
    ax.axhline(0.0, color=GRID_COLOUR, linewidth=0.8)
    ax.set_xlim(-z_max, z_max)
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    return fig


# The network view: a curve built from hidden units, and what is left without an activation.

def _network_result(names: tuple[str, ...], units: int, slope: float, z_max: float) -> DemoResult:
    """sin(x) on [-z_max, z_max] fitted by one hidden layer of each chosen activation and of none."""
    x = np.linspace(-z_max, z_max, GRID_POINTS)
    target = np.sin(x)
    fits = {name: fit_hidden_layer(name, x, target, units, slope) for name in (*names, "linear")}
    doubled = {name: fit_hidden_layer(name, x, target, 2 * units, slope) for name in names}
    errors = {name: _errors(fit["fitted"] - target) for name, fit in fits.items()}
    errors_2x = {name: _errors(fit["fitted"] - target) for name, fit in doubled.items()}
    slope_line, intercept = (0.0 if abs(v) < 1e-12 else v for v in fits["linear"]["line"])
    collapse = float(np.max(np.abs(fits["linear"]["fitted"] - (slope_line * x + intercept))))
    rows = [(name, str(units), f"{errors[name][0]:.3g}", f"{errors[name][1]:.3g}", f"{errors_2x[name][0]:.3g}")
            for name in names]
    rows.append(("none (linear)", str(units), f"{errors['linear'][0]:.3g}", f"{errors['linear'][1]:.3g}",
                 f"{_errors(fit_hidden_layer('linear', x, target, 2 * units)['fitted'] - target)[0]:.3g}"))
    table = Table(columns=("hidden activation", "units", "RMS error", "max error", f"RMS error with {2 * units} units"),
                  rows=tuple(rows), columns_zh=("隐藏层激活", "单元数", "均方根误差", "最大误差", f"{2 * units} 个单元的均方根误差"))
    best = min(names, key=lambda name: errors[name][0])
    fitted = ", ".join(f"{name} {errors[name][0]:.3g}" for name in names)
    summary = (f"One hidden layer, y = c0 + Σ cᵢ·g(wᵢx + bᵢ), {units} units placed on evenly spaced pieces of "
               f"[-{z_max:g}, {z_max:g}] (Lee's hard-sigmoid and hinge construction), output weights c by least "
               f"squares, building sin(x): RMS error {fitted}; with {2 * units} units {best} gets "
               f"{errors_2x[best][0]:.3g}: more units, closer fit.\n"
               f"Without an activation the {units} units collapse to one line, c0 + Σ cᵢ(wᵢx + bᵢ) = W'x + b' = "
               f"{slope_line:.3g}x + {intercept:.3g} (network and line differ by {collapse:.0e}): RMS error "
               f"{errors['linear'][0]:.3g}, however many units; stacked linear layers are one linear layer.")
    summary_zh = (f"一个隐藏层 y = c0 + Σ cᵢ·g(wᵢx + bᵢ),{units} 个单元放在 [-{z_max:g}, {z_max:g}] 等分的各段上"
                  f"(李宏毅的 hard sigmoid 与折线构造),输出权重 c 用最小二乘求得,拼出 sin(x):均方根误差 {fitted};"
                  f"用 {2 * units} 个单元时 {best} 降到 {errors_2x[best][0]:.3g}:单元越多,拟合越好。\n"
                  f"不用激活函数时,{units} 个单元塌缩成一条直线 c0 + Σ cᵢ(wᵢx + bᵢ) = W'x + b' = "
                  f"{slope_line:.3g}x + {intercept:.3g}(网络与直线相差 {collapse:.0e}):均方根误差 "
                  f"{errors['linear'][0]:.3g},单元再多也一样;多层线性层叠起来仍是一层线性层。")
    data = {"view": "network", "units": units, "z_max": z_max, "names": list(names),
            "rms_error": {name: value[0] for name, value in errors.items()},
            "max_error": {name: value[1] for name, value in errors.items()},
            "rms_error_doubled": {name: value[0] for name, value in errors_2x.items()},
            "linear_collapse": {"slope": slope_line, "intercept": intercept, "max_difference": collapse}}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table,
                      figure=_network_figure(x, target, names, fits, units), data=data)


def _errors(residual: np.ndarray) -> tuple[float, float]:
    """RMS and largest absolute error."""
    return float(np.sqrt(np.mean(residual ** 2))), float(np.max(np.abs(residual)))


def _network_figure(x, target, names, fits, units):
    """The target, each activation's fit, the first one's weighted units (Lee's pieces), and the linear collapse."""
    fig, ax = new_axes(f"One hidden layer of {units} units building sin(x)", "x", "y")
    first = names[0]
    pieces = fits[first]["hidden"] * fits[first]["c"][None, :]
    for i in range(units):
        ax.plot(x, pieces[:, i], color=COLOURS[0], linewidth=0.6, alpha=0.5,
                label=f"{first} units cᵢ·g(wᵢx + bᵢ)" if i == 0 else "_")
    ax.plot(x, target, color="black", linewidth=2.5, label="target sin(x)")
    for i, name in enumerate(names):
        ax.plot(x, fits[name]["fitted"], color=COLOURS[i % len(COLOURS)], linewidth=2, label=f"{name} network")
    ax.plot(x, fits["linear"]["fitted"], color=GRID_COLOUR, linewidth=2, linestyle="--", label="no activation: a line")
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(-2.0, 2.0)
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    return fig


def warm() -> None:
    """Compile (or load from cache) every kernel on a two-element input, and the helpers by themselves too
    (a caller loaded from Numba's cache does not compile the helpers it calls)."""
    z = np.array([-1.0, 1.0])
    activation("sigmoid", z)
    derivative("sigmoid", z)
    depth_factor("sigmoid", z, 2)
    _sigmoid(0.5)
    _value(SIGMOID, 0.5, 0.01)
    _slope_at(SIGMOID, 0.5, 0.01)


DEMO = declare_demo(
    run, warm,
    title_en="Activation functions",
    title_zh="激活函数",
    description_en="Sigmoid, tanh, ReLU and friends with their derivatives, how a gradient shrinks through layers, "
                   "and a hidden layer of them building a curve (which a linear one cannot).",
    description_zh="sigmoid、tanh、ReLU 等激活函数及其导数,梯度穿过多层时如何缩小,"
                   "以及由它们组成的隐藏层如何拼出一条曲线(线性层做不到)。",
)


# Drill: sigmoid and its derivative at a point, by hand.

def _draw_sigmoid_point(rng) -> dict:
    """z with one or two decimals in [-4, 4], not 0 (where the answer is the well-known 0.25)."""
    while True:
        decimals = int(rng.choice((1, 2)))
        z = round(float(rng.integers(-4 * 10 ** decimals, 4 * 10 ** decimals + 1)) / 10 ** decimals, decimals)
        if z != 0:
            return {"z": z}


def _solve_sigmoid_derivative(z: float) -> Worked:
    """σ(z) and σ'(z) with the module's activation and derivative, worked through σ(1 − σ)."""
    s = float(activation("sigmoid", [z])[0])
    slope = float(derivative("sigmoid", [z])[0])
    lines = (f"e^(−z) = e^({-z:g}) = {math.exp(-z):.5g}", f"σ({z:g}) = 1 / (1 + {math.exp(-z):.5g}) = {s:.5g}",
             f"σ'({z:g}) = {s:.5g} · (1 − {s:.5g}) = {s:.5g} · {1 - s:.5g} = {slope:.4g}")
    return Worked({"sigma": s, "derivative": slope},
                  ("σ(z) = 1 / (1 + e^(−z)),  σ'(z) = σ(z)(1 − σ(z))", *lines,
                   f"σ' peaks at 0.25 (at z = 0); here it is {100 * slope / 0.25:.3g}% of that peak"),
                  ("σ(z) = 1 / (1 + e^(−z)),  σ'(z) = σ(z)(1 − σ(z))", *lines,
                   f"σ' 的最大值是 0.25(在 z = 0 处);这里是最大值的 {100 * slope / 0.25:.3g}%"))


DRILLS = declare_drills(
    __name__,
    Drill("sigmoid_derivative", "Sigmoid derivative at a point", "某点的 sigmoid 导数",
          "For the sigmoid σ(z) = 1 / (1 + e^(−z)) at z = {z:g}, give σ(z) and its derivative σ'(z), each to 3 "
          "significant figures (keep more digits in between).",
          "对 sigmoid 函数 σ(z) = 1 / (1 + e^(−z)),在 z = {z:g} 处求 σ(z) 及其导数 σ'(z),均保留 3 位有效数字"
          "(中间步骤多保留几位)。",
          (Field("sigma", "σ(z)", "σ(z)", kind="number"), Field("derivative", "σ'(z)", "σ'(z)", kind="number")),
          _draw_sigmoid_point, _solve_sigmoid_derivative),
)
