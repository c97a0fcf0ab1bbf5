"""Numerical derivatives, and gradient checking of a hand-written backprop.

`numerical_derivative` is the forward difference (f(x+e) - f(x)) / e or the centred one
(f(x+e) - f(x-e)) / 2e. Their truncation errors are about e/2 |f''| and e^2/6 |f'''| (Taylor), and round-off
adds about machine-epsilon |f| / e, so each error curve against e is a V on log axes, the centred one
reaching much lower (near e = 1e-5, against 1e-8 for the forward one).

`computation_graph` is the notes' computation graph J = 3(a + bc), split into u = bc, v = a + u, J = 3v: the
forward pass stores u, v and J, the backward pass multiplies the gradient arriving at each node by the node's
local derivative (dJ/dv = 3, dJ/du = dJ/dv * 1, dJ/da = dJ/dv * 1, dJ/db = dJ/du * c, dJ/dc = dJ/du * b), as
torch autograd does on the same expression.

`mlp_gradients` is backprop written out by hand for a two-layer network, hidden = g(X W1 + b1),
p = sigmoid(hidden W2 + b2), loss = mean binary cross-entropy; it agrees with torch autograd on
`F.binary_cross_entropy_with_logits(hidden @ W2 + b2, Y)` (the loss is computed from the logits, so it stays
exact where p saturates; wherever torch's `F.binary_cross_entropy(sigmoid(...), Y)` does not clamp, the two
are the same number). `gradient_check` compares it with centred differences over every parameter by the
relative difference ||approx - exact|| / (||approx|| + ||exact||), as in deeplearning.ai's gradient checking.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_choice, check_number, check_shape
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

FUNCS = ("square", "cube", "exp", "sin", "sigmoid", "tanh")
SQUARE, CUBE, EXP, SIN, SIGMOID, TANH = range(len(FUNCS))
METHODS = ("centred", "forward")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
ACT_TANH, ACT_RELU, ACT_SIGMOID = range(len(ACTIVATIONS))
PARAMETERS = ("W1", "b1", "W2", "b2")
EPS_GRID = np.logspace(-12, -1, 45)  # the demo's sweep, four points a decade
MACHINE_EPSILON = float(np.finfo(np.float64).eps)


def numerical_derivative(func: str, x, eps: float = 1e-4, method: str = "centred") -> np.ndarray:
    """The finite-difference estimate of func'(x) at every element of x (same shape).

    func: square, cube, exp, sin, sigmoid or tanh; method: centred, (f(x+e) - f(x-e)) / 2e, or forward,
    (f(x+e) - f(x)) / e.
    """
    code = FUNCS.index(check_choice("func", func, FUNCS))
    values = check_array("x", x)
    eps = check_number("eps", eps, 0, low_open=True)
    forward = check_choice("method", method, METHODS) == "forward"
    return _numerical_derivative(code, values.ravel(), eps, forward).reshape(np.shape(x))


def exact_derivatives(func: str, x: float) -> tuple[float, float, float]:
    """The first, second and third derivatives of func (square, cube, exp, sin, sigmoid or tanh) at the number x,
    in closed form: the truth the finite differences are measured against."""
    code = FUNCS.index(check_choice("func", func, FUNCS))
    first, second, third = _exact(code, check_number("x", x))
    return float(first), float(second), float(third)


GRAPH_NODES = ("a", "b", "c", "u", "v", "J")


def computation_graph(a: float, b: float, c: float) -> dict[str, dict[str, float]]:
    """Forward values and backward derivatives dJ/d(node) of J = 3(a + bc) through u = bc, v = a + u, J = 3v.

    Returns {"value": {node: value}, "grad": {node: dJ/dnode}} for the nodes a, b, c, u, v and J.
    """
    a, b, c = (check_number(name, value) for name, value in (("a", a), ("b", b), ("c", c)))
    values, grads = _graph(a, b, c)
    return {"value": dict(zip(GRAPH_NODES, map(float, values))), "grad": dict(zip(GRAPH_NODES, map(float, grads)))}


def relative_difference(approx, exact) -> float:
    """||approx - exact||_2 / (||approx||_2 + ||exact||_2), 0 when both are 0; arrays of one shape."""
    approx = check_array("approx", approx)
    exact = check_shape("exact", check_array("exact", exact), approx.shape, "the shape of approx")
    return float(_relative_difference(approx.ravel(), exact.ravel()))


def mlp_gradients(X, Y, W1, b1, W2, b2, activation: str = "tanh") -> dict[str, float | np.ndarray]:
    """The loss and, by backprop, its gradients with respect to W1, b1, W2 and b2 (each of its parameter's shape).

    X (n, d), Y (n, 1) of 0s and 1s, W1 (d, h), b1 (h,), W2 (h, 1), b2 (1,); activation tanh, relu or sigmoid.
    """
    arrays, act = _network(X, Y, W1, b1, W2, b2, activation)
    loss, *grads = _backprop(*arrays, act, False)
    return {"loss": float(loss), **dict(zip(PARAMETERS, grads))}


def gradient_check(X, Y, W1, b1, W2, b2, activation: str = "tanh", eps: float = 1e-5) -> float:
    """The relative difference between mlp_gradients and centred differences (step eps) over every parameter."""
    arrays, act = _network(X, Y, W1, b1, W2, b2, activation)
    eps = check_number("eps", eps, 0, low_open=True)
    return float(_check(*arrays, act, eps, False))


def _network(X, Y, W1, b1, W2, b2, activation: str) -> tuple[tuple[np.ndarray, ...], int]:
    """The data and parameters as float64 arrays of matching shapes, and the activation's kernel code."""
    act = ACTIVATIONS.index(check_choice("activation", activation, ACTIVATIONS))
    X = check_array("X", X, ndim=2, min_size=1)
    n, d = X.shape
    Y = check_shape("Y", check_array("Y", Y, ndim=2), (n, 1), "one label per row of X")
    wrong = np.flatnonzero((Y != 0) & (Y != 1))
    if wrong.size:
        raise ValueError(f"Y[{int(wrong[0])}, 0]={Y[wrong[0], 0].item()!r}: must be 0 or 1")
    W1 = check_shape("W1", check_array("W1", W1, ndim=2, min_size=1), (d, None), "(d, h) with d the columns of X")
    h = W1.shape[1]
    b1 = check_shape("b1", check_array("b1", b1, ndim=1), (h,), "one bias per hidden unit")
    W2 = check_shape("W2", check_array("W2", W2, ndim=2), (h, 1), "one weight per hidden unit")
    b2 = check_shape("b2", check_array("b2", b2, ndim=1), (1,), "the output's bias")
    return (X, Y, W1, b1, W2, b2), act


@njit(cache=True)
def _sigmoid(z):
    """1 / (1 + e^-z) without overflow; each demo keeps its own (see demos/__init__.py)."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True)
def _f(code, x):
    """The function FUNCS[code] at x."""
    if code == SQUARE:
        return x * x
    if code == CUBE:
        return x * x * x
    if code == EXP:
        return math.exp(x)
    if code == SIN:
        return math.sin(x)
    if code == SIGMOID:
        return _sigmoid(x)
    return math.tanh(x)


@njit(cache=True)
def _exact(code, x):
    """f'(x), f''(x) and f'''(x) of FUNCS[code], in closed form."""
    if code == SQUARE:
        return 2.0 * x, 2.0, 0.0
    if code == CUBE:
        return 3.0 * x * x, 6.0 * x, 6.0
    if code == EXP:
        e = math.exp(x)
        return e, e, e
    if code == SIN:
        return math.cos(x), -math.sin(x), -math.cos(x)
    if code == SIGMOID:
        s = _sigmoid(x)
        d1 = s * (1.0 - s)
        return d1, d1 * (1.0 - 2.0 * s), d1 * ((1.0 - 2.0 * s) ** 2 - 2.0 * d1)
    t = math.tanh(x)
    d1 = 1.0 - t * t
    return d1, -2.0 * t * d1, d1 * (6.0 * t * t - 2.0)


@njit(cache=True)
def _difference(code, x, eps, forward):
    """(f(x+e) - f(x)) / e when forward, else (f(x+e) - f(x-e)) / 2e."""
    if forward:
        return (_f(code, x + eps) - _f(code, x)) / eps
    return (_f(code, x + eps) - _f(code, x - eps)) / (2.0 * eps)


@njit(cache=True)
def _numerical_derivative(code, x, eps, forward):
    """The finite difference at each element of the 1-D array x."""
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = _difference(code, x[i], eps, forward)
    return out


@njit(cache=True)
def _error_curves(code, x, eps_grid):
    """|forward - f'(x)| (row 0) and |centred - f'(x)| (row 1) for each step in eps_grid."""
    exact = _exact(code, x)[0]
    out = np.empty((2, eps_grid.size))
    for i in range(eps_grid.size):
        out[0, i] = abs(_difference(code, x, eps_grid[i], True) - exact)
        out[1, i] = abs(_difference(code, x, eps_grid[i], False) - exact)
    return out


@njit(cache=True)
def _graph(a, b, c):
    """Forward values (a, b, c, u, v, J) and backward derivatives dJ/d(each), node by node (reverse mode)."""
    u = b * c  # forward, inputs to output
    v = a + u
    J = 3.0 * v
    dJ = 1.0  # backward, output to inputs: each node takes the gradient from above times its local derivative
    dv = dJ * 3.0  # J = 3v
    du = dv * 1.0  # v = a + u
    da = dv * 1.0
    db = du * c  # u = bc
    dc = du * b
    return np.array([a, b, c, u, v, J]), np.array([da, db, dc, du, dv, dJ])


@njit(cache=True)
def _graph_value(a, b, c):
    """J = 3(a + bc) in one line, for the centred-difference check of the backward pass."""
    return 3.0 * (a + b * c)


@njit(cache=True)
def _relative_difference(approx, exact):
    """||approx - exact|| / (||approx|| + ||exact||) of two 1-D arrays, 0 when both are 0."""
    diff, norm_a, norm_e = 0.0, 0.0, 0.0
    for i in range(approx.size):
        diff += (approx[i] - exact[i]) ** 2
        norm_a += approx[i] ** 2
        norm_e += exact[i] ** 2
    denominator = math.sqrt(norm_a) + math.sqrt(norm_e)
    return 0.0 if denominator == 0.0 else math.sqrt(diff) / denominator


@njit(cache=True)
def _act(act, z):
    """The hidden activation ACTIVATIONS[act] of one pre-activation."""
    if act == ACT_TANH:
        return math.tanh(z)
    if act == ACT_RELU:
        return z if z > 0.0 else 0.0
    return _sigmoid(z)


@njit(cache=True)
def _act_slope(act, z, a):
    """Its derivative at z, from z and the activation a = g(z) (relu'(0) = 0, as torch)."""
    if act == ACT_TANH:
        return 1.0 - a * a
    if act == ACT_RELU:
        return 1.0 if z > 0.0 else 0.0
    return a * (1.0 - a)


@njit(cache=True)
def _forward(X, W1, b1, W2, b2, act):
    """Pre-activations Z1 = X W1 + b1 (n, h), hidden A1 = g(Z1) (n, h) and output logits A1 W2 + b2 (n,)."""
    n, d, h = X.shape[0], X.shape[1], W1.shape[1]
    Z1, A1, logits = np.empty((n, h)), np.empty((n, h)), np.empty(n)
    for i in range(n):
        total = b2[0]
        for j in range(h):
            z = b1[j]
            for k in range(d):
                z += X[i, k] * W1[k, j]
            Z1[i, j], A1[i, j] = z, _act(act, z)
            total += A1[i, j] * W2[j, 0]
        logits[i] = total
    return Z1, A1, logits


@njit(cache=True)
def _loss(X, Y, W1, b1, W2, b2, act):
    """Mean binary cross-entropy of sigmoid(logits) against Y: mean of (1 - y) o - log sigmoid(o)."""
    logits = _forward(X, W1, b1, W2, b2, act)[2]
    total = 0.0
    for i in range(logits.size):
        o = logits[i]
        total += (1.0 - Y[i, 0]) * o - (min(o, 0.0) - math.log1p(math.exp(-abs(o))))
    return total / logits.size


@njit(cache=True)
def _backprop(X, Y, W1, b1, W2, b2, act, bug):
    """Loss, dW1, db1, dW2, db2 by the chain rule, example by example.

    dO = (p - y) / n; dW2 = A1^T dO, db2 = sum dO; dZ1 = dO W2^T * g'(Z1); dW1 = X^T dZ1, db1 = sum dZ1. With
    `bug`, dZ1 forgets the factor g'(Z1): the planted error a gradient check should catch.
    """
    n, d, h = X.shape[0], X.shape[1], W1.shape[1]
    Z1, A1, logits = _forward(X, W1, b1, W2, b2, act)
    dW1, db1, dW2, db2 = np.zeros((d, h)), np.zeros(h), np.zeros((h, 1)), np.zeros(1)
    for i in range(n):
        dO = (_sigmoid(logits[i]) - Y[i, 0]) / n
        db2[0] += dO
        for j in range(h):
            dW2[j, 0] += A1[i, j] * dO
            dZ = dO * W2[j, 0]
            if not bug:
                dZ *= _act_slope(act, Z1[i, j], A1[i, j])
            db1[j] += dZ
            for k in range(d):
                dW1[k, j] += X[i, k] * dZ
    return _loss(X, Y, W1, b1, W2, b2, act), dW1, db1, dW2, db2


@njit(cache=True)
def _pack(W1, b1, W2, b2):
    """Every parameter in one vector theta: W1 row by row, then b1, W2 and b2."""
    return np.concatenate((W1.ravel(), b1, W2.ravel(), b2))


@njit(cache=True)
def _unpack(theta, d, h):
    """W1 (d, h), b1 (h,), W2 (h, 1) and b2 (1,) as views of theta, so nudging theta nudges them."""
    W1 = theta[:d * h].reshape((d, h))
    b1 = theta[d * h:d * h + h]
    W2 = theta[d * h + h:d * h + 2 * h].reshape((h, 1))
    b2 = theta[d * h + 2 * h:d * h + 2 * h + 1]
    return W1, b1, W2, b2


@njit(cache=True)
def _numerical_gradient(X, Y, theta, h, act, eps):
    """(J(theta + eps e_k) - J(theta - eps e_k)) / 2 eps for every component k of theta."""
    d = X.shape[1]
    theta = theta.copy()
    W1, b1, W2, b2 = _unpack(theta, d, h)
    grad = np.empty(theta.size)
    for k in range(theta.size):
        saved = theta[k]
        theta[k] = saved + eps
        up = _loss(X, Y, W1, b1, W2, b2, act)
        theta[k] = saved - eps
        down = _loss(X, Y, W1, b1, W2, b2, act)
        theta[k] = saved
        grad[k] = (up - down) / (2.0 * eps)
    return grad


@njit(cache=True)
def _check(X, Y, W1, b1, W2, b2, act, eps, bug):
    """The relative difference between backprop's gradients and centred differences, over all parameters."""
    _, dW1, db1, dW2, db2 = _backprop(X, Y, W1, b1, W2, b2, act, bug)
    approx = _numerical_gradient(X, Y, _pack(W1, b1, W2, b2), W1.shape[1], act, eps)
    return _relative_difference(approx, _pack(dW1, db1, dW2, db2))


@njit(cache=True)
def _check_curve(X, Y, W1, b1, W2, b2, act, eps_grid, bug):
    """The gradient check's relative difference for each step in eps_grid."""
    out = np.empty(eps_grid.size)
    for i in range(eps_grid.size):
        out[i] = _check(X, Y, W1, b1, W2, b2, act, eps_grid[i], bug)
    return out


# The demo: error against step size for one function, and a gradient check of a small network.

def _demo_network(seed: int = 0) -> tuple[np.ndarray, ...]:
    """The demo's network: 8 examples of 3 features, 5 hidden units, labels from a non-linear rule, seeded."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((8, 3))
    Y = (X[:, :1] + X[:, 1:2] ** 2 > 0.5).astype(np.float64)
    return X, Y, rng.standard_normal((3, 5)), 0.5 * rng.standard_normal(5), rng.standard_normal((5, 1)), np.array([0.1])


def run(
    func: Annotated[str, Arg("function to differentiate", "要求导的函数", choices=FUNCS)] = "cube",
    x: Annotated[float, Arg("point x where f'(x) is estimated", "估计 f'(x) 的点 x", low=-3.0, high=3.0)] = 1.0,
    eps: Annotated[float, Arg("step eps of the table and the gradient check", "表格和梯度检验使用的步长 eps",
                              low=1e-12, high=0.1)] = 1e-4,
    activation: Annotated[str, Arg("hidden activation of the checked network", "被检验网络的隐藏层激活函数",
                                   choices=ACTIVATIONS)] = "tanh",
    bug: Annotated[bool, Arg("plant a bug in backprop: forget the factor g'(Z1)",
                             "在反向传播中植入 bug:漏掉因子 g'(Z1)")] = False,
    view: Annotated[str, Arg("differences: finite differences and a gradient check; graph: forward and backward "
                             "passes through the computation graph J = 3(a + bc)",
                             "differences:有限差分与梯度检验;graph:计算图 J = 3(a + bc) 的前向与反向传播",
                             choices=("differences", "graph"))] = "differences",
    a: Annotated[float, Arg("graph: input a of J = 3(a + bc)", "graph:J = 3(a + bc) 的输入 a", low=-10.0, high=10.0)]
    = 5.0,
    b: Annotated[float, Arg("graph: input b", "graph:输入 b", low=-10.0, high=10.0)] = 3.0,
    c: Annotated[float, Arg("graph: input c", "graph:输入 c", low=-10.0, high=10.0)] = 2.0,
) -> DemoResult:
    """Forward and centred difference errors against eps, and a gradient check of a small MLP at that eps; or the
    computation graph's forward and backward passes (view graph)."""
    if view == "graph":
        return _graph_result(a, b, c, eps)
    code, at = FUNCS.index(func), np.array([x])
    exact, second, third = _exact(code, x)
    forward = float(numerical_derivative(func, at, eps, "forward")[0])
    centred = float(numerical_derivative(func, at, eps, "centred")[0])
    curves = _error_curves(code, x, EPS_GRID)
    network, act = _network(*_demo_network(), activation)
    check_curve = _check_curve(*network, act, EPS_GRID, bug)
    backprop = _backprop(*network, act, bug)[1:]
    approx = _numerical_gradient(network[0], network[1], _pack(*network[2:]), network[2].shape[1], act, eps)
    ends = np.cumsum([g.size for g in backprop])
    per_parameter = [relative_difference(a, g.ravel()) for a, g in zip(np.split(approx, ends[:-1]), backprop)]
    overall = float(_check(*network, act, eps, bug))
    rows = [
        (f"exact {func}'({x:g})", f"{exact:.10g}", "", ""),
        ("forward difference", f"{forward:.10g}", f"{abs(forward - exact):.1e}",
         f"truncation ~ eps/2 |f''| = {eps / 2 * abs(second):.1e}"),
        ("centred difference", f"{centred:.10g}", f"{abs(centred - exact):.1e}",
         f"truncation ~ eps^2/6 |f'''| = {eps ** 2 / 6 * abs(third):.1e}"),
        *((f"gradient check d{name}", "", f"{value:.1e}", _verdict(value)[0])
          for name, value in zip(PARAMETERS, per_parameter)),
        ("gradient check, all", "", f"{overall:.1e}", _verdict(overall)[0]),
    ]
    best = [(float(EPS_GRID[np.argmin(curve)]), float(curve.min())) for curve in curves]
    summary, summary_zh = _summaries(func, x, eps, exact, forward, centred, best, activation, bug, overall,
                                     per_parameter)
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=("quantity", "estimate", "error", "note"), rows=tuple(rows),
                    columns_zh=("量", "估计值", "误差", "说明")),
        figure=_figure(func, x, eps, curves, check_curve, forward - exact, centred - exact, overall, activation, bug),
        data={"func": func, "x": x, "eps": eps, "exact": exact, "forward": forward, "centred": centred,
              "eps_grid": EPS_GRID.tolist(), "forward_errors": _json(curves[0]), "centred_errors": _json(curves[1]),
              "check_curve": _json(check_curve), "activation": activation, "bug": bug,
              "relative_difference": overall,
              "relative_difference_per_parameter": dict(zip(PARAMETERS, per_parameter))},
    )


# The graph view: J = 3(a + bc) forward, then backward by the chain rule.

GRAPH_ROWS = (  # node, its formula, its local derivative(s) as text
    ("a", "input", "∂v/∂a = 1"),
    ("b", "input", "∂u/∂b = c"),
    ("c", "input", "∂u/∂c = b"),
    ("u", "u = b·c", "∂v/∂u = 1"),
    ("v", "v = a + u", "∂J/∂v = 3"),
    ("J", "J = 3·v", "-"),
)
# How each dJ/d(node) is made from the one above it.
GRAPH_CHAIN = {"J": "", "v": "dJ/dJ·3", "u": "dJ/dv·1", "a": "dJ/dv·1", "b": "dJ/du·c", "c": "dJ/du·b"}
GRAPH_AT = {"a": (0.0, 2.0), "b": (0.0, 1.0), "c": (0.0, 0.0), "u": (1.2, 0.5), "v": (2.4, 1.25), "J": (3.6, 1.25)}
GRAPH_EDGES = (("b", "u", "×c"), ("c", "u", "×b"), ("a", "v", "×1"), ("u", "v", "×1"), ("v", "J", "×3"))


def _graph_result(a: float, b: float, c: float, eps: float) -> DemoResult:
    """The computation graph of J = 3(a + bc): each node's value, local derivative and dJ/d(node)."""
    graph = computation_graph(a, b, c)
    value, grad = graph["value"], graph["grad"]
    numeric = {name: (_graph_value(*(x + eps * (k == i) for k, x in enumerate((a, b, c))))
                      - _graph_value(*(x - eps * (k == i) for k, x in enumerate((a, b, c))))) / (2.0 * eps)
               for i, name in enumerate("abc")}
    worst = max(abs(numeric[name] - grad[name]) for name in "abc")
    rows = tuple((node, formula, f"{value[node]:g}", local,
                  f"{GRAPH_CHAIN[node]} = {grad[node]:g}" if GRAPH_CHAIN[node] else f"{grad[node]:g}")
                 for node, formula, local in GRAPH_ROWS)
    table = Table(columns=("node", "formula", "forward value", "local derivative", "dJ/d(node), backward"),
                  rows=rows, columns_zh=("节点", "公式", "前向值", "局部导数", "dJ/d(节点),反向"))
    summary = (f"Forward at a = {a:g}, b = {b:g}, c = {c:g}: u = bc = {value['u']:g}, v = a + u = {value['v']:g}, "
               f"J = 3v = {value['J']:g}.\n"
               f"Backward from J, each node multiplying the gradient from above by its local derivative: dJ/dv = "
               f"{grad['v']:g}, dJ/du = {grad['u']:g}, dJ/da = {grad['a']:g}, dJ/db = dJ/du·c = {grad['b']:g}, "
               f"dJ/dc = dJ/du·b = {grad['c']:g}; centred differences (eps = {eps:g}) agree to {worst:.0e}.")
    summary_zh = (f"前向(a = {a:g}、b = {b:g}、c = {c:g}):u = bc = {value['u']:g},v = a + u = {value['v']:g},"
                  f"J = 3v = {value['J']:g}。\n"
                  f"从 J 反向,每个节点把上游传来的梯度乘以自己的局部导数:dJ/dv = {grad['v']:g},dJ/du = {grad['u']:g},"
                  f"dJ/da = {grad['a']:g},dJ/db = dJ/du·c = {grad['b']:g},dJ/dc = dJ/du·b = {grad['c']:g};"
                  f"中心差分(eps = {eps:g})与之相差 {worst:.0e}。")
    data = {"view": "graph", "a": a, "b": b, "c": c, "eps": eps, "value": value, "grad": grad,
            "centred": numeric, "max_difference": worst}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=_graph_figure(value, grad),
                      data=data)


def _graph_figure(value: dict, grad: dict):
    """The graph: nodes with their forward values (above) and backward derivatives (below), edges with the local
    factor the backward pass multiplies by."""
    fig, ax = new_axes("Computation graph of J = 3(a + bc): forward values, backward dJ/d(node)", "", "")
    for start, end, factor in GRAPH_EDGES:
        (x0, y0), (x1, y1) = GRAPH_AT[start], GRAPH_AT[end]
        ax.plot([x0, x1], [y0, y1], color=GRID_COLOUR, linewidth=1.5)
        label = f"{factor} = {value[factor[1]]:g}" if factor[1] in value else factor
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.08, label, color=COLOURS[3], fontsize=9, ha="center")
    names = {"u": "u = bc", "v": "v = a + u", "J": "J = 3v"}
    for node, (x, y) in GRAPH_AT.items():
        ax.plot([x], [y], color=COLOURS[0], marker="o", markersize=14, linestyle="none")
        ax.text(x, y + 0.18, f"{names.get(node, node)} = {value[node]:g}", color=COLOURS[0], fontsize=10,
                ha="center")
        ax.text(x, y - 0.3, f"dJ/d{node} = {grad[node]:g}", color=COLOURS[3], fontsize=10, ha="center")
    ax.plot([], [], color=COLOURS[0], marker="o", linestyle="none", label="forward value")
    ax.plot([], [], color=COLOURS[3], marker="s", linestyle="none", label="backward dJ/d(node), edge: local factor")
    ax.set_xlim(-0.6, 4.2)
    ax.set_ylim(-0.6, 2.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="lower right", fontsize=8)
    return fig


def _verdict(value: float) -> tuple[str, str]:
    """The card's reading of a relative difference: great, look closer, or almost surely a bug."""
    if value <= 1e-7:
        return "great (<= 1e-7)", "很好(<= 1e-7)"
    if value < 1e-3:
        return "look closer (~1e-5)", "需要仔细看看(~1e-5)"
    return "almost surely a bug (>= 1e-3)", "几乎肯定有 bug(>= 1e-3)"


def _summaries(func, x, eps, exact, forward, centred, best, activation, bug, overall, per_parameter):
    """The two estimates at eps and the best step of each; then the gradient check's verdict."""
    error_f, error_c = abs(forward - exact), abs(centred - exact)
    times = _times(error_f / error_c) if error_c > 0 and error_f > error_c else ""
    (best_f, low_f), (best_c, low_c) = best
    first = (f"{func}'({x:g}) = {exact:.6g}; at eps = {eps:g} forward gives {forward:.10g} (error {error_f:.1e}), "
             f"centred {centred:.10g} (error {error_c:.1e}" + (f", {times} times closer)." if times else ").")
             + f" Errors fall like eps (forward) and eps^2 (centred) until round-off (~1e-16/eps) takes over: "
             f"best forward {low_f:.0e} at eps = {best_f:.0e}, best centred {low_c:.0e} at eps = {best_c:.0e}.")
    first_zh = (f"{func}'({x:g}) = {exact:.6g};eps = {eps:g} 时单侧差分得 {forward:.10g}(误差 {error_f:.1e}),"
                f"中心差分得 {centred:.10g}(误差 {error_c:.1e}" + (f",精确 {times} 倍)。" if times else ")。")
                + f"误差按 eps(单侧)和 eps^2(中心)下降,直到舍入误差(约 1e-16/eps)占上风:"
                f"单侧最好 {low_f:.0e}(eps = {best_f:.0e}),中心最好 {low_c:.0e}(eps = {best_c:.0e})。")
    verdict, verdict_zh = _verdict(overall)
    second = (f"Gradient check of the {activation} network at eps = {eps:g}: relative difference {overall:.1e}, "
              f"{verdict}.")
    second_zh = f"{activation} 网络在 eps = {eps:g} 时的梯度检验:相对差 {overall:.1e},{verdict_zh}。"
    if bug:
        second += (f" The planted bug (dZ1 without g'(Z1)) shows in W1 and b1 ({per_parameter[0]:.1e}, "
                   f"{per_parameter[1]:.1e}) while W2 and b2 still agree ({per_parameter[2]:.1e}).")
        second_zh += (f"植入的 bug(dZ1 漏掉 g'(Z1))只出现在 W1 和 b1({per_parameter[0]:.1e}、{per_parameter[1]:.1e}),"
                      f"W2 和 b2 仍然一致({per_parameter[2]:.1e})。")
    else:
        second += " Plant the bug (bug=true) to see it jump to about 1e-1."
        second_zh += "植入 bug(bug=true)后它会跳到约 1e-1。"
    return f"{first}\n{second}", f"{first_zh}\n{second_zh}"


def _times(ratio: float) -> str:
    """A ratio to two significant digits, as a whole number from 10 on: 301 -> '300', 29999 -> '30000'."""
    rounded = float(f"{ratio:.2g}")
    return f"{rounded:.0f}" if rounded >= 10 else f"{rounded:g}"


def _figure(func, x, eps, curves, check_curve, error_f, error_c, overall, activation, bug):
    """|error| of both differences and the gradient check's relative difference against eps, on log axes."""
    fig, ax = new_axes(f"Finite differences of {func}'({x:g}) and a gradient check", "step eps",
                       "|error| / relative difference")
    positive = [np.where(values > 0, values, np.nan) for values in (*curves, check_curve)]
    labels = ("forward |error|", "centred |error|",
              f"{activation} MLP gradient check" + (" (bug planted)" if bug else ""))
    marks = (abs(error_f), abs(error_c), overall)
    for i, (values, label, mark) in enumerate(zip(positive, labels, marks)):
        ax.plot(EPS_GRID, values, color=COLOURS[i], linewidth=2, label=label)
        if mark > 0:
            ax.plot([eps], [mark], color=COLOURS[i], marker=MARKERS[i], linestyle="none")
    value = abs(_f(FUNCS.index(func), x))
    if value > 0:
        ax.plot(EPS_GRID, MACHINE_EPSILON * value / EPS_GRID, color=GRID_COLOUR, linestyle="--", linewidth=1,
                label="round-off ~ 2.2e-16 |f(x)| / eps")
    ax.axvline(eps, color=GRID_COLOUR, linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(loc="lower left", fontsize=8)
    return fig


def _json(values: np.ndarray) -> list[float | None]:
    """Floats for JSON, nan as None."""
    return [float(v) if math.isfinite(v) else None for v in values]


def warm() -> None:
    """Compile (or load from cache) every kernel on one point and a two-example network, and the helpers by
    themselves too (a caller loaded from Numba's cache does not compile the helpers it calls)."""
    numerical_derivative("cube", [1.0])
    relative_difference([1.0], [1.0])
    computation_graph(5.0, 3.0, 2.0)
    _graph_value(5.0, 3.0, 2.0)
    X, Y = np.array([[0.5], [-1.0]]), np.array([[1.0], [0.0]])
    W1, b1, W2, b2 = np.array([[1.0, -1.0]]), np.zeros(2), np.ones((2, 1)), np.zeros(1)
    mlp_gradients(X, Y, W1, b1, W2, b2)
    gradient_check(X, Y, W1, b1, W2, b2)
    network, act = _network(X, Y, W1, b1, W2, b2, "tanh")
    _error_curves(SQUARE, 1.0, EPS_GRID[:2])
    _check_curve(*network, act, EPS_GRID[:2], True)
    theta = _pack(W1, b1, W2, b2)
    for helper, args in ((_sigmoid, (0.5,)), (_f, (CUBE, 0.5)), (_exact, (CUBE, 0.5)),
                         (_difference, (CUBE, 0.5, 0.1, True)), (_act, (act, 0.5)), (_act_slope, (act, 0.5, 0.5)),
                         (_forward, (X, W1, b1, W2, b2, act)), (_loss, (*network, act)), (_unpack, (theta, 1, 2)),
                         (_numerical_gradient, (X, Y, theta, 2, act, 1e-5))):
        helper(*args)


DEMO = declare_demo(
    run, warm,
    title_en="Numerical gradients and gradient checking",
    title_zh="数值梯度与梯度检验",
    description_en="Forward against centred differences as the step shrinks (truncation against round-off), a "
                   "gradient check of a small network's backprop with an optional planted bug, and the forward and "
                   "backward passes through a computation graph.",
    description_zh="步长变小时单侧差分与中心差分的误差(截断误差与舍入误差),对小网络反向传播的梯度检验(可植入一个 bug),"
                   "以及计算图上的前向与反向传播。",
)


# Drill: a centred difference by hand, and how far it is from the exact derivative.

_DRILL_FUNCS = {  # the function as the question writes it, its derivative, and the function itself for the steps
    "cube": ("x³", "3x²", lambda x: x ** 3),
    "exp": ("e^x", "e^x", math.exp),
    "sin": ("sin x (x in radians)", "cos x", math.sin),
    "sigmoid": ("σ(x) = 1 / (1 + e^(−x))", "σ(x)(1 − σ(x))", lambda x: 1 / (1 + math.exp(-x))),
    "tanh": ("tanh x", "1 − tanh² x", math.tanh),
}


def _draw_difference(rng) -> dict:
    """A smooth function, x with one decimal (not 0), and eps of 0.1, 0.05 or 0.01, where f'(x) is not near 0 and
    the centred difference is off by at least 1e-5 (so its error has two figures that 10-digit values of f give)."""
    while True:
        func = str(rng.choice(tuple(_DRILL_FUNCS)))
        x = round(float(rng.integers(-20, 21)) / 10, 1)
        eps = float(rng.choice((0.1, 0.05, 0.01)))
        exact, _, third = exact_derivatives(func, x)
        if x != 0 and abs(exact) >= 0.05 and eps * eps / 6 * abs(third) >= 1e-5:
            return {"func": func, "x": x, "eps": eps, "f_text": _DRILL_FUNCS[func][0]}


def _solve_centred_difference(func: str, x: float, eps: float, f_text: str) -> Worked:
    """The module's centred difference at x, and its distance from the module's exact derivative, worked through."""
    estimate = float(numerical_derivative(func, [x], eps, "centred")[0])
    exact, _, third = exact_derivatives(func, x)
    error = abs(estimate - exact)
    _, derivative_text, f = _DRILL_FUNCS[func]
    up, down = f(x + eps), f(x - eps)
    subtracted = f"({down:.10g})" if down < 0 else f"{down:.10g}"
    values = f"f({x + eps:.4g}) = {up:.10g},  f({x - eps:.4g}) = {down:.10g}"
    quotient = f"({up:.10g} − {subtracted}) / {2 * eps:g} = {estimate:.8g}"
    distance = f"|{estimate:.8g} − {exact:.8g}| = {error:.3g}"
    taylor = f"ε²/6 · |f'''(x)| = {eps:g}²/6 · {abs(third):.4g} = {eps * eps / 6 * abs(third):.3g}"
    return Worked({"estimate": estimate, "error": error},
                  ("f'(x) ≈ (f(x + ε) − f(x − ε)) / 2ε", values, quotient,
                   f"exact: f'(x) = {derivative_text}, so f'({x:g}) = {exact:.8g}", distance,
                   f"about what Taylor predicts: {taylor}"),
                  ("f'(x) ≈ (f(x + ε) − f(x − ε)) / 2ε", values, quotient,
                   f"精确值:f'(x) = {derivative_text},所以 f'({x:g}) = {exact:.8g}", distance,
                   f"与泰勒展开的预测相近:{taylor}"))


DRILLS = declare_drills(
    __name__,
    Drill("centred_difference", "Centred difference by hand", "手算中心差分",
          "Estimate the derivative of f(x) = {f_text} at x = {x:g} by the centred difference with ε = {eps:g}. Give "
          "the estimate to 4 significant figures, and its error |estimate − f'(x)| against the exact derivative to "
          "2 significant figures (keep 10 significant digits of f in between).",
          "用中心差分估计 f(x) = {f_text} 在 x = {x:g} 处的导数,ε = {eps:g}。给出估计值(保留 4 位有效数字),"
          "以及它与精确导数之差 |估计值 − f'(x)|(保留 2 位有效数字;中间步骤 f 保留 10 位有效数字)。",
          (Field("estimate", "centred difference", "中心差分估计值", kind="number", sig_figs=4),
           Field("error", "error |estimate − f'(x)|", "误差 |估计值 − f'(x)|", kind="number", sig_figs=2)),
          _draw_difference, _solve_centred_difference),
)
