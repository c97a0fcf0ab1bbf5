"""Perplexity, and a character bigram language model with add-k smoothing scored by the chain rule.

`perplexity(p)` is exp of the mean of -log p over the probabilities a model gave the true tokens: for
p = softmax(logits)[target] it equals `torch.exp(F.cross_entropy(logits, targets))`. The demo's model reads
text as characters over a fixed vocabulary of V = 28 symbols (a-z, space and "."; text is lowercased and any
other character becomes a space), counts character pairs in a short built-in text, and predicts
P(b | a) = (count(a, b) + k) / (count(a, .) + k V) (add-k smoothing; count(a, .) counts the pairs that start
with a); the first character of a sentence has no context and takes the unigram (count(b) + k) / (N + k V).
The chain rule multiplies these: log P(x_1..x_T) = log P(x_1) + sum_t log P(x_t | x_{t-1}), and the perplexity
is exp(-log P / T), which the uniform model 1/V puts at exactly V.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_number
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

VOCABULARY = " .abcdefghijklmnopqrstuvwxyz"
TRAINING_TEXT = (
    "machine learning is the study of programs that learn from data. "
    "a model is trained on examples and then tested on data it has not seen. "
    "the training loss measures how far the predictions are from the targets. "
    "gradient descent lowers the loss by moving the weights against the gradient. "
    "a neural network stacks layers of weights and nonlinear activations. "
    "a language model predicts the next word from the words that came before it. "
    "its perplexity is the exponential of the average negative log probability of the text. "
    "a lower perplexity means that the model is less surprised by new text."
)
HELD_OUT = "the model learns to predict the next letter."
MAX_TOKENS = 100


def perplexity(probabilities) -> float:
    """exp(-mean(log p)) over the probabilities (any shape, each in [0, 1]) given to the true tokens: 1 when
    every p is 1, V when every p is 1/V, inf when some p is 0."""
    p = check_array("probabilities", probabilities, min_size=1)
    outside = np.argwhere((p < 0) | (p > 1))
    if outside.size:
        index = tuple(int(i) for i in outside[0])
        where = f"[{', '.join(map(str, index))}]" if index else ""
        raise ValueError(f"probabilities{where}={p[index].item()!r}: must be a probability from 0 to 1")
    return float(_perplexity(p.ravel()))


def normalise(text: str) -> str:
    """Text in the model's vocabulary: lowercased, every other character a space, runs of spaces one space."""
    if not isinstance(text, str):
        raise ValueError(f"text={text!r}: must be a string")
    kept = "".join(ch if ch in VOCABULARY else " " for ch in text.lower())
    return re.sub(" +", " ", kept).strip()


def bigram_probabilities(text: str, sentence: str, k: float) -> np.ndarray:
    """P(x_1), P(x_2 | x_1), ..., P(x_T | x_{T-1}) of the (normalised) sentence's characters under the add-k
    character bigram model counted on the (normalised) text (module docstring); k >= 0, with 0 the raw counts
    (a pair never seen gets 0, and a context never seen gives 0 too)."""
    train, tokens = _encode("text", text, 2), _encode("sentence", sentence, 1)
    k = check_number("k", k, 0.0)
    pairs, unigram = _counts(train, len(VOCABULARY))
    return _chain(tokens, pairs, unigram, k)


def _encode(name: str, text: str, least: int) -> np.ndarray:
    """The normalised text as int64 indices into VOCABULARY; at least `least` characters."""
    clean = normalise(text)
    if len(clean) < least:
        raise ValueError(f"{name}={text!r}: must hold at least {least} character{'s' if least > 1 else ''} "
                         "of a-z, space or '.'")
    return np.array([VOCABULARY.index(ch) for ch in clean], dtype=np.int64)


@njit(cache=True)
def _perplexity(p):
    """exp of the mean of -log p; inf as soon as some p is 0."""
    total = 0.0
    for value in p:
        if value <= 0.0:
            return np.inf
        total -= math.log(value)
    return math.exp(total / p.size)


@njit(cache=True)
def _counts(codes, vocabulary):
    """(pair counts (V, V): row a, column b counts a followed by b; character counts (V,))."""
    pairs = np.zeros((vocabulary, vocabulary))
    unigram = np.zeros(vocabulary)
    for t in range(codes.size):
        unigram[codes[t]] += 1.0
        if t > 0:
            pairs[codes[t - 1], codes[t]] += 1.0
    return pairs, unigram


@njit(cache=True)
def _chain(tokens, pairs, unigram, k):
    """Each token's probability: the first from the add-k unigram, the others from the add-k bigram row of the
    token before (0 where the denominator is 0, which needs k = 0)."""
    vocabulary = unigram.size
    out = np.empty(tokens.size)
    total = 0.0
    for b in range(vocabulary):
        total += unigram[b]
    for t in range(tokens.size):
        if t == 0:
            numerator, denominator = unigram[tokens[0]] + k, total + k * vocabulary
        else:
            row = 0.0
            for b in range(vocabulary):
                row += pairs[tokens[t - 1], b]
            numerator, denominator = pairs[tokens[t - 1], tokens[t]] + k, row + k * vocabulary
        out[t] = numerator / denominator if denominator > 0.0 else 0.0
    return out


# The demo: the chain rule over a held-out sentence, token by token, and its perplexity against uniform.

MODELS = ("bigram", "given")


def run(
    sentence: Annotated[str, Arg("held-out sentence the bigram model is scored on (a-z, space, '.'; other "
                                 "characters become spaces)", "用来评估二元语法模型的留出句子(a-z、空格、'.';"
                                 "其他字符变为空格)", high=MAX_TOKENS)] = HELD_OUT,
    k: Annotated[float, Arg("add-k smoothing: k added to every pair count (0: raw counts)",
                            "加 k 平滑:每个字符对的计数都加上 k(0 表示不平滑)", low=0.0, high=10.0)] = 0.1,
    step: Annotated[int, Arg("token t whose chain-rule factor the summary works out", "摘要中展开链式法则因子的词元 t",
                             low=1, high=MAX_TOKENS)] = 1,
    model: Annotated[str, Arg("bigram: the character model trained on the built-in text; given: the probabilities "
                              "typed below", "bigram:在内置文本上训练的字符二元语法模型;given:使用下面输入的概率",
                              choices=MODELS)] = "bigram",
    probabilities: Annotated[str, Arg("with model=given, the probabilities of the true tokens, separated by "
                                      "commas (1/4 allowed)", "model=given 时,各真实词元的概率,用逗号分隔"
                                      "(可写 1/4)", high=400)] = "1/2,1/4,1/4,1/8",
) -> DemoResult:
    """Score a sentence with the chain rule: each token's probability, the running log-probability, perplexity."""
    vocabulary = len(VOCABULARY)
    if model == "bigram":
        clean = normalise(sentence)
        if not clean:
            raise ValueError(f"sentence={sentence!r}: must hold at least one character of a-z, space or '.'")
        train = _encode("text", TRAINING_TEXT, 2)
        pairs, unigram = _counts(train, vocabulary)
        tokens = _encode("sentence", clean, 1)
        p = _chain(tokens, pairs, unigram, k)
        numerators, denominators = _fractions(tokens, pairs, unigram, k)
        labels = [_show(clean[0])] + [f"{_show(a)} → {_show(b)}" for a, b in zip(clean, clean[1:])]
        train_pp = perplexity(_chain(train, pairs, unigram, k))
    else:
        p = _parse_probabilities(probabilities)
        labels = [f"token {t + 1}" for t in range(p.size)]
    n = p.size
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    running = np.cumsum(log_p)
    pp = perplexity(p)
    shown = min(step, n)
    rows = []
    for t in range(n):
        mark = "▶ " if t + 1 == shown else ""
        so_far = math.exp(-running[t] / (t + 1)) if np.isfinite(running[t]) else math.inf
        cells = [f"{mark}{t + 1}", labels[t]]
        if model == "bigram":
            cells.append(f"({_number(numerators[t])} + {k:g}) / ({_number(denominators[t])} + {k:g}·{vocabulary})")
        cells += [f"{p[t]:.4f}", _fixed(-log_p[t]), _fixed(running[t]), _fixed(so_far, ".2f")]
        rows.append(tuple(cells))
    if model == "bigram":
        columns = ("t", "context → token", "(count + k) / (context count + k·V)", "P", "-log P",
                   "log P(x_1..x_t)", "perplexity so far")
        columns_zh = ("t", "上文 → 词元", "(计数 + k) / (上文计数 + k·V)", "概率 P", "-log P", "log P(x_1..x_t)",
                      "到此为止的困惑度")
        summary, summary_zh = _bigram_summaries(sentence, clean, k, p, running, pp, train_pp, shown, step, labels,
                                                numerators, denominators)
    else:
        columns = ("t", "token", "P", "-log P", "log P(x_1..x_t)", "perplexity so far")
        columns_zh = ("t", "词元", "概率 P", "-log P", "log P(x_1..x_t)", "到此为止的困惑度")
        summary, summary_zh = _given_summaries(p, running, pp, shown, step)
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=columns, rows=tuple(rows), columns_zh=columns_zh),
        figure=_figure(running, pp, shown, vocabulary if model == "bigram" else None),
        data={"model": model, "tokens": labels, "probabilities": p.tolist(),
              "log_probability": _finite(float(running[-1])), "perplexity": _finite(pp),
              "uniform_perplexity": vocabulary if model == "bigram" else None, "k": k if model == "bigram" else None,
              "training_perplexity": train_pp if model == "bigram" else None, "step": shown},
    )


def _fractions(tokens: np.ndarray, pairs: np.ndarray, unigram: np.ndarray, k: float) -> tuple[list, list]:
    """The raw count and context count behind each token's probability (N for the first token)."""
    numerators, denominators = [unigram[tokens[0]]], [unigram.sum()]
    for a, b in zip(tokens[:-1], tokens[1:]):
        numerators.append(pairs[a, b])
        denominators.append(pairs[a].sum())
    return numerators, denominators


def _parse_probabilities(text: str) -> np.ndarray:
    """Comma-separated probabilities, each a number or a fraction a/b, in [0, 1]."""
    values = []
    for item in (part.strip() for part in text.replace(";", ",").split(",")):
        if not item:
            continue
        try:
            top, _, bottom = item.partition("/")
            value = float(top) / float(bottom) if bottom else float(top)
        except (ValueError, ZeroDivisionError):
            value = math.nan
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"probabilities={text!r}: {item!r} must be a probability from 0 to 1 (0.25 or 1/4)")
        values.append(value)
    if not 1 <= len(values) <= MAX_TOKENS:
        raise ValueError(f"probabilities={text!r}: must be 1 to {MAX_TOKENS} probabilities separated by commas")
    return np.array(values)


def _show(ch: str) -> str:
    """A character as the table shows it: '␣' for a space."""
    return "␣" if ch == " " else ch


def _number(value: float) -> str:
    """A count: 12, or 12.5."""
    return f"{value:g}"


def _fixed(value: float, spec: str = ".3f") -> str:
    """A number, or inf / -inf."""
    return f"{value:{spec}}" if np.isfinite(value) else ("inf" if value > 0 else "-inf")


def _finite(value: float):
    """A float for JSON: None for inf."""
    return value if math.isfinite(value) else None


def _bigram_summaries(sentence, clean, k, p, running, pp, train_pp, shown, step, labels, numerators,
                      denominators) -> tuple[str, str]:
    """The perplexity against uniform and the training text; then the chosen token's factor worked out."""
    vocabulary, n = len(VOCABULARY), p.size
    changed, changed_zh = (", normalised", ",已规范化") if clean != sentence else ("", "")
    head = (f"Character bigram model, add-k with k = {k:g}, V = {vocabulary}: the held-out sentence "
            f"({n} characters{changed})")
    head_zh = f"字符二元语法模型,加 k 平滑 k = {k:g},V = {vocabulary}:留出句子({n} 个字符{changed_zh})"
    if math.isinf(pp):
        zero = int(np.argmax(p == 0))
        first = (f"{head}: token {zero + 1} ({labels[zero]}) never follows its context in the training text, so with "
                 "k = 0 its probability is 0, log P = -inf and the perplexity is infinite; add-k smoothing (k > 0) "
                 "gives every pair some probability.")
        first_zh = (f"{head_zh}:第 {zero + 1} 个词元({labels[zero]})在训练文本中从未跟在这个上文之后,k = 0 时它的概率"
                    "为 0,log P = -inf,困惑度为无穷大;加 k 平滑(k > 0)让每个字符对都分到一些概率。")
    else:
        side, side_zh = ("below", "低于") if pp < vocabulary else ("above", "高于")
        first = (f"{head} has log P = {running[-1]:.3f} and perplexity exp({-running[-1]:.3f} / {n}) = {pp:.2f}, "
                 f"{side} the uniform model's {vocabulary} (= V, every P = 1/{vocabulary}); on its own training "
                 f"text it scores {train_pp:.2f}.")
        first_zh = (f"{head_zh}的 log P = {running[-1]:.3f},困惑度 exp({-running[-1]:.3f} / {n}) = {pp:.2f},{side_zh}"
                    f"均匀模型的 {vocabulary}(= V,每个 P = 1/{vocabulary});在它自己的训练文本上为 {train_pp:.2f}。")
    t = shown - 1
    past = f" (step {step} is past the last token, {n}: showing t = {n})" if step > n else ""
    past_zh = f"(第 {step} 步超出了最后一个词元 {n}:显示 t = {n})" if step > n else ""
    factor = f"P({labels[t]})" if t == 0 else f"P({labels[t].split(' → ')[1]} | {labels[t].split(' → ')[0]})"
    source = "no context: the unigram" if t == 0 else "the bigram count"
    source_zh = "没有上文:用一元语法" if t == 0 else "用二元语法计数"
    so_far = math.exp(-running[t] / shown) if np.isfinite(running[t]) else math.inf
    second = (f"t = {shown}{past}: {factor} = ({_number(numerators[t])} + {k:g}) / ({_number(denominators[t])} + "
              f"{k:g}·{vocabulary}) = {p[t]:.4f} ({source}); log P(x_1..x_{shown}) = {_fixed(running[t])}, perplexity "
              f"so far {_fixed(so_far, '.2f')}.")
    second_zh = (f"t = {shown}{past_zh}:{factor} = ({_number(numerators[t])} + {k:g}) / ({_number(denominators[t])} + "
                 f"{k:g}·{vocabulary}) = {p[t]:.4f}({source_zh});log P(x_1..x_{shown}) = {_fixed(running[t])},"
                 f"到此为止的困惑度 {_fixed(so_far, '.2f')}。")
    return f"{first}\n{second}", f"{first_zh}\n{second_zh}"


def _given_summaries(p, running, pp, shown, step) -> tuple[str, str]:
    """The perplexity of typed probabilities and what it means; then the chosen token's running values."""
    n = p.size
    mean = -running[-1] / n
    first = (f"{n} tokens with P = {', '.join(f'{v:.4g}' for v in p[:8])}{', ...' if n > 8 else ''}: mean -log P = "
             f"{_fixed(mean, '.4f')} nats, perplexity exp({_fixed(mean, '.4f')}) = {_fixed(pp, '.4g')}: as unsure as a "
             f"uniform choice among {_fixed(pp, '.4g')} tokens.")
    first_zh = (f"{n} 个词元,P = {', '.join(f'{v:.4g}' for v in p[:8])}{', ...' if n > 8 else ''}:平均 -log P = "
                f"{_fixed(mean, '.4f')} 奈特,困惑度 exp({_fixed(mean, '.4f')}) = {_fixed(pp, '.4g')}:"
                f"相当于在 {_fixed(pp, '.4g')} 个等可能的词元中均匀地选一个。")
    t = shown - 1
    past = f" (step {step} is past the last token, {n}: showing t = {n})" if step > n else ""
    past_zh = f"(第 {step} 步超出了最后一个词元 {n}:显示 t = {n})" if step > n else ""
    so_far = math.exp(-running[t] / shown) if np.isfinite(running[t]) else math.inf
    second = (f"t = {shown}{past}: log P(x_1..x_{shown}) = {_fixed(running[t])} (the sum of the first {shown} log P), "
              f"perplexity so far {_fixed(so_far, '.4g')}.")
    second_zh = (f"t = {shown}{past_zh}:log P(x_1..x_{shown}) = {_fixed(running[t])}(前 {shown} 个 log P 之和),"
                 f"到此为止的困惑度 {_fixed(so_far, '.4g')}。")
    return f"{first}\n{second}", f"{first_zh}\n{second_zh}"


def _figure(running: np.ndarray, pp: float, shown: int, vocabulary: int | None):
    """The running log-probability against t: the model, the uniform model over V, and uniform over PP tokens."""
    n = running.size
    t = np.arange(0, n + 1)
    fig, ax = new_axes("Chain rule: log P(x_1..x_t) adds one log P(x_t | context) per token", "token t",
                       "log P(x_1..x_t) (nats)")
    floor = -1e3  # a zero probability (k = 0) drops the line to -inf; draw it at the bottom instead
    model = np.concatenate([[0.0], np.maximum(running, floor)])
    if vocabulary is not None:
        ax.plot(t, -t * math.log(vocabulary), color=COLOURS[1], linestyle="--",
                label=f"uniform 1/{vocabulary}: perplexity {vocabulary}")
    if math.isfinite(pp):
        ax.plot(t, -t * math.log(pp), color=GRID_COLOUR, linestyle=":",
                label=f"uniform over {pp:.3g} tokens (same total)")
    ax.plot(t, model, color=COLOURS[0], label=f"{'bigram model' if vocabulary else 'given P'}: perplexity "
                                              f"{_fixed(pp, '.3g')}")
    ax.plot([shown], [model[shown]], color=COLOURS[2], marker=MARKERS[0], linestyle="none", label=f"t = {shown}")
    finite = model[model > floor]
    bottom = min(float(finite.min()) if finite.size else 0.0, -n * math.log(vocabulary or max(pp, 2.0)))
    ax.set_ylim(bottom * 1.05 - 0.5, 0.5)
    ax.set_xlim(0, n)
    ax.legend(fontsize=8, loc="lower left")
    return fig


def warm() -> None:
    """Compile (or load from cache) every kernel on a tiny text."""
    perplexity([0.5, 0.25])
    bigram_probabilities("ab ab", "ab", 0.5)


DEMO = declare_demo(
    run, warm,
    title_en="Language model perplexity",
    title_zh="语言模型的困惑度",
    description_en="A character bigram model with add-k smoothing scores a held-out sentence by the chain rule, "
                   "token by token; its perplexity against the uniform model's V.",
    description_zh="带加 k 平滑的字符二元语法模型用链式法则逐个词元地给留出句子打分;它的困惑度与均匀模型的 V 比较。",
)


# Drill: the perplexity of a few token probabilities, by hand.

_DRILL_FRACTIONS = ("1/2", "1/3", "1/4", "1/5", "1/6", "1/8", "1/10", "2/3", "3/4", "2/5", "3/5", "3/8")
_DRILL_DECIMALS = ("0.1", "0.2", "0.25", "0.3", "0.4", "0.5", "0.6", "0.7", "0.75", "0.8", "0.9")


def _draw_token_probabilities(rng) -> dict:
    """3 to 5 probabilities of the true tokens, all simple fractions or all short decimals, not all the same."""
    pool = _DRILL_FRACTIONS if rng.random() < 0.5 else _DRILL_DECIMALS
    while True:
        chosen = [str(item) for item in rng.choice(pool, int(rng.integers(3, 6)))]
        if len(set(chosen)) > 1:
            return {"tokens": len(chosen), "probabilities": ", ".join(chosen)}


def _solve_perplexity(tokens: int, probabilities: str) -> Worked:
    """PP = exp(-mean log p) with the module's perplexity(), worked through term by term."""
    shown = [item.strip() for item in probabilities.split(",")]
    p = np.array([float(Fraction(item)) for item in shown])
    pp = perplexity(p)
    logs = " + ".join(f"ln({item})" for item in shown)
    values = " + ".join(f"({math.log(value):.4f})" for value in p)
    mean = -float(np.log(p).sum()) / tokens
    inverse = " · ".join(f"{1 / value:.4g}" for value in p)
    steps_en = ("PP = exp(−(1/T) Σ_t ln P(y_t | y_<t))", f"−(1/{tokens})({logs})",
                f"= −(1/{tokens})({values}) = {mean:.4f} nats", f"PP = exp({mean:.4f}) = {pp:.4g}",
                f"the same as the geometric mean of 1/P: ({inverse})^(1/{tokens}) = {pp:.4g}")
    steps_zh = ("PP = exp(−(1/T) Σ_t ln P(y_t | y_<t))", f"−(1/{tokens})({logs})",
                f"= −(1/{tokens})({values}) = {mean:.4f} 奈特", f"PP = exp({mean:.4f}) = {pp:.4g}",
                f"也就是 1/P 的几何平均:({inverse})^(1/{tokens}) = {pp:.4g}")
    return Worked({"perplexity": pp}, steps_en, steps_zh)


DRILLS = declare_drills(
    __name__,
    Drill("perplexity", "Perplexity by hand", "手算困惑度",
          "A language model gives the {tokens} true tokens of a sentence the probabilities {probabilities}. What is "
          "its perplexity on this sentence, to 3 significant figures?",
          "某语言模型给一个句子的 {tokens} 个真实词元分别赋予概率 {probabilities}。它在这个句子上的困惑度是多少?"
          "保留 3 位有效数字。",
          (Field("perplexity", "perplexity", "困惑度", kind="number"),), _draw_token_probabilities, _solve_perplexity),
)
