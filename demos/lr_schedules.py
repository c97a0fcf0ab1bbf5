"""Learning-rate schedules side by side: the learning rate used at each step, as torch.optim.lr_scheduler gives it.

Step t = 0 is the first step (torch's last_epoch after 0 calls of scheduler.step()). `step` is StepLR
(lr gamma^floor(t / step_size)), `exponential` ExponentialLR (lr gamma^t), `cosine` the closed form of
CosineAnnealingLR (eta_min + (lr - eta_min)(1 + cos(pi t / t_max)) / 2, which past t_max climbs back up with
period 2 t_max, as torch's does), `inverse_time` the notes' lr / (1 + decay_rate t), `warmup` a linear warm-up
lr min(1, (t + 1) / warmup_steps), and `noam` the Transformer's schedule (Vaswani et al.) as LambdaLR would give
it with base lr `lr`: lr d_model^-0.5 min(s^-0.5, s warmup_steps^-1.5) with s = t + 1. All schedules are
evaluated by one Numba kernel.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field, significant
from revise.demo_engine.checks import check_choice, check_int, check_number
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, new_axes

SCHEDULES = ("constant", "step", "exponential", "inverse_time", "cosine", "warmup", "noam")
CONSTANT, STEP, EXPONENTIAL, INVERSE_TIME, COSINE, WARMUP, NOAM = range(len(SCHEDULES))

# Each schedule's hyperparameters: None marks a required one, anything else is its default (torch's).
HYPER = {
    "constant": {},
    "step": {"step_size": None, "gamma": 0.1},
    "exponential": {"gamma": None},
    "inverse_time": {"decay_rate": None},
    "cosine": {"t_max": None, "eta_min": 0.0},
    "warmup": {"warmup_steps": None},
    "noam": {"d_model": None, "warmup_steps": None},
}
INTEGER_HYPER = ("step_size", "t_max", "warmup_steps", "d_model")
D_MODEL = 512  # the demo's noam uses the base Transformer's width
PLOT_POINTS = 2000  # longer runs are thinned for drawing; the table and data keep every step
LOG_SCALE_RATIO = 20.0  # peaks further apart than this put the y axis on a log scale


def learning_rates(schedule: str, lr: float, steps: int, **hyper) -> np.ndarray:
    """The learning rate used at steps 0..steps-1 by one schedule with its hyperparameters (see the module)."""
    check_choice("schedule", schedule, SCHEDULES)
    lr = check_number("lr", lr, 0.0)
    steps = check_int("steps", steps, 0)
    values = _hyperparameters(schedule, hyper)
    return _learning_rates(SCHEDULES.index(schedule), lr, steps, values["step_size"], values["gamma"],
                           values["decay_rate"], values["t_max"], values["eta_min"], values["warmup_steps"],
                           values["d_model"])


def _hyperparameters(schedule: str, given: dict) -> dict:
    """Every kernel argument: the schedule's own hyperparameters checked (defaults filled in), the rest inert."""
    wanted = HYPER[schedule]
    unknown = sorted(set(given) - set(wanted))
    if unknown:
        takes = ", ".join(wanted) if wanted else "no hyperparameters"
        raise ValueError(f"{unknown[0]}={given[unknown[0]]!r}: not a hyperparameter of {schedule} (it takes {takes})")
    missing = [name for name, default in wanted.items() if default is None and name not in given]
    if missing:
        raise ValueError(f"{schedule} needs {' and '.join(missing)}")
    values = {"step_size": 1, "gamma": 1.0, "decay_rate": 0.0, "t_max": 1, "eta_min": 0.0, "warmup_steps": 1,
              "d_model": 1}
    for name, default in wanted.items():
        value = given.get(name, default)
        if name in INTEGER_HYPER:
            values[name] = check_int(name, value, 1)
        else:
            values[name] = check_number(name, value, 0.0)
    return values


@njit(cache=True)
def _learning_rates(kind, lr, steps, step_size, gamma, decay_rate, t_max, eta_min, warmup_steps, d_model):
    """The learning rate at each step t = 0..steps-1 of schedule `kind` (an index into SCHEDULES)."""
    out = np.empty(steps)
    for t in range(steps):
        if kind == STEP:
            out[t] = lr * gamma ** (t // step_size)
        elif kind == EXPONENTIAL:
            out[t] = lr * gamma ** t
        elif kind == INVERSE_TIME:
            out[t] = lr / (1.0 + decay_rate * t)
        elif kind == COSINE:
            out[t] = eta_min + (lr - eta_min) * (1.0 + math.cos(math.pi * t / t_max)) / 2.0
        elif kind == WARMUP:
            out[t] = lr * min(1.0, (t + 1.0) / warmup_steps)
        elif kind == NOAM:
            s = t + 1.0
            out[t] = lr * d_model ** -0.5 * min(s ** -0.5, s * warmup_steps ** -1.5)
        else:
            out[t] = lr
    return out


def _parse_steps(text: str) -> list[int]:
    """Whole steps written with commas or spaces between them ("1, 2, 10"); ValueError on anything else."""
    words = [word for word in re.split(r"[,\s]+", text.strip()) if word]
    if not words or not all(word.isdigit() for word in words):
        raise ValueError(f"at={text!r}: must be whole steps separated by commas, e.g. 1,2,10")
    return sorted({int(word) for word in words})


def _demo_hyper(schedule: str, step_size: int, step_gamma: float, exp_gamma: float, decay_rate: float,
                warmup_steps: int, steps: int) -> dict:
    """The hyperparameters the demo passes to one schedule (cosine anneals over the whole run)."""
    return {"constant": {}, "step": {"step_size": step_size, "gamma": step_gamma}, "exponential": {"gamma": exp_gamma},
            "inverse_time": {"decay_rate": decay_rate}, "cosine": {"t_max": steps},
            "warmup": {"warmup_steps": warmup_steps},
            "noam": {"d_model": D_MODEL, "warmup_steps": warmup_steps}}[schedule]


def _describe(schedule: str, lr: float, step_size: int, step_gamma: float, exp_gamma: float, decay_rate: float,
              warmup_steps: int, steps: int, noam_peak: float) -> tuple[str, str]:
    """What one schedule does, in a few words of English and of Chinese."""
    return {
        "constant": (f"constant stays at {lr:g}", f"constant 保持 {lr:g}"),
        "step": (f"step drops x{step_gamma:g} every {step_size} steps",
                 f"step 每 {step_size} 步乘以 {step_gamma:g}"),
        "exponential": (f"exponential shrinks x{exp_gamma:g} every step", f"exponential 每步乘以 {exp_gamma:g}"),
        "inverse_time": (f"inverse_time is lr/(1 + {decay_rate:g} t)", f"inverse_time 为 lr/(1 + {decay_rate:g} t)"),
        "cosine": (f"cosine follows half a cosine from {lr:g} to 0 over {steps} steps",
                   f"cosine 在 {steps} 步内沿半个余弦从 {lr:g} 降到 0"),
        "warmup": (f"warmup rises linearly to {lr:g} over {warmup_steps} steps, then stays",
                   f"warmup 在 {warmup_steps} 步内线性升到 {lr:g} 后保持"),
        "noam": (f"noam (d_model {D_MODEL}) rises to {noam_peak:.3g} at step {warmup_steps - 1}, then decays as "
                 f"1/sqrt(step)", f"noam(d_model {D_MODEL})在第 {warmup_steps - 1} 步升到 {noam_peak:.3g},之后按 "
                                  f"1/sqrt(step) 衰减"),
    }[schedule]


# The demo: the notes' decay formulas next to the schedules PyTorch ships.

def run(
    schedules: Annotated[tuple[str, ...], Arg("schedules to compare", "要比较的学习率调度", choices=SCHEDULES)]
    = ("step", "exponential", "cosine", "warmup"),
    lr: Annotated[float, Arg("initial (base) learning rate", "初始(基础)学习率", low=1e-6, high=10.0)] = 0.1,
    steps: Annotated[int, Arg("steps (or epochs) to run; cosine anneals over all of them",
                              "运行的步数(或周期数);cosine 在全部步数内退火", low=2, high=20000)] = 100,
    at: Annotated[str, Arg("steps listed in the table, comma-separated (ones past the end are left out)",
                           "表中列出的步,用逗号分隔(超出范围的略去)", high=200)] = "1,2,3,4,10,45,95",
    step_size: Annotated[int, Arg("step: steps between drops", "step:每隔多少步下降一次", low=1, high=10000)] = 30,
    step_gamma: Annotated[float, Arg("step: factor at each drop", "step:每次下降乘以的因子", low=0.0, high=1.0)] = 0.1,
    exp_gamma: Annotated[float, Arg("exponential: factor per step", "exponential:每步乘以的因子",
                                    low=0.0, high=1.0)] = 0.95,
    decay_rate: Annotated[float, Arg("inverse_time: decay rate in lr/(1 + rate t)",
                                     "inverse_time:lr/(1 + rate t) 中的衰减率", low=0.0, high=10.0)] = 0.1,
    warmup_steps: Annotated[int, Arg("warmup and noam: warm-up steps", "warmup 与 noam:预热步数",
                                     low=1, high=10000)] = 10,
) -> DemoResult:
    """The chosen schedules over `steps` steps, with their learning rates at the steps listed in `at`."""
    listed = sorted({0, steps - 1, *(t for t in _parse_steps(at) if t < steps)})
    curves = {name: learning_rates(name, lr, steps, **_demo_hyper(name, step_size, step_gamma, exp_gamma, decay_rate,
                                                                   warmup_steps, steps))
              for name in schedules}
    rows = tuple((str(t), *(f"{curves[name][t]:.4g}" for name in schedules)) for t in listed)
    noam_peak = lr * D_MODEL ** -0.5 * warmup_steps ** -0.5
    words = [_describe(name, lr, step_size, step_gamma, exp_gamma, decay_rate, warmup_steps, steps, noam_peak)
             for name in schedules]
    last = ", ".join(f"{name} {curves[name][-1]:.3g}" for name in schedules)
    summary = f"{'; '.join(en for en, _ in words)}.\nLearning rate at the last step ({steps - 1}): {last}."
    summary_zh = f"{';'.join(zh for _, zh in words)}。\n最后一步(第 {steps - 1} 步)的学习率:{last}。"
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=("step t", *schedules), rows=rows, columns_zh=("第 t 步", *schedules)),
        figure=_figure(curves, steps),
        data={"steps": steps, "d_model": D_MODEL, "listed_steps": listed,
              "learning_rates": {name: curve.tolist() for name, curve in curves.items()}},
    )


def _figure(curves: dict[str, np.ndarray], steps: int):
    """Each schedule's learning rate against the step; a log y axis when their peaks are far apart."""
    peaks = [float(curve.max()) for curve in curves.values()]
    log_scale = min(peaks) > 0 and max(peaks) / min(peaks) > LOG_SCALE_RATIO
    fig, ax = new_axes("Learning-rate schedules" + (" (log scale)" if log_scale else ""), "step t", "learning rate")
    shown = np.unique(np.append(np.arange(0, steps, max(1, math.ceil(steps / PLOT_POINTS))), steps - 1))
    for index, (name, curve) in enumerate(curves.items()):
        ax.plot(shown, curve[shown], color=COLOURS[index % len(COLOURS)], linewidth=2.5, label=name)
    if log_scale:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    ax.set_xlim(0, steps - 1)
    ax.legend(loc="best")
    return fig


def warm() -> None:
    """Compile (or load from cache) the kernel."""
    learning_rates("step", 0.1, 3, step_size=2)


DEMO = declare_demo(
    run, warm,
    title_en="Learning-rate schedules",
    title_zh="学习率调度",
    description_en="Step, exponential, 1/t, cosine, warm-up and Transformer (noam) schedules side by side, as torch "
                   "computes them.",
    description_zh="并排比较阶梯、指数、1/t、余弦、预热和 Transformer(noam)学习率调度,结果与 torch 一致。",
)


# Drill: the learning rate of a decay schedule at some epoch, by hand.

_DRILL_SCHEDULES = ("step", "exponential", "inverse_time", "cosine")
_DRILL_HYPER = {"step": ("step_size", "gamma"), "exponential": ("gamma",), "inverse_time": ("decay_rate",),
                "cosine": ("t_max", "eta_min")}


def _draw_schedule(rng) -> dict:
    """One of step, exponential, 1/t and cosine decay with readable hyperparameters, and an epoch t at which the
    rate has visibly decayed (at least one drop for step, before T_max for cosine, below α0 at 3 figures)."""
    while True:
        values = _draw_schedule_once(rng)
        hyper = {name: values[name] for name in _DRILL_HYPER[values["schedule"]]}
        rate = learning_rates(values["schedule"], values["lr"], values["t"] + 1, **hyper)[-1]
        if significant(rate) != significant(values["lr"]):
            return values


def _draw_schedule_once(rng) -> dict:
    """A schedule, its hyperparameters (those it lacks 0) and an epoch, with the schedule described in words."""
    schedule = str(rng.choice(_DRILL_SCHEDULES))
    lr = float(rng.choice((0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)))
    hyper = {"step_size": 0, "gamma": 0.0, "decay_rate": 0.0, "t_max": 0, "eta_min": 0.0}
    if schedule == "step":
        hyper["step_size"] = int(rng.choice((5, 10, 20, 30, 50)))
        hyper["gamma"] = float(rng.choice((0.1, 0.2, 0.5, 0.5)))
        t = int(rng.integers(hyper["step_size"], 4 * hyper["step_size"]))
        en = f"step decay: α is multiplied by γ = {hyper['gamma']:g} every s = {hyper['step_size']} epochs (StepLR)"
        zh = f"阶梯衰减,每 s = {hyper['step_size']} 个周期把 α 乘以 γ = {hyper['gamma']:g}(StepLR)"
    elif schedule == "exponential":
        hyper["gamma"] = float(rng.choice((0.8, 0.85, 0.9, 0.95, 0.97, 0.99)))
        t = int(rng.integers(2, 31))
        en = f"exponential decay: α is multiplied by γ = {hyper['gamma']:g} every epoch (ExponentialLR)"
        zh = f"指数衰减,每个周期把 α 乘以 γ = {hyper['gamma']:g}(ExponentialLR)"
    elif schedule == "inverse_time":
        hyper["decay_rate"] = float(rng.choice((0.1, 0.2, 0.5, 1.0, 2.0)))
        t = int(rng.integers(1, 21))
        en = f"1/t decay: α = α0 / (1 + decay_rate · t) with decay_rate = {hyper['decay_rate']:g}"
        zh = f"反比衰减(1/t 衰减),α = α0 / (1 + decay_rate · t),decay_rate = {hyper['decay_rate']:g}"
    else:
        hyper["t_max"] = int(rng.choice((10, 20, 50, 100)))
        hyper["eta_min"] = float(rng.choice((0.0, 0.0, 0.001)))
        t = int(rng.integers(1, hyper["t_max"]))
        en = (f"cosine annealing down to η_min = {hyper['eta_min']:g} at epoch T_max = {hyper['t_max']} "
              "(CosineAnnealingLR)")
        zh = f"余弦退火,在第 T_max = {hyper['t_max']} 个周期降到 η_min = {hyper['eta_min']:g}(CosineAnnealingLR)"
    return {"schedule": schedule, "lr": lr, "t": t, **hyper, "schedule_en": en, "schedule_zh": zh}


def _solve_rate_at_step(schedule: str, lr: float, t: int, step_size: int, gamma: float, decay_rate: float,
                        t_max: int, eta_min: float, schedule_en: str, schedule_zh: str) -> Worked:
    """The rate at epoch t from the module's learning_rates, with the schedule's formula worked through."""
    given = {"step_size": step_size, "gamma": gamma, "decay_rate": decay_rate, "t_max": t_max, "eta_min": eta_min}
    hyper = {name: given[name] for name in _DRILL_HYPER[schedule]}
    rate = float(learning_rates(schedule, lr, t + 1, **hyper)[t])
    if schedule == "step":
        drops = t // step_size
        formula = "α_t = α0 · γ^⌊t / s⌋"
        lines = [f"⌊{t} / {step_size}⌋ = {drops}", f"α_{t} = {lr:g} · {gamma:g}^{drops} = {rate:.4g}"]
        note_en, note_zh = f"{drops} drop(s) so far", f"到此已下降 {drops} 次"
    elif schedule == "exponential":
        formula = "α_t = α0 · γ^t"
        lines = [f"{gamma:g}^{t} = {gamma ** t:.5g}", f"α_{t} = {lr:g} · {gamma ** t:.5g} = {rate:.4g}"]
        note_en, note_zh = "a smooth geometric decay", "平滑的几何衰减"
    elif schedule == "inverse_time":
        formula = "α_t = α0 / (1 + decay_rate · t)"
        lines = [f"1 + {decay_rate:g} · {t} = {1 + decay_rate * t:g}",
                 f"α_{t} = {lr:g} / {1 + decay_rate * t:g} = {rate:.4g}"]
        note_en, note_zh = "it falls fast at first, then slowly", "先降得快,后降得慢"
    else:
        cosine = math.cos(math.pi * t / t_max)
        sign = "−" if cosine < 0 else "+"
        formula = "α_t = η_min + (α0 − η_min) · (1 + cos(π t / T_max)) / 2"
        lines = [f"cos(π · {t} / {t_max}) = {cosine:.5g}",
                 f"α_{t} = {eta_min:g} + ({lr:g} − {eta_min:g}) · (1 {sign} {abs(cosine):.5g}) / 2"
                 f" = {rate:.4g}"]
        note_en, note_zh = "cos is in radians", "cos 按弧度计算"
    return Worked({"rate": rate}, (formula, *lines, f"α_{t} ≈ {significant(rate)} ({note_en})"),
                  (formula, *lines, f"α_{t} ≈ {significant(rate)}({note_zh})"))


DRILLS = declare_drills(
    __name__,
    Drill("rate_at_step", "Learning rate under a decay schedule", "衰减调度下的学习率",
          "The learning rate starts at α0 = {lr:g} at epoch 0 and follows {schedule_en}. What is the learning rate "
          "at epoch t = {t}, to 3 significant figures?",
          "学习率在第 0 个周期为 α0 = {lr:g},调度方式为{schedule_zh}。第 t = {t} 个周期的学习率是多少?"
          "保留 3 位有效数字。",
          (Field("rate", "learning rate", "学习率", kind="number"),), _draw_schedule, _solve_rate_at_step),
)
