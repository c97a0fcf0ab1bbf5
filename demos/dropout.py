"""Inverted dropout: keep each unit with probability keep_prob and scale the survivors by 1/keep_prob.

The deeplearning.ai recipe (d = rand < keep_prob; a = a * d / keep_prob), the same rescaling torch's
nn.Dropout(p = 1 - keep_prob) applies in training mode, so that nothing changes at test time. The mask is
drawn from NumPy's seeded generator; masking and rescaling run in a Numba kernel.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_int, check_number
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, new_axes

BINS = 24


def inverted_dropout(x, keep_prob: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(y, mask): mask True with probability keep_prob, y = x * mask / keep_prob, both of x's shape."""
    values = check_array("x", x)
    keep_prob = check_number("keep_prob", keep_prob, 0.0, 1.0, low_open=True)
    seed = check_int("seed", seed, 0)
    uniform = np.random.default_rng(seed).random(values.shape)
    y, mask = _inverted_dropout(values.ravel(), uniform.ravel(), keep_prob)
    return y.reshape(values.shape), mask.reshape(values.shape)


@njit(cache=True)
def _inverted_dropout(x, uniform, keep_prob):
    """Keep x[i] where uniform[i] < keep_prob, scaled by 1/keep_prob; zero elsewhere."""
    y = np.empty(x.size)
    mask = np.empty(x.size, np.bool_)
    for i in range(x.size):
        mask[i] = uniform[i] < keep_prob
        y[i] = x[i] / keep_prob if mask[i] else 0.0
    return y, mask


def _activations(examples: int, units: int, seed: int) -> np.ndarray:
    """A batch of ReLU activations a = max(0, z), z ~ N(0.5, 1), shape (examples, units), seeded."""
    return np.maximum(np.random.default_rng(seed).normal(0.5, 1.0, (examples, units)), 0.0)


# The demo: the notes' layer-3 example (deeplearning.ai, improving deep neural networks).

def run(
    keep_prob: Annotated[float, Arg("probability of keeping a unit (torch's p = 1 - keep_prob)",
                                    "保留一个单元的概率(torch 的 p = 1 - keep_prob)", low=0.05, high=1.0)] = 0.8,
    units: Annotated[int, Arg("units in the layer", "该层的单元数", low=5, high=1000)] = 50,
    examples: Annotated[int, Arg("examples in the batch", "批中的样本数", low=100, high=5000)] = 1000,
    seed: Annotated[int, Arg("random seed of activations and masks", "激活值和掩码的随机种子",
                             low=0, high=9999)] = 0,
) -> DemoResult:
    """Each example's mean activation without dropout (test time), with inverted dropout, and unscaled."""
    a = _activations(examples, units, seed)
    y, mask = inverted_dropout(a, keep_prob, seed + 1)
    unscaled = y * keep_prob
    means = {"test time: no dropout": a.mean(axis=1), "inverted dropout: a*d/keep_prob": y.mean(axis=1),
             "dropout without rescaling: a*d": unscaled.mean(axis=1)}
    kept = mask.sum(axis=1)
    overall = {name: float(m.mean()) for name, m in means.items()}
    test, inverted, plain = overall.values()
    rows = (
        ("test time (no dropout)", f"{test:.4f}", f"{means['test time: no dropout'].std():.4f}", f"{units}", "1"),
        ("inverted dropout (training)", f"{inverted:.4f}", f"{means['inverted dropout: a*d/keep_prob'].std():.4f}",
         f"{kept.mean():.1f}", f"{1 / keep_prob:.4g}"),
        ("dropout, no rescaling (training)", f"{plain:.4f}", f"{means['dropout without rescaling: a*d'].std():.4f}",
         f"{kept.mean():.1f}", "1"),
    )
    dropped = units - kept.mean()
    summary = (f"keep_prob {keep_prob:g}: about {dropped:.1f} of {units} units dropped per example, the rest scaled "
               f"by 1/{keep_prob:g} = {1 / keep_prob:.4g}. The mean activation stays {inverted:.3f} (test time "
               f"{test:.3f});\nwithout the rescaling it falls to {plain:.3f} (x{keep_prob:g}), so at test time, "
               f"with every unit on, the next layer would see inputs {1 / keep_prob:.3g}x larger than in training.")
    summary_zh = (f"keep_prob {keep_prob:g}:每个样本约有 {units} 个单元中的 {dropped:.1f} 个被丢弃,其余乘以 "
                  f"1/{keep_prob:g} = {1 / keep_prob:.4g}。平均激活值保持为 {inverted:.3f}(测试时 {test:.3f});\n"
                  f"若不重新缩放,它会降到 {plain:.3f}(x{keep_prob:g}),于是测试时所有单元都打开,下一层的输入会比"
                  f"训练时大 {1 / keep_prob:.3g} 倍。")
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=("activations", "mean", "std of example means", "units kept", "scale"), rows=rows,
                    columns_zh=("激活值", "均值", "样本均值的标准差", "保留的单元数", "缩放")),
        figure=_figure(means, keep_prob, units),
        data={"keep_prob": keep_prob, "mean_test": test, "mean_inverted": inverted, "mean_unscaled": plain,
              "kept_per_example": kept.tolist()},
    )


def _figure(means: dict[str, np.ndarray], keep_prob: float, units: int):
    """A histogram (as lines) of the examples' mean activation for each case, with each case's mean marked."""
    fig, ax = new_axes(f"Mean activation per example, keep_prob = {keep_prob:g}, {units} units",
                       "mean activation of an example", "examples")
    values = np.concatenate(list(means.values()))
    edges = np.linspace(values.min(), values.max() + 1e-12, BINS + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    counts = {name: np.histogram(m, edges)[0] for name, m in means.items()}
    top = max(int(c.max()) for c in counts.values())
    for index, (name, m) in enumerate(means.items()):
        colour = COLOURS[index]
        ax.plot(centres, counts[name], color=colour, linewidth=2, linestyle="--" if index == 0 else "-", label=name)
        ax.plot([m.mean(), m.mean()], [0, top * 1.1], color=colour, linewidth=1.5, linestyle=":")
    ax.set_ylim(0, top * 1.15)
    ax.legend(loc="upper right")
    return fig


def warm() -> None:
    """Compile (or load from cache) the kernel."""
    inverted_dropout([1.0, 2.0], 0.5)


DEMO = declare_demo(
    run, warm,
    title_en="Inverted dropout",
    title_zh="反向随机失活(inverted dropout)",
    description_en="Inverted dropout on a batch of activations: the mean is kept by the 1/keep_prob rescaling and "
                   "shifted without it.",
    description_zh="对一批激活值做反向随机失活:除以 keep_prob 能保持均值,不缩放则均值偏移。",
)


# Drill: one unit through inverted dropout, by hand.

_DRILL_COPIES = 64  # copies of the unit put through inverted_dropout: enough that some are kept and some dropped


def _draw_unit(rng) -> dict:
    """A keep probability below 1 and an activation with one or two decimals in (0, 5]."""
    keep_prob = float(rng.choice((0.5, 0.6, 0.7, 0.75, 0.8, 0.8, 0.85, 0.9)))
    decimals = int(rng.choice((1, 2)))
    a = round(float(rng.integers(1, 5 * 10 ** decimals + 1)) / 10 ** decimals, decimals)
    return {"keep_prob": keep_prob, "a": a}


def _solve_inverted_scale(keep_prob: float, a: float) -> Worked:
    """The kept and dropped values from the module's inverted_dropout on copies of the unit, and their mean over the
    mask: keep_prob · a / keep_prob + (1 − keep_prob) · 0 = a."""
    y, mask = inverted_dropout(np.full(_DRILL_COPIES, a), keep_prob, seed=0)
    kept, dropped = float(y[mask][0]), float(y[~mask][0])
    expected = keep_prob * kept + (1 - keep_prob) * dropped
    scaled = f"{a:g} / {keep_prob:g} = {kept:.4g}"
    mean = f"E[a] = {keep_prob:g} · {kept:.4g} + {1 - keep_prob:.2g} · {dropped:g} = {expected:.4g}"
    return Worked({"kept": kept, "expected": expected},
                  ("a ← a · d / keep_prob, with d = 1 with probability keep_prob, else 0", f"if kept: {scaled}",
                   f"dropped with probability {1 - keep_prob:.2g}, giving 0", mean,
                   f"the expectation stays a = {a:g}, so nothing is rescaled at test time"),
                  ("a ← a · d / keep_prob,d 以概率 keep_prob 为 1,否则为 0", f"保留时:{scaled}",
                   f"以概率 {1 - keep_prob:.2g} 被丢弃,值为 0", mean, f"期望仍是 a = {a:g},所以测试时不用再缩放"))


DRILLS = declare_drills(
    __name__,
    Drill("inverted_scale", "Inverted dropout on one unit", "单个单元的反向随机失活",
          "Inverted dropout with keep_prob = {keep_prob:g} is applied to a layer during training. One unit's "
          "activation is a = {a:g}. What is its value after dropout if it is kept, and what is its "
          "expected value over the random mask? Each to 3 significant figures.",
          "训练时对某层做反向随机失活,keep_prob = {keep_prob:g}。某个单元的激活值为 a = {a:g}。"
          "如果它被保留,失活后的值是多少?它在随机掩码下的期望值是多少?均保留 3 位有效数字。",
          (Field("kept", "value if kept", "被保留时的值", kind="number"),
           Field("expected", "expected value", "期望值", kind="number")),
          _draw_unit, _solve_inverted_scale),
)
