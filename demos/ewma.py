"""Exponentially weighted moving average (EWMA) with and without bias correction, on noisy daily temperatures.

v_0 = 0 and v_t = beta v_{t-1} + (1 - beta) x_t for t = 1..T, the average of the deeplearning.ai notes and of
the moments inside torch's Adam; bias correction divides v_t by 1 - beta^t (the sum of the weights inside v_t),
as Adam's m_hat and v_hat do. The recursion runs in a Numba kernel.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_number
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, new_axes

TABLE_DAYS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 365, 730)
SETTLED = 0.01  # the correction counts as faded once it changes the average by under 1%


def ewma(x, beta: float, bias_correction: bool = False) -> np.ndarray:
    """v_1..v_T of the sequence x (1-D), divided by 1 - beta^t when bias_correction is set."""
    values = check_array("x", x, ndim=1)
    beta = check_number("beta", beta, 0.0, 1.0, high_open=True)
    return _ewma(values, beta, bool(bias_correction))


@njit(cache=True)
def _ewma(x, beta, bias_correction):
    """The EWMA recursion from v_0 = 0; beta^t is kept as a running product."""
    out = np.empty(x.size)
    v, power = 0.0, 1.0
    for t in range(x.size):
        v = beta * v + (1.0 - beta) * x[t]
        power *= beta
        out[t] = v / (1.0 - power) if bias_correction else v
    return out


def _temperatures(days: int, noise: float, seed: int) -> np.ndarray:
    """Daily temperatures (degrees C) from 1 January: a London-like seasonal curve plus seeded Gaussian noise."""
    day = np.arange(1, days + 1)
    seasonal = 11.0 - 7.0 * np.cos(2.0 * np.pi * (day - 20) / 365.0)
    return seasonal + noise * np.random.default_rng(seed).standard_normal(days)


def _settle_day(beta: float) -> int:
    """The first day on which bias correction changes the average by under 1%: 1 / (1 - beta^t) < 1.01."""
    if beta == 0.0:
        return 1
    return max(1, math.floor(math.log(1.0 - 1.0 / (1.0 + SETTLED)) / math.log(beta)) + 1)


# The demo: the notes' temperature example (deeplearning.ai, improving deep neural networks).

def run(
    beta: Annotated[float, Arg("averaging weight beta (window about 1/(1-beta) days)",
                               "平均权重 beta(窗口约 1/(1-beta) 天)", low=0.0, high=0.999)] = 0.9,
    days: Annotated[int, Arg("days of temperatures, from 1 January", "从 1 月 1 日起的天数", low=10, high=730)] = 100,
    noise: Annotated[float, Arg("day-to-day noise (standard deviation, degrees C)", "每日噪声(标准差,摄氏度)",
                                low=0.0, high=10.0)] = 3.0,
    seed: Annotated[int, Arg("random seed of the noise", "噪声的随机种子", low=0, high=9999)] = 0,
) -> DemoResult:
    """Noisy daily temperatures with their EWMA, plain (biased towards 0 early on) and bias-corrected."""
    x = _temperatures(days, noise, seed)
    plain, corrected = ewma(x, beta), ewma(x, beta, bias_correction=True)
    window, settled = 1.0 / (1.0 - beta), _settle_day(beta)
    rows = tuple((str(d), f"{x[d - 1]:.2f}", f"{plain[d - 1]:.2f}", f"{corrected[d - 1]:.2f}",
                  f"{1.0 - beta ** d:.4f}") for d in TABLE_DAYS if d <= days)
    summary = (f"beta = {beta:g} averages over about 1/(1-beta) = {window:.3g} days (a day that far back weighs "
               f"{beta ** window:.2f} of today, about 1/e). Starting from v_0 = 0, day 1 reads {plain[0]:.2f} C, only "
               f"{1 - beta:.3g} of the {x[0]:.2f} C seen; dividing by 1-beta^t gives {corrected[0]:.2f} C, and from "
               f"day {settled} on the correction changes the average by under 1%.")
    summary_zh = (f"beta = {beta:g} 大约平均最近 1/(1-beta) = {window:.3g} 天(这么久以前的一天权重只有今天的 "
                  f"{beta ** window:.2f},约 1/e)。从 v_0 = 0 开始,第 1 天的平均只有 {plain[0]:.2f} C,是实际 "
                  f"{x[0]:.2f} C 的 {1 - beta:.3g} 倍;除以 1-beta^t 后为 {corrected[0]:.2f} C。从第 {settled} 天起,"
                  f"偏差修正对平均值的影响不到 1%。")
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=("day t", "temperature x_t", "v_t", "v_t / (1-beta^t)", "1 - beta^t"), rows=rows,
                    columns_zh=("第 t 天", "气温 x_t", "v_t", "v_t / (1-beta^t)", "1 - beta^t")),
        figure=_figure(x, plain, corrected, beta, window),
        data={"beta": beta, "window_days": window, "settle_day": settled, "temperature": x.tolist(),
              "ewma": plain.tolist(), "ewma_corrected": corrected.tolist()},
    )


def _figure(x: np.ndarray, plain: np.ndarray, corrected: np.ndarray, beta: float, window: float):
    """The daily temperatures as points, the plain EWMA and the bias-corrected one as lines."""
    fig, ax = new_axes(f"EWMA of daily temperatures, beta = {beta:g} (about {window:.3g} days)", "day t",
                       "temperature (degrees C)")
    day = np.arange(1, x.size + 1)
    ax.scatter(day, x, s=10, color=GRID_COLOUR, label="daily temperature x_t")
    ax.plot(day, plain, color=COLOURS[1], linewidth=2.5, label="EWMA v_t (from v_0 = 0)")
    ax.plot(day, corrected, color=COLOURS[2], linewidth=2, linestyle="--", label="bias-corrected v_t / (1-beta^t)")
    ax.set_xlim(0, x.size + 1)
    ax.legend(loc="lower right")
    return fig


def warm() -> None:
    """Compile (or load from cache) the kernel for both settings of bias correction."""
    ewma([1.0, 2.0], 0.5)
    ewma([1.0, 2.0], 0.5, bias_correction=True)


DEMO = declare_demo(
    run, warm,
    title_en="Exponentially weighted average",
    title_zh="指数加权平均",
    description_en="The EWMA of noisy daily temperatures for a chosen beta, with and without bias correction.",
    description_zh="在带噪声的每日气温上计算给定 beta 的指数加权平均,对比有无偏差修正。",
)


# Drill: an EWMA over a few days, and its bias-corrected value, by hand.

def _draw_days(rng) -> dict:
    """3 or 4 daily temperatures (whole degrees, not all the same) and a beta whose correction matters."""
    while True:
        days = int(rng.integers(3, 5))
        x = [int(value) for value in rng.integers(5, 31, days)]
        beta = float(rng.choice((0.5, 0.6, 0.8, 0.9, 0.9, 0.95, 0.98)))
        if len(set(x)) > 1:
            return {"x": x, "beta": beta, "days": days, "x_text": ", ".join(map(str, x))}


def _solve_bias_corrected(x: list, beta: float, days: int, x_text: str) -> Worked:
    """v_t and v_t / (1 − beta^t) with the module's ewma, worked day by day."""
    plain = ewma(np.array(x, dtype=float), beta)
    corrected = float(ewma(np.array(x, dtype=float), beta, bias_correction=True)[-1])
    lines, previous = [], "0"
    for t, (value, v) in enumerate(zip(x, plain), 1):
        lines.append(f"v_{t} = {beta:g}·{previous} + {1 - beta:.2g}·{value} = {v:.5g}")
        previous = f"{v:.5g}"
    weight = 1 - beta ** days
    correction = (f"v̂_{days} = {plain[-1]:.5g} / (1 − {beta:g}^{days}) = {plain[-1]:.5g} / {weight:.5g} = "
                  f"{corrected:.4g}")
    return Worked({"plain": float(plain[-1]), "corrected": corrected},
                  ("v_t = β v_(t−1) + (1 − β) x_t from v_0 = 0;  v̂_t = v_t / (1 − β^t)", *lines, correction,
                   f"the weights in v_{days} sum to {weight:.4g}; dividing by it undoes the pull towards v_0 = 0"),
                  ("v_t = β v_(t−1) + (1 − β) x_t,从 v_0 = 0 开始;v̂_t = v_t / (1 − β^t)", *lines, correction,
                   f"v_{days} 中各项权重之和为 {weight:.4g};除以它就消除了被 v_0 = 0 拉低的偏差"))


DRILLS = declare_drills(
    __name__,
    Drill("bias_corrected", "Bias-corrected EWMA", "偏差修正后的指数加权平均",
          "The temperatures on days 1 to {days} are {x_text} (°C). With v_0 = 0 and v_t = β v_(t−1) + (1 − β) x_t, "
          "β = {beta:g}, what is v_{days}, and its bias-corrected value v_{days} / (1 − β^{days}), each to 3 "
          "significant figures?",
          "第 1 到第 {days} 天的气温为 {x_text}(°C)。取 v_0 = 0,v_t = β v_(t−1) + (1 − β) x_t,β = {beta:g}。"
          "求 v_{days} 及其偏差修正值 v_{days} / (1 − β^{days}),均保留 3 位有效数字。",
          (Field("plain", "v_t on the last day", "最后一天的 v_t", kind="number"),
           Field("corrected", "bias-corrected v_t", "偏差修正后的 v_t", kind="number")),
          _draw_days, _solve_bias_corrected),
)
