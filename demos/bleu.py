"""BLEU with sacrebleu's semantics on pre-tokenised text, and the Dive into Deep Learning variant.

Tokens are mapped to integers in Python; the n-gram counting and clipping run in Numba kernels, one
sentence pair at a time: the n-grams of a hypothesis and its references get dense ids order by order (an
n-gram is the id of its (n-1)-gram prefix and its last token, looked up in a small open-addressing hash
table), then the hypothesis's counts are clipped by the largest count in any one reference.

corpus_bleu agrees with `sacrebleu.metrics.BLEU(tokenize='none', smooth_method='none',
effective_order=False)` on space-joined tokens (score / 100, precisions as fractions): counts and lengths
are summed over the corpus, the reference length of a sentence is that of the reference closest in length
(ties to the shorter), BP = exp(1 - r/c) when c < r (0 when c = 0), and the score is 0 when no n-gram of
any order matches, when some order has no n-gram at all, or, without smoothing, when some order has no match.
d2l_bleu is Dive into Deep Learning's `bleu(pred_seq, label_seq, k)`: one label, the same clipped precisions,
exp(min(0, 1 - len_label/len_pred)) * prod_n p_n^(1/2^n); the demo's variant=d2l shows it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from itertools import chain, count
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_int
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import new_axes

SMOOTHING = (None, "exp", "floor")
FLOOR_VALUE = 0.1  # sacrebleu's default smooth_value for "floor"
VARIANTS = ("sacrebleu", "d2l")


@dataclass(frozen=True)
class BleuResult:
    """A BLEU score (0..1) and what it is made of: per-order clipped matches, totals and precisions."""

    score: float
    precisions: list[float]
    matches: list[int]
    totals: list[int]
    brevity_penalty: float
    hyp_len: int
    ref_len: int


def corpus_bleu(hypotheses, references, max_n: int = 4, smooth: str | None = None) -> BleuResult:
    """Corpus BLEU of token lists against one or more reference token lists each, as sacrebleu computes it.

    smooth: None (no smoothing), "exp" (sacrebleu's NIST smoothing: the k-th order without a match gets
    precision 1 / (2^k * total)) or "floor" (precision 0.1 / total for an order without a match).
    """
    if smooth not in SMOOTHING:
        raise ValueError(f"smooth={smooth!r}: must be None or one of exp, floor")
    return _score(_sentence_stats(hypotheses, references, max_n).sum(axis=0), max_n, smooth)


def sentence_bleu(hypothesis, references, max_n: int = 4, smooth: str | None = None) -> BleuResult:
    """BLEU of one token list against its references (corpus BLEU of a one-sentence corpus, no effective order)."""
    return corpus_bleu([hypothesis], [references], max_n, smooth)


def d2l_bleu(pred_tokens, label_tokens, k: int) -> float:
    """Dive into Deep Learning's BLEU: exp(min(0, 1 - len_label/len_pred)) * prod_{n<=k} p_n^(1/2^n)."""
    _check_tokens("pred_tokens", pred_tokens)
    _check_tokens("label_tokens", label_tokens)
    if not pred_tokens:
        raise ValueError("pred_tokens is empty: D2L's BLEU divides by the prediction's length")
    check_int("k", k, 1, len(pred_tokens))
    stats = _sentence_stats([pred_tokens], [[label_tokens]], k)[0]
    matches, totals = stats[2:2 + k], stats[2 + k:]
    score = math.exp(min(0.0, 1 - len(label_tokens) / len(pred_tokens)))
    for n in range(1, k + 1):
        score *= (matches[n - 1] / totals[n - 1]) ** (0.5 ** n)
    return score


def clipped_ngrams(hypothesis, references, n: int) -> list[tuple[tuple, int, int]]:
    """Each distinct n-gram of the hypothesis, first seen first: (n-gram, count, count clipped by the references).

    A slow, readable Counter version for showing the clipping; the kernels compute the same totals.
    """
    counts = Counter(_ngrams(hypothesis, n))
    ceiling = Counter()
    for reference in references:
        ceiling |= Counter(_ngrams(reference, n))
    return [(gram, count, min(count, ceiling[gram])) for gram, count in counts.items()]


def tokenize(text: str) -> list[str]:
    """Tokens split on white space, case and punctuation kept, as the notes count them ("mat." is one token)."""
    return text.split()


def _ngrams(tokens, n: int) -> list[tuple]:
    """The n-grams of a token list, in order."""
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def _sentence_stats(hypotheses, references, max_n: int) -> np.ndarray:
    """Per sentence pair: hyp length, closest reference length, clipped matches per order, totals per order."""
    _check_corpus(hypotheses, references)
    check_int("max_n", max_n, 1)
    sentences = [sentence for hypothesis, refs in zip(hypotheses, references) for sentence in (hypothesis, *refs)]
    offsets = _offsets(map(len, sentences), len(sentences))
    pair_offsets = _offsets((1 + len(refs) for refs in references), len(references))
    tokens, vocab_size = _encode(sentences, int(offsets[-1]))
    return _clipped_stats(tokens, offsets, pair_offsets, max_n, vocab_size)


def _offsets(sizes, runs: int) -> np.ndarray:
    """Where each of `runs` consecutive runs of the given sizes starts, plus the end: [0, s0, s0 + s1, ...]."""
    offsets = np.zeros(runs + 1, np.int64)
    np.cumsum(np.fromiter(sizes, np.int64, runs), out=offsets[1:])
    return offsets


def _encode(sentences: list, size: int) -> tuple[np.ndarray, int]:
    """All tokens, concatenated, as dense integers in order of first appearance, and how many distinct ones."""
    index = defaultdict(count().__next__)
    tokens = np.fromiter(map(index.__getitem__, chain.from_iterable(sentences)), np.int64, size)
    return tokens, max(len(index), 1)


def _score(stats: np.ndarray, max_n: int, smooth: str | None) -> BleuResult:
    """BLEU from corpus sums [hyp_len, ref_len, matches..., totals...], as sacrebleu's compute_bleu."""
    hyp_len, ref_len = int(stats[0]), int(stats[1])
    matches, totals = [int(m) for m in stats[2:2 + max_n]], [int(t) for t in stats[2 + max_n:]]
    bp = 1.0 if hyp_len >= ref_len else (math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0)
    precisions = _precisions(matches, totals, smooth) if any(matches) else [0.0] * max_n
    score = bp * math.exp(sum(map(math.log, precisions)) / max_n) if all(precisions) else 0.0
    return BleuResult(score, precisions, matches, totals, bp, hyp_len, ref_len)


def _precisions(matches: list[int], totals: list[int], smooth: str | None) -> list[float]:
    """Per-order precision, smoothed where an order has n-grams but no match; 0 from the first empty order on."""
    precisions, unmatched_orders = [0.0] * len(matches), 0
    for n, (match, total) in enumerate(zip(matches, totals)):
        if total == 0:
            break
        if match == 0 and smooth == "exp":
            unmatched_orders += 1
            precisions[n] = 1.0 / (2 ** unmatched_orders * total)
        elif match == 0 and smooth == "floor":
            precisions[n] = FLOOR_VALUE / total
        else:
            precisions[n] = match / total
    return precisions


def _check_corpus(hypotheses, references) -> None:
    """ValueError unless hypotheses and references are aligned, non-empty lists of token lists."""
    if not isinstance(hypotheses, (list, tuple)) or not hypotheses:
        raise ValueError(f"hypotheses of type {type(hypotheses).__name__}: "
                         "must be a non-empty list of token lists")
    if not isinstance(references, (list, tuple)) or len(references) != len(hypotheses):
        raise ValueError(f"references of length {_length(references)}: must be a list with one list of "
                         f"references per hypothesis ({len(hypotheses)})")
    for i, hypothesis in enumerate(hypotheses):
        _check_tokens(f"hypotheses[{i}]", hypothesis)
    for i, refs in enumerate(references):
        if not isinstance(refs, (list, tuple)) or not refs:
            raise ValueError(f"references[{i}] of type {type(refs).__name__}: "
                             "must be a non-empty list of token lists")
        for j, reference in enumerate(refs):
            _check_tokens(f"references[{i}][{j}]", reference)


def _check_tokens(name: str, tokens) -> None:
    """ValueError unless tokens is a list (or tuple) of tokens rather than, say, an untokenised string."""
    if not isinstance(tokens, (list, tuple)):
        raise ValueError(f"{name} of type {type(tokens).__name__}: "
                         "must be a list of tokens (split the text first)")


def _length(value) -> str:
    """len(value) as text, or its type when it has none, for error messages."""
    return str(len(value)) if hasattr(value, "__len__") else type(value).__name__


@njit(cache=True)
def _clipped_stats(tokens, offsets, pair_offsets, max_n, vocab_size):
    """Per pair: [hyp_len, closest ref_len, clipped matches per order, n-gram totals per order].

    Sentence i holds tokens[offsets[i]:offsets[i + 1]]; pair p is sentences pair_offsets[p] (the hypothesis) to
    pair_offsets[p + 1] - 1 (its references). A hypothesis n-gram counts at most as often as in any one reference.
    """
    pairs = pair_offsets.size - 1
    stats = np.zeros((pairs, 2 + 2 * max_n), np.int64)
    longest = np.max(offsets[pair_offsets[1:]] - offsets[pair_offsets[:-1]])
    ids = np.empty(longest, np.int64)
    keys, values = np.empty(_table_size(longest), np.int64), np.empty(_table_size(longest), np.int64)
    hyp_count, ref_count = np.zeros(longest, np.int64), np.zeros(longest, np.int64)
    ref_max = np.zeros(longest, np.int64)
    for p in range(pairs):
        hyp, first_ref, stop = pair_offsets[p], pair_offsets[p] + 1, pair_offsets[p + 1]
        base, hyp_len = offsets[hyp], offsets[hyp + 1] - offsets[hyp]
        stats[p, 0] = hyp_len
        stats[p, 1] = _closest_length(hyp_len, offsets, first_ref, stop)
        for order in range(max_n):
            distinct = _number_ngrams(tokens, offsets, hyp, stop, order, vocab_size, ids, keys, values)
            for r in range(first_ref, stop):
                for i in range(offsets[r], offsets[r + 1] - order):
                    ref_count[ids[i - base]] += 1
                for i in range(offsets[r], offsets[r + 1] - order):
                    gram = ids[i - base]
                    ref_max[gram] = max(ref_max[gram], ref_count[gram])
                    ref_count[gram] = 0
            for i in range(offsets[hyp], offsets[hyp + 1] - order):
                hyp_count[ids[i - base]] += 1
            for i in range(offsets[hyp], offsets[hyp + 1] - order):
                gram = ids[i - base]
                stats[p, 2 + order] += min(hyp_count[gram], ref_max[gram])
                hyp_count[gram] = 0
            stats[p, 2 + max_n + order] = max(hyp_len - order, 0)
            ref_max[:distinct] = 0
    return stats


@njit(cache=True)
def _number_ngrams(tokens, offsets, first, stop, order, vocab_size, ids, keys, values):
    """Number the (order + 1)-grams of sentences first..stop-1 densely from 0, writing ids[i - offsets[first]].

    An (order + 1)-gram is (the id of the order-gram at i, found in ids by the previous call, token i + order),
    looked up in an open-addressing hash table; returns how many distinct ones there are.
    """
    base = offsets[first]
    mask = _table_size(offsets[stop] - base) - 1
    keys[:mask + 1] = -1
    distinct = 0
    for sentence in range(first, stop):
        for i in range(offsets[sentence], offsets[sentence + 1] - order):
            key = tokens[i] if order == 0 else ids[i - base] * vocab_size + tokens[i + order]
            mixed = key * -7046029254386353131  # Fibonacci hashing: 2^64 / golden ratio, wrapping
            slot = (mixed ^ (mixed >> 32)) & mask
            while keys[slot] != -1 and keys[slot] != key:
                slot = (slot + 1) & mask
            if keys[slot] == -1:
                keys[slot] = key
                values[slot] = distinct
                distinct += 1
            ids[i - base] = values[slot]
    return distinct


@njit(cache=True)
def _table_size(entries):
    """The smallest power of two at least twice `entries` (and at least 2): a hash table kept at most half full."""
    size = 2
    while size < 2 * entries:
        size *= 2
    return size


@njit(cache=True)
def _closest_length(hyp_len, offsets, first, stop):
    """The length of the reference (sentences first..stop-1) closest to hyp_len, the shorter on ties."""
    best = offsets[first + 1] - offsets[first]
    for r in range(first + 1, stop):
        length = offsets[r + 1] - offsets[r]
        if abs(length - hyp_len) < abs(best - hyp_len) or (
                abs(length - hyp_len) == abs(best - hyp_len) and length < best):
            best = length
    return best


# The demo: the notes' "the cat" example (deeplearning.ai, sequence models).

def run(
    hypothesis: Annotated[str, Arg("the machine translation", "机器译文", high=200)] = "The cat the cat on the mat.",
    reference1: Annotated[str, Arg("first human reference", "第一个人工参考译文", high=200)] = "The cat is on the mat.",
    reference2: Annotated[str, Arg("second human reference", "第二个人工参考译文", high=200)]
    = "There is a cat on the mat.",
    max_n: Annotated[int, Arg("longest n-gram order", "最长的 n 元语法阶数", low=1, high=4)] = 4,
    smooth: Annotated[str, Arg("smoothing for orders without a match (sacrebleu's)", "无匹配阶数的平滑方法(同 sacrebleu)",
                               choices=("none", "exp"))] = "none",
    variant: Annotated[str, Arg("sacrebleu: BLEU as sacrebleu computes it, both references; d2l: Dive into Deep "
                                "Learning's exp(min(0, 1 - len_label/len_pred)) * prod p_n^(1/2^n) with k = max_n, "
                                "against reference1 alone",
                                "sacrebleu:按 sacrebleu 的算法,用两个参考译文;d2l:《动手学深度学习》的 "
                                "exp(min(0, 1 - len_label/len_pred)) * prod p_n^(1/2^n),k = max_n,只用第一个参考译文",
                                choices=VARIANTS)] = "sacrebleu",
) -> DemoResult:
    """BLEU of one sentence against two references, with the clipped counts of every n-gram order; or d2l's
    variant against the first reference."""
    if variant == "d2l":
        return _d2l_result(tokenize(hypothesis), tokenize(reference1), max_n)
    hyp, refs = tokenize(hypothesis), [tokenize(reference1), tokenize(reference2)]
    result = sentence_bleu(hyp, refs, max_n, None if smooth == "none" else smooth)
    rows = tuple((str(n), f"{result.matches[n - 1]}/{result.totals[n - 1]}", f"{result.precisions[n - 1]:.3f}",
                  _clipped_text(clipped_ngrams(hyp, refs, n))) for n in range(1, max_n + 1))
    summary = (f"BLEU-{max_n} = {result.score:.4f}: brevity penalty {result.brevity_penalty:.3f} "
               f"(hypothesis {result.hyp_len} tokens, closest reference {result.ref_len}) x geometric mean "
               f"of the clipped precisions.\nTokens are split on spaces; case and punctuation count, as in the notes.")
    summary_zh = (f"BLEU-{max_n} = {result.score:.4f}:简短惩罚 {result.brevity_penalty:.3f}"
                  f"(译文 {result.hyp_len} 个词,长度最接近的参考译文 {result.ref_len} 个词)乘以各阶截断精度的几何平均。\n"
                  "按空格切分词;与笔记一样,大小写和标点都算在内。")
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=Table(columns=("n", "clipped/total", "p_n", "matched n-grams (clipped/count)"), rows=rows,
                    columns_zh=("n", "截断匹配/总数", "p_n", "匹配的 n 元语法(截断后/出现次数)")),
        figure=_precision_figure(result, max_n),
        data={**asdict(result), "hypothesis_tokens": hyp, "reference_tokens": refs},
    )


def _d2l_result(pred: list[str], label: list[str], k: int) -> DemoResult:
    """d2l's BLEU of the hypothesis against reference1: each order's clipped precision, its weight 1/2^n and
    factor, the brevity penalty, and sacrebleu's BLEU-k of the same pair for comparison."""
    if k > len(pred):
        raise ValueError(f"max_n={k}: d2l's BLEU needs k <= the hypothesis's {len(pred)} tokens "
                         "(it divides by len_pred - n + 1)")
    score = d2l_bleu(pred, label, k)
    counts = sentence_bleu(pred, [label], k)
    precisions = [m / t for m, t in zip(counts.matches, counts.totals)]
    penalty = math.exp(min(0.0, 1 - len(label) / len(pred)))
    rows = tuple((str(n), f"{counts.matches[n - 1]}/{counts.totals[n - 1]}", f"{precisions[n - 1]:.3f}",
                  f"1/{2 ** n}", f"{precisions[n - 1] ** 0.5 ** n:.3f}",
                  _clipped_text(clipped_ngrams(pred, [label], n))) for n in range(1, k + 1))
    factors = " · ".join(f"{p:.3g}^(1/{2 ** n})" for n, p in enumerate(precisions, 1))
    formula = (f"exp(min(0, 1 - {len(label)}/{len(pred)})) · {factors} = {penalty:.3f} · "
               f"{score / penalty if penalty else 0.0:.3f} = {score:.3f}")
    zero = next((n for n, p in enumerate(precisions, 1) if p == 0), None)
    why = f" It is 0: no {zero}-gram matches." if zero else ""
    why_zh = f"它为 0:没有匹配的 {zero} 元语法。" if zero else ""
    summary = (f"d2l's BLEU (k = {k}, one label: reference1) = {formula}.{why} The weight 1/2^n shrinks with n, so "
               f"higher orders cost less.\nsacrebleu's BLEU-{k} of the same pair is {counts.score:.4f} "
               f"(the geometric mean, equal weights 1/{k}); reference2 is not used.")
    summary_zh = (f"d2l 的 BLEU(k = {k},只用一个标签:第一个参考译文)= {formula}。{why_zh}权重 1/2^n 随 n 减小,"
                  f"高阶精度的影响更小。\n同一对句子用 sacrebleu 算的 BLEU-{k} 为 {counts.score:.4f}"
                  f"(几何平均,各阶权重都是 1/{k});第二个参考译文不参与计算。")
    shown = BleuResult(score, precisions, counts.matches, counts.totals, penalty, len(pred), len(label))
    return DemoResult(
        summary=summary, summary_zh=summary_zh,
        table=Table(columns=("n", "clipped/total", "p_n", "weight", "p_n^weight", "matched n-grams (clipped/count)"),
                    rows=rows, columns_zh=("n", "截断匹配/总数", "p_n", "权重", "p_n^权重",
                                           "匹配的 n 元语法(截断后/出现次数)")),
        figure=_precision_figure(shown, k, "d2l's BLEU: clipped n-gram precisions"),
        data={**asdict(shown), "variant": "d2l", "weights": [0.5 ** n for n in range(1, k + 1)],
              "sacrebleu_score": counts.score, "hypothesis_tokens": pred, "reference_tokens": [label]})


def _clipped_text(clipped: list[tuple[tuple, int, int]], width: int = 60) -> str:
    """The matched n-grams (clipped/count where clipping bites) and how many missed, cut to `width` characters."""
    matched = [" ".join(gram) + (f" {clip}/{count}" if clip < count else "")
               for gram, count, clip in clipped if clip > 0]
    missed = sum(1 for _, _, clip in clipped if clip == 0)
    text = ", ".join(matched + ([f"+{missed} unmatched"] if missed else []))
    return text if len(text) <= width else text[:width - 1] + "…"


def _precision_figure(result: BleuResult, max_n: int, title: str = "BLEU: clipped n-gram precisions"):
    """Precision per n-gram order, with the brevity penalty and the BLEU score as horizontal lines."""
    fig, ax = new_axes(title, "n-gram order n", "precision / score")
    orders = list(range(1, max_n + 1))
    ax.plot(orders, result.precisions, color="tab:blue", marker="o", linewidth=2.5, label="clipped precision p_n")
    for n, precision in zip(orders, result.precisions):
        ax.annotate(f"{result.matches[n - 1]}/{result.totals[n - 1]}", (n, precision), textcoords="offset points",
                    xytext=(0, 8), ha="center")
    ends = [0.8, max_n + 0.2]
    ax.plot(ends, [result.brevity_penalty] * 2, color="tab:green", linestyle="--", linewidth=2,
            label=f"brevity penalty {result.brevity_penalty:.3f}")
    ax.plot(ends, [result.score] * 2, color="tab:red", linewidth=2.5, label=f"BLEU {result.score:.3f}")
    ax.set_xlim(0.5, max_n + 0.5)
    ax.set_ylim(0, 1.1)
    ax.set_xticks(orders)
    ax.legend(loc="lower left")
    return fig


def warm() -> None:
    """Compile (or load from cache) the kernels on a two-sentence corpus."""
    corpus_bleu([["a", "b"], ["b"]], [[["a", "b"], ["b", "a"]], [["b"]]], max_n=2)


DEMO = declare_demo(
    run, warm,
    title_en="BLEU score",
    title_zh="BLEU 分数",
    description_en="Clipped n-gram precisions, brevity penalty and BLEU of a translation against two references.",
    description_zh="计算译文相对两个参考译文的截断 n 元语法精度、简短惩罚和 BLEU 分数。",
)


# Drills: a clipped n-gram precision and a brevity penalty, by hand.

_DRILL_REFERENCES = (
    ("the cat is on the mat", "there is a cat on the mat"),
    ("the dog is in the garden", "there is a dog in the garden"),
    ("a man is riding a horse", "the man rides a horse"),
    ("the children are playing in the park", "the kids play in the park"),
    ("she reads the book every night", "every night she reads a book"),
    ("the train to paris is late", "the paris train is late again"),
    ("we ate fish and rice for dinner", "for dinner we had fish and rice"),
    ("the red car is parked by the house", "a red car is parked next to the house"),
)
_DRILL_OTHER_WORDS = ("big", "very", "blue", "old", "small", "then")
_ORDERS = {1: ("unigram", "一元"), 2: ("bigram", "二元")}


def _draw_candidate(rng) -> dict:
    """One or two references and a candidate made of pieces of them, one piece repeated, so that clipping bites:
    some n-gram of the candidate occurs more often than in any one reference, and its precision is neither 0 nor 1."""
    while True:
        pair = _DRILL_REFERENCES[int(rng.integers(len(_DRILL_REFERENCES)))]
        references = [pair[0], pair[1]] if rng.random() < 0.5 else [pair[0]]
        order = int(rng.choice((1, 2)))
        pieces = []
        for _ in range(int(rng.integers(2, 4))):
            words = references[int(rng.integers(len(references)))].split()
            length = int(rng.integers(1, 4))
            start = int(rng.integers(0, len(words) - length + 1))
            pieces.append(words[start:start + length])
        pieces.insert(int(rng.integers(0, len(pieces) + 1)), pieces[int(rng.integers(len(pieces)))])
        if rng.random() < 0.5:
            pieces.insert(int(rng.integers(0, len(pieces) + 1)), [str(rng.choice(_DRILL_OTHER_WORDS))])
        tokens = [word for piece in pieces for word in piece]
        if not 4 <= len(tokens) <= 10:
            continue
        counts = clipped_ngrams(tokens, [reference.split() for reference in references], order)
        matched = sum(clip for _, _, clip in counts)
        total = sum(count for _, count, _ in counts)
        if 0 < matched < total and any(count > clip >= 1 for _, count, clip in counts):
            quoted = [f"“{reference}”" for reference in references]
            return {"order": order, "candidate": " ".join(tokens), "references": references,
                    "references_en": ("References: " + " and ".join(quoted)) if len(quoted) > 1
                    else f"Reference: {quoted[0]}",
                    "references_zh": "参考译文:" + "和".join(quoted),
                    "order_en": _ORDERS[order][0], "order_zh": _ORDERS[order][1]}


def _solve_clipped_precision(order: int, candidate: str, references: list[str], **_texts) -> Worked:
    """p_n from the BLEU kernels (clipped matches over n-grams), worked n-gram by n-gram with clipped_ngrams."""
    tokens, refs = candidate.split(), [reference.split() for reference in references]
    result = sentence_bleu(tokens, refs, max_n=order)
    matched, total = result.matches[order - 1], result.totals[order - 1]
    one = "one reference" if len(refs) > 1 else "the reference"
    one_zh = "单个参考译文" if len(refs) > 1 else "参考译文"
    steps_en = [f"p_{order} = Σ_g Count_clip(g) / Σ_g Count(g), Count_clip(g) = min(count in the candidate, "
                f"most in {one})", f"the candidate has {total} {_ORDERS[order][0]}s"]
    steps_zh = [f"p_{order} = Σ_g Count_clip(g) / Σ_g Count(g),Count_clip(g) = min(候选中的次数, {one_zh}中的最多次数)",
                f"候选译文共有 {total} 个{_ORDERS[order][1]}语法"]
    for gram, seen, clip in clipped_ngrams(tokens, refs, order):
        most = clip if clip < seen else max(Counter(_ngrams(ref, order))[gram] for ref in refs)
        steps_en.append(f"“{' '.join(gram)}”: min({seen}, {most}) = {clip}")
        steps_zh.append(f"“{' '.join(gram)}”:min({seen}, {most}) = {clip}")
    steps_en.append(f"p_{order} = {matched}/{total} = {matched / total:.3g}")
    steps_zh.append(f"p_{order} = {matched}/{total} = {matched / total:.3g}")
    return Worked({"precision": matched / total}, tuple(steps_en), tuple(steps_zh))


def _draw_lengths(rng) -> dict:
    """A candidate of c tokens and one or two references, the closest longer than c (so BP < 1), no tie."""
    candidate = int(rng.integers(4, 26))
    closest = candidate + int(rng.integers(1, 9))
    lengths = [closest]
    if rng.random() < 0.5:
        gap = closest - candidate
        shorter = [candidate - extra for extra in range(gap + 1, candidate)]
        other = int(rng.choice(shorter)) if shorter and rng.random() < 0.5 else closest + int(rng.integers(1, 6))
        lengths.insert(int(rng.integers(0, 2)), other)
    if len(lengths) == 1:
        return {"candidate": candidate, "references": lengths,
                "references_en": f"its reference has {closest} tokens", "references_zh": f"参考译文有 {closest} 个词元"}
    return {"candidate": candidate, "references": lengths,
            "references_en": f"its two references have {lengths[0]} and {lengths[1]} tokens",
            "references_zh": f"两个参考译文分别有 {lengths[0]} 和 {lengths[1]} 个词元"}


def _solve_brevity_penalty(candidate: int, references: list[int], **_texts) -> Worked:
    """BP from the BLEU kernels (the closest reference length, exp(1 - r/c) when c < r), worked through."""
    result = sentence_bleu(["w"] * candidate, [["w"] * length for length in references], max_n=1)
    c, r, bp = result.hyp_len, result.ref_len, result.brevity_penalty
    steps_en = ["BP = 1 if c > r, else exp(1 − r/c); r = the reference length closest to c (the shorter on a tie)"]
    steps_zh = ["若 c > r 则 BP = 1,否则 BP = exp(1 − r/c);r 是与 c 最接近的参考译文长度(一样接近时取较短的)"]
    if len(references) > 1:
        distances = ", ".join(f"|{length} − {c}| = {abs(length - c)}" for length in references)
        steps_en.append(f"closest to c = {c}: {distances}, so r = {r}")
        steps_zh.append(f"与 c = {c} 最接近:{distances},所以 r = {r}")
    steps_en.append(f"c = {c} < r = {r}: BP = exp(1 − {r}/{c}) = exp({1 - r / c:.4f}) = {bp:.4g}")
    steps_zh.append(f"c = {c} < r = {r}:BP = exp(1 − {r}/{c}) = exp({1 - r / c:.4f}) = {bp:.4g}")
    return Worked({"bp": bp}, tuple(steps_en), tuple(steps_zh))


DRILLS = declare_drills(
    __name__,
    Drill("clipped_precision", "Clipped n-gram precision", "截断的 n 元语法精度",
          "{references_en}. Candidate (machine output): “{candidate}”. Tokens are the words split on spaces. What is "
          "the candidate's clipped (modified) {order_en} precision p_{order}, to 3 significant figures (a fraction "
          "such as 2/7 is fine)?",
          "{references_zh}。候选译文(机器输出):“{candidate}”。按空格切分词元。候选译文的截断(修正){order_zh}精度 "
          "p_{order} 是多少?保留 3 位有效数字(也可写成 2/7 这样的分数)。",
          (Field("precision", "clipped precision", "截断精度", kind="number"),), _draw_candidate,
          _solve_clipped_precision),
    Drill("brevity_penalty", "BLEU brevity penalty", "BLEU 的简短惩罚",
          "A candidate translation has c = {candidate} tokens; {references_en}. What is BLEU's brevity penalty BP, "
          "to 3 significant figures?",
          "候选译文有 c = {candidate} 个词元;{references_zh}。BLEU 的简短惩罚 BP 是多少?保留 3 位有效数字。",
          (Field("bp", "brevity penalty BP", "简短惩罚 BP", kind="number"),), _draw_lengths, _solve_brevity_penalty),
)
