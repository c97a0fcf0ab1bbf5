"""Batch normalisation (training and evaluation, with running statistics) and layer normalisation.

batch_norm follows torch `F.batch_norm` exactly: statistics per channel over N (and H, W); in training the
batch mean and biased variance normalise, and the running statistics move by `momentum` towards the batch
mean and the unbiased batch variance; in evaluation the running statistics normalise and stay as they are.
layer_norm is torch `F.layer_norm(x, (D,), gamma, beta, eps)`: each row normalised over its last axis with
the biased variance. Both are Numba kernels over contiguous float64 arrays.
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

# The demo's activations: four channels shifted and scaled very differently; the last one barely varies,
# so that eps (1e-5 against a variance of 1e-4) visibly keeps its normalised std below 1.
CHANNEL_MEANS = (5.0, -3.0, 0.5, 10.0)
CHANNEL_STDS = (2.0, 0.5, 4.0, 0.01)
CONV_SIZE = 3  # H = W of the "conv" layout's feature maps
LAYOUTS = ("dense", "conv")


def batch_norm(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    """Batch norm of x (N, C) or (N, C, H, W) per channel; returns (y, new_running_mean, new_running_var).

    gamma and beta (C,) scale and shift the normalised values (None: 1 and 0). Training normalises with the
    batch mean and biased variance and returns running statistics moved by `momentum` towards the batch mean
    and unbiased variance; evaluation normalises with the running statistics and returns them unchanged
    (as copies: the arguments are never modified).
    """
    x = check_array("x", x, ndim=(2, 4), min_size=1)
    channels = x.shape[1]
    gamma = _per_channel("gamma", gamma, channels, 1.0)
    beta = _per_channel("beta", beta, channels, 0.0)
    running_mean = _per_channel("running_mean", running_mean, channels, None)
    running_var = _per_channel("running_var", running_var, channels, None)
    if (running_var < 0).any():
        index = int(np.argmax(running_var < 0))
        raise ValueError(f"running_var[{index}]={float(running_var[index])!r}: must be >= 0 (a variance)")
    if not isinstance(training, (bool, np.bool_)):
        raise ValueError(f"training={training!r}: must be True or False")
    momentum = check_number("momentum", momentum, 0.0, 1.0)
    eps = check_number("eps", eps, 0.0, low_open=True)
    values_per_channel = x.size // channels
    if training and values_per_channel < 2:
        raise ValueError(f"x has shape {x.shape}: training needs more than one value per channel (N*H*W > 1), "
                         "as in torch")
    flat = x.reshape(x.shape[0], channels, -1)
    y, new_mean, new_var = _batch_norm(flat, gamma, beta, running_mean, running_var, bool(training), momentum, eps)
    return y.reshape(x.shape), new_mean, new_var


def layer_norm(x, gamma, beta, eps=1e-5):
    """Layer norm of x (..., D) over its last axis with the biased variance; gamma and beta (D,) or None (1, 0)."""
    x = check_array("x", x, min_size=1)
    features = x.shape[-1]
    gamma = _per_channel("gamma", gamma, features, 1.0)
    beta = _per_channel("beta", beta, features, 0.0)
    eps = check_number("eps", eps, 0.0, low_open=True)
    return _layer_norm(x.reshape(-1, features), gamma, beta, eps).reshape(x.shape)


def _per_channel(name: str, value, size: int, fill: float | None) -> np.ndarray:
    """A (size,) float64 array of one value per channel; None becomes `fill` everywhere when a fill is given."""
    if value is None:
        if fill is None:
            raise ValueError(f"{name}=None: must be {size} numbers, one per channel")
        return np.full(size, fill)
    return check_shape(name, check_array(name, value, ndim=1), (size,), "one value per channel")


@njit(cache=True)
def _batch_norm(x, gamma, beta, running_mean, running_var, training, momentum, eps):
    """x (N, C, L): y normalised per channel over N and L, and the running statistics after this call."""
    n, channels, length = x.shape
    count = n * length
    y = np.empty_like(x)
    new_mean, new_var = running_mean.copy(), running_var.copy()
    for c in range(channels):
        if training:
            total = 0.0
            for i in range(n):
                for j in range(length):
                    total += x[i, c, j]
            mean = total / count
            squares = 0.0
            for i in range(n):
                for j in range(length):
                    squares += (x[i, c, j] - mean) ** 2
            var = squares / count
            new_mean[c] = (1.0 - momentum) * running_mean[c] + momentum * mean
            new_var[c] = (1.0 - momentum) * running_var[c] + momentum * squares / (count - 1)
        else:
            mean, var = running_mean[c], running_var[c]
        inv_std = 1.0 / np.sqrt(var + eps)
        for i in range(n):
            for j in range(length):
                y[i, c, j] = (x[i, c, j] - mean) * inv_std * gamma[c] + beta[c]
    return y, new_mean, new_var


@njit(cache=True)
def _layer_norm(x, gamma, beta, eps):
    """x (M, D): each row normalised over its D values (biased variance), then scaled and shifted."""
    rows, features = x.shape
    y = np.empty_like(x)
    for r in range(rows):
        total = 0.0
        for d in range(features):
            total += x[r, d]
        mean = total / features
        squares = 0.0
        for d in range(features):
            squares += (x[r, d] - mean) ** 2
        inv_std = 1.0 / np.sqrt(squares / features + eps)
        for d in range(features):
            y[r, d] = (x[r, d] - mean) * inv_std * gamma[d] + beta[d]
    return y


# The demo.

def run(
    layout: Annotated[str, Arg("activations: dense (N, C) or conv (N, C, 3, 3) feature maps",
                               "激活的形状:全连接 (N, C) 或卷积特征图 (N, C, 3, 3)", choices=LAYOUTS)] = "dense",
    batch_size: Annotated[int, Arg("examples per mini-batch (N)", "每个小批量的样本数 (N)", low=2, high=256)] = 32,
    steps: Annotated[int, Arg("training steps before the batch shown (running statistics updates)",
                              "显示的批次之前的训练步数(运行统计量的更新次数)", low=0, high=100)] = 20,
    momentum: Annotated[float, Arg("running-statistics momentum (torch's; 0.1 = average over ~10 batches)",
                                   "运行统计量的动量(torch 的定义;0.1 约为最近 10 个批次的平均)",
                                   low=0.0, high=1.0)] = 0.1,
    eps: Annotated[float, Arg("added to the variance before the square root", "开方前加到方差上的小常数",
                              low=1e-8, high=1.0)] = 1e-5,
    training: Annotated[bool, Arg("normalise the shown batch in training mode (batch statistics) or evaluation "
                                  "mode (running statistics)",
                                  "显示的批次用训练模式(批统计量)还是评估模式(运行统计量)归一化")] = True,
    seed: Annotated[int, Arg("random seed of the batches", "生成批次的随机种子", low=0, high=9999)] = 0,
) -> DemoResult:
    """Trains the running statistics for `steps` batches, then normalises one more batch by batch and layer norm."""
    check_choice("layout", layout, LAYOUTS)
    rng = np.random.default_rng(seed)
    channels = len(CHANNEL_MEANS)
    running_mean, running_var = np.zeros(channels), np.ones(channels)  # torch's initial running statistics
    history = [running_mean]
    for _ in range(steps):
        _, running_mean, running_var = batch_norm(_batch(rng, layout, batch_size), None, None, running_mean,
                                                  running_var, True, momentum, eps)
        history.append(running_mean)
    x = _batch(rng, layout, batch_size)
    y, new_mean, new_var = batch_norm(x, None, None, running_mean, running_var, training, momentum, eps)
    ln = layer_norm(x.reshape(batch_size, -1), None, None, eps).reshape(x.shape)
    stats = {name: _channel_stats(values) for name, values in (("input", x), ("batch_norm", y), ("layer_norm", ln))}
    sample_std = ln.reshape(batch_size, -1).std(axis=1)
    updates = steps + (1 if training else 0)
    reached = 1.0 - (1.0 - momentum) ** steps
    summary, summary_zh = _summary(training, stats, steps, momentum, eps, reached, sample_std)
    rows = tuple((str(c + 1), f"{CHANNEL_MEANS[c]:g} / {CHANNEL_STDS[c]:g}",
                  _pair(stats["input"][0][c], stats["input"][1][c]),
                  _pair(new_mean[c], np.sqrt(new_var[c])),
                  _pair(stats["batch_norm"][0][c], stats["batch_norm"][1][c]),
                  _pair(stats["layer_norm"][0][c], stats["layer_norm"][1][c])) for c in range(channels))
    mode = "training" if training else "evaluation"
    table = Table(
        columns=("channel", "true mean / std", "batch mean / std", f"running mean / std ({updates} updates)",
                 f"batch norm ({mode}) mean / std", "layer norm mean / std"),
        rows=rows,
        columns_zh=("通道", "真实均值 / 标准差", "本批均值 / 标准差", f"运行均值 / 标准差({updates} 次更新)",
                    f"批量归一化({'训练' if training else '评估'})均值 / 标准差", "层归一化均值 / 标准差"))
    data = {"layout": layout, "shape": list(x.shape), "training": training, "steps": steps, "momentum": momentum,
            "eps": eps, "channel_means": list(CHANNEL_MEANS), "channel_stds": list(CHANNEL_STDS),
            "running_mean": new_mean.tolist(), "running_var": new_var.tolist(),
            "running_mean_history": [h.tolist() for h in history], "fraction_of_the_way": reached,
            **{f"{name}_mean": s[0].tolist() for name, s in stats.items()},
            **{f"{name}_std": s[1].tolist() for name, s in stats.items()},
            "layer_norm_sample_std": [float(sample_std.min()), float(sample_std.max())]}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table,
                      figure=_figure(stats, new_mean, new_var, training), data=data)


def _batch(rng: np.random.Generator, layout: str, batch_size: int) -> np.ndarray:
    """One mini-batch of activations with the demo's per-channel means and stds, (N, C) or (N, C, 3, 3)."""
    shape = (batch_size, len(CHANNEL_MEANS)) + ((CONV_SIZE, CONV_SIZE) if layout == "conv" else ())
    z = rng.standard_normal(shape)
    broadcast = (1, -1) + (1,) * (len(shape) - 2)
    return np.reshape(CHANNEL_MEANS, broadcast) + np.reshape(CHANNEL_STDS, broadcast) * z


def _channel_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (biased) std of each channel over N, H and W."""
    axes = (0,) + tuple(range(2, values.ndim))
    return values.mean(axis=axes), values.std(axis=axes)


def _pair(mean: float, std: float) -> str:
    """A 'mean / std' table cell; tiny values print as 0."""
    return f"{_short(mean)} / {_short(std)}"


def _short(value: float) -> str:
    """A number in at most four significant digits, -0 and rounding noise shown as 0."""
    return "0" if abs(value) < 5e-10 else f"{value:.4g}"


def _summary(training: bool, stats: dict, steps: int, momentum: float, eps: float, reached: float,
             sample_std: np.ndarray) -> tuple[str, str]:
    """What the shown batch looks like after batch norm in this mode, and what layer norm did instead."""
    means, stds = stats["batch_norm"]
    smallest = int(np.argmin(stds))
    ln_means = ", ".join(f"{m:+.2f}" for m in stats["layer_norm"][0])
    if training:
        offsets = ", ".join(f"{m:g}" for m in CHANNEL_MEANS)
        first_en = (f"Batch norm (training) subtracts this batch's own mean, so the channel offsets ({offsets}, what a "
                    f"bias b would add) vanish: every channel comes out with mean 0 and std {np.max(stds):.3f}, except "
                    f"channel {smallest + 1} at {stds[smallest]:.3f} (its variance {CHANNEL_STDS[smallest] ** 2:g} is "
                    f"not large next to eps={eps:g}).")
        first_zh = (f"批量归一化(训练模式)减去本批自己的均值,所以各通道的偏移({offsets},相当于偏置 b 加上的量)被消掉:"
                    f"每个通道输出均值为 0、标准差为 {np.max(stds):.3f},只有通道 {smallest + 1} 为 {stds[smallest]:.3f}"
                    f"(它的方差 {CHANNEL_STDS[smallest] ** 2:g} 相对 eps={eps:g} 不够大)。")
    else:
        shown = ", ".join(f"{m:+.2f}" for m in means)
        first_en = (f"Batch norm (evaluation) uses the running statistics of {steps} steps with momentum {momentum:g}, "
                    f"which started at mean 0, var 1 and have covered 1 - {1 - momentum:g}^{steps} = {reached:.0%} "
                    f"of the way: channel means come out at {shown}, not 0.")
        first_zh = (f"批量归一化(评估模式)用 {steps} 步、动量 {momentum:g} 累积的运行统计量,它们从均值 0、方差 1 "
                    f"出发,只走完了 1 - {1 - momentum:g}^{steps} = {reached:.0%} 的路程:各通道输出均值为 {shown},"
                    "而不是 0。")
    second_en = (f"Layer norm normalises each example over its own features instead (mean 0, std "
                 f"{sample_std.min():.3f} within every example, whatever the batch), so its per-channel means are "
                 f"{ln_means}, not 0.")
    second_zh = (f"层归一化则对每个样本在自身特征上归一化(每个样本内均值 0、标准差 {sample_std.min():.3f},与批无关),"
                 f"所以按通道看均值为 {ln_means},并不为 0。")
    return f"{first_en}\n{second_en}", f"{first_zh}\n{second_zh}"


def _figure(stats: dict, running_mean: np.ndarray, running_var: np.ndarray, training: bool):
    """Per channel: mean (marker) and mean ± std (bar) of the input, the running statistics and both outputs."""
    mode = "training" if training else "evaluation"
    fig, ax = new_axes(f"Per-channel mean ± std: batch norm ({mode}) and layer norm", "channel",
                       "activation value")
    channels = np.arange(1, len(CHANNEL_MEANS) + 1)
    series = (("input batch", *stats["input"]), ("running mean ± std", running_mean, np.sqrt(running_var)),
              (f"batch norm ({mode})", *stats["batch_norm"]), ("layer norm", *stats["layer_norm"]))
    for index, (label, means, stds) in enumerate(series):
        x = channels + (index - 1.5) * 0.18
        colour = COLOURS[index]
        ax.vlines(x, means - stds, means + stds, colors=colour, linewidth=2)
        ax.plot(x, means, linestyle="none", marker=MARKERS[index], color=colour, markersize=7, label=label)
    ax.axhline(0.0, color=GRID_COLOUR, linewidth=0.8, linestyle="--")
    ax.set_xticks(channels)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def warm() -> None:
    """Compile (or load from cache) both kernels on tiny inputs, in training and evaluation."""
    ones, zeros = np.ones(2), np.zeros(2)
    batch_norm(np.arange(4.0).reshape(2, 2), ones, zeros, zeros, ones, True)
    batch_norm(np.arange(4.0).reshape(2, 2), ones, zeros, zeros, ones, False)
    layer_norm(np.arange(4.0).reshape(2, 2), ones, zeros)


DEMO = declare_demo(
    run, warm,
    title_en="Batch norm and layer norm",
    title_zh="批量归一化与层归一化",
    description_en="Per-channel statistics of shifted, scaled activations before and after batch norm (training or "
                   "evaluation, running statistics with momentum) and layer norm.",
    description_zh="平移、缩放不一的激活在批量归一化(训练或评估模式,带动量的运行统计量)和层归一化前后的逐通道统计量。",
)


# Drill: batch norm's training-mode output for one example, by hand.

_ORDINALS = ("1st", "2nd", "3rd", "4th")


def _draw_batch(rng) -> dict:
    """3 or 4 whole-number pre-activations of one unit (spread out: variance at least 1), gamma, beta, eps, and an
    example that is off the mean and whose output is not near 0."""
    while True:
        size = int(rng.integers(3, 5))
        z = [int(value) for value in rng.integers(-5, 11, size)]
        gamma = float(rng.choice((0.5, 1.0, 1.5, 2.0, 3.0)))
        beta = float(rng.choice((0.0, 0.0, 0.5, 1.0, -1.0, 2.0)))
        eps = float(rng.choice((1e-5, 1e-5, 1e-3, 0.01)))
        example = int(rng.integers(0, size))
        mean = sum(z) / size
        var = sum((value - mean) ** 2 for value in z) / size
        output = gamma * (z[example] - mean) / math.sqrt(var + eps) + beta
        if var >= 1 and z[example] != mean and abs(output) >= 0.05:
            return {"z": z, "gamma": gamma, "beta": beta, "eps": eps, "example": example,
                    "ordinal": _ORDINALS[example], "example_number": example + 1, "size": size,
                    "z_text": ", ".join(map(str, z)),
                    "eps_text": f"{eps:g}".replace("e-05", "e-5")}


def _solve_batch_norm_output(z: list, gamma: float, beta: float, eps: float, example: int, ordinal: str,
                             example_number: int, size: int, z_text: str, eps_text: str) -> Worked:
    """The module's batch_norm in training mode on the batch (momentum 1, so the running statistics it returns are
    the batch mean and the unbiased variance), worked through mean, variance and the normalised value."""
    x = np.array(z, dtype=float).reshape(size, 1)
    y, mean, unbiased = batch_norm(x, [gamma], [beta], [0.0], [1.0], training=True, momentum=1.0, eps=eps)
    mu, var, out = float(mean[0]), float(unbiased[0]) * (size - 1) / size, float(y[example, 0])
    def minus(value: int) -> str:
        return f"{value} + {-mu:.5g}" if mu < 0 else f"{value} − {mu:.5g}"

    total = str(z[0]) + "".join(f" − {-value}" if value < 0 else f" + {value}" for value in z[1:])
    squares = " + ".join(f"({minus(value)})²" for value in z)
    normalised = (z[example] - mu) / math.sqrt(var + eps)
    shift = f" − {-beta:g}" if beta < 0 else f" + {beta:g}"
    lines = (f"μ = ({total}) / {size} = {mu:.5g}", f"σ² = ({squares}) / {size} = {var:.5g}",
             f"z_norm = ({minus(z[example])}) / √({var:.5g} + {eps_text}) = {normalised:.5g}",
             f"z̃ = {gamma:g} · {f'({normalised:.5g})' if normalised < 0 else f'{normalised:.5g}'}{shift} = {out:.4g}")
    return Worked({"variance": var, "output": out},
                  ("μ = (1/m) Σ z_i,  σ² = (1/m) Σ (z_i − μ)²,  z̃_i = γ (z_i − μ) / √(σ² + ε) + β", *lines,
                   "training mode uses the batch's own μ and biased σ² (divide by m, not m − 1)"),
                  ("μ = (1/m) Σ z_i,  σ² = (1/m) Σ (z_i − μ)²,  z̃_i = γ (z_i − μ) / √(σ² + ε) + β", *lines,
                   "训练模式用本批次自己的 μ 和有偏的 σ²(除以 m,而不是 m − 1)"))


DRILLS = declare_drills(
    __name__,
    Drill("batch_norm_output", "Batch norm forward by hand", "手算批量归一化的前向计算",
          "In training mode, a unit's pre-activations over a mini-batch of {size} examples are z = {z_text}. Batch "
          "norm has γ = {gamma:g}, β = {beta:g} and ε = {eps_text}. Give the batch variance σ² (dividing by m) and the "
          "output z̃ of the {ordinal} example, each to 3 significant figures.",
          "训练模式下,某个单元在 {size} 个样本的小批量上的预激活值为 z = {z_text}。批量归一化的 γ = {gamma:g},"
          "β = {beta:g},ε = {eps_text}。求这批的方差 σ²(除以 m)和第 {example_number} 个样本的输出 z̃,"
          "均保留 3 位有效数字。",
          (Field("variance", "batch variance σ²", "批方差 σ²", kind="number"),
           Field("output", "output z̃", "输出 z̃", kind="number")),
          _draw_batch, _solve_batch_norm_output),
)
