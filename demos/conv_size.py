"""Convolution output-size calculator: walk a stack of conv, pool and dense layers the way PyTorch sizes them.

Each layer gets its output shape, parameter count, multiply count (one multiplication per weight per position,
as the notes count the cost of a 1×1 bottleneck) and receptive field; the first conv layer is then run for
real (a Numba cross-correlation on random input) to confirm the shape the arithmetic predicts.

Stacks may branch and concatenate along the channels (an Inception module: every branch reads the same input,
their outputs must agree in height and width, and the channels add up) and hold dense blocks (d2l's DenseBlock:
n convs of growth rate c, each k×k with 'same' padding, each reading the concatenation of the block's input and
all earlier convs' outputs, so c_in channels become c_in + n·c; the BN and ReLU before each conv are not counted).
The same layers can slide along 1, 2 or 3 axes (Conv1d on a sequence, Conv2d, Conv3d on a volume), with one
kernel size, stride and padding for every axis; the confirming convolution then runs in 1-D or 3-D.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_choice, check_int
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.errors import excerpt
from revise.figures import COLOURS, MARKERS, new_axes

SIZED_KINDS = ("conv", "transposed", "maxpool", "avgpool")
POOLS = ("maxpool", "avgpool")
BRANCH_LETTERS = "abcdefghijklmnopqrstuvwxyz"
MAX_DENSE = 100  # conv blocks in one dense block
CONFIRM_BUDGET = 15_000_000  # multiply-adds for the confirming convolution: about 10 ms, so a re-run stays under 50 ms


def output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, kind: str = "conv",
                output_padding: int = 0, ceil_mode: bool = False) -> int:
    """The output length along one axis of a conv, transposed conv or pooling layer, as PyTorch sizes it."""
    check_choice("kind", kind, SIZED_KINDS)
    for name, value, low in (("n", n, 1), ("kernel", kernel, 1), ("stride", stride, 1), ("padding", padding, 0),
                             ("dilation", dilation, 1), ("output_padding", output_padding, 0)):
        check_int(name, value, low)
    if output_padding and kind != "transposed":
        raise ValueError(f"output_padding={output_padding}: only a transposed conv has one, use 0")
    if ceil_mode and kind not in POOLS:
        raise ValueError("ceil_mode=True: only maxpool and avgpool round up, use False")
    span = dilation * (kernel - 1) + 1
    if kind == "transposed":
        return _transposed_size(n, span, stride, padding, dilation, output_padding)
    if kind in POOLS:
        _check_pool(kind, kernel, padding, dilation)
    padded = n + 2 * padding
    steps = -((span - padded) // stride) if ceil_mode else (padded - span) // stride
    size = steps + 1
    if ceil_mode and (size - 1) * stride >= n + padding:
        size -= 1  # the last window must start inside the input or its left padding
    if size < 1:
        raise ValueError(f"kernel {kernel} (dilated {span}) is larger than the padded input {padded}")
    return size


def _transposed_size(n: int, span: int, stride: int, padding: int, dilation: int, output_padding: int) -> int:
    """(n-1)*stride - 2*padding + dilated kernel + output_padding, with PyTorch's rule on output_padding."""
    if output_padding >= stride and output_padding >= dilation:
        raise ValueError(f"output_padding={output_padding}: must be smaller than the stride {stride} "
                         f"or the dilation {dilation}")
    full = (n - 1) * stride + span + output_padding
    if full - 2 * padding < 1:
        raise ValueError(f"padding {padding} crops 2*{padding} = {2 * padding} from an output of only {full}")
    return full - 2 * padding


def _check_pool(kind: str, kernel: int, padding: int, dilation: int) -> None:
    """PyTorch's limits on pooling: padding at most half the kernel, and no dilation for average pooling."""
    if kind == "avgpool" and dilation != 1:
        raise ValueError(f"dilation={dilation}: avgpool has none in PyTorch, use 1")
    if 2 * padding > kernel:
        raise ValueError(f"padding={padding}: a {kind} pads at most half its kernel {kernel}, "
                         f"so at most {kernel // 2}")


def _sides(name: str, value, dims: int) -> tuple[int, ...]:
    """A per-axis value: a tuple of `dims` whole numbers >= 1 as given, or one number for every axis."""
    sides = tuple(value) if isinstance(value, (tuple, list)) and len(value) == dims else (value,) * dims
    return tuple(check_int(name, side, 1) for side in sides)


def param_count(c_in: int, c_out: int, kernel: int | tuple[int, ...], groups: int = 1, bias: bool = True,
                dims: int = 2) -> int:
    """Weights and biases of a conv layer, (k_h*k_w*c_in/groups + bias)*c_out, as PyTorch allocates them.

    dims: the axes the kernel slides along (1 Conv1d, 2 Conv2d, 3 Conv3d); an int kernel is k along each of
    them (k**dims taps), a tuple gives one size per axis.
    """
    dims = check_int("dims", dims, 1, 3)
    for name, value in (("c_in", c_in), ("c_out", c_out)):
        check_int(name, value, 1)
    taps = math.prod(_sides("kernel", kernel, dims))
    check_int("groups", groups, 1)
    for name, value in (("c_in", c_in), ("c_out", c_out)):
        if value % groups:
            raise ValueError(f"{name}={value}: must be divisible by groups={groups}")
    return (taps * c_in // groups + int(bias)) * c_out


def multiply_count(c_in: int, c_out: int, kernel: int | tuple[int, ...], size: int | tuple[int, ...],
                   groups: int = 1, dims: int = 2) -> int:
    """Multiplications of a conv layer: each of its k_h*k_w*c_in/groups*c_out weights once per position.

    size (an int for every axis, or one per axis, e.g. (H, W)) counts the positions: the output's for a conv
    (each output cell takes k_h*k_w*c_in/groups products per filter), the input's for a transposed conv (each
    input cell scatters into k_h*k_w*c_out/groups outputs). Biases add no multiplications. A dense layer is a
    conv whose kernel covers its input, on a 1×1 output: in*out. dims as in param_count.
    """
    weights = param_count(c_in, c_out, kernel, groups, bias=False, dims=dims)
    return weights * math.prod(_sides("size", size, dims))


@dataclass(frozen=True)
class Layer:
    """One layer of a stack, with PyTorch's meaning for every field (one value serves both axes).

    kind: conv, transposed, maxpool, avgpool, or fc, a dense layer over the whole feature map (sized as a conv
    whose kernel covers the map, the notes' FC-as-conv view; fc ignores kernel, stride, padding, dilation);
    dense, a dense block of `repeats` convs (kernel, padding; out_channels is the growth rate), each
    concatenated to its input; concat, the `branches` (each a tuple of layers) run on the same input and
    concatenated along the channels.
    out_channels: filters of a conv or units of an fc; pools keep their input's channels and ignore it.
    output_padding: transposed conv only. ceil_mode: pools only.
    """

    kind: str
    kernel: int = 1
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    out_channels: int = 0
    output_padding: int = 0
    ceil_mode: bool = False
    repeats: int = 1
    branches: tuple[tuple[Layer, ...], ...] = ()

    def describe(self, dims: int = 2) -> str:
        """The layer in a few words, e.g. 'conv 3×3 s1 p1, 64 ch' or 'fc 4096' (kernel 3×3×3 in 3-D, 3 in 1-D)."""
        kernel = "×".join([str(self.kernel)] * dims)
        if self.kind == "fc":
            return f"fc {self.out_channels}"
        if self.kind == "concat":
            return f"concat of {len(self.branches)} branches"
        if self.kind == "dense":
            conv = f"conv {kernel} s1 p{self.padding}, {self.out_channels} ch"
            return f"dense {self.repeats}× ({conv}, concatenated)" if self.repeats > 1 else f"{conv}, concatenated"
        words = [self.kind, kernel, f"s{self.stride}", f"p{self.padding}"]
        words += [word for word, shown in ((f"d{self.dilation}", self.dilation != 1),
                                           (f"op{self.output_padding}", self.output_padding != 0),
                                           ("ceil", self.ceil_mode)) if shown]
        text = " ".join(words)
        return text if self.kind in POOLS else f"{text}, {self.out_channels} ch"


def receptive_field(layers: list[Layer] | tuple[Layer, ...]) -> int:
    """Input pixels one output pixel sees along an axis: 1 + sum_l (k_l - 1)*d_l*prod_{i<l} s_i.

    A dense block adds its n convs' windows; a concat takes its widest branch (its branches must step by the
    same total stride).
    """
    field, jump = 1, 1
    for layer in layers:
        field, jump = _advance(field, jump, layer)
    return field


def _advance(field: int, jump: int, layer: Layer) -> tuple[int, int]:
    """The receptive field and the input pixels between neighbouring outputs (jump) after one more layer."""
    if layer.kind == "concat":
        ends = []
        for branch in layer.branches:
            end = (field, jump)
            for inner in branch:
                end = _advance(*end, inner)
            ends.append(end)
        if not ends or len({end[1] for end in ends}) > 1:
            raise ValueError("receptive_field: a concat needs branches that step by the same total stride")
        return max(end[0] for end in ends), ends[0][1]
    if layer.kind not in ("conv", "dense", *POOLS):
        raise ValueError(f"receptive_field: a {layer.kind} layer has no fixed window on its input "
                         "(only conv, maxpool, avgpool, dense blocks and concats of them do; walk() sizes fc layers)")
    for name, value in (("kernel", layer.kernel), ("stride", layer.stride), ("dilation", layer.dilation)):
        check_int(name, value, 1)
    if layer.kind == "dense":
        return field + check_int("repeats", layer.repeats, 1) * (layer.kernel - 1) * layer.dilation * jump, jump
    return field + (layer.kernel - 1) * layer.dilation * jump, jump * layer.stride


@dataclass(frozen=True)
class LayerRow:
    """One layer's result in a walk; shapes are (C, H, W) (in 1-D (C, L), in 3-D (C, D, H, W)); receptive_field
    is None after a transposed conv.

    label: where the row sits, '3' for layer 3, '3b.2' for the second layer of branch b of layer 3 (a concat),
    '3.2' for the second conv of layer 3 (a dense block). parts: a concat's branches, each a tuple of rows; a
    dense block's one tuple of conv rows (each shaped after its concatenation); () for a plain layer.
    """

    index: int
    layer: Layer
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    multiplies: int
    receptive_field: int | None
    label: str = ""
    parts: tuple[tuple[LayerRow, ...], ...] = ()


def walk(input_size: int, in_channels: int, layers: list[Layer] | tuple[Layer, ...], dims: int = 2) -> list[LayerRow]:
    """Each layer's output shape, parameters, multiplies and receptive field on a square input (a cube in 3-D, a
    sequence in 1-D), each feeding the next."""
    return _walk_all(input_size, in_channels, layers, dims)[0]


def _walk_all(input_size: int, in_channels: int, layers, dims: int) -> tuple[list[LayerRow], tuple[int, int] | None]:
    """walk's rows, and the final (receptive field, jump), None once a transposed conv upsampled."""
    check_int("input_size", input_size, 1)
    check_int("in_channels", in_channels, 1)
    dims = check_int("dims", dims, 1, 3)
    labels = [str(index) for index in range(1, len(layers) + 1)]
    return _walk_stack(in_channels, input_size, tuple(layers), dims, (1, 1), labels, range(1, len(layers) + 1))


def _walk_stack(channels: int, size: int, layers, dims: int, state, labels, indices):
    """Rows of consecutive layers from (channels, size), and the (field, jump) state after them."""
    rows = []
    for label, index, layer in zip(labels, indices, layers):
        row, state = _walk_layer(label, index, layer, channels, size, dims, state)
        rows.append(row)
        channels, size = row.output_shape[0], row.output_shape[1]
    return rows, state


def _walk_layer(label: str, index: int, layer: Layer, channels: int, size: int, dims: int, state):
    """One layer's row (a concat's or dense block's with its parts) and the (field, jump) after it."""
    if layer.kind == "concat":
        return _walk_concat(label, index, layer, channels, size, dims, state)
    if layer.kind == "dense":
        return _walk_dense(label, index, layer, channels, size, dims, state)
    try:
        out_channels, out_size, params, multiplies, window = _step(layer, channels, size, dims)
    except ValueError as error:
        raise ValueError(f"layer {label} ({layer.describe(dims)}): {error}") from None
    state = None if state is None or window is None else _advance(*state, window)
    return LayerRow(index, layer, (channels, *(size,) * dims), (out_channels, *(out_size,) * dims), params,
                    multiplies, None if state is None else state[0], label), state


def _walk_concat(label: str, index: int, layer: Layer, channels: int, size: int, dims: int, state):
    """Every branch from the same input; their outputs, which must agree in size, stacked along the channels."""
    if not 1 <= len(layer.branches) <= len(BRANCH_LETTERS) or not all(layer.branches):
        raise ValueError(f"layer {label} (concat): give 1 to {len(BRANCH_LETTERS)} branches, none of them empty")
    parts, ends = [], []
    for letter, branch in zip(BRANCH_LETTERS, layer.branches):
        prefix = f"{label}{letter}"
        labels = [prefix] if len(branch) == 1 else [f"{prefix}.{j}" for j in range(1, len(branch) + 1)]
        rows, end = _walk_stack(channels, size, branch, dims, state, labels, [index] * len(branch))
        parts.append(tuple(rows))
        ends.append(end)
    sizes = [rows[-1].output_shape[1] for rows in parts]
    if len(set(sizes)) > 1:
        given = ", ".join(f"{letter} {_side_text(side, dims)}" for letter, side in zip(BRANCH_LETTERS, sizes))
        raise ValueError(f"layer {label} (concat): its branches end at different sizes ({given}); "
                         "concatenating along the channels needs the same height and width")
    out_channels = sum(rows[-1].output_shape[0] for rows in parts)
    state = (None if any(end is None for end in ends) or len({end[1] for end in ends}) > 1
             else (max(end[0] for end in ends), ends[0][1]))
    return LayerRow(index, layer, (channels, *(size,) * dims), (out_channels, *(sizes[0],) * dims),
                    sum(row.params for rows in parts for row in rows),
                    sum(row.multiplies for rows in parts for row in rows),
                    None if state is None else state[0], label, tuple(parts)), state


def _walk_dense(label: str, index: int, layer: Layer, channels: int, size: int, dims: int, state):
    """A dense block: each conv reads all the channels so far and appends its growth-rate channels."""
    check_int("repeats", layer.repeats, 1, MAX_DENSE)
    rows, first = [], channels
    conv = Layer("conv", layer.kernel, 1, layer.padding, layer.dilation, layer.out_channels)
    step = Layer("dense", layer.kernel, 1, layer.padding, layer.dilation, layer.out_channels)
    for j in range(1, layer.repeats + 1):
        try:
            grown, out_size, params, multiplies, window = _step(conv, channels, size, dims)
        except ValueError as error:
            raise ValueError(f"layer {label}.{j} ({step.describe(dims)}): {error}") from None
        if out_size != size:
            raise ValueError(f"layer {label}.{j} ({step.describe(dims)}): a dense block's convs must keep the size "
                             f"(odd kernel, padding (k-1)/2), not turn {size} into {out_size}")
        state = None if state is None else _advance(*state, window)
        rows.append(LayerRow(index, step, (channels, *(size,) * dims), (channels + grown, *(size,) * dims), params,
                             multiplies, None if state is None else state[0], f"{label}.{j}"))
        channels += grown
    return LayerRow(index, layer, (first, *(size,) * dims), (channels, *(size,) * dims),
                    sum(row.params for row in rows), sum(row.multiplies for row in rows),
                    None if state is None else state[0], label, (tuple(rows),)), state


def _step(layer: Layer, channels: int, size: int, dims: int = 2) -> tuple[int, int, int, int, Layer | None]:
    """A layer's output channels and size, its parameters and multiplies, and its window on its input (None for
    transposed)."""
    if layer.kind == "fc":
        return _step(Layer("conv", kernel=size, out_channels=layer.out_channels), channels, size, dims)
    out_size = output_size(size, layer.kernel, layer.stride, layer.padding, layer.dilation, layer.kind,
                           layer.output_padding, layer.ceil_mode)
    if layer.kind in POOLS:
        return channels, out_size, 0, 0, layer
    params = param_count(channels, layer.out_channels, layer.kernel, dims=dims)
    transposed = layer.kind == "transposed"
    multiplies = multiply_count(channels, layer.out_channels, layer.kernel, size if transposed else out_size,
                                dims=dims)
    return layer.out_channels, out_size, params, multiplies, None if transposed else layer


def conv2d(x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0, dilation: int = 1) -> np.ndarray:
    """Cross-correlate a (C_in, H, W) image with (C_out, C_in, kh, kw) filters, zero-padded, as torch's conv2d."""
    x, w = check_array("x", x, finite=False), check_array("w", w, finite=False)
    if x.ndim != 3:
        raise ValueError(f"x has shape {x.shape}: must be (C_in, H, W)")
    if w.ndim != 4 or w.shape[1] != x.shape[0]:
        raise ValueError(f"w has shape {w.shape}: must be (C_out, {x.shape[0]}, kh, kw) for x of shape {x.shape}")
    out_h = output_size(x.shape[1], w.shape[2], stride, padding, dilation)
    out_w = output_size(x.shape[2], w.shape[3], stride, padding, dilation)
    return _conv2d(x, w, stride, padding, dilation, out_h, out_w)


@njit(cache=True)
def _conv2d(x, w, stride, padding, dilation, out_h, out_w):
    """out[o, i, j] = sum of w[o, c, u, v] * x[c, i*stride - padding + u*dilation, ...], zero outside x.

    Each weight sweeps the output map in turn (fast inner loops over a row); every output still adds its products
    in the order c, u, v, so the sums are those of a loop over the window at each output cell.
    """
    c_out, c_in, kernel_h, kernel_w = w.shape
    height, width = x.shape[1], x.shape[2]
    out = np.zeros((c_out, out_h, out_w))
    for o in range(c_out):
        for c in range(c_in):
            for u in range(kernel_h):
                for v in range(kernel_w):
                    weight = w[o, c, u, v]
                    for i in range(out_h):
                        row = i * stride - padding + u * dilation
                        if row < 0 or row >= height:
                            continue
                        for j in range(out_w):
                            col = j * stride - padding + v * dilation
                            if 0 <= col < width:
                                out[o, i, j] += weight * x[c, row, col]
    return out


def conv_nd(x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0, dilation: int = 1) -> np.ndarray:
    """Cross-correlate a (C_in, L), (C_in, H, W) or (C_in, D, H, W) input with (C_out, C_in, k...) filters of the
    same number of axes, zero-padded, the same stride, padding and dilation along every axis (torch's conv1d,
    conv2d and conv3d on one sample)."""
    x, w = check_array("x", x, finite=False), check_array("w", w, finite=False)
    if not 2 <= x.ndim <= 4:
        raise ValueError(f"x has shape {x.shape}: must be (C_in, L), (C_in, H, W) or (C_in, D, H, W)")
    if w.ndim != x.ndim + 1 or w.shape[1] != x.shape[0]:
        raise ValueError(f"w has shape {w.shape}: must be (C_out, {x.shape[0]}, " + ", ".join(["k"] * (x.ndim - 1))
                         + f") for x of shape {x.shape}")
    dims = x.ndim - 1
    out = tuple(output_size(n, k, stride, padding, dilation) for n, k in zip(x.shape[1:], w.shape[2:]))
    lead = 3 - dims  # singleton axes in front, with no padding and stride 1
    x3 = np.ascontiguousarray(x.reshape(x.shape[0], *(1,) * lead, *x.shape[1:]))
    w3 = np.ascontiguousarray(w.reshape(*w.shape[:2], *(1,) * lead, *w.shape[2:]))
    strides = np.array([1] * lead + [stride] * dims, np.int64)
    pads = np.array([0] * lead + [padding] * dims, np.int64)
    dilations = np.array([1] * lead + [dilation] * dims, np.int64)
    shape = np.array([1] * lead + list(out), np.int64)
    return _conv3d(x3, w3, strides, pads, dilations, shape).reshape(w.shape[0], *out)


@njit(cache=True)
def _conv3d(x, w, stride, padding, dilation, out_shape):
    """out[o, i, j, m] = sum of w[o, c, a, u, v] * x[c, i*s0 - p0 + a*d0, j*s1 - p1 + u*d1, m*s2 - p2 + v*d2],
    zero outside x; stride, padding, dilation and out_shape give one value per axis. As in _conv2d, each weight
    sweeps the output in turn, and every output adds its products in the order c, a, u, v."""
    c_out, c_in, kernel_d, kernel_h, kernel_w = w.shape
    depth, height, width = x.shape[1], x.shape[2], x.shape[3]
    out = np.zeros((c_out, out_shape[0], out_shape[1], out_shape[2]))
    for o in range(c_out):
        for c in range(c_in):
            for a in range(kernel_d):
                for u in range(kernel_h):
                    for v in range(kernel_w):
                        weight = w[o, c, a, u, v]
                        for i in range(out_shape[0]):
                            z = i * stride[0] - padding[0] + a * dilation[0]
                            if z < 0 or z >= depth:
                                continue
                            for j in range(out_shape[1]):
                                row = j * stride[1] - padding[1] + u * dilation[1]
                                if row < 0 or row >= height:
                                    continue
                                for m in range(out_shape[2]):
                                    col = m * stride[2] - padding[2] + v * dilation[2]
                                    if 0 <= col < width:
                                        out[o, i, j, m] += weight * x[c, z, row, col]
    return out


LAYER_KEYS = {"conv": ("k", "s", "p", "d", "c"), "transposed": ("k", "s", "p", "d", "c", "op"),
              "maxpool": ("k", "s", "p", "d", "ceil"), "avgpool": ("k", "s", "p", "ceil"), "fc": ("c",),
              "dense": ("n", "k", "c")}
REQUIRED_KEYS = {"conv": ("k", "c"), "transposed": ("k", "c"), "maxpool": ("k",), "avgpool": ("k",), "fc": ("c",),
                 "dense": ("n", "c")}
FLAGS = {"": True, "1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
# The largest value a layer's setting (k s p d c op) may take: far past any real network (VGG-16's widest layer
# has 4096 units), and a bound on how far a run can go (10^26 channels once ended in a TypeError).
MAX_SETTING = 1_000_000


def parse_layers(text: str) -> list[Layer]:
    """Layers from text like 'conv k=3 s=2 p=1 c=16; maxpool k=2', with errors naming the layer and the key.

    '[conv k=1 c=64 | conv k=1 c=96; conv k=3 p=1 c=128]' is a concat of branches (split by '|', each a stack of
    layers split by ';'); 'dense n=4 c=32' (k=3 unless given) a dense block of n convs with growth rate c.
    """
    parts = [part.strip() for part in _split_outside_brackets(text, ";") if part.strip()]
    if not parts:
        raise ValueError("layers: give at least one layer, e.g. 'conv k=3 c=16'")
    layers = []
    for index, part in enumerate(parts, 1):
        try:
            layers.append(_parse_concat(part) if part.startswith("[") else _parse_layer(part))
        except ValueError as error:
            raise ValueError(f"layer {index} '{part}': {error}") from None
    return layers


def _split_outside_brackets(text: str, separator: str) -> list[str]:
    """text split at each separator that no [ ] encloses; ValueError if the brackets do not pair up."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth < 0:
            raise ValueError(f"layers: a ']' closes no '[' in '{excerpt(text)}'")
        if char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise ValueError(f"layers: a '[' is never closed by ']' in '{excerpt(text)}'")
    return [*parts, text[start:]]


def _parse_concat(text: str) -> Layer:
    """'[stack | stack | ...]': branches on the same input, concatenated along the channels."""
    if not text.endswith("]"):
        raise ValueError("a concat is '[branch | branch ...]' with nothing after its ']'")
    branches = _split_outside_brackets(text[1:-1], "|")
    if len(branches) > len(BRANCH_LETTERS):
        raise ValueError(f"at most {len(BRANCH_LETTERS)} branches")
    parsed = []
    for letter, branch in zip(BRANCH_LETTERS, branches):
        if not branch.strip():
            raise ValueError(f"branch {letter} is empty")
        try:
            parsed.append(tuple(parse_layers(branch)))
        except ValueError as error:
            raise ValueError(f"branch {letter}: {error}") from None
    return Layer("concat", branches=tuple(parsed))


def _parse_layer(text: str) -> Layer:
    """One layer from 'kind key=value ...'; pools' stride defaults to their kernel, as in PyTorch."""
    kind, *settings = text.lower().split()
    if kind not in LAYER_KEYS:
        raise ValueError(f"unknown kind '{kind}' (use {', '.join(LAYER_KEYS)}, or [a | b] for branches)")
    values: dict[str, int | bool | str] = {}
    for setting in settings:
        key, _, raw = setting.partition("=")
        if key not in LAYER_KEYS[kind]:
            raise ValueError(f"{kind} takes {', '.join(LAYER_KEYS[kind])}, not '{key}'")
        if key in values:
            raise ValueError(f"{key}= is given twice")
        values[key] = _parse_value(key, raw)
    missing = [f"{key}=" for key in REQUIRED_KEYS[kind] if key not in values]
    if missing:
        raise ValueError(f"{kind} needs {' and '.join(missing)}")
    if kind == "dense":
        return _dense_block(values)
    kernel, dilation = values.get("k", 1), values.get("d", 1)
    stride = values.get("s", kernel if kind in POOLS else 1)
    padding = values.get("p", 0)
    if padding == "same":
        padding = _same_padding(kind, kernel, stride, dilation)
    return Layer(kind, kernel, stride, padding, dilation, values.get("c", 0), values.get("op", 0),
                 values.get("ceil", False))


def _dense_block(values: dict) -> Layer:
    """'dense n=4 c=32 [k=3]': n convs k×k with 'same' padding, each adding c channels."""
    repeats, kernel = values["n"], values.get("k", 3)
    if not 1 <= repeats <= MAX_DENSE:
        raise ValueError(f"n={repeats}: must be from 1 to {MAX_DENSE}")
    if kernel % 2 == 0:
        raise ValueError(f"k={kernel}: a dense block keeps the size, so its kernel must be odd")
    return Layer("dense", kernel, 1, (kernel - 1) // 2, out_channels=values["c"], repeats=repeats)


def _parse_value(key: str, raw: str) -> int | bool | str:
    """A setting's value: a whole number, 'same' for padding, or a flag for ceil."""
    if key == "ceil":
        if raw not in FLAGS:
            raise ValueError(f"ceil={raw}: use ceil, ceil=1 or ceil=0")
        return FLAGS[raw]
    if key == "p" and raw == "same":
        return "same"
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"{key}={raw}: must be a whole number" + (" or same" if key == "p" else ""))
    if int(raw) > MAX_SETTING:
        raise ValueError(f"{key}={raw}: must be at most {MAX_SETTING:,}")
    return int(raw)


def _same_padding(kind: str, kernel: int, stride: int, dilation: int) -> int:
    """The padding that keeps the size ('same' in the notes): half the dilated kernel, for a stride-1 conv."""
    if kind != "conv" or stride != 1 or dilation * (kernel - 1) % 2:
        raise ValueError("p=same needs a conv with s=1 and an odd (dilated) kernel; give p= as a number")
    return dilation * (kernel - 1) // 2


@dataclass(frozen=True)
class Preset:
    """A named network: its square input and its layers."""

    title: str
    input_size: int
    in_channels: int
    layers: tuple[Layer, ...]


def _conv(kernel: int, channels: int, stride: int = 1, padding: int = 0) -> Layer:
    """A conv layer of a preset."""
    return Layer("conv", kernel, stride, padding, out_channels=channels)


def _same(kernel: int, channels: int) -> Layer:
    """A stride-1 'same' conv layer of a preset."""
    return _conv(kernel, channels, padding=kernel // 2)


def _vgg_blocks(*blocks: tuple[int, int]) -> tuple[Layer, ...]:
    """VGG's blocks: (channels, repeats) stride-1 3×3 'same' convs, each block closed by a 2×2 stride-2 maxpool."""
    return tuple(layer for channels, repeats in blocks
                 for layer in (*[_same(3, channels)] * repeats, Layer("maxpool", 2, 2)))


def _dense(*units: int) -> tuple[Layer, ...]:
    """The fc layers that end a preset."""
    return tuple(Layer("fc", out_channels=count) for count in units)


PRESETS = {
    "lenet5": Preset("LeNet-5", 32, 1, (_conv(5, 6), Layer("avgpool", 2, 2), _conv(5, 16), Layer("avgpool", 2, 2),
                                         *_dense(120, 84, 10))),
    "alexnet": Preset("AlexNet", 227, 3, (_conv(11, 96, stride=4), Layer("maxpool", 3, 2), _same(5, 256),
                                          Layer("maxpool", 3, 2), _same(3, 384), _same(3, 384), _same(3, 256),
                                          Layer("maxpool", 3, 2), *_dense(4096, 4096, 1000))),
    "vgg16": Preset("VGG-16", 224, 3, (*_vgg_blocks((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)),
                                       *_dense(4096, 4096, 1000))),
    # d2l's NiN on 224×224 Fashion-MNIST: four NiN blocks (a conv, then two 1×1 convs), 3×3 stride-2 max pools, and
    # global average pooling of the last block's 10 channels (one per class) instead of fc layers.
    "nin": Preset("NiN", 224, 1, (_conv(11, 96, stride=4), _conv(1, 96), _conv(1, 96), Layer("maxpool", 3, 2),
                                  _same(5, 256), _conv(1, 256), _conv(1, 256), Layer("maxpool", 3, 2),
                                  _same(3, 384), _conv(1, 384), _conv(1, 384), Layer("maxpool", 3, 2),
                                  _same(3, 10), _conv(1, 10), _conv(1, 10), Layer("avgpool", 5, 5))),
}
CUSTOM_INPUT = (64, 3)
DEFAULT_CUSTOM = "conv k=3 p=same c=16; maxpool k=2; conv k=3 s=2 p=1 c=32; conv k=3 d=2 c=64; fc c=10"
CUSTOM_TITLE = "Custom stack"
TITLES_ZH = {CUSTOM_TITLE: "自定义网络"}  # the presets' names read the same in Chinese
AXES = {1: "L", 2: "H×W", 3: "D×H×W"}


def run(
    preset: Annotated[str, Arg("network to walk; custom uses --layers", "要计算的网络；custom 使用 --layers",
                               choices=(*PRESETS, "custom"))] = "alexnet",
    input_size: Annotated[int, Arg("input height = width in pixels (= depth in 3-D; the length in 1-D); 0 = the "
                                   "preset's own (LeNet-5 32, AlexNet 227, VGG-16 224, NiN 224, custom 64)",
                                   "输入的高 = 宽（像素；三维时也等于深度，一维时为长度）；0 = 网络自带的尺寸"
                                   "（LeNet-5 32、AlexNet 227、VGG-16 224、NiN 224、custom 64）", low=0, high=1024)] = 0,
    layers: Annotated[str, Arg("custom only: layers split by ';', each 'kind key=value ...', kind conv, transposed, "
                               "maxpool, avgpool or fc; keys k s p d c op ceil (p=same; a pool's s defaults to its k); "
                               "'dense n=4 c=32' a dense block of n 3×3 convs (k= to change) adding c channels each; "
                               "'[stack | stack ...]' branches on the same input, concatenated along the channels "
                               "(Inception); 3 input channels unless --in-channels says otherwise",
                               "仅 custom：用 ';' 分隔各层，每层写作 'kind key=value ...'，"
                               "kind 为 conv、transposed、maxpool、avgpool 或 fc；"
                               "键 k s p d c op ceil（p=same；池化层的 s 默认等于 k）；"
                               "'dense n=4 c=32' 为稠密块：n 个 3×3 卷积（可用 k= 修改），每个增加 c 个通道；"
                               "'[层序列 | 层序列 ...]' 为作用于同一输入的并行分支，输出沿通道拼接（Inception）；"
                               "输入默认 3 通道，可用 --in-channels 改", high=500)]
    = DEFAULT_CUSTOM,
    in_channels: Annotated[int, Arg("input channels; 0 = the preset's own (3, or 1 for LeNet-5 and NiN)",
                                    "输入通道数；0 = 网络自带的通道数（3，LeNet-5 与 NiN 为 1）", low=0, high=4096)] = 0,
    dims: Annotated[int, Arg("axes the layers slide along: 1 = Conv1d on a sequence (L), 2 = images (H×W), 3 = Conv3d "
                             "on a volume (D×H×W); k, s, p apply along every axis",
                             "层滑动的轴数：1 = 序列上的 Conv1d（L），2 = 图像（H×W），3 = 体数据上的 Conv3d（D×H×W）；"
                             "k、s、p 对每个轴都相同", low=1, high=3)] = 2,
    windows: Annotated[bool, Arg("compare one pass over the input with cropping each window the output stands for and "
                                 "running the stack on it alone (naive sliding windows)",
                                 "比较整幅输入只算一遍与把输出对应的每个窗口裁出来单独计算（朴素滑动窗口）的乘法次数")]
    = False,
) -> DemoResult:
    """Walk the chosen stack, confirm its first conv layer with Numba, and tabulate and plot the shapes."""
    chosen = PRESETS[preset] if preset != "custom" else Preset(CUSTOM_TITLE, *CUSTOM_INPUT,
                                                                 tuple(parse_layers(layers)))
    size, channels = input_size or chosen.input_size, in_channels or chosen.in_channels
    rows, state = _walk_all(size, channels, chosen.layers, dims)
    confirmed = _confirm_first_conv(rows)
    total = sum(row.params for row in rows)
    total_multiplies = sum(row.multiplies for row in rows)
    input_shape = (channels, *(size,) * dims)
    shape_en, shape_zh = _shape_summaries(chosen.title, input_shape, rows, total)
    bottleneck = _bottleneck(rows)
    saving_en, saving_zh = _bottleneck_summaries(bottleneck)
    confirm_en, confirm_zh = _confirm_summaries(confirmed)
    sliding = _sliding_windows(rows, state, chosen.layers, channels, dims) if windows else None
    sliding_en, sliding_zh = _sliding_summaries(sliding, input_shape)
    return DemoResult(
        summary=f"{shape_en}{saving_en}{sliding_en}\n{confirm_en}",
        summary_zh=f"{shape_zh}{saving_zh}{sliding_zh}\n{confirm_zh}",
        table=Table(columns=("layer", "kind", f"output {AXES[dims]}×C", "params", "multiplies", "receptive field"),
                    rows=_table_rows(rows),
                    columns_zh=("层", "类型", f"输出 {AXES[dims]}×C", "参数量", "乘法次数", "感受野")),
        figure=_figure(chosen.title, input_shape, rows),
        data={"preset": preset, "input_shape": list(input_shape), "dims": dims, "total_params": total,
              "total_multiplies": total_multiplies, "bottleneck": bottleneck, "confirmed": confirmed,
              "sliding_windows": sliding, "layers": [_row_data(row) for row in rows]})


def _row_data(row: LayerRow) -> dict:
    """A row as JSON-ready data; a concat's or dense block's rows under 'parts' (one list per branch)."""
    data = {"index": row.index, "label": row.label, "name": row.layer.describe(len(row.input_shape) - 1),
            "kind": row.layer.kind,
            "output_shape": list(row.output_shape), "params": row.params, "multiplies": row.multiplies,
            "receptive_field": row.receptive_field}
    if row.parts:
        data["parts"] = [[_row_data(part) for part in branch] for branch in row.parts]
    return data


def _shape_text(shape: tuple[int, ...] | list[int]) -> str:
    """A (C, H, W) shape as the notes write it, H×W×C (L×C in 1-D, D×H×W×C in 3-D)."""
    channels, *spatial = shape
    return "×".join(str(side) for side in (*spatial, channels))


def _side_text(side: int, dims: int) -> str:
    """One spatial size on every axis, e.g. 28×28."""
    return "×".join([str(side)] * dims)


def _shape_summaries(title: str, input_shape: tuple[int, ...], rows: list[LayerRow],
                     total: int) -> tuple[str, str]:
    """Where the stack ends, its parameters and multiplies, and where the conv part ends and how much the fc
    layers hold, in English and Chinese; then how its first concat or dense block adds up its channels."""
    ends_at, given = _shape_text(rows[-1].output_shape), _shape_text(input_shape)
    multiplies = sum(row.multiplies for row in rows)
    dims = len(input_shape) - 1
    kind = {1: " (1-D)", 2: "", 3: " (3-D)"}[dims]
    text = f"{title}{kind} on {given}: output {ends_at}, {total:,} parameters, {_approx(multiplies)} multiplies"
    text_zh = (f"{TITLES_ZH.get(title, title)}{kind}(输入 {given}):输出 {ends_at},共 {total:,} 个参数、"
               f"{_approx(multiplies)} 次乘法")
    first_fc = next((row for row in rows if row.layer.kind == "fc"), None)
    if first_fc is None or first_fc.index == 1:
        text, text_zh = text + ".", text_zh + "。"
    else:
        conv_end = _shape_text(first_fc.input_shape)
        fc_share = sum(row.params for row in rows if row.layer.kind == "fc") / max(total, 1)
        text += f"; the conv part ends at {conv_end} and the fc layers hold {fc_share:.0%} of the parameters."
        text_zh += f";卷积部分止于 {conv_end},全连接层占全部参数的 {fc_share:.0%}。"
    joined = next((row for row in rows if row.parts), None)
    if joined is not None and joined.layer.kind == "concat":
        ends = [branch[-1].output_shape[0] for branch in joined.parts]
        sum_text = " + ".join(map(str, ends)) + f" = {joined.output_shape[0]}"
        side = _side_text(joined.output_shape[1], dims)
        text += (f" Layer {joined.label} runs {len(ends)} branches on the same {_shape_text(joined.input_shape)} "
                 f"and concatenates their last layers' channels, {sum_text}, at {side}.")
        text_zh += (f"第 {joined.label} 层在同一个 {_shape_text(joined.input_shape)} 输入上运行 {len(ends)} 个分支,"
                    f"把各分支最后一层的通道拼接起来:{sum_text},尺寸 {side}。")
    elif joined is not None:
        first, growth, count = joined.input_shape[0], joined.layer.out_channels, joined.layer.repeats
        text += (f" Dense block {joined.label}: each of its {count} convs adds {growth} channels to all it reads, "
                 f"{first} + {count} × {growth} = {joined.output_shape[0]}.")
        text_zh += (f"稠密块 {joined.label}:{count} 个卷积各在其读入的全部通道之后追加 {growth} 个通道,"
                    f"{first} + {count} × {growth} = {joined.output_shape[0]}。")
    return text, text_zh


def _approx(count: int) -> str:
    """A multiply count as the notes write it: 416,520 below a million, else 12.4M, 1.14G (10^6, 10^9)."""
    if count < 1_000_000:
        return f"{count:,}"
    return f"{count / 1e6:.3g}M" if count < 1e9 else f"{count / 1e9:.3g}G"


def _sequences(rows: list[LayerRow]):
    """The stack's rows, then each concat branch's rows (at any depth): every run of consecutive layers."""
    yield rows
    for row in rows:
        if row.layer.kind == "concat":
            for branch in row.parts:
                yield from _sequences(list(branch))


def _bottleneck(rows: list[LayerRow]) -> dict | None:
    """A 1×1 conv that cuts the channels right before a larger conv (a bottleneck, as in Inception), in the stack
    or in a concat's branch: the pair's multiplies against those of the larger conv run straight on the wider
    input; the pair that saves the most, or None if there is none."""
    found = []
    for sequence in _sequences(rows):
        for squeeze, conv in zip(sequence, sequence[1:]):
            layer = squeeze.layer
            if (layer.kind == "conv" and (layer.kernel, layer.stride, layer.padding, layer.dilation) == (1, 1, 0, 1)
                    and layer.out_channels < squeeze.input_shape[0] and conv.layer.kind == "conv"
                    and conv.layer.kernel > 1):
                dims = len(conv.output_shape) - 1
                direct = multiply_count(squeeze.input_shape[0], conv.layer.out_channels, conv.layer.kernel,
                                        conv.output_shape[1], dims=dims)
                found.append({"layers": [squeeze.index, conv.index], "labels": [squeeze.label, conv.label],
                              "channels": [squeeze.input_shape[0], layer.out_channels], "kernel": conv.layer.kernel,
                              "multiplies": squeeze.multiplies + conv.multiplies, "direct_multiplies": direct})
    return max(found, key=lambda pair: pair["direct_multiplies"] / pair["multiplies"], default=None)


def _bottleneck_summaries(bottleneck: dict | None) -> tuple[str, str]:
    """A sentence on what the bottleneck saves, in English and Chinese, or nothing."""
    if bottleneck is None:
        return "", ""
    (first, second), (wide, narrow), kernel = bottleneck["labels"], bottleneck["channels"], bottleneck["kernel"]
    cost, direct = bottleneck["multiplies"], bottleneck["direct_multiplies"]
    return (f" The 1×1 conv of layer {first} cuts {wide} channels to {narrow}, so layers {first}–{second} take "
            f"{_approx(cost)} multiplies against {_approx(direct)} for the {kernel}×{kernel} conv straight on {wide} "
            f"channels: {direct / cost:.1f}× fewer.",
            f"第 {first} 层的 1×1 卷积先把 {wide} 个通道压到 {narrow} 个,第 {first}–{second} 层共需 {_approx(cost)} "
            f"次乘法,而直接在 {wide} 个通道上做 {kernel}×{kernel} 卷积需 {_approx(direct)} 次:"
            f"只需后者的 1/{direct / cost:.1f}。")


def _sliding_windows(rows: list[LayerRow], state, layers, in_channels: int, dims: int) -> dict:
    """One pass over the input against one pass per window: each output cell stands for the window of input it
    sees (the receptive field), spaced by the product of the strides; cropping each and running the stack on it
    alone must give 1×1 for the two to compute the same thing."""
    if state is None or any(row.layer.kind in ("fc", "transposed") for row in _leaf_rows(rows)):
        return {"applies": False, "reason": "fc or transposed"}
    field, jump = state
    try:
        crop_rows, _ = _walk_all(field, in_channels, layers, dims)
    except ValueError:
        return {"applies": False, "reason": "window too small", "window": field}
    crop_out = crop_rows[-1].output_shape[1]
    if crop_out != 1:
        return {"applies": False, "reason": "not 1×1", "window": field, "window_output": crop_out}
    count = rows[-1].output_shape[1] ** dims
    one_pass, per_window = sum(row.multiplies for row in rows), sum(row.multiplies for row in crop_rows)
    return {"applies": True, "window": field, "stride": jump, "windows": count, "one_pass": one_pass,
            "per_window": per_window, "separate": count * per_window}


def _sliding_summaries(sliding: dict | None, input_shape: tuple[int, ...]) -> tuple[str, str]:
    """A sentence comparing one pass with a pass per window, or why the comparison does not apply."""
    if sliding is None:
        return "", ""
    dims = len(input_shape) - 1
    if not sliding["applies"]:
        if sliding["reason"] == "fc or transposed":
            return (" Sliding windows: only a stack of conv and pool layers (no fc, no transposed conv) slides over "
                    "its input as one window per output cell.",
                    "滑动窗口:只有全由卷积层和池化层组成(没有全连接层和转置卷积)的网络,"
                    "才能看作每个输出单元对应一个滑动窗口。")
        window = _side_text(sliding["window"], dims)
        got = _side_text(sliding.get("window_output", 0), dims) if "window_output" in sliding else "no output"
        return (f" Sliding windows: on one {window} window (its receptive field) the stack gives {got}, not 1×1 "
                "(padding or rounding), so its outputs are not separate window classifications.",
                f"滑动窗口:在单个 {window} 窗口(即感受野)上这个网络输出 {got},而不是 1×1(填充或取整所致),"
                "所以它的输出不等于逐个窗口的分类结果。")
    window, count = _side_text(sliding["window"], dims), sliding["windows"]
    grid = _side_text(round(count ** (1 / dims)), dims)
    one, separate, per = sliding["one_pass"], sliding["separate"], sliding["per_window"]
    return (f" Sliding windows: the {grid} output is {count:,} windows of {window} (the receptive field) at stride "
            f"{sliding['stride']} (the product of the strides); one pass over the {_shape_text(input_shape)} input "
            f"takes {_approx(one)} multiplies, cropping each window and running the stack {count:,} times takes "
            f"{count:,} × {_approx(per)} = {_approx(separate)}, {separate / one:.2f}× as many, because overlapping "
            "windows share the early layers' work.",
            f"滑动窗口:{grid} 的输出对应 {count:,} 个 {window} 的窗口(即感受野),步幅 {sliding['stride']}"
            f"(各层步幅之积);在 {_shape_text(input_shape)} 输入上算一遍需 {_approx(one)} 次乘法,"
            f"把每个窗口裁出来单独运行 {count:,} 次则需 {count:,} × {_approx(per)} = {_approx(separate)} 次,"
            f"是前者的 {separate / one:.2f} 倍,因为重叠的窗口共享了前几层的计算。")


def _leaf_rows(rows: list[LayerRow]):
    """The rows of plain layers in order, a concat's branches included (a dense block's convs are not: their rows
    show the shape after concatenation)."""
    for row in rows:
        if row.layer.kind == "concat":
            for branch in row.parts:
                yield from _leaf_rows(list(branch))
        elif not row.parts:
            yield row


def _confirm_first_conv(rows: list[LayerRow], seed: int = 0) -> dict | None:
    """Run the first conv layer with Numba on random input, on fewer channels if the whole layer would be slow."""
    row = next((row for row in _leaf_rows(rows) if row.layer.kind == "conv"), None)
    if row is None:
        return None
    label = row.index if row.label == str(row.index) else row.label
    layer, (c_in, size, *_), (c_out, out_size, *_) = row.layer, row.input_shape, row.output_shape
    dims = len(row.input_shape) - 1
    cost_per_pair = max(out_size ** dims * layer.kernel ** dims, size ** dims)  # one input channel times one filter
    if cost_per_pair > CONFIRM_BUDGET:
        return {"layer": label, "skipped": True}
    channels_run = min(c_in, CONFIRM_BUDGET // cost_per_pair)
    filters_run = min(c_out, max(1, CONFIRM_BUDGET // (cost_per_pair * channels_run)))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((channels_run, *(size,) * dims))
    w = rng.standard_normal((filters_run, channels_run, *(layer.kernel,) * dims))
    if dims == 2:
        result = conv2d(x, w, layer.stride, layer.padding, layer.dilation)
    else:
        result = conv_nd(x, w, layer.stride, layer.padding, layer.dilation)
    return {"layer": label, "skipped": False, "input_shape": list(x.shape), "output_shape": list(result.shape),
            "filters_run": filters_run, "filters": c_out, "channels_run": channels_run, "channels": c_in}


PARTS_ZH = {"channels": "通道", "filters": "卷积核"}


def _confirm_summaries(confirmed: dict | None) -> tuple[str, str]:
    """One line on what the Numba convolution gave, or why it did not run, in English and Chinese."""
    if confirmed is None:
        return "No conv layer to run with Numba.", "没有可用 Numba 运行的卷积层。"
    layer = confirmed["layer"]
    if confirmed["skipped"]:
        return (f"Layer {layer} is too large to run here; its shape comes from the arithmetic alone.",
                f"第 {layer} 层太大,不在这里实际运行;它的形状只由公式算出。")
    given, got = _shape_text(confirmed["input_shape"]), _shape_text(confirmed["output_shape"])
    name = {2: "conv2d", 1: "conv1d", 3: "conv3d"}[len(confirmed["input_shape"]) - 1]
    fewer = [(confirmed[part + "_run"], confirmed[part], part) for part in ("channels", "filters")
             if confirmed[part + "_run"] < confirmed[part]]
    if not fewer:
        return (f"Numba {name} on a random {given} input gave {got}, as layer {layer} predicts.",
                f"Numba {name} 在随机的 {given} 输入上得到 {got},与第 {layer} 层算出的形状一致。")
    spatial = "×".join(map(str, confirmed["output_shape"][1:]))
    shrunk = " and ".join(f"{ran} of {total} {part}" for ran, total, part in fewer)
    shrunk_zh = "和".join(f" {total} 个{PARTS_ZH[part]}中的 {ran} 个" for ran, total, part in fewer)
    return (f"Numba {name} on a random {given} input ({shrunk}, to stay quick) gave {got}, "
            f"its {spatial} matches layer {layer}.",
            f"Numba {name} 在随机的 {given} 输入上(为保持速度,只运行了{shrunk_zh})得到 {got},"
            f"其 {spatial} 与第 {layer} 层相符。")


def _table_rows(rows: list[LayerRow]) -> tuple[tuple[str, ...], ...]:
    """One table row per run of identical consecutive layers (VGG's blocks), so every preset fits in ~12 rows; a
    concat shows each branch's layers and then the concatenation, a dense block each of its convs."""
    out: list[tuple[str, ...]] = []
    groups: list[list[LayerRow]] = []
    for row in rows:
        if row.parts:
            out.extend(_table_row(group) for group in groups)
            groups = []
            out.extend(_expanded(row))
        elif groups and groups[-1][-1].layer == row.layer:
            groups[-1].append(row)
        else:
            groups.append([row])
    out.extend(_table_row(group) for group in groups)
    return tuple(out)


def _expanded(row: LayerRow) -> list[tuple[str, ...]]:
    """A concat's branch rows then its own (no weights of its own), or a dense block's conv rows."""
    lines = [line for branch in row.parts for part in branch
             for line in (_expanded(part) if part.parts else [_table_row([part])])]
    if row.layer.kind == "concat":
        ends = "+".join(str(branch[-1].output_shape[0]) for branch in row.parts)
        field = "–" if row.receptive_field is None else str(row.receptive_field)
        lines.append((row.label, f"concat {ends} ch", _shape_text(row.output_shape), "–", "–", field))
    return lines


def _table_row(group: list[LayerRow]) -> tuple[str, ...]:
    """A run of identical layers as one row: its numbers, the layer, the last shape, summed params and
    multiplies, last field."""
    first, last = group[0], group[-1]
    numbers = first.label if len(group) == 1 else f"{first.label}–{last.label}"
    name = first.layer.describe(len(first.input_shape) - 1)
    kind = name if len(group) == 1 else f"{len(group)}× {name}"
    field = "–" if last.receptive_field is None else str(last.receptive_field)
    return (numbers, kind, _shape_text(last.output_shape), f"{sum(row.params for row in group):,}",
            f"{sum(row.multiplies for row in group):,}", field)


def _figure(title: str, input_shape: tuple[int, ...], rows: list[LayerRow]):
    """Spatial size and channels per layer, as two labelled lines on a log2 axis."""
    shapes = [input_shape, *(row.output_shape for row in rows)]
    steps = list(range(len(shapes)))
    fig, ax = new_axes(f"{title}: spatial size falls as channels grow", "layer (0 = input)", "log2 of size")
    side = {1: "L (length)", 2: "H = W (spatial size)", 3: "D = H = W (spatial size)"}[len(input_shape) - 1]
    lines = (([shape[1] for shape in shapes], side), ([shape[0] for shape in shapes], "C (channels)"))
    for (values, label), colour, marker in zip(lines, COLOURS, MARKERS):
        heights = np.log2(np.asarray(values, dtype=float))  # floats: a Python int past int64 has no log2
        ax.plot(steps, heights, color=colour, marker=marker, linewidth=2, label=label)
        for step in (0, steps[-1]):
            ax.text(step, heights[step], f" {values[step]}", color=colour)
    ax.legend()
    return fig


def warm() -> None:
    """Compile (or load from cache) the convolution kernels on a tiny input."""
    _conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 2, 2)), 1, 0, 1, 2, 2)
    conv_nd(np.ones((1, 3)), np.ones((1, 1, 2)))


DEMO = declare_demo(
    run, warm,
    title_en="Convolution output-size calculator",
    title_zh="卷积输出尺寸计算器",
    description_en="Walk LeNet-5, AlexNet, VGG-16, NiN or your own stack (Inception branches, dense blocks, 1-D or 3-D "
                   "layers) layer by layer: output shape, parameters and receptive field, with one layer run for real "
                   "to confirm the shape.",
    description_zh="逐层走过 LeNet-5、AlexNet、VGG-16、NiN 或自定义网络（可含 Inception 分支、稠密块、一维或三维层）："
                   "输出形状、参数量和感受野，并实际运行一层卷积来验证形状。",
)

def _draw_conv_layer(rng) -> dict:
    """A square input, a kernel, stride and padding that give a whole output, and a filter count."""
    while True:
        kernel = int(rng.choice((1, 3, 5, 7)))
        stride = int(rng.choice((1, 1, 2)))
        padding = int(rng.integers(0, kernel // 2 + 1))
        n = int(rng.integers(max(kernel, 5), 65))
        if (n + 2 * padding - kernel) % stride == 0:
            return {"n": n, "c_in": int(rng.choice((1, 3, 16, 32, 64))), "kernel": kernel, "stride": stride,
                    "padding": padding, "filters": int(rng.choice((4, 6, 8, 16, 32, 64)))}


def _solve_output_shape(n: int, c_in: int, kernel: int, stride: int, padding: int, filters: int) -> Worked:
    """The output shape by PyTorch's size rule, worked through with these numbers."""
    out = output_size(n, kernel, stride, padding)
    sum_text = f"⌊({n} + 2·{padding} − {kernel}) / {stride}⌋ + 1 = {out}"
    return Worked({"shape": (out, out, filters)},
                  ("n_out = ⌊(n + 2p − f) / s⌋ + 1", f"n_out = {sum_text}",
                   f"one channel per filter: {out}x{out}x{filters}"),
                  ("n_out = ⌊(n + 2p − f) / s⌋ + 1", f"n_out = {sum_text}",
                   f"每个卷积核输出一个通道：{out}x{out}x{filters}"))


def _solve_parameters(n: int, c_in: int, kernel: int, stride: int, padding: int, filters: int) -> Worked:
    """The layer's weights and biases, worked through with these numbers."""
    count = param_count(c_in, filters, kernel)
    product = f"({kernel}·{kernel}·{c_in} + 1)·{filters} = {count:,}"
    return Worked({"parameters": count},
                  ("each filter has f·f·n_c weights and 1 bias: (f·f·n_c + 1)·n_filters", product,
                   "the input's height and width do not matter"),
                  ("每个卷积核有 f·f·n_c 个权重和 1 个偏置：(f·f·n_c + 1)·n_filters", product, "与输入的高和宽无关"))


_LAYER_QUESTION_EN = ("A {n}x{n}x{c_in} input goes through a conv layer of {filters} filters of size {kernel}x{kernel}, "
                      "stride {stride}, padding {padding}.")
_LAYER_QUESTION_ZH = "输入为 {n}x{n}x{c_in}，卷积层有 {filters} 个 {kernel}x{kernel} 卷积核，步幅 {stride}，填充 {padding}。"

POOL_WORDS = {"maxpool": ("max", "最大"), "avgpool": ("average", "平均")}


def _draw_pool(rng) -> dict:
    """A square volume and a pooling window, stride (at most the window) and padding (0, or half an odd window)
    giving a whole output of 2 or more."""
    while True:
        kernel = int(rng.choice((2, 2, 3, 3, 4, 5)))
        stride = int(rng.choice([s for s in (1, 2, 2, 3) if s <= kernel]))
        padding = int(rng.choice((0, 0, (kernel - 1) // 2 if kernel % 2 else 0)))  # an odd window: 'same'-like
        n = int(rng.integers(max(kernel + 1, 4), 65))
        room = n + 2 * padding - kernel
        if room % stride == 0 and room // stride + 1 >= 2:
            kind = str(rng.choice(("maxpool", "avgpool")))
            return {"n": n, "channels": int(rng.choice((1, 3, 6, 16, 32, 64, 96, 256))), "kind": kind,
                    "pool_en": POOL_WORDS[kind][0], "pool_zh": POOL_WORDS[kind][1], "kernel": kernel,
                    "stride": stride, "padding": padding}


def _solve_pool_output(n: int, channels: int, kind: str, pool_en: str, pool_zh: str, kernel: int, stride: int,
                       padding: int) -> Worked:
    """The pooled shape by PyTorch's size rule; the channels pass through one by one."""
    out = output_size(n, kernel, stride, padding, kind=kind)
    sum_text = f"n_out = ⌊({n} + 2·{padding} − {kernel}) / {stride}⌋ + 1 = {out}"
    return Worked({"shape": (out, out, channels)},
                  ("n_out = ⌊(n + 2p − f) / s⌋ + 1, as for a conv", sum_text,
                   f"each channel is pooled on its own, so {channels} stay: {out}x{out}x{channels}"),
                  ("n_out = ⌊(n + 2p − f) / s⌋ + 1，与卷积相同", sum_text,
                   f"每个通道单独池化，通道数仍为 {channels}：{out}x{out}x{channels}"))


def _draw_transposed(rng) -> dict:
    """A transposed conv that upsamples: sometimes d2l's exact k = 2s, p = s/2, else a small kernel and stride."""
    while True:
        if rng.random() < 0.3:
            stride = int(rng.choice((2, 4, 8, 16, 32)))
            kernel, padding = 2 * stride, stride // 2
        else:
            kernel = int(rng.choice((2, 3, 4, 5)))
            stride = int(rng.choice([s for s in (1, 2, 2, 3) if s <= kernel]))
            padding = int(rng.integers(0, (kernel - 1) // 2 + 1))
        n = int(rng.integers(2, 33))
        if (n - 1) * stride - 2 * padding + kernel > n:
            return {"n": n, "kernel": kernel, "stride": stride, "padding": padding}


def _solve_transposed_output(n: int, kernel: int, stride: int, padding: int) -> Worked:
    """The transposed conv's output side by PyTorch's rule (output_padding 0, dilation 1)."""
    out = output_size(n, kernel, stride, padding, kind="transposed")
    sum_text = f"n_out = ({n} − 1)·{stride} − 2·{padding} + {kernel} = {out}"
    return Worked({"size": out},
                  ("n_out = (n − 1)·s − 2p + k", sum_text,
                   f"the inputs land s = {stride} apart, the last adds a {kernel}-wide footprint, "
                   f"padding crops {padding} from each border: {out}x{out}"),
                  ("n_out = (n − 1)·s − 2p + k", sum_text,
                   f"输入元素在输出上相隔 s = {stride}，最后一个再加上宽 {kernel} 的卷积核，"
                   f"填充从每边裁掉 {padding}：{out}x{out}"))


RF_WORDS = {"conv": ("conv", "卷积"), "maxpool": ("max pool", "最大池化"), "avgpool": ("average pool", "平均池化")}


def _draw_receptive_field(rng) -> dict:
    """2 to 4 conv and pool layers (a conv first), at least one wider than 1x1, as a list and as text."""
    while True:
        layers = []
        for index in range(int(rng.integers(2, 5))):
            kind = "conv" if index == 0 else str(rng.choice(("conv", "conv", "maxpool", "avgpool")))
            if kind == "conv":
                kernel, stride = int(rng.choice((1, 3, 3, 3, 5, 7))), int(rng.choice((1, 1, 2)))
            else:
                kernel, stride = (int(side) for side in rng.choice(((2, 2), (2, 2), (3, 2), (3, 1))))
            layers.append([kind, kernel, stride])
        if sum(kernel > 1 for _, kernel, _ in layers) >= 2:
            break
    return {"layers": layers,
            "layers_en": ", then ".join(f"{k}x{k} {RF_WORDS[kind][0]} (stride {s})" for kind, k, s in layers),
            "layers_zh": "，然后 ".join(f"{k}x{k} {RF_WORDS[kind][1]}（步幅 {s}）" for kind, k, s in layers)}


def _solve_receptive_field(layers: list, layers_en: str, layers_zh: str) -> Worked:
    """The receptive field layer by layer: each widens it by (k − 1) times the jump, the product of earlier strides."""
    stack = [Layer(kind, kernel, stride) for kind, kernel, stride in layers]
    steps_en, steps_zh = ["r_l = r_(l−1) + (k_l − 1)·j_(l−1),  j_l = j_(l−1)·s_l,  from r_0 = 1, j_0 = 1"], []
    steps_zh.append(steps_en[0])
    field, jump = 1, 1
    for index, (kind, kernel, stride) in enumerate(layers, 1):
        new_field = receptive_field(stack[:index])
        line = f"r = {field} + ({kernel} − 1)·{jump} = {new_field},  j = {jump}·{stride} = {jump * stride}"
        steps_en.append(f"layer {index} ({kernel}x{kernel} {RF_WORDS[kind][0]}, s{stride}): {line}")
        steps_zh.append(f"第 {index} 层（{kernel}x{kernel} {RF_WORDS[kind][1]}，s{stride}）：{line}")
        field, jump = new_field, jump * stride
    steps_en.append(f"one output pixel sees {field}x{field} input pixels")
    steps_zh.append(f"一个输出像素看到输入上 {field}x{field} 的区域")
    return Worked({"field": field}, tuple(steps_en), tuple(steps_zh))


def _draw_bottleneck(rng) -> dict:
    """A same-padded k×k conv on a wide input, and a 1×1 bottleneck to well under half the channels."""
    while True:
        values = {"n": int(rng.choice((7, 14, 28))), "c_in": int(rng.choice((128, 192, 256, 480, 512))),
                  "mid": int(rng.choice((16, 24, 32, 48, 64))), "kernel": int(rng.choice((3, 5))),
                  "c_out": int(rng.choice((32, 48, 64, 96, 128)))}
        n, c_in, mid, kernel, c_out = values.values()
        direct, bottleneck = n * n * c_out * kernel * kernel * c_in, n * n * mid * (c_in + kernel * kernel * c_out)
        if 4 * mid <= c_in and direct >= 2 * bottleneck:
            return values


def _solve_bottleneck_cost(n: int, c_in: int, mid: int, kernel: int, c_out: int) -> Worked:
    """Multiplies of the k×k conv straight on, and of the 1×1 squeeze then the k×k conv."""
    direct = multiply_count(c_in, c_out, kernel, n)
    squeeze = multiply_count(c_in, mid, 1, n)
    conv = multiply_count(mid, c_out, kernel, n)
    total = squeeze + conv
    formula = "multiplies = H·W·C_out (output positions) · k·k·C_in (weights per output)"
    lines = (f"{n}·{n}·{c_out} · {kernel}·{kernel}·{c_in} = {direct:,}",
             f"{n}·{n}·{mid} · 1·1·{c_in} = {squeeze:,}",
             f"{n}·{n}·{c_out} · {kernel}·{kernel}·{mid} = {conv:,}",
             f"{squeeze:,} + {conv:,} = {total:,}")
    ratio = f"{direct / total:.1f}"
    return Worked({"direct": direct, "bottleneck": total},
                  (formula, f"direct: {lines[0]}", f"1x1 to {mid}: {lines[1]}",
                   f"then {kernel}x{kernel} to {c_out}: {lines[2]}", f"bottleneck: {lines[3]}, {ratio}× fewer"),
                  ("乘法次数 = H·W·C_out（输出位置数）· k·k·C_in（每个输出的权重数）", f"直接计算：{lines[0]}",
                   f"1x1 压到 {mid}：{lines[1]}", f"再做 {kernel}x{kernel} 到 {c_out}：{lines[2]}",
                   f"瓶颈层合计：{lines[3]}，约为直接计算的 1/{ratio}"))


DRILLS = declare_drills(
    __name__,
    Drill("output_shape", "Conv layer output shape", "卷积层输出形状",
          _LAYER_QUESTION_EN + " What is the output shape?", _LAYER_QUESTION_ZH + "输出形状是多少？",
          (Field("shape", "output shape", "输出形状", kind="shape"),), _draw_conv_layer, _solve_output_shape),
    Drill("parameters", "Conv layer parameter count", "卷积层参数量",
          _LAYER_QUESTION_EN + " How many parameters does it have (weights and biases)?",
          _LAYER_QUESTION_ZH + "它有多少参数（权重加偏置）？",
          (Field("parameters", "parameters", "参数量"),), _draw_conv_layer, _solve_parameters),
    Drill("pool_output", "Pooling output shape", "池化层输出形状",
          "A {n}x{n}x{channels} volume goes through {pool_en} pooling with a {kernel}x{kernel} window, "
          "stride {stride}, padding {padding}. What is the output shape?",
          "{n}x{n}x{channels} 的输入经过{pool_zh}池化，窗口 {kernel}x{kernel}，步幅 {stride}，填充 {padding}。"
          "输出形状是多少？",
          (Field("shape", "output shape", "输出形状", kind="shape"),), _draw_pool, _solve_pool_output),
    Drill("transposed_output", "Transposed convolution output size", "转置卷积输出尺寸",
          "A transposed convolution (PyTorch's ConvTranspose2d, output_padding 0, dilation 1) with a {kernel}x{kernel} "
          "kernel, stride {stride} and padding {padding} is applied to a {n}x{n} feature map. What is the output's "
          "height (= width)?",
          "转置卷积（PyTorch 的 ConvTranspose2d，output_padding 0，dilation 1）的卷积核为 {kernel}x{kernel}，"
          "步幅 {stride}，填充 {padding}，作用在 {n}x{n} 的特征图上。输出的高（= 宽）是多少？",
          (Field("size", "output height", "输出的高"),), _draw_transposed, _solve_transposed_output),
    Drill("receptive_field", "Receptive field of a stack", "堆叠层的感受野",
          "An input goes through these layers in order: {layers_en}. How many input pixels wide (along one side) is "
          "the receptive field of one output pixel? (Padding does not change it.)",
          "输入依次经过以下各层：{layers_zh}。一个输出像素在输入上的感受野每边有多少像素？（填充不影响感受野。）",
          (Field("field", "receptive field (pixels per side)", "感受野（每边像素数）"),), _draw_receptive_field,
          _solve_receptive_field),
    Drill("bottleneck_cost", "Cost of a 1x1 bottleneck", "1x1 瓶颈层的计算量",
          "A {n}x{n}x{c_in} volume is mapped to {n}x{n}x{c_out} by a {kernel}x{kernel} convolution with same padding. "
          "Counting one multiplication per weight per output position (biases add none), how many multiplications "
          "does it take? And how many if a 1x1 convolution first cuts the channels to {mid}, and the "
          "{kernel}x{kernel} convolution then maps those {mid} channels to {c_out}?",
          "用 {kernel}x{kernel} 的相同填充卷积把 {n}x{n}x{c_in} 映射为 {n}x{n}x{c_out}。每个输出位置的每个权重算一次乘法"
          "（偏置不算），共需多少次乘法？如果先用 1x1 卷积把通道压到 {mid}，再用 {kernel}x{kernel} 卷积把这 {mid} 个通道"
          "映射到 {c_out}，共需多少次？",
          (Field("direct", "multiplications, direct", "直接计算的乘法次数"),
           Field("bottleneck", "multiplications, with the 1x1 bottleneck", "使用 1x1 瓶颈层的乘法次数")),
          _draw_bottleneck, _solve_bottleneck_cost),
)
