"""Activation functions, their derivatives, and what a stack of them does to a gradient.

Values and derivatives agree with PyTorch (`torch.sigmoid`, `tanh`, `F.relu`, `F.leaky_relu`, `F.gelu` with
`approximate='none'`, `F.silu`, `F.softplus` with beta 1 and threshold 20) and with torch autograd, including
its choices at the kinks: relu'(0) = 0 and leaky_relu'(0) = slope. Softplus is log1p(exp(z)) up to z = 20 and
z itself above, as torch's threshold makes it; its derivative is sigmoid(z), then 1.

`depth_factor` is the product of one activation derivative per layer, the factor backpropagation multiplies a
gradient by through `depth` identical layers: sigmoid at z = 0 gives 0.25 per layer, 0.25^10 ≈ 9.5e-7 over
ten (vanishing gradients).
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import check_array, check_choice, check_int, check_number
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


def _inputs(name: str, z, slope: float) -> tuple[int, np.ndarray, float]:
    """The activation's kernel code, z as a finite float64 array, and the slope as a float, each checked."""
    code = NAMES.index(check_choice("name", name, NAMES))
    return code, check_array("z", z), check_number("slope", slope)


@njit(cache=True)
def _sigmoid(z):
    """1 / (1 + e^-z) without overflow for large |z|."""
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
) -> DemoResult:
    """Each chosen activation and its derivative, and the gradient factor at z over `depth` layers."""
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
    description_en="Sigmoid, tanh, ReLU and friends with their derivatives, and how a gradient shrinks through layers.",
    description_zh="sigmoid、tanh、ReLU 等激活函数及其导数,以及梯度穿过多层时如何缩小。",
)
