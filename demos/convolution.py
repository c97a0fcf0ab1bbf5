"""Convolution, transposed convolution and pooling, stepped across a small image one cell at a time.

`conv2d` is the cross-correlation of torch's `F.conv2d`: out[n, o, i, j] = b[o] + the sum over the group's
input channels c and the kernel cells (u, v) of w[o, c, u, v] * x[n, c', i*s - p + u*d, j*s - p + v*d], zero
outside the input (the kernel is not flipped). `conv_transpose2d` is `F.conv_transpose2d` (groups 1): each
input cell scatters x * w[c, o] into the output at (i*s - p + u*d, j*s - p + v*d), the padding cropping the
border, so it is the adjoint of `conv2d`: <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>. `max_pool2d` and
`avg_pool2d` follow torch's CPU kernels (padding at most half the kernel; with ceil_mode a last, partial
window counts if it starts inside the input or its left padding; the average divides by the window clipped
to the padded input when count_include_pad, else by its cells inside the input). `bilinear_kernel` is d2l's
initialisation of an FCN's upsampling layer. Every function equals torch 2.13 in float64 (to about 1e-14),
checked over thousands of random cases; output sizes come from demos.conv_size.output_size.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from numba import njit

from demos.conv_size import output_size
from revise.demo_engine.checks import check_array, check_choice, check_int, check_shape
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, heat_map, new_axes


# ---- the functions, as torch.nn.functional computes them ----

def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups: int = 1) -> np.ndarray:
    """Cross-correlate x (N, C_in, H, W), or (C_in, H, W), with w (C_out, C_in/groups, kH, kW), as F.conv2d.

    stride, padding and dilation are an int or an (H, W) pair; padding may also be "valid" (0) or "same"
    (stride 1 only; an odd total padding puts the extra row and column at the bottom and right, as torch).
    """
    x, unbatched = _images(x)
    w = _weights(w, "(C_out, C_in/groups, kH, kW)")
    groups = check_int("groups", groups, 1)
    c_in, c_out = x.shape[1], w.shape[0]
    if c_in % groups:
        raise ValueError(f"groups={groups}: must divide the {c_in} input channels of x")
    if c_out % groups:
        raise ValueError(f"w has shape {w.shape}: its {c_out} output channels must be divisible by groups={groups}")
    if w.shape[1] * groups != c_in:
        raise ValueError(f"w has shape {w.shape}: must be (C_out, {c_in // groups}, kH, kW) for x with {c_in} "
                         f"channels and groups={groups}")
    b = _bias(b, c_out)
    stride, dilation = _pair("stride", stride, 1), _pair("dilation", dilation, 1)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"padding={padding!r}: must be an integer >= 0, a pair of them, 'valid' or 'same'")
        if padding == "same" and stride != (1, 1):
            raise ValueError(f"padding='same' needs stride 1, not stride={stride}")
        # same: torch pads d*(k - 1) in all, the odd one at the bottom and right, so the size is kept
        pads = [dilation[axis] * (w.shape[2 + axis] - 1) // 2 if padding == "same" else 0 for axis in (0, 1)]
        sizes = [x.shape[2 + axis] if padding == "same" else
                 output_size(x.shape[2 + axis], w.shape[2 + axis], stride[axis], 0, dilation[axis]) for axis in (0, 1)]
    else:
        pads = list(_pair("padding", padding, 0))
        sizes = [output_size(x.shape[2 + axis], w.shape[2 + axis], stride[axis], pads[axis], dilation[axis])
                 for axis in (0, 1)]
    out = _conv2d(x, w, b, stride[0], stride[1], pads[0], pads[1], dilation[0], dilation[1], groups, *sizes)
    return out[0] if unbatched else out


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1) -> np.ndarray:
    """Transposed convolution of x (N, C_in, H, W), or (C_in, H, W), with w (C_in, C_out, kH, kW), as
    F.conv_transpose2d with groups 1: output size (H - 1)*s - 2p + d*(kH - 1) + output_padding + 1.

    stride, padding, output_padding and dilation are an int or an (H, W) pair; output_padding must be smaller
    than the stride or the dilation.
    """
    x, unbatched = _images(x)
    w = _weights(w, "(C_in, C_out, kH, kW)")
    if w.shape[0] != x.shape[1]:
        raise ValueError(f"w has shape {w.shape}: must be ({x.shape[1]}, C_out, kH, kW) for x with "
                         f"{x.shape[1]} channels")
    b = _bias(b, w.shape[1])
    stride, padding = _pair("stride", stride, 1), _pair("padding", padding, 0)
    extra, dilation = _pair("output_padding", output_padding, 0), _pair("dilation", dilation, 1)
    sizes = [output_size(x.shape[2 + axis], w.shape[2 + axis], stride[axis], padding[axis], dilation[axis],
                         "transposed", extra[axis]) for axis in (0, 1)]
    out = _conv_transpose2d(x, w, b, stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], *sizes)
    return out[0] if unbatched else out


def max_pool2d(x, kernel, stride=None, padding=0, ceil_mode: bool = False) -> np.ndarray:
    """The largest value in each window of each channel of x (N, C, H, W) or (C, H, W), as F.max_pool2d.

    kernel, stride (default: the kernel) and padding are an int or an (H, W) pair; padding is at most half
    the kernel and never wins the max (torch pads with -inf).
    """
    x, unbatched, geometry = _pooling(x, kernel, stride, padding, ceil_mode, "maxpool")
    out = _max_pool2d(x, *geometry)
    return out[0] if unbatched else out


def avg_pool2d(x, kernel, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> np.ndarray:
    """The mean of each window of each channel of x (N, C, H, W) or (C, H, W), as F.avg_pool2d.

    The divisor is the window clipped to the padded input (padded zeros count) when count_include_pad, else
    its cells inside the input; kernel, stride (default: the kernel) and padding as for max_pool2d.
    """
    if not isinstance(count_include_pad, (bool, np.bool_)):
        raise ValueError(f"count_include_pad={count_include_pad!r}: must be True or False")
    x, unbatched, geometry = _pooling(x, kernel, stride, padding, ceil_mode, "avgpool")
    out = _avg_pool2d(x, *geometry, bool(count_include_pad))
    return out[0] if unbatched else out


def bilinear_kernel(in_channels: int, out_channels: int, kernel_size: int) -> np.ndarray:
    """d2l's bilinear upsampling weights (in, out, k, k) for a transposed conv: the tent filter
    (1 - |i - centre| / f) * (1 - |j - centre| / f), f = ceil(k / 2), on channel pairs (c, c), 0 elsewhere."""
    in_channels, out_channels = check_int("in_channels", in_channels, 1), check_int("out_channels", out_channels, 1)
    kernel_size = check_int("kernel_size", kernel_size, 1)
    if in_channels != out_channels:
        raise ValueError(f"in_channels={in_channels}, out_channels={out_channels}: must be equal (each output "
                         "channel upsamples its own input channel)")
    factor = (kernel_size + 1) // 2
    centre = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    tent = 1 - np.abs(np.arange(kernel_size) - centre) / factor
    weight = np.zeros((in_channels, out_channels, kernel_size, kernel_size))
    weight[np.arange(in_channels), np.arange(out_channels)] = np.outer(tent, tent)
    return weight


def _images(value) -> tuple[np.ndarray, bool]:
    """x as a contiguous float64 (N, C, H, W) array, and whether it came without the batch axis."""
    x = check_array("x", value)
    if x.ndim not in (3, 4):
        raise ValueError(f"x has shape {x.shape}: must be (N, C, H, W) or (C, H, W)")
    if x.shape[-1] < 1 or x.shape[-2] < 1:
        raise ValueError(f"x has shape {x.shape}: its height and width must be at least 1")
    return (np.ascontiguousarray(x[None]), True) if x.ndim == 3 else (x, False)


def _weights(value, layout: str) -> np.ndarray:
    """w as a contiguous float64 4-D array with a kernel of at least 1 x 1."""
    w = check_array("w", value)
    if w.ndim != 4 or w.shape[2] < 1 or w.shape[3] < 1:
        raise ValueError(f"w has shape {w.shape}: must be {layout}")
    return w


def _bias(value, channels: int) -> np.ndarray:
    """b as a float64 (channels,) array; zeros when None."""
    if value is None:
        return np.zeros(channels)
    return check_shape("b", check_array("b", value), (channels,), "one bias per output channel")


def _pair(name: str, value, low: int) -> tuple[int, int]:
    """An int or an (H, W) pair of ints >= low, as a pair."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    try:
        if len(items) != 2:
            raise ValueError
        return check_int(name, items[0], low), check_int(name, items[1], low)
    except ValueError:
        raise ValueError(f"{name}={value!r}: must be an integer >= {low} or a pair of them") from None


def _pooling(value, kernel, stride, padding, ceil_mode, kind: str):
    """Checked input of a pooling function and its geometry: kernel, stride, padding and output size pairs."""
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise ValueError(f"ceil_mode={ceil_mode!r}: must be True or False")
    x, unbatched = _images(value)
    kernel = _pair("kernel", kernel, 1)
    stride = kernel if stride is None else _pair("stride", stride, 1)
    padding = _pair("padding", padding, 0)
    sizes = [output_size(x.shape[2 + axis], kernel[axis], stride[axis], padding[axis], 1, kind,
                         ceil_mode=bool(ceil_mode)) for axis in (0, 1)]
    return x, unbatched, (*kernel, *stride, *padding, *sizes)


@njit(cache=True)
def _window_cells(grid_h, grid_w, other_h, other_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
                  dilation_h, dilation_w):
    """For each kernel tap (u, v) and each cell (i, j) of one grid, the flat index of the cell (i*s - p + u*d,
    j*s - p + v*d) of the other grid it meets, or -1 where that falls on the padding: the convolution gathers
    through it (grid = output, other = input), the transposed convolution scatters (grid = input, other = output)."""
    cells = np.full((kernel_h * kernel_w, grid_h * grid_w), -1, dtype=np.int64)
    for u in range(kernel_h):
        for v in range(kernel_w):
            for i in range(grid_h):
                row = i * stride_h - pad_h + u * dilation_h
                if 0 <= row < other_h:
                    for j in range(grid_w):
                        col = j * stride_w - pad_w + v * dilation_w
                        if 0 <= col < other_w:
                            cells[u * kernel_w + v, i * grid_w + j] = row * other_w + col
    return cells


@njit(cache=True)
def _conv2d(x, w, b, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, out_h, out_w):
    """out[n, o, i, j] = b[o] + sum over c, u, v of w[o, c, u, v] * x[n, group's c, i*s - p + u*d, ...], as one
    matrix product per image and group: each window unrolled into a column (im2col), times the filters as rows,
    so that BLAS does the multiply-adds, as in the libraries a learner compares with."""
    batch, _, height, width = x.shape
    c_out, c_group, kernel_h, kernel_w = w.shape
    out_group, taps, cells = c_out // groups, kernel_h * kernel_w, out_h * out_w
    filters = np.ascontiguousarray(w).reshape(c_out, c_group * taps)
    reads = _window_cells(out_h, out_w, height, width, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
                          dilation_h, dilation_w)
    flat = np.ascontiguousarray(x).reshape(batch, x.shape[1], height * width)
    out = np.empty((batch, c_out, cells))
    columns = np.zeros((c_group * taps, cells))  # taps falling on the padding stay 0
    for n in range(batch):
        for group in range(groups):
            for c in range(c_group):
                for tap in range(taps):
                    for cell in range(cells):
                        if reads[tap, cell] >= 0:
                            columns[c * taps + tap, cell] = flat[n, group * c_group + c, reads[tap, cell]]
            first = group * out_group
            block = np.dot(np.ascontiguousarray(filters[first:first + out_group]), columns)
            for o in range(out_group):
                out[n, first + o] = block[o] + b[first + o]
    return out.reshape(batch, c_out, out_h, out_w)


@njit(cache=True)
def _conv_transpose2d(x, w, b, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, out_h, out_w):
    """Scatter: each x[n, c, i, j] adds x * w[c, o] at (i*s - p + u*d, j*s - p + v*d), inside the output; the
    products of every input cell with every kernel tap are one matrix product per image (BLAS), then scattered."""
    batch, c_in, height, width = x.shape
    c_out, kernel_h, kernel_w = w.shape[1], w.shape[2], w.shape[3]
    taps = kernel_h * kernel_w
    kernels = np.ascontiguousarray(np.ascontiguousarray(w).reshape(c_in, c_out * taps).T)
    writes = _window_cells(height, width, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
                           dilation_h, dilation_w)
    out = np.empty((batch, c_out, out_h * out_w))
    for n in range(batch):
        for o in range(c_out):
            out[n, o] = b[o]
        products = np.dot(kernels, np.ascontiguousarray(x[n]).reshape(c_in, height * width))
        for o in range(c_out):
            for tap in range(taps):
                for cell in range(height * width):
                    if writes[tap, cell] >= 0:
                        out[n, o, writes[tap, cell]] += products[o * taps + tap, cell]
    return out.reshape(batch, c_out, out_h, out_w)


@njit(cache=True)
def _max_pool2d(x, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, out_h, out_w):
    """The max over each window's cells inside the input (padding is -inf and never wins)."""
    batch, channels, height, width = x.shape
    out = np.empty((batch, channels, out_h, out_w))
    for n in range(batch):
        for c in range(channels):
            for i in range(out_h):
                top = i * stride_h - pad_h
                for j in range(out_w):
                    left = j * stride_w - pad_w
                    best = -np.inf
                    for row in range(max(top, 0), min(top + kernel_h, height)):
                        for col in range(max(left, 0), min(left + kernel_w, width)):
                            if x[n, c, row, col] > best:
                                best = x[n, c, row, col]
                    out[n, c, i, j] = best
    return out


@njit(cache=True)
def _avg_pool2d(x, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, out_h, out_w, count_include_pad):
    """Each window's sum over its cells inside the input, divided as torch's CPU kernel divides."""
    batch, channels, height, width = x.shape
    out = np.empty((batch, channels, out_h, out_w))
    for n in range(batch):
        for c in range(channels):
            for i in range(out_h):
                top = i * stride_h - pad_h
                bottom = min(top + kernel_h, height + pad_h)
                for j in range(out_w):
                    left = j * stride_w - pad_w
                    right = min(left + kernel_w, width + pad_w)
                    padded_cells = (bottom - top) * (right - left)
                    total = 0.0
                    for row in range(max(top, 0), min(bottom, height)):
                        for col in range(max(left, 0), min(right, width)):
                            total += x[n, c, row, col]
                    inside = (min(bottom, height) - max(top, 0)) * (min(right, width) - max(left, 0))
                    out[n, c, i, j] = total / (padded_cells if count_include_pad else inside)
    return out


# ---- the demo: a kernel stepped across a small image ----

def _grid(rows: list[list[float]]) -> np.ndarray:
    """A preset as a float64 array."""
    return np.array(rows, dtype=np.float64)


IMAGES = {  # name: (values, what it is)
    "edge": (_grid([[10, 10, 10, 0, 0, 0]] * 6), "the notes' 6×6 vertical edge"),
    "diagonal": (_grid(np.eye(6) * 10), "a 6×6 diagonal line"),
    "square": (_grid([[10 if 1 <= r <= 4 and 1 <= c <= 4 else 0 for c in range(6)] for r in range(6)]),
               "a bright 4×4 square in 6×6"),
    "pool": (_grid([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]]), "the notes' 4×4 pooling example"),
    "grid3": (_grid(np.arange(9.0).reshape(3, 3)), "d2l's 3×3 input 0..8"),
    "grid2": (_grid([[0, 1], [2, 3]]), "d2l's 2×2 input 0..3"),
}
IMAGES_ZH = {"edge": "笔记中 6×6 的竖直边缘", "diagonal": "6×6 的对角线", "square": "6×6 中 4×4 的亮方块",
             "pool": "笔记中的 4×4 池化例子", "grid3": "d2l 的 3×3 输入 0..8", "grid2": "d2l 的 2×2 输入 0..3"}
KERNELS = {  # name: (values, what it is)
    "vertical": (_grid([[1, 0, -1]] * 3), "3×3 vertical-edge detector"),
    "horizontal": (_grid([[1, 1, 1], [0, 0, 0], [-1, -1, -1]]), "3×3 horizontal-edge detector"),
    "blur": (_grid([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16, "3×3 Gaussian blur"),
    "sharpen": (_grid([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]), "3×3 sharpen"),
    "box2": (np.full((2, 2), 0.25), "2×2 mean"),
    "grid2": (_grid([[0, 1], [2, 3]]), "d2l's 2×2 kernel 0..3"),
    "bilinear": (bilinear_kernel(1, 1, 4)[0, 0], "d2l's 4×4 bilinear kernel"),
}
KERNELS_ZH = {"vertical": "3×3 竖直边缘检测", "horizontal": "3×3 水平边缘检测", "blur": "3×3 高斯模糊", "sharpen": "3×3 锐化",
              "box2": "2×2 均值", "grid2": "d2l 的 2×2 核 0..3", "bilinear": "d2l 的 4×4 双线性核"}
MODES = ("conv", "maxpool", "avgpool", "transposed")
MODES_EN = {"conv": "Conv", "maxpool": "Max pooling", "avgpool": "Average pooling",
            "transposed": "Transposed conv"}
MODES_ZH = {"conv": "卷积", "maxpool": "最大池化", "avgpool": "平均池化", "transposed": "转置卷积"}
WINDOW_COLOUR, PAD_TEXT = COLOURS[3], "0.55"


def _fmt(value: float | None, digits: int = 3) -> str:
    """A cell value in a few characters: 30, -10, 0.625, 2.81, −∞ (whole numbers in full, others to `digits`)."""
    if value is None or value == -np.inf:
        return "−∞"
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.{digits}g}"


def _shape(array: np.ndarray) -> str:
    """A grid's size as H×W."""
    return f"{array.shape[0]}×{array.shape[1]}"


def _cell(position) -> str:
    """(row, col) as the table writes it."""
    return f"({position[0]}, {position[1]})"


def _conv_step(x, w, mode, stride, padding, dilation, shown, out):
    """The taps of the window of output cell number `shown`: kernel cell, input cell, x, weight, product."""
    out_w = out.shape[1]
    i, j = divmod(shown, out_w)
    taps = []
    for u in range(w.shape[0]):
        for v in range(w.shape[1]):
            row, col = i * stride - padding + u * dilation, j * stride - padding + v * dilation
            inside = 0 <= row < x.shape[0] and 0 <= col < x.shape[1]
            value = float(x[row, col]) if inside else (-np.inf if mode == "maxpool" else 0.0)
            weight = None if mode == "maxpool" else 1.0 / w.size if mode == "avgpool" else float(w[u, v])
            taps.append({"kernel_cell": [u, v], "input_cell": [row, col], "inside": inside,
                         "x": None if value == -np.inf else value, "w": weight,
                         "product": None if weight is None else value * weight})
    return (i, j), taps


def _scatter_step(x, w, stride, padding, dilation, shown, partial):
    """The block input cell number `shown` scatters: kernel cell, output cell, x, weight, x·w, output after."""
    i, j = divmod(shown, x.shape[1])
    taps = []
    for u in range(w.shape[0]):
        for v in range(w.shape[1]):
            row, col = i * stride - padding + u * dilation, j * stride - padding + v * dilation
            inside = 0 <= row < partial.shape[0] and 0 <= col < partial.shape[1]
            taps.append({"kernel_cell": [u, v], "output_cell": [row, col], "inside": inside, "x": float(x[i, j]),
                         "w": float(w[u, v]), "product": float(x[i, j] * w[u, v]),
                         "output_now": float(partial[row, col]) if inside else None})
    return (i, j), taps


def _table(mode: str, taps: list[dict], value: float) -> Table:
    """The step's detail: the window's products and their sum, or the block a transposed conv scatters."""
    if mode == "transposed":
        rows = [(_cell(tap["kernel_cell"]), _cell(tap["output_cell"]) + ("" if tap["inside"] else " cropped"),
                 _fmt(tap["x"]), _fmt(tap["w"]), _fmt(tap["product"]) if tap["inside"] else "–",
                 _fmt(tap["output_now"]) if tap["inside"] else "–") for tap in taps]
        return Table(columns=("kernel cell", "output cell", "x", "w", "x·w added", "output now"), rows=tuple(rows),
                     columns_zh=("卷积核位置", "输出位置", "x", "w", "加上的 x·w", "当前输出"))
    where = [_cell(tap["input_cell"]) + ("" if tap["inside"] else " pad") for tap in taps]
    if mode == "maxpool":
        rows, best = [], -np.inf
        for tap, cell in zip(taps, where):
            best = max(best, -np.inf if tap["x"] is None else tap["x"])
            rows.append((_cell(tap["kernel_cell"]), cell, _fmt(tap["x"]), _fmt(best)))
        rows.append(("max", "", "", _fmt(value)))
        return Table(columns=("window cell", "input cell", "x", "largest so far"), rows=tuple(rows),
                     columns_zh=("窗口位置", "输入位置", "x", "目前最大值"))
    rows = [(_cell(tap["kernel_cell"]), cell, _fmt(tap["x"]), _fmt(tap["w"]) if mode == "conv" else f"1/{len(taps)}",
             _fmt(tap["product"])) for tap, cell in zip(taps, where)]
    rows.append(("sum" if mode == "conv" else "mean", "", "", "", _fmt(value)))
    return Table(columns=("kernel cell" if mode == "conv" else "window cell", "input cell", "x", "w", "x·w"),
                 rows=tuple(rows), columns_zh=("卷积核位置" if mode == "conv" else "窗口位置", "输入位置", "x", "w", "x·w"))


def _panel(ax, values, x0: float, y0: float, fontsize: float, limit: float, shown=None, cropped: int = 0,
           padded: int = 0, pad_text: str = "0") -> None:
    """One grid at (x0, y0), rows going down: a heat map with each value written on it, and the cell lines.

    shown: cells to colour and write (the rest stay empty); cropped: border cells drawn dashed (cut by a
    transposed conv's padding); padded: a ring of padding cells around the values, dashed, holding pad_text.
    """
    height, width = values.shape
    total_h, total_w = height + 2 * padded, width + 2 * padded
    inner = (slice(padded, padded + height), slice(padded, padded + width))
    grid = np.ma.masked_all((total_h, total_w))  # the padding ring stays uncoloured
    grid[inner] = values
    if shown is not None:
        grid[inner] = np.ma.masked_array(values, mask=~shown)
    ring = max(padded, cropped)
    labels = [[pad_text] * total_w for _ in range(total_h)]
    colours = [[PAD_TEXT] * total_w for _ in range(total_h)]
    for r in range(padded, padded + height):
        for c in range(padded, padded + width):
            labels[r][c] = "" if grid.mask[r, c] else _fmt(grid[r, c], digits=2)
            border = not (cropped <= r < total_h - cropped and cropped <= c < total_w - cropped)
            colours[r][c] = PAD_TEXT if border else None  # cells a transposed conv's padding crops are greyed
    heat_map(ax, grid, x0, y0, labels=labels, cmap="RdBu_r", vmin=-limit, vmax=limit, fontsize=fontsize, alpha=0.55,
             text_colours=colours)
    for inner_lines, style in ((False, "--"), (True, "-")) if ring else ((True, "-"),):
        top, left = y0 + (ring if inner_lines else 0), x0 + (ring if inner_lines else 0)
        rows_n, cols_n = (total_h - 2 * ring, total_w - 2 * ring) if inner_lines else (total_h, total_w)
        xs, ys = [], []
        for r in range(rows_n + 1):
            xs += [left, left + cols_n, np.nan]
            ys += [top + r, top + r, np.nan]
        for c in range(cols_n + 1):
            xs += [left + c, left + c, np.nan]
            ys += [top, top + rows_n, np.nan]
        ax.plot(xs, ys, color="0.25" if inner_lines else GRID_COLOUR, linewidth=0.8, linestyle=style, label="_grid")


def _window(ax, x0, y0, top, left, kernel_h, kernel_w, dilation, label):
    """The current window (or block): one thick rectangle over its span, and each tap when dilated."""
    from matplotlib.patches import Rectangle

    span_h, span_w = dilation * (kernel_h - 1) + 1, dilation * (kernel_w - 1) + 1
    ax.add_patch(Rectangle((x0 + left, y0 + top), span_w, span_h, fill=False, edgecolor=WINDOW_COLOUR,
                           linewidth=2.5, label=label))
    if dilation > 1:
        for u in range(kernel_h):
            for v in range(kernel_w):
                ax.add_patch(Rectangle((x0 + left + v * dilation + 0.12, y0 + top + u * dilation + 0.12), 0.76, 0.76,
                                       fill=False, edgecolor=WINDOW_COLOUR, linewidth=1, label="_tap"))


def _figure(mode, x, w, out, cell, dilation, stride, padding, title, canvas=None):
    """Input, kernel and output side by side in one axes, y down; the window and the output cell boxed."""
    from matplotlib.patches import Rectangle

    transposed = mode == "transposed"
    pad = 0 if transposed else padding
    kernel_h, kernel_w = w.shape
    input_w, result = x.shape[1] + 2 * pad, canvas if transposed else out
    x_kernel = input_w + 1
    x_out = x_kernel + kernel_w + 1
    total_w, total_h = x_out + result.shape[1], max(x.shape[0] + 2 * pad, kernel_h, result.shape[0])
    fontsize = float(np.clip(120 / total_w, 5, 10))
    fig, ax = new_axes(title, "", "")
    limit_in = max(float(np.abs(x).max()), 1e-9)
    _panel(ax, x, 0, 0, fontsize, limit_in, padded=pad, pad_text="−∞" if mode == "maxpool" else "0")
    if mode == "maxpool":
        _panel(ax, np.zeros(w.shape), x_kernel, 0, fontsize, 1.0, shown=np.zeros(w.shape, bool))
        ax.text(x_kernel + kernel_w / 2, kernel_h / 2, "max", ha="center", va="center", fontsize=fontsize + 2)
    else:
        weights = np.full(w.shape, 1 / w.size) if mode == "avgpool" else w
        _panel(ax, weights, x_kernel, 0, fontsize, max(float(np.abs(weights).max()), 1e-9))
    limit_out = max(float(np.abs(result).max()), 1e-9)
    if transposed:
        _panel(ax, result, x_out, 0, fontsize, limit_out, cropped=padding)
        ax.add_patch(Rectangle((x_out + padding, padding), out.shape[1], out.shape[0], fill=False,
                               edgecolor=COLOURS[0], linewidth=1.5, linestyle="--",
                               label=f"output {out.shape[0]}×{out.shape[1]}" if padding else "_output"))
        ax.add_patch(Rectangle((cell[1], cell[0]), 1, 1, fill=False, edgecolor=COLOURS[1], linewidth=2.5,
                               label="input cell"))
        _window(ax, x_out, 0, cell[0] * stride, cell[1] * stride, kernel_h, kernel_w, dilation, "block added")
    else:
        shown = np.arange(out.size).reshape(out.shape) <= cell[2]
        _panel(ax, out, x_out, 0, fontsize, limit_out, shown=shown)
        _window(ax, 0, 0, cell[0] * stride, cell[1] * stride, kernel_h, kernel_w, dilation, "window")
        ax.add_patch(Rectangle((x_out + cell[1], cell[0]), 1, 1, fill=False, edgecolor=COLOURS[1], linewidth=2.5,
                               label="output cell"))
    names = ("input", "window" if mode in ("maxpool", "avgpool") else "kernel",
             "output (uncropped)" if transposed and padding else "output")
    for name, left, width in zip(names, (0, x_kernel, x_out), (input_w, kernel_w, result.shape[1])):
        ax.text(left + width / 2, -0.55, name, ha="center", va="center", fontsize=fontsize + 1)
    ax.set_xlim(-0.3, total_w + 0.3)
    ax.set_ylim(total_h + 0.3, -1.1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=8, frameon=False)
    return fig


def run(
    image: Annotated[str, Arg("input image: edge, diagonal, square (6×6), the notes' 4×4 pooling example, or "
                              "d2l's grid3 (0..8) and grid2 (0..3)",
                              "输入图像:edge、diagonal、square(6×6),笔记中的 4×4 池化例子 pool,"
                              "或 d2l 的 grid3(0..8)和 grid2(0..3)", choices=tuple(IMAGES))] = "edge",
    kernel: Annotated[str, Arg("kernel (pooling uses only its size): edge detectors, blur, sharpen, a 2×2 mean, "
                               "d2l's grid2 or its 4×4 bilinear upsampling kernel",
                               "卷积核(池化只用它的尺寸):边缘检测、模糊、锐化、2×2 均值、d2l 的 grid2 "
                               "或 4×4 双线性上采样核", choices=tuple(KERNELS))] = "vertical",
    mode: Annotated[str, Arg("what is stepped: conv, max or average pooling (torch's count_include_pad), or the "
                             "transposed conv as the scatter of each input cell",
                             "逐步展示的运算:卷积、最大或平均池化(torch 的 count_include_pad),"
                             "或把转置卷积展示为每个输入单元的散布", choices=MODES)] = "conv",
    stride: Annotated[int, Arg("stride", "步幅", low=1, high=3)] = 1,
    padding: Annotated[int, Arg("zero padding on each side (transposed: rows cropped from each border)",
                                "每边的零填充(转置卷积:从每条边裁掉的行数)", low=0, high=2)] = 0,
    dilation: Annotated[int, Arg("gap between kernel taps (conv and transposed; pooling here has none)",
                                 "卷积核各点的间隔(卷积与转置卷积;这里的池化没有膨胀)", low=1, high=2)] = 1,
    step: Annotated[int, Arg("output cell shown, row by row from 0 (transposed: the input cell scattered)",
                             "显示的输出单元,从 0 开始逐行编号(转置卷积:被散布的输入单元)", low=0, high=99)] = 1,
) -> DemoResult:
    """Compute the whole result with the kernels, then show one step of it: its window (or block) and sum."""
    check_choice("image", image, tuple(IMAGES))
    check_choice("kernel", kernel, tuple(KERNELS))
    check_choice("mode", mode, MODES)
    x, w = IMAGES[image][0], KERNELS[kernel][0]
    pooling = mode in ("maxpool", "avgpool")
    used_dilation = 1 if pooling else dilation
    canvas = None
    if mode == "conv":
        out = conv2d(x[None], w[None, None], stride=stride, padding=padding, dilation=dilation)[0]
    elif mode == "maxpool":
        out = max_pool2d(x[None], w.shape, stride, padding)[0]
    elif mode == "avgpool":
        out = avg_pool2d(x[None], w.shape, stride, padding)[0]
    else:
        out = conv_transpose2d(x[None], w[None, None], stride=stride, padding=padding, dilation=dilation)[0]
    total = x.size if mode == "transposed" else out.size
    shown = min(step, total - 1)
    if mode == "transposed":
        mask = (np.arange(x.size) <= shown).reshape(x.shape)
        canvas = conv_transpose2d((x * mask)[None, None], w[None, None], stride=stride, dilation=dilation)[0, 0]
        partial = canvas[padding:padding + out.shape[0], padding:padding + out.shape[1]]
        cell, taps = _scatter_step(x, w, stride, padding, dilation, shown, partial)
        value = float(x[cell])
    else:
        cell, taps = _conv_step(x, w, mode, stride, padding, used_dilation, shown, out)
        value = float(out[cell])
    summary, summary_zh = _summaries(image, kernel, mode, stride, padding, dilation, out, x, w, step, shown, total,
                                     cell, value, taps)
    title = (f"{MODES_EN[mode]}: input {_cell(cell)} scatters {_fmt(value)} × kernel" if mode == "transposed"
             else f"{MODES_EN[mode]}: output {_cell(cell)} = {_fmt(value)}") + f"  (step {shown}/{total - 1})"
    data = {"mode": mode, "image": image, "kernel": kernel, "stride": stride, "padding": padding,
            "dilation": used_dilation, "input": x.tolist(), "weights": w.tolist(), "output": out.tolist(),
            "output_shape": list(out.shape), "steps": total, "step": shown, "past_last": step > shown,
            "cell": list(cell), "value": value, "taps": taps}
    if mode == "transposed":
        data["adjoint"] = _adjoint(x, w, stride, padding, dilation)
    return DemoResult(summary=summary, summary_zh=summary_zh, table=_table(mode, taps, value),
                      figure=_figure(mode, x, w, out, (*cell, shown), used_dilation, stride, padding, title, canvas),
                      data=data)


def _adjoint(x, w, stride, padding, dilation) -> dict:
    """<conv_transpose2d(x, w), y> and <x, conv2d(y, w)> for a fixed random y: equal, since one is the other's
    adjoint."""
    upsampled = conv_transpose2d(x[None, None], w[None, None], stride=stride, padding=padding, dilation=dilation)
    y = np.random.default_rng(0).integers(-3, 4, upsampled.shape).astype(np.float64)
    downsampled = conv2d(y, w[None, None], stride=stride, padding=padding, dilation=dilation)
    return {"transposed_side": float(np.sum(upsampled * y)), "conv_side": float(np.sum(x * downsampled[0, 0]))}


def _summaries(image, kernel, mode, stride, padding, dilation, out, x, w, step, shown, total, cell, value, taps):
    """Two lines in English and in Chinese: what was computed, then this step and what it shows."""
    pooling = mode in ("maxpool", "avgpool")
    settings = f"stride {stride}, padding {padding}" + ("" if pooling else f", dilation {dilation}")
    settings_zh = f"步幅 {stride},填充 {padding}" + ("" if pooling else f",膨胀 {dilation}")
    if pooling:
        what = f"{MODES_EN[mode]} of the {image} image ({IMAGES[image][1]}) with a {_shape(w)} window"
        what_zh = f"用 {_shape(w)} 窗口对 {image} 图像({IMAGES_ZH[image]})做{MODES_ZH[mode]}"
    else:
        what = (f"{MODES_EN[mode]} of the {image} image ({IMAGES[image][1]}) with the {kernel} kernel "
                f"({KERNELS[kernel][1]})")
        what_zh = f"用 {kernel} 核({KERNELS_ZH[kernel]})对 {image} 图像({IMAGES_ZH[image]})做{MODES_ZH[mode]}"
    first = f"{what}, {settings}: a {_shape(out)} output."
    first_zh = f"{what_zh},{settings_zh}:输出为 {_shape(out)}。"
    if dilation > 1 and pooling:
        first += " (Dilation applies to conv and transposed only.)"
        first_zh += "(膨胀只用于卷积和转置卷积。)"
    where = f"Step {shown}/{total - 1}" + (f" (step {step} is past the last: showing the last)" if step > shown else "")
    where_zh = f"第 {shown}/{total - 1} 步" + (f"(第 {step} 步超出了最后一步,显示最后一步)" if step > shown else "")
    inside = sum(tap["inside"] for tap in taps)
    if mode == "conv":
        second = (f"{where}: output {_cell(cell)} = {_fmt(value)}, the sum of the window's {len(taps)} products "
                  f"with the kernel (not flipped: cross-correlation, as torch's conv2d)"
                  + (f"; {len(taps) - inside} taps fall on the zero padding." if inside < len(taps) else "."))
        second_zh = (f"{where_zh}:输出 {_cell(cell)} = {_fmt(value)},即窗口与卷积核 {len(taps)} 个乘积之和"
                     f"(卷积核不翻转:互相关,同 torch 的 conv2d)"
                     + (f";其中 {len(taps) - inside} 个落在零填充上。" if inside < len(taps) else "。"))
    elif mode == "maxpool":
        second = (f"{where}: output {_cell(cell)} = {_fmt(value)}, the largest of the window's {inside} input values; "
                  "pooling learns nothing, it only keeps the strongest response.")
        second_zh = (f"{where_zh}:输出 {_cell(cell)} = {_fmt(value)},即窗口中 {inside} 个输入值的最大值;"
                     "池化没有要学习的参数,只保留最强的响应。")
    elif mode == "avgpool":
        pad_note = (f" ({len(taps) - inside} padded zeros count in the divisor: count_include_pad)"
                    if inside < len(taps) else "")
        second = f"{where}: output {_cell(cell)} = {_fmt(value)}, the window's sum / {len(taps)}{pad_note}."
        pad_note_zh = f"(其中 {len(taps) - inside} 个填充的零也计入除数:count_include_pad)" if inside < len(taps) else ""
        second_zh = f"{where_zh}:输出 {_cell(cell)} = {_fmt(value)},即窗口之和 / {len(taps)}{pad_note_zh}。"
    else:
        corner = _cell([cell[0] * stride - padding, cell[1] * stride - padding])
        crop = f"; padding {padding} crops {padding} row(s) and column(s) off each border" if padding else ""
        crop_zh = f";填充 {padding} 从每条边裁掉 {padding} 行和列" if padding else ""
        second = (f"{where}: input {_cell(cell)} = {_fmt(value)} adds {_fmt(value)} × kernel into the output, its "
                  f"top-left corner at {corner}{crop}; overlapping blocks sum. Transposed conv is the conv's adjoint "
                  "(data: <convT(x), y> = <x, conv(y)>).")
        second_zh = (f"{where_zh}:输入 {_cell(cell)} = {_fmt(value)},把 {_fmt(value)} × 卷积核加到输出上,左上角在 "
                     f"{corner}{crop_zh};重叠部分相加。转置卷积是卷积的伴随(data 中 <convT(x), y> = <x, conv(y)>)。")
    return f"{first}\n{second}", f"{first_zh}\n{second_zh}"


def warm() -> None:
    """Compile (or load from the cache) every kernel on tiny inputs, through the public functions."""
    x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    conv2d(x, w)
    conv_transpose2d(x, w)
    max_pool2d(x, 2)
    avg_pool2d(x, 2)
    bilinear_kernel(1, 1, 4)


DEMO = declare_demo(
    run, warm,
    title_en="Convolution, pooling and transposed convolution, step by step",
    title_zh="逐步演示卷积、池化与转置卷积",
    description_en="Slide a kernel across a small image one output cell at a time (window, products, sum), pool it, "
                   "or watch a transposed convolution scatter each input cell times the kernel.",
    description_zh="让卷积核在小图像上逐个输出单元滑动(窗口、乘积、求和),做池化,"
                   "或观察转置卷积把每个输入单元乘以卷积核后散布到输出上。",
)
