"""Sampling hyperparameters on the right scale, and random search against grid search.

`sample(scale, low, high, n, seed)` draws u = `np.random.default_rng(seed).random(n)` and maps it in a Numba
kernel: `linear` low + (high - low) u; `log` 10^(a + (b - a) u) with a, b = log10 low, log10 high (each decade
gets the same share); `one_minus_log` 1 - 10^(a + (b - a) u) with a, b = log10(1 - high), log10(1 - low), for
momentum-like values whose averaging window 1 / (1 - beta) is what matters (deeplearning.ai, "Hyperparameter
tuning"). Results are kept inside [low, high] (10^log10(high) can overshoot by an ulp).

The search view compares a k x k grid with k^2 random trials (learning rate and Adam's epsilon both on a log
scale) on a made-up dev error that depends on the learning rate alone, to within 0.2 points: the grid tries
only k learning rates, random search k^2.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import check_choice, check_int, check_number
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

SCALES = ("linear", "log", "one_minus_log")
LINEAR, LOG, ONE_MINUS_LOG = range(len(SCALES))
# The search view's made-up dev error, in %: BEST at the best learning rate, rising to BEST + RISE far from it
# (a bell of WIDTH decades in log10 lr), plus at most EPS_EFFECT points from epsilon.
BEST, RISE, WIDTH, EPS_EFFECT = 5.0, 45.0, 0.5, 0.2
OPTIMUM_AT = 0.62  # the best learning rate sits this far along the searched decades (between grid points)
EPS_RANGE = (1e-8, 1e-6)


def sample(scale: str, low: float, high: float, n: int, seed: int = 0) -> np.ndarray:
    """n values in [low, high] drawn uniformly on the given scale: linear, log, or one_minus_log (for beta)."""
    code = SCALES.index(check_choice("scale", scale, SCALES))
    low = check_number("low", low, 0.0, low_open=True) if code == LOG else check_number("low", low)
    high = check_number("high", high, high=1.0, high_open=True) if code == ONE_MINUS_LOG else check_number("high", high)
    if not high > low:
        raise ValueError(f"high={high!r}: must be > low={low!r}")
    n, seed = check_int("n", n, 1), check_int("seed", seed, 0)
    return _transform(code, low, high, np.random.default_rng(seed).random(n))


@njit(cache=True)
def _transform(code, low, high, u):
    """Uniform draws u in [0, 1) mapped onto [low, high] on the scale `code`, clipped into the range."""
    values = np.empty(u.size)
    if code == LOG:
        a, b = math.log10(low), math.log10(high)
    elif code == ONE_MINUS_LOG:
        a, b = math.log10(1.0 - high), math.log10(1.0 - low)
    else:
        a, b = low, high
    for i in range(u.size):
        r = a + (b - a) * u[i]
        value = r if code == LINEAR else (10.0 ** r if code == LOG else 1.0 - 10.0 ** r)
        values[i] = min(max(value, low), high)
    return values


@njit(cache=True)
def _decade_counts(values, low_exp, bins):
    """How many values fall in each decade [10^(low_exp + i), 10^(low_exp + i + 1)), the ends clipped into range."""
    counts = np.zeros(bins, np.int64)
    for value in values:
        index = int(math.floor(math.log10(value))) - low_exp
        counts[min(max(index, 0), bins - 1)] += 1
    return counts


@njit(cache=True)
def _dev_error(log_lr, log_eps, centre):
    """The made-up dev error (%) at each (log10 lr, log10 eps): a bell in log10 lr, epsilon adding at most 0.2."""
    errors = np.empty(log_lr.size)
    middle = 0.5 * (math.log10(EPS_RANGE[0]) + math.log10(EPS_RANGE[1]))
    for i in range(log_lr.size):
        distance = (log_lr[i] - centre) / WIDTH
        errors[i] = BEST + RISE * (1.0 - math.exp(-0.5 * distance * distance)) + EPS_EFFECT * (log_eps[i] - middle) ** 2
    return errors


@njit(cache=True)
def _distinct(values):
    """How many different values there are."""
    if values.size == 0:
        return 0
    ordered = np.sort(values)
    count = 1
    for i in range(1, ordered.size):
        count += ordered[i] != ordered[i - 1]
    return count


def decade_counts(values, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """(edges, counts): the decades spanning [low, high] (the end ones cut at low and high) and the values in each."""
    low_exp, high_exp = math.floor(math.log10(low)), math.ceil(math.log10(high))
    bins = max(high_exp - low_exp, 1)
    edges = np.array([low] + [10.0 ** e for e in range(low_exp + 1, low_exp + bins)] + [high])
    return edges, _decade_counts(np.ascontiguousarray(values, dtype=np.float64), low_exp, bins)


def search(decades: int, k: int, seed: int = 0) -> dict:
    """Grid (k x k) against random (k^2 trials) search of learning rate in [10^-decades, 1] and eps in [1e-8, 1e-6]."""
    decades, k = check_int("decades", decades, 1), check_int("k", k, 2)
    centre = -decades * (1.0 - OPTIMUM_AT)
    low = 10.0 ** -decades
    grid_lr, grid_eps = np.meshgrid(np.geomspace(low, 1.0, k), np.geomspace(*EPS_RANGE, k), indexing="ij")
    trials = {"grid": (grid_lr.ravel(), grid_eps.ravel()),
              "random": (sample("log", low, 1.0, k * k, seed),
                         sample("log", *EPS_RANGE, k * k, seed + 1))}
    result = {"best_lr": 10.0 ** centre, "best_error": BEST}
    for name, (lr, eps) in trials.items():
        errors = _dev_error(np.log10(lr), np.log10(eps), centre)
        best = int(np.argmin(errors))
        result[name] = {"lr": lr, "eps": eps, "errors": errors, "distinct_lr": int(_distinct(lr)),
                        "distinct_eps": int(_distinct(eps)), "best": best}
    return result


# The demo.

def run(
    view: Annotated[str, Arg("log: learning rate, linear vs log scale; one_minus_log: beta; search: grid vs random",
                             "log:学习率的线性与对数刻度;one_minus_log:beta;search:网格与随机搜索",
                             choices=("log", "one_minus_log", "search"))] = "log",
    decades: Annotated[int, Arg("decades searched: lr in [10^-d, 1], beta in [0.9, 1 - 10^-(d+1)]",
                                "搜索的数量级:lr 属于 [10^-d, 1],beta 属于 [0.9, 1 - 10^-(d+1)]", low=1, high=8)] = 4,
    n: Annotated[int, Arg("samples drawn on each scale", "每种刻度的采样数", low=10, high=10000)] = 1000,
    k: Annotated[int, Arg("grid side: k x k grid against k^2 random trials", "网格边长:k x k 网格对比 k^2 次随机试验",
                          low=2, high=10)] = 5,
    seed: Annotated[int, Arg("random seed", "随机种子", low=0, high=9999)] = 0,
) -> DemoResult:
    """Histograms per decade of linear against log sampling, or grid against random search."""
    if view == "search":
        return _search_result(decades, k, seed)
    return _scales_result(view, decades, n, seed)


def _scales_result(view: str, decades: int, n: int, seed: int) -> DemoResult:
    """Share of the samples per decade: uniform sampling against the log (or 1 - log) scale."""
    beta = view == "one_minus_log"
    low, high = (0.9, 1.0 - 10.0 ** -(decades + 1)) if beta else (10.0 ** -decades, 1.0)
    shares = {}
    for scale in ("linear", view):
        values = sample(scale, low, high, n, seed)
        # For beta the decades are those of 1 - beta, from 10^-(decades + 1) to 10^-1 (exact powers of ten).
        edges, counts = (decade_counts(1.0 - values, 10.0 ** -(decades + 1), 0.1) if beta
                         else decade_counts(values, low, high))
        shares[scale] = (counts[::-1] if beta else counts) * 100.0 / n
    if beta:
        bounds = [1.0 - 10.0 ** -e for e in range(1, decades + 2)]
        names = [f"{_nines(a)}-{_nines(b)}" for a, b in zip(bounds, bounds[1:])]
        windows = [f"{10 ** e:g}-{10 ** (e + 1):g}" for e in range(1, decades + 1)]
    else:
        names = [f"1e{e}-1e{e + 1}" if e + 1 < 0 else f"1e{e}-1" for e in range(-decades, 0)]
        windows = []
    linear, scaled = shares["linear"], shares[view]
    rest = ", ".join(f"{share:.1f}%" for share in scaled)
    if decades == 1:
        span = f"[0.9, {_nines(high)}]" if beta else "[0.1, 1]"
        summary = (f"{span} is a single decade{' of 1-β' if beta else ''}, so both scales put all {n} samples in it; "
                   "choose 2 or more decades to see the log scale spread them evenly.")
        summary_zh = f"{span} 只有一个数量级,两种刻度都把 {n} 个样本全放在里面;选 2 个或更多数量级才能看出对数刻度的均匀分布。"
    elif beta:
        summary = (f"Uniform on [0.9, {_nines(high)}]: {linear[0]:.1f}% of {n} samples land in [0.9, 0.99] and only "
                   f"{100 - linear[0]:.1f}% in [0.99, {_nines(high)}], where the averaging window 1/(1-β) grows from "
                   f"100 to {10 ** (decades + 1):g} steps.\nSampling 1-β on a log scale (r ~ U[-{decades + 1}, -1], "
                   f"β = 1 - 10^r) gives each decade about {100 / decades:.0f}% ({rest}).")
        summary_zh = (f"在 [0.9, {_nines(high)}] 上均匀采样:{n} 个样本中 {linear[0]:.1f}% 落在 [0.9, 0.99],"
                      f"只有 {100 - linear[0]:.1f}% 落在 [0.99, {_nines(high)}],而那里平均窗口 1/(1-β) 从 100 步增长到 "
                      f"{10 ** (decades + 1):g} 步。\n对 1-β 在对数刻度上采样(r ~ U[-{decades + 1}, -1],β = 1 - 10^r),"
                      f"每个数量级约各占 {100 / decades:.0f}%({rest.replace(', ', '、')})。")
    else:
        summary = (f"Uniform on [1e-{decades}, 1]: {linear[-1]:.1f}% of {n} samples land in [0.1, 1] and "
                   f"{100 - linear[-1]:.1f}% cover the {decades - 1} decade{'s' * (decades > 2)} below.\n"
                   f"On a log scale (r ~ U[-{decades}, 0], α = 10^r) each decade gets about {100 / decades:.0f}% "
                   f"({rest}).")
        summary_zh = (f"在 [1e-{decades}, 1] 上均匀采样:{n} 个样本中 {linear[-1]:.1f}% 落在 [0.1, 1],"
                      f"其下 {decades - 1} 个数量级只分到 {100 - linear[-1]:.1f}%。\n"
                      f"在对数刻度上采样(r ~ U[-{decades}, 0],α = 10^r),每个数量级约各占 {100 / decades:.0f}%"
                      f"({rest.replace(', ', '、')})。")
    columns, columns_zh = ["β range" if beta else "decade", "uniform %", f"{view} %"], ["β 区间" if beta else "数量级",
                                                                                       "均匀采样 %", f"{view} %"]
    if beta:
        columns.append("window 1/(1-β), steps")
        columns_zh.append("平均窗口 1/(1-β)(步)")
    rows = tuple((name, f"{a:.1f}", f"{b:.1f}", *([windows[i]] if beta else []))
                 for i, (name, a, b) in enumerate(zip(names, linear, scaled)))
    data = {"view": view, "low": low, "high": high, "n": n, "bins": names, "uniform_percent": linear.tolist(),
            f"{view}_percent": scaled.tolist()}
    return DemoResult(summary=summary, summary_zh=summary_zh,
                      table=Table(columns=tuple(columns), rows=rows, columns_zh=tuple(columns_zh)),
                      figure=_scales_figure(view, decades, linear, scaled), data=data)


def _nines(value: float) -> str:
    """0.9, 0.99, 0.999...: a beta bound written out in full."""
    return f"{value:.{max(1, round(-math.log10(1.0 - value)))}f}"


def _scales_figure(view: str, decades: int, linear: np.ndarray, scaled: np.ndarray):
    """Grouped bars: the share of the samples in each decade, uniform sampling against the log scale."""
    beta = view == "one_minus_log"
    title = "Sampling beta: uniform vs 1 - 10^r" if beta else "Sampling the learning rate: uniform vs log scale"
    x_label = "-log10(1 - beta): 1 = 0.9, 2 = 0.99, 3 = 0.999" if beta else "log10(learning rate)"
    fig, ax = new_axes(title, x_label, "% of the samples in the decade")
    starts = np.arange(1, decades + 1) if beta else np.arange(-decades, 0)
    for offset, shares, name, colour in ((0.3, linear, "uniform", COLOURS[0]),
                                         (0.7, scaled, "1 - 10^r" if beta else "log scale 10^r", COLOURS[1])):
        bars = ax.bar(starts + offset, shares, width=0.36, color=colour, edgecolor=colour)
        bars.patches[0].set_label(name)  # one legend entry per series, in matplotlib and in the text plot
        for x, share in zip(starts + offset, shares):
            ax.text(x, share + 1.0, f"{share:.0f}%", ha="center", va="bottom", fontsize=8)
    ax.plot([starts[0], starts[-1] + 1], [100 / decades] * 2, color=GRID_COLOUR, linestyle="--",
            label=f"equal share {100 / decades:.0f}%")
    ax.set_xlim(starts[0], starts[-1] + 1)
    ax.set_ylim(0, 108)
    ax.set_xticks(list(starts) + [starts[-1] + 1])
    ax.legend(loc="upper left")
    return fig


def _search_result(decades: int, k: int, seed: int) -> DemoResult:
    """Grid against random search with the same budget, where only the learning rate matters."""
    result = search(decades, k, seed)
    grid, random = result["grid"], result["random"]
    best = {name: (float(result[name]["lr"][result[name]["best"]]), float(result[name]["errors"][result[name]["best"]]))
            for name in ("grid", "random")}
    summary = (f"Same budget of {k * k} trials: the {k}x{k} grid tries only {grid['distinct_lr']} learning rates "
               f"(best dev error {best['grid'][1]:.1f}% at lr {best['grid'][0]:.3g}), random search tries "
               f"{random['distinct_lr']} (best {best['random'][1]:.1f}% at lr {best['random'][0]:.3g}).\n"
               f"Epsilon changes the error by at most {EPS_EFFECT:g} points, so the grid's {k} epsilons per learning "
               f"rate are wasted trials; the best possible is {BEST:g}% at lr {result['best_lr']:.3g}.")
    summary_zh = (f"同样 {k * k} 次试验:{k}x{k} 网格只试了 {grid['distinct_lr']} 个学习率"
                  f"(最好的开发误差 {best['grid'][1]:.1f}%,lr {best['grid'][0]:.3g}),随机搜索试了 "
                  f"{random['distinct_lr']} 个(最好 {best['random'][1]:.1f}%,lr {best['random'][0]:.3g})。\n"
                  f"epsilon 对误差的影响不超过 {EPS_EFFECT:g} 个百分点,所以网格在每个学习率上的 {k} 个 epsilon "
                  f"都是白费的试验;最好可能是 lr {result['best_lr']:.3g} 时的 {BEST:g}%。")
    rows = tuple((name, str(k * k), str(trial["distinct_lr"]), str(trial["distinct_eps"]), f"{best[name][0]:.3g}",
                  f"{best[name][1]:.2f}") for name, trial in (("grid", grid), ("random", random)))
    table = Table(columns=("search", "trials", "distinct lr", "distinct eps", "best lr", "best dev error %"),
                  rows=rows, columns_zh=("搜索", "试验数", "不同 lr 数", "不同 eps 数", "最好的 lr", "最好的开发误差 %"))
    data = {"view": "search", "k": k, "best_lr": result["best_lr"], "best_error": BEST,
            **{name: {"lr": result[name]["lr"].tolist(), "eps": result[name]["eps"].tolist(),
                      "errors": result[name]["errors"].tolist(), "distinct_lr": result[name]["distinct_lr"],
                      "distinct_eps": result[name]["distinct_eps"], "best_lr": best[name][0],
                      "best_error": best[name][1]} for name in ("grid", "random")}}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table,
                      figure=_search_figure(result, decades), data=data)


def _search_figure(result: dict, decades: int):
    """The trials over the dev error's contours (vertical: only the learning rate matters), the best of each marked."""
    fig, ax = new_axes("Grid vs random search: only the learning rate matters", "learning rate (log scale)",
                       "Adam epsilon (log scale)")
    lr = np.logspace(-decades, 0.0, 80)
    eps = np.geomspace(*EPS_RANGE, 20)
    grid_lr, grid_eps = np.meshgrid(lr, eps)
    errors = _dev_error(np.log10(grid_lr.ravel()), np.log10(grid_eps.ravel()), math.log10(result["best_lr"]))
    ax.contour(grid_lr, grid_eps, errors.reshape(grid_lr.shape), levels=[6.0, 10.0, 20.0, 35.0], colors=GRID_COLOUR,
               linewidths=0.8)
    for index, name in enumerate(("grid", "random")):
        trial = result[name]
        ax.plot(trial["lr"], trial["eps"], color=COLOURS[index], marker=MARKERS[index], markersize=6,
                linestyle="none", label=f"{name}: {trial['distinct_lr']} learning rates")
        ax.plot([trial["lr"][trial["best"]]], [trial["eps"][trial["best"]]], color=COLOURS[index],
                marker=MARKERS[7], markersize=14, linestyle="none")
    ax.plot([result["best_lr"]] * 2, list(EPS_RANGE), color=COLOURS[3], linestyle="--",
            label=f"best lr {result['best_lr']:.3g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(10.0 ** (-decades - 0.1), 10.0 ** 0.1)  # a margin, so the grid's edge points show whole
    ax.set_ylim(EPS_RANGE[0] / 10.0 ** 0.1, EPS_RANGE[1] * 10.0 ** 0.1)
    ax.legend(loc="upper left")
    return fig


def warm() -> None:
    """Compile (or load from cache) every kernel on a few samples."""
    for scale in SCALES:
        sample(scale, 0.1, 0.5, 3)
    decade_counts(sample("log", 1e-3, 1.0, 4), 1e-3, 1.0)
    search(2, 2)


DEMO = declare_demo(
    run, warm,
    title_en="Hyperparameter search: scales, grid and random",
    title_zh="超参数搜索:采样刻度、网格与随机",
    description_en="How many samples each decade gets on a linear, log or 1 - log scale, and how many learning "
                   "rates a grid tries against random search when only one of two hyperparameters matters.",
    description_zh="线性、对数与 1 - 对数刻度下每个数量级分到多少样本;以及当两个超参数中只有一个重要时,"
                   "网格搜索与随机搜索各试了多少个学习率。",
)
