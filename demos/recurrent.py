"""Recurrent cells (RNN, GRU, LSTM), gradient clipping by norm, and vanishing or exploding gradients over time.

The cells follow PyTorch's `nn.RNNCell`, `nn.GRUCell` and `nn.LSTMCell` exactly, with their weight layouts:
W_ih (G*H, I), W_hh (G*H, H), b_ih and b_hh (G*H,), the G blocks of H rows stacked in torch's gate order
(GRU: r, z, n; LSTM: i, f, g, o). RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh). GRU: r and z are sigmoids
of their two affine parts, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h (so torch's
z keeps the old state: it plays the part of deeplearning.ai's 1 - Gamma_u). LSTM: i, f, o sigmoids, g a tanh,
c' = f * c + i * g, h' = o * tanh(c'). `clip_grad_norm` is `torch.nn.utils.clip_grad_norm_`: the 2-norm of
all the arrays together, each array scaled by min(1, max_norm / (norm + 1e-6)), the norm before clipping
returned. `gradient_norms` unrolls one cell over a random input sequence and multiplies the Jacobians
d s_t / d s_{t-1} of its state from t = T back to 0, giving the spectral norm of d h_T / d h_t (for the LSTM
the top-left block of the Jacobian of the state (h, c), so the path through the cell is included).
`parameter_count` counts a layer's parameters two ways: PyTorch's `nn.RNN`/`nn.GRU`/`nn.LSTM` (two bias vectors
per block, b_ih and b_hh) and the deeplearning.ai notes (one bias per block), plus an `nn.Linear` output layer.
"""

from __future__ import annotations

import math
from typing import Annotated, NamedTuple

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_choice, check_int, check_number, check_shape
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

CELLS = ("rnn", "gru", "lstm")
GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # blocks of H rows in W_ih and W_hh, in torch's order
GATE_NAMES = {"rnn": ("a",), "gru": ("r", "z", "n"), "lstm": ("i", "f", "g", "o")}
RNN, GRU, LSTM = 0, 1, 2  # the cell as the kernels take it
CLIP_EPS = 1e-6  # torch's clip_grad_norm_ divides max_norm by (total norm + 1e-6)
# The random network of gradient_norms: H hidden units, I inputs of unit variance entering each block with a
# standard deviation of INPUT_SCALE (small, so the states stay in tanh's linear range and the recurrent matrix
# decides what happens), zero initial state; the gates that keep the old state (GRU z, LSTM f) start open with
# bias KEEP_BIAS (sigmoid 0.95, the forget-bias trick) and the LSTM's input gate mostly shut with WRITE_BIAS
# (sigmoid 0.12), so that, as in a GRU, little is written over what is kept.
HIDDEN, INPUTS = 8, 4
INPUT_SCALE = 0.1
KEEP_BIAS, WRITE_BIAS = 3.0, -2.0


def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh) -> np.ndarray:
    """tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (torch `nn.RNNCell`, tanh): x (B, I) or (I,), h (B, H) or (H,)
    or None (zeros), W_ih (H, I), W_hh (H, H), b_ih and b_hh (H,) or None (no bias); returns h' like h."""
    x2, h2, _, W_ih, W_hh, b_ih, b_hh, single = _cell_inputs("rnn", x, h, None, W_ih, W_hh, b_ih, b_hh)
    out = _rnn_cell(x2, h2, W_ih, W_hh, b_ih, b_hh)
    return out[0] if single else out


def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh) -> np.ndarray:
    """torch `nn.GRUCell`: gates r, z, n from W_ih (3H, I), W_hh (3H, H), b_ih and b_hh (3H,) in that order;
    h' = (1 - z) * n + z * h with n = tanh(W_in x + b_in + r * (W_hn h + b_hn)). Shapes as rnn_cell."""
    x2, h2, _, W_ih, W_hh, b_ih, b_hh, single = _cell_inputs("gru", x, h, None, W_ih, W_hh, b_ih, b_hh)
    out, _ = _gru_cell(x2, h2, W_ih, W_hh, b_ih, b_hh)
    return out[0] if single else out


def lstm_cell(x, hx, W_ih, W_hh, b_ih, b_hh) -> tuple[np.ndarray, np.ndarray]:
    """torch `nn.LSTMCell`: hx is (h, c) (or None: zeros), gates i, f, g, o from W_ih (4H, I), W_hh (4H, H),
    b_ih and b_hh (4H,) in that order; c' = f * c + i * g, h' = o * tanh(c'). Returns (h', c')."""
    if hx is None:
        h = c = None
    elif isinstance(hx, (tuple, list)) and len(hx) == 2:
        h, c = hx
    else:
        raise ValueError("hx: must be a pair (h, c) of hidden and cell states, or None")
    x2, h2, c2, W_ih, W_hh, b_ih, b_hh, single = _cell_inputs("lstm", x, h, c, W_ih, W_hh, b_ih, b_hh)
    h_new, c_new, _ = _lstm_cell(x2, h2, c2, W_ih, W_hh, b_ih, b_hh)
    return (h_new[0], c_new[0]) if single else (h_new, c_new)


def clip_grad_norm(grads, max_norm: float) -> tuple[float, list[np.ndarray]]:
    """(total 2-norm of all the arrays together, the arrays scaled by min(1, max_norm / (total + 1e-6))), as
    torch `clip_grad_norm_` (which returns the same norm, taken before clipping). The inputs are not changed."""
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        grads = [grads]
    arrays = [check_array(f"grads[{i}]", grad) for i, grad in enumerate(grads)]
    max_norm = check_number("max_norm", max_norm, 0.0)
    flat = np.concatenate([array.ravel() for array in arrays]) if arrays else np.zeros(0)
    total, scale = _clip_scale(flat, max_norm)
    return total, [array * scale for array in arrays]


class ParameterCount(NamedTuple):
    """A recurrent layer's parameters (and an output layer's, when it has one), counted two ways.

    notes: the deeplearning.ai notes, one bias per block: G (H (H + I) + H) + O (H + 1).
    torch: PyTorch, whose nn.RNN / nn.GRU / nn.LSTM keep two bias vectors per block (b_ih and b_hh):
    G (H (H + I) + 2H), plus nn.Linear(H, O): O (H + 1). output: the output layer's share, O (H + 1), in both.
    """

    notes: int
    torch: int
    output: int


def parameter_count(cell: str, input_size: int, hidden_size: int, output_size: int = 0) -> ParameterCount:
    """Parameters of one recurrent layer (G = 1, 3, 4 blocks for rnn, gru, lstm) with input size I and hidden
    size H, plus a dense output layer of output_size units O on the hidden state (0: none), as the notes count
    them (one bias per block) and as PyTorch allocates them (two); the count does not depend on the sequence
    length, since every step reuses the same weights."""
    cell = check_choice("cell", cell, CELLS)
    inputs = check_int("input_size", input_size, 1)
    hidden = check_int("hidden_size", hidden_size, 1)
    outputs = check_int("output_size", output_size, 0)
    block = hidden * (hidden + inputs)
    output = outputs * (hidden + 1)
    return ParameterCount(GATES[cell] * (block + hidden) + output, GATES[cell] * (block + 2 * hidden) + output,
                          output)


def gradient_norms(cell: str, steps: int, spectral_radius: float, seed: int = 0) -> np.ndarray:
    """||d h_T / d h_t||_2 (largest singular value) for t = T, T-1, ..., 0: an array of steps + 1 values
    starting at 1, for a random `cell` network (see `network`) whose recurrent matrix blocks have the given
    spectral radius, unrolled over `steps` random inputs from a zero state."""
    cell = check_choice("cell", cell, CELLS)
    steps = check_int("steps", steps, 1, 100_000)
    spectral_radius = check_number("spectral_radius", spectral_radius, 0.0)
    seed = check_int("seed", seed, 0)
    xs, W_ih, W_hh, b_ih, b_hh = network(cell, steps, spectral_radius, seed)
    kind = CELLS.index(cell)
    hs, cs, gates = _unroll(kind, xs, W_ih, W_hh, b_ih, b_hh)
    return _gradient_norms(kind, hs, cs, gates, W_hh, b_hh)


def network(cell: str, steps: int, spectral_radius: float, seed: int = 0):
    """The random network and inputs of gradient_norms: (xs (steps, I), W_ih, W_hh, b_ih, b_hh) in torch's layout.

    Each H x H block of W_hh is spectral_radius times its own random orthogonal matrix (so its eigenvalues
    all have modulus spectral_radius, and so does its largest singular value); W_ih is normal with standard
    deviation INPUT_SCALE / sqrt(I); b_hh is 0 and b_ih is 0 except the keep gates (module docstring).
    """
    rng = np.random.default_rng(seed)
    gates = GATES[cell]
    W_hh = np.vstack([spectral_radius * _orthogonal(rng, HIDDEN) for _ in range(gates)])
    W_ih = rng.standard_normal((gates * HIDDEN, INPUTS)) * (INPUT_SCALE / math.sqrt(INPUTS))
    b_ih, b_hh = np.zeros(gates * HIDDEN), np.zeros(gates * HIDDEN)
    if cell == "gru":
        b_ih[HIDDEN:2 * HIDDEN] = KEEP_BIAS  # z: keep the old state
    elif cell == "lstm":
        b_ih[:HIDDEN] = WRITE_BIAS  # i: write little
        b_ih[HIDDEN:2 * HIDDEN] = KEEP_BIAS  # f: keep the cell
    xs = rng.standard_normal((steps, INPUTS))
    return xs, np.ascontiguousarray(W_ih), np.ascontiguousarray(W_hh), b_ih, b_hh


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random orthogonal n x n matrix (Haar: QR of a Gaussian matrix, the signs of R's diagonal moved into Q)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def _cell_inputs(cell: str, x, h, c, W_ih, W_hh, b_ih, b_hh):
    """Checked 2-D float64 arrays (x, h, c, W_ih, W_hh, b_ih, b_hh) and whether x came without a batch axis."""
    x = check_array("x", x, ndim=(1, 2), min_size=1)
    single = x.ndim == 1
    x2 = x[None, :] if single else x
    batch, inputs = x2.shape
    W_hh = check_array("W_hh", W_hh, ndim=2, min_size=1)
    gates = GATES[cell]
    hidden = W_hh.shape[1]
    blocks = {"rnn": "", "gru": " (r, z, n)", "lstm": " (i, f, g, o)"}[cell]
    size = f"{gates} * hidden" if gates > 1 else "hidden"
    check_shape("W_hh", W_hh, (gates * hidden, hidden), f"({size}, hidden){blocks}")
    W_ih = check_shape("W_ih", check_array("W_ih", W_ih, ndim=2), (gates * hidden, inputs),
                       f"({size}, input size {inputs}){blocks}")
    states = []
    for name, state in (("h", h), ("c", c)):
        if state is None:
            states.append(np.zeros((batch, hidden)))
            continue
        array = check_array(name, state, ndim=x.ndim)
        states.append(check_shape(name, array[None, :] if single else array, (batch, hidden),
                                  "(batch, hidden), the batch of x" if not single else "(hidden,)"))
    biases = []
    for name, bias in (("b_ih", b_ih), ("b_hh", b_hh)):
        if bias is None:
            biases.append(np.zeros(gates * hidden))
        else:
            biases.append(check_shape(name, check_array(name, bias, ndim=1), (gates * hidden,), f"({size},)"))
    return (np.ascontiguousarray(x2), np.ascontiguousarray(states[0]), np.ascontiguousarray(states[1]), W_ih,
            W_hh, biases[0], biases[1], single)


@njit(cache=True)
def _affine(x, W, b):
    """x W^T + b for x (B, I), W (O, I), b (O,): (B, O), as one BLAS matrix product (W x^T, so that only the small
    x is transposed into a copy: Numba's dot is slow on a transposed view)."""
    return np.ascontiguousarray(np.dot(W, np.ascontiguousarray(x.T)).T) + b


@njit(cache=True)
def _sigmoid(a):
    """1 / (1 + e^-a) without overflow; each demo keeps its own (see demos/__init__.py)."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


@njit(cache=True)
def _rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return np.tanh(_affine(x, W_ih, b_ih) + _affine(h, W_hh, b_hh))


@njit(cache=True)
def _gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """(h', gates (B, 3, H) holding r, z, n) of torch's GRU cell."""
    hidden = h.shape[1]
    gi, gh = _affine(x, W_ih, b_ih), _affine(h, W_hh, b_hh)
    out = np.empty_like(h)
    gates = np.empty((h.shape[0], 3, hidden))
    for n in range(h.shape[0]):
        for j in range(hidden):
            r = _sigmoid(gi[n, j] + gh[n, j])
            z = _sigmoid(gi[n, hidden + j] + gh[n, hidden + j])
            cand = math.tanh(gi[n, 2 * hidden + j] + r * gh[n, 2 * hidden + j])
            out[n, j] = (1.0 - z) * cand + z * h[n, j]
            gates[n, 0, j], gates[n, 1, j], gates[n, 2, j] = r, z, cand
    return out, gates


@njit(cache=True)
def _lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """(h', c', gates (B, 4, H) holding i, f, g, o) of torch's LSTM cell."""
    hidden = h.shape[1]
    pre = _affine(x, W_ih, b_ih) + _affine(h, W_hh, b_hh)
    h_new, c_new = np.empty_like(h), np.empty_like(c)
    gates = np.empty((h.shape[0], 4, hidden))
    for n in range(h.shape[0]):
        for j in range(hidden):
            i = _sigmoid(pre[n, j])
            f = _sigmoid(pre[n, hidden + j])
            g = math.tanh(pre[n, 2 * hidden + j])
            o = _sigmoid(pre[n, 3 * hidden + j])
            c_new[n, j] = f * c[n, j] + i * g
            h_new[n, j] = o * math.tanh(c_new[n, j])
            gates[n, 0, j], gates[n, 1, j], gates[n, 2, j], gates[n, 3, j] = i, f, g, o
    return h_new, c_new, gates


@njit(cache=True)
def _unroll(kind, xs, W_ih, W_hh, b_ih, b_hh):
    """Run one cell over xs (T, I) from zero states: h (T+1, H), c (T+1, H) (zeros but for the LSTM) and the
    gates (T, G, H) of each step (for the RNN, G = 1 and the gate is the pre-activation a)."""
    steps, hidden = xs.shape[0], W_hh.shape[1]
    hs, cs = np.zeros((steps + 1, hidden)), np.zeros((steps + 1, hidden))
    gates = np.zeros((steps, W_hh.shape[0] // hidden, hidden))
    for t in range(steps):
        x, h, c = xs[t:t + 1].copy(), hs[t:t + 1].copy(), cs[t:t + 1].copy()
        if kind == RNN:
            pre = _affine(x, W_ih, b_ih) + _affine(h, W_hh, b_hh)
            hs[t + 1], gates[t, 0] = np.tanh(pre[0]), pre[0]
        elif kind == GRU:
            out, step_gates = _gru_cell(x, h, W_ih, W_hh, b_ih, b_hh)
            hs[t + 1], gates[t] = out[0], step_gates[0]
        else:
            out, c_out, step_gates = _lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)
            hs[t + 1], cs[t + 1], gates[t] = out[0], c_out[0], step_gates[0]
    return hs, cs, gates


@njit(cache=True)
def _step_jacobian(kind, h_prev, c_prev, h_new, c_new, gates, W_hh, b_hh):
    """d s_t / d s_{t-1} of one step, s = h (H) for RNN and GRU, s = (h, c) (2H) for the LSTM."""
    hidden = h_prev.size
    if kind == RNN:
        jac = np.empty((hidden, hidden))
        for j in range(hidden):
            for k in range(hidden):
                jac[j, k] = (1.0 - h_new[j] ** 2) * W_hh[j, k]
        return jac
    if kind == GRU:
        jac = np.empty((hidden, hidden))
        for j in range(hidden):
            r, z, cand = gates[0, j], gates[1, j], gates[2, j]
            hn = b_hh[2 * hidden + j]  # W_hn h + b_hn, which the reset gate scales
            for k in range(hidden):
                hn += W_hh[2 * hidden + j, k] * h_prev[k]
            for k in range(hidden):
                dr = r * (1.0 - r) * W_hh[j, k]
                dz = z * (1.0 - z) * W_hh[hidden + j, k]
                dn = (1.0 - cand ** 2) * (r * W_hh[2 * hidden + j, k] + hn * dr)
                jac[j, k] = (1.0 - z) * dn + (h_prev[j] - cand) * dz + (z if j == k else 0.0)
        return jac
    jac = np.zeros((2 * hidden, 2 * hidden))
    for j in range(hidden):
        i, f, g, o = gates[0, j], gates[1, j], gates[2, j], gates[3, j]
        tanh_c = math.tanh(c_new[j])
        through_c = o * (1.0 - tanh_c ** 2)  # d h'_j / d c'_j
        for k in range(hidden):
            dc = (c_prev[j] * f * (1.0 - f) * W_hh[hidden + j, k] + g * i * (1.0 - i) * W_hh[j, k]
                  + i * (1.0 - g ** 2) * W_hh[2 * hidden + j, k])
            jac[hidden + j, k] = dc
            jac[j, k] = tanh_c * o * (1.0 - o) * W_hh[3 * hidden + j, k] + through_c * dc
        jac[hidden + j, hidden + j] = f
        jac[j, hidden + j] = through_c * f
    return jac


@njit(cache=True)
def _gradient_norms(kind, hs, cs, gates, W_hh, b_hh):
    """Largest singular value of d h_T / d h_t for t = T..0, multiplying the step Jacobians backwards."""
    steps, hidden = gates.shape[0], hs.shape[1]
    size = 2 * hidden if kind == LSTM else hidden
    product = np.eye(size)
    norms = np.empty(steps + 1)
    norms[0] = 1.0
    for t in range(steps, 0, -1):
        jac = _step_jacobian(kind, hs[t - 1], cs[t - 1], hs[t], cs[t], gates[t - 1], W_hh, b_hh)
        product = product @ jac
        norm = np.linalg.svd(np.ascontiguousarray(product[:hidden, :hidden]))[1][0] \
            if np.isfinite(product).all() else np.inf
        if not np.isfinite(norm):  # overflowed (the product, or the SVD near 1e308): inf from here back
            norms[steps - t + 1:] = np.inf
            break
        norms[steps - t + 1] = norm
    return norms


@njit(cache=True)
def _clip_scale(flat, max_norm):
    """(2-norm of flat, min(1, max_norm / (norm + 1e-6))); the squares are summed relative to the largest
    |value|, so that huge gradients (1e200) do not overflow to inf."""
    top = 0.0
    for v in flat:
        top = max(top, abs(v))
    total = 0.0
    if top > 0.0:
        for v in flat:
            total += (v / top) ** 2
    norm = top * math.sqrt(total)
    return norm, min(1.0, max_norm / (norm + CLIP_EPS))


# The demo: the gradient reaching each earlier step, with and without clipping, and one step of the cell.

CELL_NAMES = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}
COLUMNS = {
    "rnn": (("unit", "h[t-1]", "a = W_ih x + b_ih + W_hh h[t-1] + b_hh", "h[t] = tanh(a)"),
            ("单元", "h[t-1]", "a = W_ih x + b_ih + W_hh h[t-1] + b_hh", "h[t] = tanh(a)")),
    "gru": (("unit", "h[t-1]", "r (reset)", "z (keep)", "n (candidate)", "h[t] = (1-z) n + z h[t-1]"),
            ("单元", "h[t-1]", "r(重置门)", "z(保留)", "n(候选值)", "h[t] = (1-z) n + z h[t-1]")),
    "lstm": (("unit", "h[t-1]", "c[t-1]", "i (input)", "f (forget)", "g (candidate)", "o (output)",
              "c[t] = f c[t-1] + i g", "h[t] = o tanh(c[t])"),
             ("单元", "h[t-1]", "c[t-1]", "i(输入门)", "f(遗忘门)", "g(候选值)", "o(输出门)",
              "c[t] = f c[t-1] + i g", "h[t] = o tanh(c[t])")),
}
MAX_STEPS = 200
VIEWS = ("gradients", "count")
MAX_SIZE = 4096
CONFIRM_WEIGHTS = 2_000_000  # the count view builds torch's arrays and runs one step when they are this small
VANISHED, EXPLODED = 1e-2, 1e2  # ||dh_T/dh_0|| below / above these is called vanished / exploded


def run(
    cell: Annotated[str, Arg("the recurrent cell (torch's RNNCell with tanh, GRUCell, LSTMCell)",
                             "循环单元(torch 的 RNNCell(tanh)、GRUCell、LSTMCell)", choices=CELLS)] = "rnn",
    steps: Annotated[int, Arg("time steps T the gradient travels back through (count view: the sequence length)",
                              "梯度反向传播经过的时间步数 T(count 视图:序列长度)", low=5, high=MAX_STEPS)] = 50,
    spectral_radius: Annotated[float, Arg("spectral radius of each recurrent weight block W_hh (every eigenvalue "
                                          "has this modulus)", "每个循环权重块 W_hh 的谱半径(所有特征值的模都等于它)",
                                          low=0.1, high=3.0)] = 2.0,
    max_norm: Annotated[float, Arg("gradient clipping threshold: longer gradients are scaled to this norm",
                                   "梯度裁剪阈值:范数更大的梯度被缩放到这个范数", low=0.01, high=100.0)] = 1.0,
    step: Annotated[int, Arg("time step t whose gates and states the table shows",
                             "表格显示其门值和状态的时间步 t", low=1, high=MAX_STEPS)] = 1,
    view: Annotated[str, Arg("gradients: the gradient over time and the gates; count: the parameters of an RNN, "
                             "GRU and LSTM layer of the sizes below (the notes' count and torch's)",
                             "gradients:梯度随时间的变化与各个门;count:下列尺寸的 RNN、GRU、LSTM 层的参数量"
                             "(笔记的算法与 torch 的算法)", choices=VIEWS)] = "gradients",
    input_size: Annotated[int, Arg("count view: input size n_x", "count 视图:输入维度 n_x",
                                   low=1, high=MAX_SIZE)] = 50,
    hidden_size: Annotated[int, Arg("count view: hidden size n_a", "count 视图:隐藏状态维度 n_a",
                                    low=1, high=MAX_SIZE)] = 64,
    output_size: Annotated[int, Arg("count view: units of a dense output layer on the hidden state, e.g. a softmax "
                                    "over classes (0 = none)", "count 视图:隐藏状态之上的全连接输出层单元数,"
                                    "如各类别的 softmax(0 = 没有输出层)", low=0, high=MAX_SIZE)] = 10,
) -> DemoResult:
    """||dh_T/dh_t|| for t = T..0 with clipping off and on, and the cell's gates and states at step t; or, in the
    count view, the parameters of each cell for the given sizes."""
    if view == "count":
        return _count_result(cell, steps, input_size, hidden_size, output_size)
    norms = gradient_norms(cell, steps, spectral_radius)
    clipped = np.array([clip_grad_norm([np.array([norm])], max_norm)[1][0][0] for norm in norms])
    xs, W_ih, W_hh, b_ih, b_hh = network(cell, steps, spectral_radius)
    hs, cs, gates = _unroll(CELLS.index(cell), xs, W_ih, W_hh, b_ih, b_hh)
    shown = min(step, steps)
    at_step = norms[steps - shown]
    columns, columns_zh = COLUMNS[cell]
    rows = tuple(_row(cell, j, hs, cs, gates, shown) for j in range(HIDDEN))
    summary, summary_zh = _summaries(cell, steps, spectral_radius, max_norm, norms, step, shown, at_step, gates)
    gate_values = {name: gates[shown - 1, g].tolist() for g, name in enumerate(GATE_NAMES[cell])}
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=columns, rows=rows, columns_zh=columns_zh),
        figure=_figure(cell, steps, spectral_radius, max_norm, norms, clipped, shown),
        data={"cell": cell, "steps": steps, "spectral_radius": spectral_radius, "max_norm": max_norm,
              "gradient_norms": norms.tolist(), "clipped_norms": clipped.tolist(), "order": "t = T, T-1, ..., 0",
              "step": shown, "gates": gate_values, "h_previous": hs[shown - 1].tolist(), "h": hs[shown].tolist(),
              **({"c_previous": cs[shown - 1].tolist(), "c": cs[shown].tolist()} if cell == "lstm" else {})},
    )


def _count_result(cell: str, steps: int, inputs: int, hidden: int, outputs: int) -> DemoResult:
    """The count view: each cell's parameters for the given sizes, the notes' way and torch's, and torch's arrays
    for the chosen cell built and run for one step."""
    counts = {kind: parameter_count(kind, inputs, hidden, outputs) for kind in CELLS}
    chosen, name = counts[cell], CELL_NAMES[cell]
    gates, block = GATES[cell], hidden * (hidden + inputs)
    rows = [(CELL_NAMES[kind], str(GATES[kind]), f"{count.notes - count.output:,}", f"{count.torch - count.output:,}",
             _arrays_text(kind, inputs, hidden)) for kind, count in counts.items()]
    if outputs:
        rows.append((f"output {outputs}", "–", f"{chosen.output:,}", f"{chosen.output:,}",
                     f"Linear: weight {outputs}×{hidden}, bias {outputs}"))
        rows.append((f"{name} + output", "–", f"{chosen.notes:,}", f"{chosen.torch:,}", ""))
    layer, recurrent = f"nn.{name}({inputs}, {hidden})", chosen.notes - chosen.output
    if cell == "rnn":
        parts = (f"W_aa {hidden}×{hidden} + W_ax {hidden}×{inputs} + b_a {hidden} = "
                 f"{hidden * hidden:,} + {hidden * inputs:,} + {hidden} = {recurrent:,}")
        parts_zh = parts
    else:
        blocks = {"gru": "Γ_u, Γ_r, c̃", "lstm": "Γ_f, Γ_u, Γ_o, c̃"}[cell]
        parts = (f"{gates} blocks ({blocks}) of n_a(n_a + n_x) + n_a = {hidden}·{hidden + inputs} + {hidden} = "
                 f"{block + hidden:,}, so {gates} × {block + hidden:,} = {recurrent:,}")
        parts_zh = (f"{gates} 个块({blocks}),每块 n_a(n_a + n_x) + n_a = {hidden}·{hidden + inputs} + {hidden} = "
                    f"{block + hidden:,},共 {gates} × {block + hidden:,} = {recurrent:,}")
    text = (f"{name}, n_x = {inputs}, n_a = {hidden}: the notes count {parts} (one bias per block); torch's {layer} "
            f"keeps two bias vectors per block: {chosen.torch - chosen.output:,} (+{gates} × {hidden}).")
    text_zh = (f"{name},n_x = {inputs},n_a = {hidden}:笔记的算法(每块一个偏置)为 {parts_zh};torch 的 {layer} "
               f"每块有两个偏置向量:{chosen.torch - chosen.output:,}(多 {gates} × {hidden})。")
    if outputs:
        text += (f" With a {outputs}-unit output layer (W_ya {outputs}×{hidden} + b_y {outputs} = {chosen.output:,}): "
                 f"{chosen.notes:,} by the notes' count, {chosen.torch:,} by torch's (with nn.Linear({hidden}, "
                 f"{outputs})).")
        text_zh += (f"加上 {outputs} 个单元的输出层(W_ya {outputs}×{hidden} + b_y {outputs} = {chosen.output:,}):"
                    f"笔记的算法共 {chosen.notes:,},torch(加上 nn.Linear({hidden}, {outputs}))共 {chosen.torch:,}。")
    article = {"rnn": "an RNN", "gru": "a GRU", "lstm": "an LSTM"}
    text += " Same sizes, without the output layer: " + "; ".join(
        f"{article[kind]} {counts[kind].notes - counts[kind].output:,} "
        f"(torch {counts[kind].torch - counts[kind].output:,})" for kind in CELLS if kind != cell) + "."
    text_zh += "同样尺寸(不含输出层):" + ";".join(
        f"{CELL_NAMES[kind]} {counts[kind].notes - counts[kind].output:,}(torch "
        f"{counts[kind].torch - counts[kind].output:,})" for kind in CELLS if kind != cell) + "。"
    text += (f"\nUnrolled over T = {steps} steps it still has {chosen.notes:,}: every step reuses the same weights "
             f"(a separate set per step would need {steps} × {chosen.notes:,} = {steps * chosen.notes:,}).")
    text_zh += (f"\n展开成 T = {steps} 步后仍是 {chosen.notes:,} 个:每一步都复用同一组权重"
                f"(每步各用一组则需要 {steps} × {chosen.notes:,} = {steps * chosen.notes:,} 个)。")
    confirmed = _confirm_layout(cell, inputs, hidden)
    if confirmed is None:
        text += " (Torch's arrays are too large to build here; the count is the formula's.)"
        text_zh += "(torch 的数组太大,这里不实际构建;参数量由公式算出。)"
    else:
        text += (f" Torch's arrays ({_arrays_text(cell, inputs, hidden)}) hold {confirmed['size']:,} numbers; one "
                 f"step of {name}Cell with them maps x 1×{inputs} to h 1×{confirmed['h'][1]}.")
        text_zh += (f"torch 的数组({_arrays_text(cell, inputs, hidden)})共 {confirmed['size']:,} 个数;"
                    f"用它们运行一步 {name}Cell,把 x 1×{inputs} 映射为 h 1×{confirmed['h'][1]}。")
    return DemoResult(
        summary=text, summary_zh=text_zh,
        table=Table(columns=("layer", "blocks G", "notes: one bias", "torch: two biases", "torch's arrays"),
                    rows=tuple(rows), columns_zh=("层", "块数 G", "笔记:一个偏置", "torch:两个偏置", "torch 的数组")),
        figure=_count_figure(counts, inputs, hidden, outputs),
        data={"view": "count", "cell": cell, "input_size": inputs, "hidden_size": hidden, "output_size": outputs,
              "steps": steps, "counts": {kind: count._asdict() for kind, count in counts.items()},
              "confirmed": confirmed})


def _arrays_text(cell: str, inputs: int, hidden: int) -> str:
    """torch's arrays of a cell with their shapes, e.g. 'W_ih 512×100, W_hh 512×128, b_ih 512, b_hh 512'."""
    rows = GATES[cell] * hidden
    return f"W_ih {rows}×{inputs}, W_hh {rows}×{hidden}, b_ih {rows}, b_hh {rows}"


def _confirm_layout(cell: str, inputs: int, hidden: int, seed: int = 0) -> dict | None:
    """Build the cell's arrays in torch's layout, count their entries and run one step of the cell with them
    (None when the arrays are too large to build quickly)."""
    rows = GATES[cell] * hidden
    if rows * (inputs + hidden + 2) > CONFIRM_WEIGHTS:
        return None
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((rows, inputs)) / math.sqrt(inputs),
              rng.standard_normal((rows, hidden)) / math.sqrt(hidden), np.zeros(rows), np.zeros(rows)]
    x = rng.standard_normal((1, inputs))
    if cell == "lstm":
        h = lstm_cell(x, None, *arrays)[0]
    else:
        h = (rnn_cell if cell == "rnn" else gru_cell)(x, None, *arrays)
    return {"size": int(sum(array.size for array in arrays)), "shapes": [list(array.shape) for array in arrays],
            "h": list(h.shape)}


def _count_figure(counts: dict, inputs: int, hidden: int, outputs: int):
    """Each cell's parameters as two bars, the notes' count and torch's."""
    extra = f", output {outputs}" if outputs else ""
    fig, ax = new_axes(f"Parameters for n_x = {inputs}, n_a = {hidden}{extra}", "cell", "parameters")
    width = 0.38
    for offset, (field, label), colour in zip((-width / 2, width / 2),
                                              (("notes", "notes: one bias per block"),
                                               ("torch", "torch: two bias vectors per block")), COLOURS):
        heights = [getattr(counts[kind], field) for kind in CELLS]
        ax.bar([k + offset for k in range(len(CELLS))], heights, width=width, color=colour, label=label)
        for k, height in enumerate(heights):
            ax.text(k + offset, height, f"{height:,}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(CELLS)))
    ax.set_xticklabels([CELL_NAMES[kind] for kind in CELLS])
    ax.legend()
    return fig


def _row(cell: str, j: int, hs: np.ndarray, cs: np.ndarray, gates: np.ndarray, t: int) -> tuple[str, ...]:
    """One hidden unit's values at step t, formatted for the table."""
    values = [hs[t - 1, j]]
    if cell == "lstm":
        values.append(cs[t - 1, j])
    values.extend(gates[t - 1, :, j])
    if cell == "lstm":
        values.append(cs[t, j])
    values.append(hs[t, j])
    return (str(j), *(f"{value:+.4f}" for value in values))


def _summaries(cell, steps, rho, max_norm, norms, step, shown, at_step, gates) -> tuple[str, str]:
    """What happens to the gradient over T steps and what clipping does; then what the step's gates do."""
    name, last = CELL_NAMES[cell], float(norms[-1])
    linear = rho ** steps
    if last < VANISHED:
        fate, fate_zh = "vanishes", "消失了"
    elif last > EXPLODED:
        fate, fate_zh = "explodes", "爆炸了"
    else:
        fate, fate_zh = "neither vanishes nor explodes", "既没有消失也没有爆炸"
    above = int(np.sum(norms > max_norm))
    if above:
        clip = (f"Clipping at {max_norm:g} scales the {above} longer gradients down to {max_norm:g} (direction kept); "
                "it cannot lift a vanishing one.")
        clip_zh = (f"以 {max_norm:g} 裁剪:{above} 个范数更大的梯度被缩放到 {max_norm:g}(方向不变);"
                   "它无法放大正在消失的梯度。")
    else:
        clip = (f"Clipping at {max_norm:g} changes nothing: no gradient is longer than {max_norm:g}, and clipping "
                "never lifts a vanishing one.")
        clip_zh = f"以 {max_norm:g} 裁剪不起作用:没有梯度的范数超过 {max_norm:g},而裁剪也不会放大正在消失的梯度。"
    first = (f"{name}, spectral radius {rho:g}: ||dh_T/dh_0|| = {last:.3g} after {steps} steps, so the gradient "
             f"{fate} (a linear RNN: {rho:g}^{steps} = {linear:.3g}). {clip}")
    first_zh = (f"{name},谱半径 {rho:g}:经过 {steps} 步后 ||dh_T/dh_0|| = {last:.3g},梯度{fate_zh}"
                f"(线性 RNN 为 {rho:g}^{steps} = {linear:.3g})。{clip_zh}")
    past = f" (step {step} is past the last step, {steps}: showing t = {steps})" if step > steps else ""
    past_zh = f"(第 {step} 步超出了最后一步 {steps}:显示 t = {steps})" if step > steps else ""
    g = gates[shown - 1]
    where = f"Step t = {shown}{past}: ||dh_T/dh_t|| = {at_step:.3g}."
    where_zh = f"第 t = {shown} 步{past_zh}:||dh_T/dh_t|| = {at_step:.3g}。"
    if cell == "rnn":
        top = float(np.abs(g[0]).max())
        slope = 1.0 - math.tanh(top) ** 2
        if top < 0.5:
            second = (f"{where} h[t] = tanh(a) with |a| <= {top:.3f}, in tanh's linear range "
                      f"(tanh'(a) >= {slope:.2f}): each step back multiplies the gradient by about W_hh, whose "
                      f"eigenvalues have modulus {rho:g}.")
            second_zh = (f"{where_zh}h[t] = tanh(a),|a| <= {top:.3f},处在 tanh 的线性区(tanh'(a) >= {slope:.2f}):"
                         f"每往回一步,梯度大约乘一次 W_hh,其特征值的模都是 {rho:g}。")
        else:
            second = (f"{where} h[t] = tanh(a) with |a| up to {top:.3f}: tanh saturates "
                      f"(tanh'(a) down to {slope:.2f}), so each step back multiplies the gradient by "
                      f"diag(1 - h[t]^2) W_hh, less than {rho:g}.")
            second_zh = (f"{where_zh}h[t] = tanh(a),|a| 最大为 {top:.3f}:tanh 趋于饱和(tanh'(a) 低至 {slope:.2f}),"
                         f"所以每往回一步梯度乘的是 diag(1 - h[t]^2) W_hh,小于 {rho:g}。")
    elif cell == "gru":
        z = float(g[1].mean())
        second = (f"{where} The keep gate z averages {z:.3f}: h[t] keeps {z:.0%} of h[t-1] and takes {1 - z:.0%} of "
                  "the candidate n; through that copy the gradient decays slowly instead of by W_hh each step.")
        second_zh = (f"{where_zh}保留门 z 的平均值为 {z:.3f}:h[t] 保留 h[t-1] 的 {z:.0%},只取候选值 n 的 {1 - z:.0%};"
                     "梯度沿这条复制路径缓慢衰减,而不是每步乘一次 W_hh。")
    else:
        i, f = float(g[0].mean()), float(g[1].mean())
        second = (f"{where} The forget gate f averages {f:.3f} and the input gate i {i:.3f}: c[t] = f c[t-1] + i g "
                  f"keeps {f:.0%} of the cell each step, and the gradient rides along it (h reaches later steps only "
                  "through the gates, so even one step back it is small).")
        second_zh = (f"{where_zh}遗忘门 f 的平均值为 {f:.3f},输入门 i 为 {i:.3f}:c[t] = f c[t-1] + i g 每步保留记忆元的 "
                     f"{f:.0%},梯度沿记忆元传递(h 只通过各个门影响后面的步,所以往回一步梯度就已经较小)。")
    return f"{first}\n{second}", f"{first_zh}\n{second_zh}"


def _figure(cell, steps, rho, max_norm, norms, clipped, shown):
    """||dh_T/dh_t|| against t on a log scale: without clipping, clipped, the linear RNN's rho^(T-t), step t."""
    fig, ax = new_axes(f"{CELL_NAMES[cell]}: gradient reaching step t from step T = {steps} (spectral radius {rho:g})",
                       "time step t", "||dh_T/dh_t|| (log scale)")
    t = np.arange(steps, -1, -1)
    floor = 1e-300  # a log axis cannot show 0
    ax.plot(t, np.maximum(rho ** (steps - t.astype(float)), floor), color=GRID_COLOUR, linestyle=":",
            label=f"linear RNN: {rho:g}^(T-t)")
    ax.plot(t, np.maximum(norms, floor), color=COLOURS[0], label="no clipping")
    ax.plot(t, np.maximum(clipped, floor), color=COLOURS[1], linestyle="--", label=f"clipped at max_norm {max_norm:g}")
    ax.plot([shown], [max(norms[steps - shown], floor)], color=COLOURS[2], marker=MARKERS[0], linestyle="none",
            label=f"step t = {shown}")
    ax.set_yscale("log")
    low = max(min(float(norms.min()), float(clipped.min())), floor)
    high = max(float(norms.max()), 1.0)
    ax.set_ylim(low / 3, high * 3)
    ax.set_xlim(0, steps)
    ax.legend(fontsize=8)
    return fig


def warm() -> None:
    """Compile (or load from cache) every kernel: each cell, clipping, and the unrolled gradient of each cell;
    the helpers are called by themselves too (a caller loaded from the cache does not compile them)."""
    x, h = np.ones((1, 1)), np.zeros((1, 1))
    _affine(x, x, np.zeros(1))
    _sigmoid(0.5)
    rnn_cell(x, h, x, x, None, None)
    gru_cell(x, h, np.ones((3, 1)), np.ones((3, 1)), None, None)
    lstm_cell(x, (h, h), np.ones((4, 1)), np.ones((4, 1)), None, None)
    clip_grad_norm([np.ones(2)], 1.0)
    for cell in CELLS:
        kind = CELLS.index(cell)
        xs, W_ih, W_hh, b_ih, b_hh = network(cell, 2, 1.0)
        hs, cs, gates = _unroll(kind, xs, W_ih, W_hh, b_ih, b_hh)
        _step_jacobian(kind, hs[0], cs[0], hs[1], cs[1], gates[0], W_hh, b_hh)
        _gradient_norms(kind, hs, cs, gates, W_hh, b_hh)


DEMO = declare_demo(
    run, warm,
    title_en="Recurrent cells and vanishing or exploding gradients",
    title_zh="循环单元与梯度消失/爆炸",
    description_en="How the gradient from step T reaches earlier steps through an RNN, GRU or LSTM whose recurrent "
                   "matrix has a chosen spectral radius, what gradient clipping does to it, and the cell's gates "
                   "step by step.",
    description_zh="梯度从第 T 步经过 RNN、GRU 或 LSTM 传回前面各步的大小(循环矩阵的谱半径可调),梯度裁剪的作用,"
                   "以及单元各个门的逐步取值。",
)


# Drills: a layer's parameter count (the notes' one bias per block), and one gradient clipped by its norm.

_DRILL_INPUTS = (8, 10, 16, 20, 30, 32, 40, 50, 64, 100, 128)
_DRILL_HIDDEN = (8, 10, 16, 20, 32, 40, 50, 64, 100, 128)
_DRILL_OUTPUTS = (2, 5, 10, 20, 26, 100)
_BLOCKS_TEXT = {"rnn": "1 block (W_aa, W_ax, b_a)", "gru": "3 blocks (Γ_u, Γ_r, c̃)",
                "lstm": "4 blocks (Γ_f, Γ_u, Γ_o, c̃)"}
_BLOCKS_TEXT_ZH = {"rnn": "1 个块(W_aa、W_ax、b_a)", "gru": "3 个块(Γ_u、Γ_r、c̃)",
                   "lstm": "4 个块(Γ_f、Γ_u、Γ_o、c̃)"}


def _draw_layer_sizes(rng) -> dict:
    """An input and hidden size, a sequence length, and half the time a dense output layer on the hidden state."""
    outputs = int(rng.choice(_DRILL_OUTPUTS)) if rng.random() < 0.5 else 0
    output_en = (f", and a dense output layer of n_y = {outputs} units (W_ya, b_y) on the hidden state at every step"
                 if outputs else ", and no output layer (count the recurrent layer alone)")
    output_zh = (f",每一步在隐状态上接一个 n_y = {outputs} 个单元的全连接输出层(W_ya、b_y)"
                 if outputs else ",没有输出层(只算循环层本身)")
    return {"input_size": int(rng.choice(_DRILL_INPUTS)), "hidden_size": int(rng.choice(_DRILL_HIDDEN)),
            "output_size": outputs, "steps": int(rng.choice((10, 20, 30, 50, 100))),
            "output_en": output_en, "output_zh": output_zh}


def _parameter_solver(cell: str):
    """solve() of the parameter-count drill of one cell: the notes' count, worked block by block."""
    def solve(input_size: int, hidden_size: int, output_size: int, steps: int, output_en: str = "",
              output_zh: str = "") -> Worked:
        count = parameter_count(cell, input_size, hidden_size, output_size)
        gates, n_x, n_a, n_y = GATES[cell], input_size, hidden_size, output_size
        block = n_a * (n_a + n_x) + n_a
        formula = "G·(n_a(n_a + n_x) + n_a) + n_y(n_a + 1)" if n_y else "G·(n_a(n_a + n_x) + n_a)"
        per_block = f"one block: {n_a}·({n_a} + {n_x}) + {n_a} = {block:,}"
        per_block_zh = f"每个块:{n_a}·({n_a} + {n_x}) + {n_a} = {block:,}"
        layer = f"{gates} × {block:,} = {count.notes - count.output:,}"
        steps_en = [formula, f"{_BLOCKS_TEXT[cell]}; {per_block}", f"recurrent layer: {layer}"]
        steps_zh = [formula, f"{_BLOCKS_TEXT_ZH[cell]};{per_block_zh}", f"循环层:{layer}"]
        if n_y:
            output = f"{n_y}·({n_a} + 1) = {count.output:,}"
            total = f"{count.notes - count.output:,} + {count.output:,} = {count.notes:,}"
            steps_en += [f"output layer W_ya ({n_y}×{n_a}) and b_y ({n_y}): {output}", f"total: {total}"]
            steps_zh += [f"输出层 W_ya({n_y}×{n_a})和 b_y({n_y}):{output}", f"合计:{total}"]
        steps_en.append(f"the same for any length, T = {steps} or not: every step reuses these weights")
        steps_zh.append(f"与序列长度无关(T = {steps} 也一样):每一步都复用这组权重")
        steps_en.append(f"(PyTorch keeps two bias vectors per block: {count.torch:,})")
        steps_zh.append(f"(PyTorch 每块有两个偏置向量:{count.torch:,})")
        return Worked({"parameters": count.notes}, tuple(steps_en), tuple(steps_zh))

    return solve


def _parameter_drill(cell: str) -> Drill:
    """The parameter-count drill of one cell (rnn, gru, lstm)."""
    name = CELL_NAMES[cell]
    article = "An" if cell in ("rnn", "lstm") else "A"
    bias_en, bias_zh = ("b_a", "只有 b_a ") if cell == "rnn" else ("per gate block", "每个门控块")
    return Drill(
        f"{cell}_parameters", f"{name} layer parameter count", f"{name} 层的参数量",
        f"{article} {name} layer has input size n_x = {{input_size}} and hidden size n_a = {{hidden_size}}"
        f"{{output_en}}. It reads sequences of T = {{steps}} steps. Counting as the notes do, with one bias vector "
        f"{bias_en} (not PyTorch's two, b_ih and b_hh), how many parameters does it have?",
        f"一个 {name} 层的输入维度 n_x = {{input_size}},隐状态维度 n_a = {{hidden_size}}{{output_zh}}。它处理长度为 "
        f"T = {{steps}} 的序列。按笔记的算法({bias_zh}一个偏置向量,而不是 PyTorch 的 b_ih 和 b_hh 两个),它有多少参数?",
        (Field("parameters", "parameters", "参数量"),), _draw_layer_sizes, _parameter_solver(cell))


def _draw_gradient(rng) -> dict:
    """2 to 4 whole-number gradient entries (none 0) and a threshold the gradient's norm clearly exceeds."""
    while True:
        size = int(rng.integers(2, 5))
        entries = [int(value) * int(rng.choice((-1, 1))) for value in rng.integers(1, 10, size)]
        max_norm = float(rng.choice((0.5, 1.0, 2.0, 5.0)))
        if math.sqrt(sum(value * value for value in entries)) >= 1.2 * max_norm:
            return {"gradient": entries, "max_norm": max_norm,
                    "gradient_text": "(" + ", ".join(map(str, entries)) + ")"}


def _solve_clipped_gradient(gradient: list[int], max_norm: float, gradient_text: str = "") -> Worked:
    """torch's clip_grad_norm_ on the gradient, worked through: the norm, the scale, the clipped entries."""
    norm, (clipped,) = clip_grad_norm([np.array(gradient, dtype=float)], max_norm)
    scale = float(clipped[0] / gradient[0])
    squares = " + ".join(f"{value}²" if value > 0 else f"({value})²" for value in gradient)
    total = sum(value * value for value in gradient)
    entries = ", ".join(f"{value:.3g}" for value in clipped)
    steps_en = ("g ← min(1, θ / ‖g‖) · g", f"‖g‖ = √({squares}) = √{total} = {norm:.4g}",
                f"{norm:.4g} > θ = {max_norm:g}, so scale = {max_norm:g} / {norm:.4g} = {scale:.4g}",
                f"clipped g = {scale:.4g} · {gradient_text} = ({entries})", f"its norm is now θ = {max_norm:g}")
    steps_zh = ("g ← min(1, θ / ‖g‖) · g", f"‖g‖ = √({squares}) = √{total} = {norm:.4g}",
                f"{norm:.4g} > θ = {max_norm:g},所以缩放系数 = {max_norm:g} / {norm:.4g} = {scale:.4g}",
                f"裁剪后 g = {scale:.4g} · {gradient_text} = ({entries})", f"它的范数现在恰为 θ = {max_norm:g}")
    return Worked({"norm": norm, "scale": scale, "first": float(clipped[0])}, steps_en, steps_zh)


DRILLS = declare_drills(
    __name__,
    *(_parameter_drill(cell) for cell in CELLS),
    Drill("clipped_gradient", "Gradient clipping by norm", "按范数裁剪梯度",
          "The gradient of all the parameters together is g = {gradient_text}. It is clipped by its norm with "
          "threshold θ = {max_norm:g} (g ← min(1, θ/‖g‖)·g). Give its L2 norm ‖g‖, the scale factor, and the first "
          "entry of the clipped gradient, each to 3 significant figures.",
          "所有参数拼在一起的梯度为 g = {gradient_text}。按范数裁剪,阈值 θ = {max_norm:g}"
          "(g ← min(1, θ/‖g‖)·g)。求它的 L2 范数 ‖g‖、缩放系数,以及裁剪后梯度的第一个分量,均保留 3 位有效数字。",
          (Field("norm", "norm ‖g‖", "范数 ‖g‖", kind="number"),
           Field("scale", "scale factor", "缩放系数", kind="number"),
           Field("first", "first entry of the clipped g", "裁剪后 g 的第一个分量", kind="number")),
          _draw_gradient, _solve_clipped_gradient),
)
