"""Convolution output-size calculator: walk a stack of conv, pool and dense layers the way PyTorch sizes them.

Each layer gets its output shape, parameter count, multiply count (one multiplication per weight per position,
as the notes count the cost of a 1×1 bottleneck) and receptive field; the first conv layer is then run for
real (a Numba cross-correlation on random input) to confirm the shape the arithmetic predicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import check_array, check_choice, check_int
from revise.demo_engine.answers import Field
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, MARKERS, new_axes

SIZED_KINDS = ("conv", "transposed", "maxpool", "avgpool")
POOLS = ("maxpool", "avgpool")
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


def param_count(c_in: int, c_out: int, kernel: int | tuple[int, int], groups: int = 1, bias: bool = True) -> int:
    """Weights and biases of a conv layer, (k_h*k_w*c_in/groups + bias)*c_out, as PyTorch allocates them."""
    kernel_h, kernel_w = kernel if isinstance(kernel, (tuple, list)) and len(kernel) == 2 else (kernel, kernel)
    for name, value in (("c_in", c_in), ("c_out", c_out), ("kernel", kernel_h), ("kernel", kernel_w),
                        ("groups", groups)):
        check_int(name, value, 1)
    for name, value in (("c_in", c_in), ("c_out", c_out)):
        if value % groups:
            raise ValueError(f"{name}={value}: must be divisible by groups={groups}")
    return (kernel_h * kernel_w * c_in // groups + int(bias)) * c_out


def multiply_count(c_in: int, c_out: int, kernel: int | tuple[int, int], size: int | tuple[int, int],
                   groups: int = 1) -> int:
    """Multiplications of a conv layer: each of its k_h*k_w*c_in/groups*c_out weights once per position.

    size (an int for a square, or (H, W)) counts the positions: the output's for a conv (each output cell
    takes k_h*k_w*c_in/groups products per filter), the input's for a transposed conv (each input cell
    scatters into k_h*k_w*c_out/groups outputs). Biases add no multiplications. A dense layer is a conv
    whose kernel covers its input, on a 1×1 output: in*out.
    """
    weights = param_count(c_in, c_out, kernel, groups, bias=False)
    height, width = size if isinstance(size, (tuple, list)) and len(size) == 2 else (size, size)
    for value in (height, width):
        check_int("size", value, 1)
    return weights * height * width


@dataclass(frozen=True)
class Layer:
    """One layer of a stack, with PyTorch's meaning for every field (one value serves both axes).

    kind: conv, transposed, maxpool, avgpool, or fc, a dense layer over the whole feature map (sized as a conv
    whose kernel covers the map, the notes' FC-as-conv view; fc ignores kernel, stride, padding, dilation).
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

    def describe(self) -> str:
        """The layer in a few words, e.g. 'conv 3×3 s1 p1, 64 ch' or 'fc 4096'."""
        if self.kind == "fc":
            return f"fc {self.out_channels}"
        words = [self.kind, f"{self.kernel}×{self.kernel}", f"s{self.stride}", f"p{self.padding}"]
        words += [word for word, shown in ((f"d{self.dilation}", self.dilation != 1),
                                           (f"op{self.output_padding}", self.output_padding != 0),
                                           ("ceil", self.ceil_mode)) if shown]
        text = " ".join(words)
        return text if self.kind in POOLS else f"{text}, {self.out_channels} ch"


def receptive_field(layers: list[Layer] | tuple[Layer, ...]) -> int:
    """Input pixels one output pixel sees along an axis: 1 + sum_l (k_l - 1)*d_l*prod_{i<l} s_i."""
    field, jump = 1, 1
    for layer in layers:
        if layer.kind not in ("conv", *POOLS):
            raise ValueError(f"receptive_field: a {layer.kind} layer has no fixed window on its input "
                             "(only conv, maxpool and avgpool do; walk() sizes fc layers)")
        for name, value in (("kernel", layer.kernel), ("stride", layer.stride), ("dilation", layer.dilation)):
            check_int(name, value, 1)
        field += (layer.kernel - 1) * layer.dilation * jump
        jump *= layer.stride
    return field


@dataclass(frozen=True)
class LayerRow:
    """One layer's result in a walk; shapes are (C, H, W); receptive_field is None after a transposed conv."""

    index: int
    layer: Layer
    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    params: int
    multiplies: int
    receptive_field: int | None


def walk(input_size: int, in_channels: int, layers: list[Layer] | tuple[Layer, ...]) -> list[LayerRow]:
    """Each layer's output shape, parameters, multiplies and receptive field on a square input, each feeding
    the next."""
    check_int("input_size", input_size, 1)
    check_int("in_channels", in_channels, 1)
    shape = (in_channels, input_size, input_size)
    windows: list[Layer] | None = []  # the conv and pool windows so far; None once a transposed conv upsampled
    rows = []
    for index, layer in enumerate(layers, 1):
        try:
            channels, size, params, multiplies, window = _step(layer, *shape[:2])
        except ValueError as error:
            raise ValueError(f"layer {index} ({layer.describe()}): {error}") from None
        windows = None if windows is None or window is None else [*windows, window]
        field = None if windows is None else receptive_field(windows)
        rows.append(LayerRow(index, layer, shape, (channels, size, size), params, multiplies, field))
        shape = (channels, size, size)
    return rows


def _step(layer: Layer, channels: int, size: int) -> tuple[int, int, int, int, Layer | None]:
    """A layer's output channels and size, its parameters and multiplies, and its window on its input (None for
    transposed)."""
    if layer.kind == "fc":
        return _step(Layer("conv", kernel=size, out_channels=layer.out_channels), channels, size)
    out_size = output_size(size, layer.kernel, layer.stride, layer.padding, layer.dilation, layer.kind,
                           layer.output_padding, layer.ceil_mode)
    if layer.kind in POOLS:
        return channels, out_size, 0, 0, layer
    params = param_count(channels, layer.out_channels, layer.kernel)
    transposed = layer.kind == "transposed"
    multiplies = multiply_count(channels, layer.out_channels, layer.kernel, size if transposed else out_size)
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
    """out[o, i, j] = sum of w[o, c, u, v] * x[c, i*stride - padding + u*dilation, ...], zero outside x."""
    c_out, c_in, kernel_h, kernel_w = w.shape
    height, width = x.shape[1], x.shape[2]
    out = np.zeros((c_out, out_h, out_w))
    for o in range(c_out):
        for i in range(out_h):
            for j in range(out_w):
                total = 0.0
                for c in range(c_in):
                    for u in range(kernel_h):
                        row = i * stride - padding + u * dilation
                        if row < 0 or row >= height:
                            continue
                        for v in range(kernel_w):
                            col = j * stride - padding + v * dilation
                            if 0 <= col < width:
                                total += w[o, c, u, v] * x[c, row, col]
                out[o, i, j] = total
    return out


LAYER_KEYS = {"conv": ("k", "s", "p", "d", "c"), "transposed": ("k", "s", "p", "d", "c", "op"),
              "maxpool": ("k", "s", "p", "d", "ceil"), "avgpool": ("k", "s", "p", "ceil"), "fc": ("c",)}
REQUIRED_KEYS = {"conv": ("k", "c"), "transposed": ("k", "c"), "maxpool": ("k",), "avgpool": ("k",), "fc": ("c",)}
FLAGS = {"": True, "1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
# The largest value a layer's setting (k s p d c op) may take: far past any real network (VGG-16's widest layer
# has 4096 units), and a bound on how far a run can go (10^26 channels once ended in a TypeError).
MAX_SETTING = 1_000_000


def parse_layers(text: str) -> list[Layer]:
    """Layers from text like 'conv k=3 s=2 p=1 c=16; maxpool k=2', with errors naming the layer and the key."""
    parts = [part.strip() for part in text.split(";") if part.strip()]
    if not parts:
        raise ValueError("layers: give at least one layer, e.g. 'conv k=3 c=16'")
    layers = []
    for index, part in enumerate(parts, 1):
        try:
            layers.append(_parse_layer(part))
        except ValueError as error:
            raise ValueError(f"layer {index} '{part}': {error}") from None
    return layers


def _parse_layer(text: str) -> Layer:
    """One layer from 'kind key=value ...'; pools' stride defaults to their kernel, as in PyTorch."""
    kind, *settings = text.lower().split()
    if kind not in LAYER_KEYS:
        raise ValueError(f"unknown kind '{kind}' (use {', '.join(LAYER_KEYS)})")
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
    kernel, dilation = values.get("k", 1), values.get("d", 1)
    stride = values.get("s", kernel if kind in POOLS else 1)
    padding = values.get("p", 0)
    if padding == "same":
        padding = _same_padding(kind, kernel, stride, dilation)
    return Layer(kind, kernel, stride, padding, dilation, values.get("c", 0), values.get("op", 0),
                 values.get("ceil", False))


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
}
CUSTOM_INPUT = (64, 3)
DEFAULT_CUSTOM = "conv k=3 p=same c=16; maxpool k=2; conv k=3 s=2 p=1 c=32; conv k=3 d=2 c=64; fc c=10"
CUSTOM_TITLE = "Custom stack"
TITLES_ZH = {CUSTOM_TITLE: "自定义网络"}  # the presets' names read the same in Chinese


def run(
    preset: Annotated[str, Arg("network to walk; custom uses --layers", "要计算的网络；custom 使用 --layers",
                               choices=(*PRESETS, "custom"))] = "alexnet",
    input_size: Annotated[int, Arg("input height = width in pixels; 0 = the preset's own "
                                   "(LeNet-5 32, AlexNet 227, VGG-16 224, custom 64)",
                                   "输入的高 = 宽（像素）；0 = 网络自带的尺寸（LeNet-5 32、AlexNet 227、VGG-16 224、custom 64）",
                                   low=0, high=1024)] = 0,
    layers: Annotated[str, Arg("custom only: layers split by ';', each 'kind key=value ...', kind conv, transposed, "
                               "maxpool, avgpool or fc; keys k s p d c op ceil (p=same; a pool's s defaults to its k); "
                               "3 input channels unless --in-channels says otherwise",
                               "仅 custom：用 ';' 分隔各层，每层写作 'kind key=value ...'，"
                               "kind 为 conv、transposed、maxpool、avgpool 或 fc；"
                               "键 k s p d c op ceil（p=same；池化层的 s 默认等于 k）；输入默认 3 通道，可用 --in-channels 改", high=300)]
    = DEFAULT_CUSTOM,
    in_channels: Annotated[int, Arg("input channels; 0 = the preset's own (3, or 1 for LeNet-5)",
                                    "输入通道数；0 = 网络自带的通道数（3，LeNet-5 为 1）", low=0, high=4096)] = 0,
) -> DemoResult:
    """Walk the chosen stack, confirm its first conv layer with Numba, and tabulate and plot the shapes."""
    chosen = PRESETS[preset] if preset != "custom" else Preset(CUSTOM_TITLE, *CUSTOM_INPUT,
                                                                 tuple(parse_layers(layers)))
    size, channels = input_size or chosen.input_size, in_channels or chosen.in_channels
    rows = walk(size, channels, chosen.layers)
    confirmed = _confirm_first_conv(rows)
    total = sum(row.params for row in rows)
    total_multiplies = sum(row.multiplies for row in rows)
    input_shape = (channels, size, size)
    shape_en, shape_zh = _shape_summaries(chosen.title, input_shape, rows, total)
    bottleneck = _bottleneck(rows)
    saving_en, saving_zh = _bottleneck_summaries(bottleneck)
    confirm_en, confirm_zh = _confirm_summaries(confirmed)
    return DemoResult(
        summary=f"{shape_en}{saving_en}\n{confirm_en}",
        summary_zh=f"{shape_zh}{saving_zh}\n{confirm_zh}",
        table=Table(columns=("layer", "kind", "output H×W×C", "params", "multiplies", "receptive field"),
                    rows=_table_rows(rows), columns_zh=("层", "类型", "输出 H×W×C", "参数量", "乘法次数", "感受野")),
        figure=_figure(chosen.title, input_shape, rows),
        data={"preset": preset, "input_shape": list(input_shape), "total_params": total,
              "total_multiplies": total_multiplies, "bottleneck": bottleneck, "confirmed": confirmed,
              "layers": [{"index": row.index, "name": row.layer.describe(), "kind": row.layer.kind,
                          "output_shape": list(row.output_shape), "params": row.params,
                          "multiplies": row.multiplies, "receptive_field": row.receptive_field} for row in rows]})


def _shape_text(shape: tuple[int, int, int] | list[int]) -> str:
    """A (C, H, W) shape as the notes write it, H×W×C."""
    channels, height, width = shape
    return f"{height}×{width}×{channels}"


def _shape_summaries(title: str, input_shape: tuple[int, int, int], rows: list[LayerRow],
                     total: int) -> tuple[str, str]:
    """Where the stack ends, its parameters and multiplies, and where the conv part ends and how much the fc
    layers hold, in English and Chinese."""
    ends_at, given = _shape_text(rows[-1].output_shape), _shape_text(input_shape)
    multiplies = sum(row.multiplies for row in rows)
    text = f"{title} on {given}: output {ends_at}, {total:,} parameters, {_approx(multiplies)} multiplies"
    text_zh = (f"{TITLES_ZH.get(title, title)}(输入 {given}):输出 {ends_at},共 {total:,} 个参数、"
               f"{_approx(multiplies)} 次乘法")
    first_fc = next((row for row in rows if row.layer.kind == "fc"), None)
    if first_fc is None or first_fc.index == 1:
        return text + ".", text_zh + "。"
    conv_end = _shape_text(first_fc.input_shape)
    fc_share = sum(row.params for row in rows if row.layer.kind == "fc") / max(total, 1)
    return (f"{text}; the conv part ends at {conv_end} and the fc layers hold {fc_share:.0%} of the parameters.",
            f"{text_zh};卷积部分止于 {conv_end},全连接层占全部参数的 {fc_share:.0%}。")


def _approx(count: int) -> str:
    """A multiply count as the notes write it: 416,520 below a million, else 12.4M, 1.14G (10^6, 10^9)."""
    if count < 1_000_000:
        return f"{count:,}"
    return f"{count / 1e6:.3g}M" if count < 1e9 else f"{count / 1e9:.3g}G"


def _bottleneck(rows: list[LayerRow]) -> dict | None:
    """The first 1×1 conv that cuts the channels right before a larger conv (a bottleneck, as in Inception):
    the pair's multiplies against those of the larger conv run straight on the wider input; None if none."""
    for squeeze, conv in zip(rows, rows[1:]):
        layer = squeeze.layer
        if (layer.kind == "conv" and (layer.kernel, layer.stride, layer.padding, layer.dilation) == (1, 1, 0, 1)
                and layer.out_channels < squeeze.input_shape[0] and conv.layer.kind == "conv"
                and conv.layer.kernel > 1):
            direct = multiply_count(squeeze.input_shape[0], conv.layer.out_channels, conv.layer.kernel,
                                    conv.output_shape[1])
            return {"layers": [squeeze.index, conv.index], "channels": [squeeze.input_shape[0], layer.out_channels],
                    "kernel": conv.layer.kernel, "multiplies": squeeze.multiplies + conv.multiplies,
                    "direct_multiplies": direct}
    return None


def _bottleneck_summaries(bottleneck: dict | None) -> tuple[str, str]:
    """A sentence on what the bottleneck saves, in English and Chinese, or nothing."""
    if bottleneck is None:
        return "", ""
    (first, second), (wide, narrow), kernel = bottleneck["layers"], bottleneck["channels"], bottleneck["kernel"]
    cost, direct = bottleneck["multiplies"], bottleneck["direct_multiplies"]
    return (f" The 1×1 conv of layer {first} cuts {wide} channels to {narrow}, so layers {first}–{second} take "
            f"{_approx(cost)} multiplies against {_approx(direct)} for the {kernel}×{kernel} conv straight on {wide} "
            f"channels: {direct / cost:.1f}× fewer.",
            f"第 {first} 层的 1×1 卷积先把 {wide} 个通道压到 {narrow} 个,第 {first}–{second} 层共需 {_approx(cost)} "
            f"次乘法,而直接在 {wide} 个通道上做 {kernel}×{kernel} 卷积需 {_approx(direct)} 次:"
            f"只需后者的 1/{direct / cost:.1f}。")


def _confirm_first_conv(rows: list[LayerRow], seed: int = 0) -> dict | None:
    """Run the first conv layer with Numba on random input, on fewer channels if the whole layer would be slow."""
    row = next((row for row in rows if row.layer.kind == "conv"), None)
    if row is None:
        return None
    layer, (c_in, size, _), (c_out, out_size, _) = row.layer, row.input_shape, row.output_shape
    cost_per_pair = max(out_size ** 2 * layer.kernel ** 2, size ** 2)  # one input channel times one filter
    if cost_per_pair > CONFIRM_BUDGET:
        return {"layer": row.index, "skipped": True}
    channels_run = min(c_in, CONFIRM_BUDGET // cost_per_pair)
    filters_run = min(c_out, max(1, CONFIRM_BUDGET // (cost_per_pair * channels_run)))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((channels_run, size, size))
    w = rng.standard_normal((filters_run, channels_run, layer.kernel, layer.kernel))
    result = conv2d(x, w, layer.stride, layer.padding, layer.dilation)
    return {"layer": row.index, "skipped": False, "input_shape": list(x.shape), "output_shape": list(result.shape),
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
    fewer = [(confirmed[part + "_run"], confirmed[part], part) for part in ("channels", "filters")
             if confirmed[part + "_run"] < confirmed[part]]
    if not fewer:
        return (f"Numba conv2d on a random {given} input gave {got}, as layer {layer} predicts.",
                f"Numba conv2d 在随机的 {given} 输入上得到 {got},与第 {layer} 层算出的形状一致。")
    _, height, width = confirmed["output_shape"]
    shrunk = " and ".join(f"{ran} of {total} {part}" for ran, total, part in fewer)
    shrunk_zh = "和".join(f" {total} 个{PARTS_ZH[part]}中的 {ran} 个" for ran, total, part in fewer)
    return (f"Numba conv2d on a random {given} input ({shrunk}, to stay quick) gave {got}, "
            f"its {height}×{width} matches layer {layer}.",
            f"Numba conv2d 在随机的 {given} 输入上(为保持速度,只运行了{shrunk_zh})得到 {got},"
            f"其 {height}×{width} 与第 {layer} 层相符。")


def _table_rows(rows: list[LayerRow]) -> tuple[tuple[str, ...], ...]:
    """One table row per run of identical consecutive layers (VGG's blocks), so every preset fits in ~12 rows."""
    groups: list[list[LayerRow]] = []
    for row in rows:
        if groups and groups[-1][-1].layer == row.layer:
            groups[-1].append(row)
        else:
            groups.append([row])
    return tuple(_table_row(group) for group in groups)


def _table_row(group: list[LayerRow]) -> tuple[str, ...]:
    """A run of identical layers as one row: its numbers, the layer, the last shape, summed params and
    multiplies, last field."""
    first, last = group[0], group[-1]
    numbers = str(first.index) if len(group) == 1 else f"{first.index}–{last.index}"
    kind = first.layer.describe() if len(group) == 1 else f"{len(group)}× {first.layer.describe()}"
    field = "–" if last.receptive_field is None else str(last.receptive_field)
    return (numbers, kind, _shape_text(last.output_shape), f"{sum(row.params for row in group):,}",
            f"{sum(row.multiplies for row in group):,}", field)


def _figure(title: str, input_shape: tuple[int, int, int], rows: list[LayerRow]):
    """Spatial size and channels per layer, as two labelled lines on a log2 axis."""
    shapes = [input_shape, *(row.output_shape for row in rows)]
    steps = list(range(len(shapes)))
    fig, ax = new_axes(f"{title}: spatial size falls as channels grow", "layer (0 = input)", "log2 of size")
    lines = (([shape[1] for shape in shapes], "H = W (spatial size)"), ([shape[0] for shape in shapes], "C (channels)"))
    for (values, label), colour, marker in zip(lines, COLOURS, MARKERS):
        heights = np.log2(np.asarray(values, dtype=float))  # floats: a Python int past int64 has no log2
        ax.plot(steps, heights, color=colour, marker=marker, linewidth=2, label=label)
        for step in (0, steps[-1]):
            ax.text(step, heights[step], f" {values[step]}", color=colour)
    ax.legend()
    return fig


def warm() -> None:
    """Compile (or load from cache) the convolution kernel on a tiny input."""
    _conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 2, 2)), 1, 0, 1, 2, 2)


DEMO = declare_demo(
    run, warm,
    title_en="Convolution output-size calculator",
    title_zh="卷积输出尺寸计算器",
    description_en="Walk LeNet-5, AlexNet, VGG-16 or your own stack layer by layer: output shape, parameters and "
                   "receptive field, with one layer run for real to confirm the shape.",
    description_zh="逐层走过 LeNet-5、AlexNet、VGG-16 或自定义网络：输出形状、参数量和感受野，"
                   "并实际运行一层卷积来验证形状。",
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

DRILLS = declare_drills(
    __name__,
    Drill("output_shape", "Conv layer output shape", "卷积层输出形状",
          _LAYER_QUESTION_EN + " What is the output shape?", _LAYER_QUESTION_ZH + "输出形状是多少？",
          (Field("shape", "output shape", "输出形状", kind="shape"),), _draw_conv_layer, _solve_output_shape),
    Drill("parameters", "Conv layer parameter count", "卷积层参数量",
          _LAYER_QUESTION_EN + " How many parameters does it have (weights and biases)?",
          _LAYER_QUESTION_ZH + "它有多少参数（权重加偏置）？",
          (Field("parameters", "parameters", "参数量"),), _draw_conv_layer, _solve_parameters),
)
