"""Weight initialisation and signal scale through depth: torch's init standard deviations, and a deep MLP's
per-layer activation and gradient scale.

init_std gives the standard deviation torch.nn.init draws with: xavier_normal_ gain sqrt(2/(fan_in + fan_out)),
xavier_uniform_ U(-b, b) with b = gain sqrt(6/(fan_in + fan_out)) (std b/sqrt(3)), kaiming_normal_ and
kaiming_uniform_ (mode fan_in) gain/sqrt(fan_in), with gain as torch.nn.init.calculate_gain.

depth_stats pushes a standard-normal batch through `depth` square bias-free layers a_l = g(a_{l-1} W_l) and a
standard-normal gradient back from the last layer, in a Numba kernel, and returns the standard deviation (over
the batch and the units) of each layer's output a_l and of the gradient with respect to it. As in torch's
defaults, `xavier_*` uses gain 1 (Glorot's derivation, for tanh or linear units) and `kaiming_*` the gain of the
activation (He's, nonlinearity=activation), so Xavier shows what goes wrong with deep ReLU nets and Kaiming
the cure. leaky_relu has negative slope 0.01 (torch's default), and Kaiming's gain uses that slope.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import check_choice, check_int, check_number
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

INIT_SCHEMES = ("xavier_normal", "xavier_uniform", "kaiming_normal", "kaiming_uniform")
SCHEMES = (*INIT_SCHEMES, "normal", "zeros")
NONLINEARITIES = ("linear", "sigmoid", "tanh", "relu", "leaky_relu")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
RELU, TANH, SIGMOID, LEAKY_RELU, LINEAR = range(len(ACTIVATIONS))
LEAKY_SLOPE = 0.01  # torch's default negative slope
DEMO_BATCH = 64  # examples the demo pushes through the network
TABLE_LAYERS = (1, 2, 3, 5, 10, 20, 30, 50, 75, 100)
SCALE_CHANGE = 10.0  # a std that changes by more than this factor through the network vanishes or explodes


def calculate_gain(nonlinearity: str, a: float = 0.0) -> float:
    """torch.nn.init.calculate_gain: linear and sigmoid 1, tanh 5/3, relu sqrt(2), leaky_relu sqrt(2/(1+a^2))."""
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    a = check_number("a", a)
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + a * a))
    return 1.0


def init_std(scheme: str, fan_in: int, fan_out: int, nonlinearity: str = "linear", a: float = 0.0) -> float:
    """The standard deviation of the weights torch's initialiser `scheme`_ draws with that gain."""
    check_choice("scheme", scheme, INIT_SCHEMES)
    fan_in, fan_out = check_int("fan_in", fan_in, 1), check_int("fan_out", fan_out, 1)
    gain = calculate_gain(nonlinearity, a)
    if scheme.startswith("xavier"):
        return gain * math.sqrt(2.0 / (fan_in + fan_out))  # uniform: bound gain sqrt(6/(...)) over sqrt(3)
    return gain / math.sqrt(fan_in)  # kaiming, mode fan_in; uniform: bound gain sqrt(3/fan_in) over sqrt(3)


def _weight_std(scheme: str, width: int, activation: str, std: float = 0.01) -> float:
    """The standard deviation of a square layer's weights under `scheme` in depth_stats (see the module)."""
    if scheme == "zeros":
        return 0.0
    if scheme == "normal":
        return std
    if scheme.startswith("xavier"):
        return init_std(scheme, width, width)
    return init_std(scheme, width, width, activation, _kaiming_a(activation))


def _kaiming_a(activation: str) -> float:
    """The negative slope Kaiming's gain is told about: leaky_relu's own, else 0 (torch's default a)."""
    return LEAKY_SLOPE if activation == "leaky_relu" else 0.0


def depth_stats(depth: int, width: int, scheme: str, activation: str, std: float = 0.01, batch: int = 256,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(forward, backward): per layer, the std of its output and of the loss gradient with respect to it."""
    depth, width = check_int("depth", depth, 1), check_int("width", width, 1)
    check_choice("scheme", scheme, SCHEMES)
    check_choice("activation", activation, ACTIVATIONS)
    std = check_number("std", std, 0.0)
    batch, seed = check_int("batch", batch, 1), check_int("seed", seed, 0)
    inputs, weights, output_grad = _network(depth, width, scheme, activation, std, batch, seed)
    return _depth_stats(inputs, weights, output_grad, ACTIVATIONS.index(activation), LEAKY_SLOPE)


def _network(depth: int, width: int, scheme: str, activation: str, std: float, batch: int,
             seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The seeded inputs (batch, width), weights (depth, width, width) and output gradient (batch, width)."""
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((batch, width))
    spread = _weight_std(scheme, width, activation, std)
    weights = np.zeros((depth, width, width))  # filled in place: the largest networks hold 200 MB of weights
    if scheme.endswith("uniform"):
        bound = spread * math.sqrt(3.0)
        rng.random(out=weights)
        weights *= 2.0 * bound
        weights -= bound  # U(-bound, bound)
    elif scheme != "zeros":
        rng.standard_normal(out=weights)
        weights *= spread
    return inputs, weights, rng.standard_normal((batch, width))


@njit(cache=True)
def _activate(z, kind, slope):
    """g(z) elementwise."""
    if kind == RELU:
        return np.maximum(z, 0.0)
    if kind == TANH:
        return np.tanh(z)
    if kind == SIGMOID:
        return 1.0 / (1.0 + np.exp(-z))
    if kind == LEAKY_RELU:
        return np.where(z > 0.0, z, slope * z)
    return z.copy()


@njit(cache=True)
def _derivative(z, kind, slope):
    """g'(z) elementwise, as torch autograd gives it (relu'(0) = 0, leaky_relu'(0) = slope)."""
    if kind == RELU:
        return np.where(z > 0.0, 1.0, 0.0)
    if kind == TANH:
        t = np.tanh(z)
        return 1.0 - t * t
    if kind == SIGMOID:
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1.0 - s)
    if kind == LEAKY_RELU:
        return np.where(z > 0.0, 1.0, slope)
    return np.ones_like(z)


@njit(cache=True)
def _depth_stats(inputs, weights, output_grad, kind, slope):
    """Forward a_l = g(a_{l-1} W_l), then backward from dL/da_L = output_grad; the std of a_l and dL/da_l."""
    depth = weights.shape[0]
    pre = np.empty((depth, inputs.shape[0], inputs.shape[1]))
    forward, backward = np.empty(depth), np.empty(depth)
    a = inputs
    for layer in range(depth):
        pre[layer] = a @ weights[layer]
        a = _activate(pre[layer], kind, slope)
        forward[layer] = a.std()
    grad = output_grad
    for layer in range(depth - 1, -1, -1):
        backward[layer] = grad.std()
        grad = (grad * _derivative(pre[layer], kind, slope)) @ weights[layer].T
    return forward, backward


# The demo: the notes' vanishing/exploding example and the Xavier/He cure.

def run(
    scheme: Annotated[str, Arg("weight initialisation (normal uses --std)", "权重初始化方法(normal 使用 --std)",
                               choices=SCHEMES)] = "kaiming_normal",
    activation: Annotated[str, Arg("activation of every layer", "每一层的激活函数", choices=ACTIVATIONS)] = "relu",
    depth: Annotated[int, Arg("number of layers", "层数", low=2, high=100)] = 50,
    width: Annotated[int, Arg("units per layer (fan_in = fan_out)", "每层单元数(fan_in = fan_out)",
                              low=4, high=512)] = 100,
    std: Annotated[float, Arg("weight std for scheme normal", "scheme 为 normal 时的权重标准差",
                              low=0.0, high=2.0)] = 0.01,
    seed: Annotated[int, Arg("random seed of inputs and weights", "输入和权重的随机种子", low=0, high=9999)] = 0,
) -> DemoResult:
    """Per-layer std of activations and gradients through a deep MLP under one initialisation."""
    forward, backward = depth_stats(depth, width, scheme, activation, std, DEMO_BATCH, seed)
    spread = _weight_std(scheme, width, activation, std)
    layers = [layer for layer in TABLE_LAYERS if layer < depth] + [depth]
    rows = tuple((str(layer), _number(forward[layer - 1]), _number(backward[layer - 1])) for layer in layers)
    en, zh = _verdict(forward, backward, scheme)
    summary = (f"{scheme} with {activation}, {width} units: {_weights_text(scheme, width, activation, std, spread)}."
               f"\nOver {depth} layers the activations' std goes from {_number(forward[0])} to "
               f"{_number(forward[-1])} and the gradients' from {_number(backward[-1])} (last layer) to "
               f"{_number(backward[0])} (first): {en}")
    summary_zh = (f"{scheme} 配 {activation},每层 {width} 个单元:"
                  f"{_weights_text(scheme, width, activation, std, spread, zh=True)}。\n经过 {depth} 层,"
                  f"激活值的标准差从 {_number(forward[0])} 变为 {_number(forward[-1])},"
                  f"梯度的标准差从 {_number(backward[-1])}(最后一层)变为 {_number(backward[0])}(第一层):{zh}")
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=("layer", "activation std", "gradient std"), rows=rows,
                    columns_zh=("层", "激活值标准差", "梯度标准差")),
        figure=_figure(forward, backward, scheme, activation),
        data={"weight_std": spread, "batch": DEMO_BATCH, "forward_std": [_json(v) for v in forward],
              "backward_std": [_json(v) for v in backward]},
    )


def _weights_text(scheme: str, width: int, activation: str, std: float, spread: float, zh: bool = False) -> str:
    """How the weights' std comes about, in words a learner can check."""
    if scheme == "zeros":
        return "所有权重为 0" if zh else "every weight is 0"
    if scheme == "normal":
        formula = f"{std:g}(固定)" if zh else f"{std:g} (fixed)"
    elif scheme.startswith("xavier"):
        formula = f"sqrt(2/({width}+{width})) = {spread:.4g}"
    elif activation == "relu":
        formula = f"sqrt(2/{width}) = {spread:.4g}"
    else:
        gain = calculate_gain(activation, _kaiming_a(activation))
        formula = f"{gain:.4g}/sqrt({width}) = {spread:.4g}"
    return f"权重标准差 {formula}" if zh else f"weights drawn with std {formula}"


def _verdict(forward: np.ndarray, backward: np.ndarray, scheme: str) -> tuple[str, str]:
    """One clause on what happened to each signal between the first and the last layer, in English and Chinese."""
    if scheme == "zeros":
        return ("every unit of a layer computes the same value and gets the same gradient, so they can never "
                "become different (the symmetry problem).", "同一层的每个单元算出同样的值、得到同样的梯度,永远无法变得不同(对称性问题)。")
    parts_en, parts_zh = [], []
    for name, name_zh, start, end in (("activations", "激活值", forward[0], forward[-1]),
                                      ("gradients", "梯度", backward[-1], backward[0])):
        ratio = end / start if start > 0 else math.nan
        per_layer = ratio ** (1.0 / (forward.size - 1)) if ratio > 0 else 0.0
        if not math.isfinite(ratio):
            parts_en.append(f"the {name} explode past the float64 range")
            parts_zh.append(f"{name_zh}爆炸,超出 float64 的范围")
        elif ratio > SCALE_CHANGE or ratio < 1.0 / SCALE_CHANGE:
            verb, verb_zh = ("explode", "爆炸") if ratio > 1.0 else ("vanish", "消失")
            parts_en.append(f"the {name} {verb} (x{_number(ratio)}, about x{per_layer:.3g} per layer)")
            parts_zh.append(f"{name_zh}{verb_zh}(x{_number(ratio)},约每层 x{per_layer:.3g})")
        else:
            parts_en.append(f"the {name} keep their scale (x{_number(ratio)})")
            parts_zh.append(f"{name_zh}保持原有量级(x{_number(ratio)})")
    return f"{parts_en[0]}, {parts_en[1]}.", f"{parts_zh[0]},{parts_zh[1]}。"


def _number(value: float) -> str:
    """A std as short text: 0.8264, 3.2e-45, 0."""
    return f"{value:.4g}" if value == 0 or 1e-3 <= abs(value) < 1e4 else f"{value:.2e}"


def _json(value: float) -> float | None:
    """A float for JSON: None for inf and nan."""
    return float(value) if math.isfinite(value) else None


def _figure(forward: np.ndarray, backward: np.ndarray, scheme: str, activation: str):
    """Both stds against the layer on a log axis, with the order-one line."""
    fig, ax = new_axes(f"Signal scale through depth: {scheme}, {activation}", "layer l", "standard deviation (log)")
    layer = np.arange(1, forward.size + 1)
    ax.plot(layer, forward, color=COLOURS[0], marker=MARKERS[0], markersize=4, linewidth=2,
            label="activations a_l (forward)")
    ax.plot(layer, backward, color=COLOURS[1], marker=MARKERS[1], markersize=4, linewidth=2,
            label="gradients dL/da_l (backward)")
    ax.plot([1, forward.size], [1.0, 1.0], color=GRID_COLOUR, linestyle="--", linewidth=1, label="std 1")
    ax.set_yscale("log")
    shown = np.concatenate((forward, backward))
    shown = shown[np.isfinite(shown) & (shown > 0)]
    if shown.size:
        ax.set_ylim(min(shown.min(), 1.0) / 3, max(shown.max(), 1.0) * 3)
    ax.set_xlim(0.5, forward.size + 0.5)
    ax.legend(loc="best")
    return fig


def warm() -> None:
    """Compile (or load from cache) the kernels on a two-layer network; the helpers are called directly too, since
    loading _depth_stats from Numba's cache does not compile them."""
    init_std("kaiming_normal", 4, 4, "relu")
    depth_stats(2, 3, "kaiming_normal", "relu", batch=2)
    _activate(np.zeros((1, 1)), RELU, LEAKY_SLOPE)
    _derivative(np.zeros((1, 1)), RELU, LEAKY_SLOPE)


DEMO = declare_demo(
    run, warm,
    title_en="Initialisation and depth",
    title_zh="初始化与网络深度",
    description_en="Per-layer std of activations and gradients in a deep MLP: vanishing and exploding signals, and "
                   "how Xavier and He (Kaiming) initialisation keep them of order one.",
    description_zh="深层 MLP 中每层激活值与梯度的标准差:信号消失与爆炸,以及 Xavier 和 He(Kaiming)初始化"
                   "如何让它们保持在 1 的量级。",
)
