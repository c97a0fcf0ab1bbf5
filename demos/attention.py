"""Attention: scaled dot-product, additive (Bahdanau), multi-head, sinusoidal positions and BERT's masking.

scaled_dot_product_attention is softmax(q k^T * scale) v with scale 1/sqrt(d_k) by default, a boolean mask
that keeps its True positions, and a causal mask that removes the keys j > i (both together: a key must pass
each); a query with no key left gets zero weights and a zero output. It equals torch 2.13's
`F.scaled_dot_product_attention` (True = may attend, zeros for a fully masked row), which returns only the
output; torch refuses a mask together with is_causal, here they combine by AND. additive_attention is d2l's
`AdditiveAttention` (scores w_v^T tanh(W_q q + W_k k), softmax over the keys). multi_head_attention is torch's
`nn.MultiheadAttention(E, num_heads, batch_first=True)` given the same in_proj and out_proj weights, returning
the weights averaged over the heads, as torch does by default. sinusoidal_encoding is the Transformer's
(Vaswani et al.; d2l's `PositionalEncoding`). mlm_mask is BERT's masked-LM corruption as d2l draws it:
exactly max(1, round(p * n)) positions (Python's round, halves to even), 80% [MASK], 10% a random token, 10%
kept. All are Numba kernels over contiguous float64 arrays.
"""

from __future__ import annotations

import functools
import math
import zlib
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field, significant
from revise.demo_engine.checks import check_array, check_int, check_number, check_shape
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, heat_map, new_axes, shared_clip

IGNORE_INDEX = -100  # the label of a position BERT does not predict (torch's cross_entropy ignore_index)
MASK_SHARE, RANDOM_SHARE = 0.8, 0.1  # of the chosen positions; the rest (0.1) keep their token


def scaled_dot_product_attention(q, k, v, mask=None, causal=False, scale=None):
    """softmax(q k^T * scale, masked) v; returns (output (..., L_q, d_v), weights (..., L_q, L_k)).

    q (..., L_q, d_k), k (..., L_k, d_k), v (..., L_k, d_v); leading (batch) axes broadcast. mask: booleans
    broadcastable to (..., L_q, L_k), True where a query may attend to a key; causal also removes the keys
    j > i. scale defaults to 1 / sqrt(d_k). A query that keeps no key gets zero weights and a zero output.
    """
    q, k, v = (_at_least_2d(name, value) for name, value in (("q", q), ("k", k), ("v", v)))
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(f"k has shape {k.shape}: its last axis must be d_k = {q.shape[-1]}, as in q")
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(f"v has shape {v.shape}: must have one row per key ({k.shape[-2]}, as k)")
    causal = _flag("causal", causal)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else check_number("scale", scale)
    lq, lk = q.shape[-2], k.shape[-2]
    shapes = [q.shape[:-2], k.shape[:-2], v.shape[:-2]]
    keep = np.ones((lq, lk), dtype=np.bool_)
    if mask is not None:
        keep = np.asarray(mask)
        if keep.dtype != np.bool_:
            raise ValueError(f"mask has dtype {keep.dtype}: must be booleans (True = the query may attend to the key)")
        if keep.ndim < 2 or np.broadcast_shapes(keep.shape[-2:], (lq, lk)) != (lq, lk):
            raise ValueError(f"mask has shape {keep.shape}: must broadcast to (..., {lq}, {lk}), one value per "
                             "query and key")
        shapes.append(keep.shape[:-2])
    try:
        batch = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"q, k and v have shapes {q.shape}, {k.shape} and {v.shape}"
                         f"{'' if mask is None else f' and mask {np.shape(mask)}'}: their leading (batch) axes "
                         "must broadcast") from None
    if causal:
        keep = keep & np.tri(lq, lk, dtype=np.bool_)
    size = int(np.prod(batch, dtype=np.int64))

    def flat(array: np.ndarray, tail: tuple[int, ...]) -> np.ndarray:
        return np.ascontiguousarray(np.broadcast_to(array, batch + tail).reshape((size,) + tail))

    output, weights = _attention(flat(q, q.shape[-2:]), flat(k, k.shape[-2:]), flat(v, v.shape[-2:]),
                                 flat(keep, (lq, lk)), scale)
    return output.reshape(batch + (lq, v.shape[-1])), weights.reshape(batch + (lq, lk))


def additive_attention(q, k, v, W_q, W_k, w_v):
    """Bahdanau (additive) attention; returns (output (L_q, d_v), weights (L_q, L_k)).

    q (L_q, d_q), k (L_k, d_k), v (L_k, d_v) (or each with one leading batch axis, B); W_q (h, d_q),
    W_k (h, d_k), w_v (h,): score(q_i, k_j) = w_v . tanh(W_q q_i + W_k k_j), softmax over the keys j.
    """
    q = check_array("q", q, ndim=(2, 3), min_size=1)
    k = check_array("k", k, ndim=q.ndim, min_size=1)
    v = check_array("v", v, ndim=q.ndim, min_size=1)
    if q.ndim == 3:
        check_shape("k", k, (q.shape[0], None, None), "the batch of q")
        check_shape("v", v, (q.shape[0], k.shape[1], None), "one row per key")
    else:
        check_shape("v", v, (k.shape[0], None), "one row per key")
    w_v = check_array("w_v", w_v, ndim=1, min_size=1)
    hidden = w_v.shape[0]
    W_q = check_shape("W_q", check_array("W_q", W_q, ndim=2), (hidden, q.shape[-1]), "(hidden units, d_q)")
    W_k = check_shape("W_k", check_array("W_k", W_k, ndim=2), (hidden, k.shape[-1]), "(hidden units, d_k)")
    batched = q.ndim == 3
    q, k, v = (array if batched else array[None] for array in (q, k, v))
    output, weights = _additive(q, k, v, W_q, W_k, w_v)
    return (output, weights) if batched else (output[0], weights[0])


def multi_head_attention(x_q, x_k, x_v, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads,
                         causal=False):
    """torch's nn.MultiheadAttention (batch_first=True); returns (output (B, L_q, E), weights (B, L_q, L_k)).

    x_q (B, L_q, E), x_k and x_v (B, L_k, E) (or without the batch axis); in_proj_weight (3E, E) stacks
    W_Q, W_K, W_V; in_proj_bias (3E,), out_proj_weight (E, E), out_proj_bias (E,); a bias may be None (0).
    Each of the num_heads heads attends with d_k = E / num_heads; the weights are averaged over the heads.
    causal: query i attends to keys j <= i (needs L_q = L_k).
    """
    x_q = check_array("x_q", x_q, ndim=(2, 3), min_size=1)
    x_k = check_array("x_k", x_k, ndim=x_q.ndim, min_size=1)
    x_v = check_array("x_v", x_v, ndim=x_q.ndim, min_size=1)
    embed = x_q.shape[-1]
    lead = x_q.shape[:-2]
    check_shape("x_k", x_k, lead + (None, embed), "(B, L_k, E) with the batch and E of x_q")
    check_shape("x_v", x_v, x_k.shape, "the shape of x_k")
    num_heads = check_int("num_heads", num_heads, 1)
    if embed % num_heads:
        raise ValueError(f"num_heads={num_heads}: must divide the embedding size E = {embed}")
    in_w = check_shape("in_proj_weight", check_array("in_proj_weight", in_proj_weight, ndim=2), (3 * embed, embed),
                       "W_Q, W_K and W_V stacked")
    in_b = _bias("in_proj_bias", in_proj_bias, 3 * embed)
    out_w = check_shape("out_proj_weight", check_array("out_proj_weight", out_proj_weight, ndim=2), (embed, embed))
    out_b = _bias("out_proj_bias", out_proj_bias, embed)
    causal = _flag("causal", causal)
    if causal and x_q.shape[-2] != x_k.shape[-2]:
        raise ValueError(f"causal=True: needs as many queries as keys (L_q = {x_q.shape[-2]}, L_k = {x_k.shape[-2]})")
    batched = x_q.ndim == 3
    xs = [x if batched else x[None] for x in (x_q, x_k, x_v)]
    output, head_weights = _multi_head(*xs, in_w, in_b, out_w, out_b, num_heads, causal,
                                       1.0 / math.sqrt(embed // num_heads))
    weights = head_weights.sum(axis=1) / num_heads
    return (output, weights) if batched else (output[0], weights[0])


def sinusoidal_encoding(max_len: int, d_model: int) -> np.ndarray:
    """(max_len, d_model): P[pos, 2i] = sin(pos / 10000^(2i/d_model)), P[pos, 2i+1] = cos(the same); d_model even."""
    max_len = check_int("max_len", max_len, 1)
    d_model = check_int("d_model", d_model, 2)
    if d_model % 2:
        raise ValueError(f"d_model={d_model}: must be even (sines and cosines come in pairs)")
    return _sinusoidal(max_len, d_model)


def mlm_mask(tokens, vocab_size: int, mask_id: int, p: float = 0.15, seed: int = 0):
    """BERT's masking of a token sequence; returns (inputs, labels), both int64 of the tokens' shape (n,).

    Exactly max(1, round(p * n)) positions are chosen at random; each becomes mask_id with probability 0.8, a
    token drawn uniformly from [0, vocab_size) with 0.1 (it may be the original) and stays with 0.1. labels
    holds the original token at the chosen positions and -100 elsewhere.
    """
    ids = check_array("tokens", tokens, ndim=1, dtype=np.int64, min_size=1)
    if not np.array_equal(ids, check_array("tokens", tokens, ndim=1)):
        raise ValueError(f"tokens={tokens!r}: must be whole token ids")
    vocab_size = check_int("vocab_size", vocab_size, 1)
    outside = np.flatnonzero((ids < 0) | (ids >= vocab_size))
    if outside.size:
        i = int(outside[0])
        raise ValueError(f"tokens[{i}]={int(ids[i])}: must be a token id from 0 to {vocab_size - 1}")
    mask_id = check_int("mask_id", mask_id, 0)
    p = check_number("p", p, 0.0, 1.0)
    seed = check_int("seed", seed, 0)
    n = ids.size
    count = max(1, round(p * n))
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    draws = rng.random(count)
    replacements = rng.integers(0, vocab_size, count)
    return _mlm(ids, order[:count].astype(np.int64), draws, replacements.astype(np.int64), mask_id)


def _at_least_2d(name: str, value) -> np.ndarray:
    """Finite float64 numbers of shape (..., L, d) with L, d >= 1."""
    array = check_array(name, value, min_size=1)
    if array.ndim < 2:
        raise ValueError(f"{name} has shape {array.shape}: must be (..., L, d), one row per position")
    return array


def _flag(name: str, value) -> bool:
    """A bool (or NumPy bool), else a one-line error."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}={value!r}: must be True or False")
    return bool(value)


def _bias(name: str, value, size: int) -> np.ndarray:
    """A (size,) bias, zeros for None."""
    if value is None:
        return np.zeros(size)
    return check_shape(name, check_array(name, value, ndim=1), (size,))


@njit(cache=True)
def _softmax_apply(scores, keep, v):
    """Per row of scores (B, L_q, L_k): softmax over the kept keys (0 elsewhere; all 0 if none is kept), then
    the weighted sum of the value rows v (B, L_k, d_v). Returns (output, weights)."""
    batch, lq, lk = scores.shape
    dv = v.shape[2]
    output = np.zeros((batch, lq, dv))
    weights = np.zeros((batch, lq, lk))
    for b in range(batch):
        for i in range(lq):
            top = -np.inf
            kept = False
            for j in range(lk):
                if keep[b, i, j]:
                    kept = True
                    top = max(top, scores[b, i, j])
            if not kept:
                continue
            total = 0.0
            for j in range(lk):
                if keep[b, i, j]:
                    weights[b, i, j] = math.exp(scores[b, i, j] - top)
                    total += weights[b, i, j]
            for j in range(lk):
                weights[b, i, j] /= total
        output[b] = np.dot(weights[b], np.ascontiguousarray(v[b]))
    return output, weights


@njit(cache=True)
def _attention(q, k, v, keep, scale):
    """q (B, L_q, d), k (B, L_k, d), v (B, L_k, d_v), keep (B, L_q, L_k): softmax(q k^T * scale) v over kept keys."""
    batch, lq, d = q.shape
    lk = k.shape[1]
    scores = np.empty((batch, lq, lk))
    for b in range(batch):  # every score, one BLAS product per batch entry; the softmax reads the kept ones only
        scores[b] = np.dot(np.ascontiguousarray(q[b]), np.ascontiguousarray(k[b].T)) * scale
    return _softmax_apply(scores, keep, v)


@njit(cache=True)
def _linear(x, w, bias):
    """x (B, L, E_in) W^T + bias, with w (E_out, E_in) and bias (E_out,)."""
    batch, length, width = x.shape
    out_width = w.shape[0]
    y = np.empty((batch, length, out_width))
    for b in range(batch):
        for i in range(length):
            for o in range(out_width):
                total = bias[o]
                for c in range(width):
                    total += x[b, i, c] * w[o, c]
                y[b, i, o] = total
    return y


@njit(cache=True)
def _additive(q, k, v, w_q, w_k, w_v):
    """Batched Bahdanau attention: scores w_v . tanh(W_q q_i + W_k k_j), softmax over j, weighted values."""
    batch, lq = q.shape[0], q.shape[1]
    lk, hidden = k.shape[1], w_v.shape[0]
    zeros = np.zeros(hidden)
    projected_q = _linear(q, w_q, zeros)
    projected_k = _linear(k, w_k, zeros)
    scores = np.empty((batch, lq, lk))
    for b in range(batch):
        for i in range(lq):
            for j in range(lk):
                total = 0.0
                for m in range(hidden):
                    total += w_v[m] * math.tanh(projected_q[b, i, m] + projected_k[b, j, m])
                scores[b, i, j] = total
    return _softmax_apply(scores, np.ones((batch, lq, lk), dtype=np.bool_), v)


@njit(cache=True)
def _split_heads(x, heads):
    """(B, L, E) -> (B * heads, L, E / heads): head h takes the features h*d .. h*d + d - 1."""
    batch, length, embed = x.shape
    d = embed // heads
    out = np.empty((batch * heads, length, d))
    for b in range(batch):
        for h in range(heads):
            for i in range(length):
                for c in range(d):
                    out[b * heads + h, i, c] = x[b, i, h * d + c]
    return out


@njit(cache=True)
def _multi_head(x_q, x_k, x_v, in_w, in_b, out_w, out_b, heads, causal, scale):
    """torch's multi-head attention: project, split into heads, attend with `scale`, concatenate, project.

    Returns (output (B, L_q, E), per-head weights (B, heads, L_q, L_k))."""
    batch, lq, embed = x_q.shape
    lk = x_k.shape[1]
    d = embed // heads
    q = _split_heads(_linear(x_q, in_w[:embed], in_b[:embed]), heads)
    k = _split_heads(_linear(x_k, in_w[embed:2 * embed], in_b[embed:2 * embed]), heads)
    v = _split_heads(_linear(x_v, in_w[2 * embed:], in_b[2 * embed:]), heads)
    keep = np.ones((batch * heads, lq, lk), dtype=np.bool_)
    if causal:
        for n in range(batch * heads):
            for i in range(lq):
                for j in range(i + 1, lk):
                    keep[n, i, j] = False
    head_out, head_weights = _attention(q, k, v, keep, scale)
    joined = np.empty((batch, lq, embed))
    for b in range(batch):
        for h in range(heads):
            for i in range(lq):
                for c in range(d):
                    joined[b, i, h * d + c] = head_out[b * heads + h, i, c]
    return _linear(joined, out_w, out_b), head_weights.reshape((batch, heads, lq, lk))


@njit(cache=True)
def _sinusoidal(max_len, d_model):
    """P[pos, 2i] = sin(pos / 10000^(2i/d)), P[pos, 2i+1] = cos(pos / 10000^(2i/d)), as d2l computes them."""
    table = np.empty((max_len, d_model))
    for i in range(d_model // 2):
        divisor = 10000.0 ** (2.0 * i / d_model)
        for pos in range(max_len):
            angle = pos / divisor
            table[pos, 2 * i] = math.sin(angle)
            table[pos, 2 * i + 1] = math.cos(angle)
    return table


@njit(cache=True)
def _mlm(tokens, chosen, draws, replacements, mask_id):
    """Inputs and labels: each chosen position becomes mask_id (draw < 0.8), its replacement (draw < 0.9) or stays."""
    inputs = tokens.copy()
    labels = np.full(tokens.size, IGNORE_INDEX, dtype=np.int64)
    for n in range(chosen.size):
        position = chosen[n]
        labels[position] = tokens[position]
        if draws[n] < MASK_SHARE:
            inputs[position] = mask_id
        elif draws[n] < MASK_SHARE + RANDOM_SHARE:
            inputs[position] = replacements[n]
    return inputs, labels


# The demo: attention weights of a short sentence as heat maps, scaled beside unscaled.

MODES = ("self_attention", "additive", "worked_example", "positional_encoding", "masked_lm")
MAX_WORDS = 8
WEIGHT_SEED = 7  # the projections' random weights (the same for every sentence)
FILLER_WORDS = ("a", "dog", "ran", "in", "park", "big", "red", "is", "to", "and")  # extra vocabulary for BERT
MLM_DRAWS, MLM_TOKENS = 8, 10_000
HEAT, MUTED = "Oranges", GRID_COLOUR
# The notes' worked example (d_k = 4): one query, two keys and values.
EXAMPLE_Q = ((1.0, 1.0, 0.0, 0.0),)
EXAMPLE_K = ((2.0, 0.0, 0.0, 0.0), (0.0, 0.0, 1.0, 1.0))
EXAMPLE_V = ((1.0, 0.0), (0.0, 1.0))


def run(
    mode: Annotated[str, Arg("what to show: self_attention (scaled beside unscaled weights), additive (Bahdanau "
                             "beside dot product), worked_example (the notes' q, k1, k2), positional_encoding, "
                             "masked_lm (BERT's 80/10/10)",
                             "显示内容:self_attention(缩放与不缩放的权重并排)、additive(Bahdanau 加性注意力与点积并排)、"
                             "worked_example(笔记中的 q、k1、k2)、positional_encoding(位置编码)、masked_lm(BERT 的 "
                             "80/10/10 掩码)", choices=MODES)] = "self_attention",
    sentence: Annotated[str, Arg("the sentence: 2 to 8 words, each with a fixed random embedding plus its position's "
                                 "sinusoidal encoding", "句子:2 到 8 个词,每个词有固定的随机嵌入,再加上所在位置的正弦编码",
                                 high=80)] = "the cat sat on the mat",
    d_k: Annotated[int, Arg("dimension of each head's queries and keys (d_model = heads x d_k; the hidden units of "
                            "additive attention)", "每个头的查询和键的维度(d_model = 头数 × d_k;加性注意力中为隐藏单元数)",
                            low=1, high=64)] = 16,
    heads: Annotated[int, Arg("number of attention heads", "注意力头的个数", low=1, high=8)] = 2,
    head: Annotated[int, Arg("which head is shown, counted from 0 (step with the arrow keys)",
                             "显示第几个头(从 0 开始计数,可用方向键切换)", low=0, high=7)] = 0,
    causal: Annotated[bool, Arg("causal mask: query i attends only to keys j <= i (the decoder's masked "
                                "self-attention)", "因果掩码:查询 i 只关注 j <= i 的键(解码器的掩码自注意力)")] = False,
) -> DemoResult:
    """One of five views of attention on a short sentence (or on the notes' worked example)."""
    if mode == "worked_example":
        return _worked_example()
    words = _words(sentence)
    if mode == "positional_encoding":
        return _positional(words, heads * d_k)
    if mode == "masked_lm":
        return _masked_lm(words)
    return _self_attention(words, d_k, heads, head, causal, additive=mode == "additive")


def _words(sentence: str) -> list[str]:
    """The sentence's words in lower case, 2 to MAX_WORDS of them."""
    words = sentence.lower().split()
    if not 2 <= len(words) <= MAX_WORDS:
        raise ValueError(f"sentence={sentence!r}: must have 2 to {MAX_WORDS} words (it has {len(words)}), "
                         "separated by spaces")
    return words


def _inputs(words: list[str], width: int) -> np.ndarray:
    """Each word's fixed random embedding (seeded by the word) plus its position's encoding, each row
    standardised to mean 0 and variance 1 (so projected queries and keys have components of variance ~1)."""
    embeddings = np.array([np.random.default_rng(zlib.crc32(word.encode())).standard_normal(width) for word in words])
    x = embeddings + sinusoidal_encoding(len(words), width + width % 2)[:, :width]
    x -= x.mean(axis=1, keepdims=True)
    spread = x.std(axis=1, keepdims=True)
    return x / np.where(spread > 0, spread, 1.0)


def _self_attention(words: list[str], d_k: int, heads: int, head: int, causal: bool, additive: bool) -> DemoResult:
    """Multi-head self-attention on the sentence; one head's weights, scaled beside unscaled (or beside additive)."""
    n, embed = len(words), heads * d_k
    x = _inputs(words, embed)
    in_w, out_w = _projections(embed)
    in_b, out_b = np.zeros(3 * embed), np.zeros(embed)
    shown = min(head, heads - 1)
    # multi_head_attention's own kernel, keeping each head's weights (the function returns their mean).
    per_head = _multi_head(x[None], x[None], x[None], in_w, in_b, out_w, out_b, heads, causal,
                           1.0 / math.sqrt(d_k))[1][0]
    scaled, averaged = per_head[shown], per_head.mean(axis=0)
    rows_q, rows_k = slice(shown * d_k, (shown + 1) * d_k), slice(embed + shown * d_k, embed + (shown + 1) * d_k)
    q, k = x @ in_w[rows_q].T, x @ in_w[rows_k].T  # head `shown`'s queries and keys
    raw = q @ k.T
    unscaled = scaled_dot_product_attention(q, k, np.eye(n), causal=causal, scale=1.0)[1]
    raw_std = float(raw.std())
    if additive:
        hidden = d_k
        rng = np.random.default_rng(WEIGHT_SEED + 1)
        bound_in, bound_v = 1.0 / math.sqrt(embed), 1.0 / math.sqrt(hidden)  # nn.Linear's default init, as d2l's
        W_q = rng.uniform(-bound_in, bound_in, (hidden, embed))
        W_k = rng.uniform(-bound_in, bound_in, (hidden, embed))
        w_v = rng.uniform(-bound_v, bound_v, hidden)
        left, right = additive_attention(x, x, x, W_q, W_k, w_v)[1], scaled
        titles = ("additive (Bahdanau)", f"scaled dot product, head {shown}")
    else:
        left, right = scaled, unscaled
        titles = (f"scaled: / sqrt({d_k})", "unscaled")
    summary, summary_zh = _attention_summary(words, d_k, heads, head, shown, causal, additive, left, right, scaled,
                                             unscaled, averaged, raw_std)
    keys = [f"{j} {word}" for j, word in enumerate(words)]
    if additive:
        extra, extra_zh = ("top key (additive)", "top key (dot product)"), ("最大权重的键(加性)", "最大权重的键(点积)")
        cells = [(words[int(np.argmax(left[i]))], words[int(np.argmax(right[i]))]) for i in range(n)]
    else:
        extra, extra_zh = ("top weight (scaled)", "top weight (unscaled)"), ("最大权重(缩放)", "最大权重(不缩放)")
        cells = [(f"{left[i].max():.2f}", f"{right[i].max():.2f}") for i in range(n)]
    rows = tuple((f"{i} {word}", *(_weight(left[i, j], causal and j > i) for j in range(n)), *cells[i])
                 for i, word in enumerate(words))
    table = Table(columns=("query", *keys, *extra), rows=rows, columns_zh=("查询", *keys, *extra_zh))
    figure = _pair_figure(words, left, right, titles, causal and not additive, causal,
                          f"Attention weights of head {shown} of {heads} (d_k = {d_k})" if not additive
                          else f"Additive beside dot-product attention (h = d_k = {d_k})")
    data = {"mode": "additive" if additive else "self_attention", "tokens": words, "d_k": d_k, "heads": heads,
            "head": shown, "causal": causal, "d_model": embed, "score_std": raw_std,
            "weights": scaled.tolist(), "weights_unscaled": unscaled.tolist(),
            "weights_averaged_over_heads": averaged.tolist()}
    if additive:
        data["weights_additive"] = left.tolist()
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=figure, data=data)


@functools.lru_cache(maxsize=8)
def _projections(embed: int) -> tuple[np.ndarray, np.ndarray]:
    """The demo's fixed random in_proj (3E, E) and out_proj (E, E) weights, std 1/sqrt(E) (kept per E)."""
    rng = np.random.default_rng(WEIGHT_SEED)
    in_w = rng.standard_normal((3 * embed, embed)) / math.sqrt(embed)
    out_w = rng.standard_normal((embed, embed)) / math.sqrt(embed)
    in_w.flags.writeable = out_w.flags.writeable = False
    return in_w, out_w


def _weight(value: float, masked: bool) -> str:
    """A weight to 2 decimals, or '-' where the causal mask removed the key."""
    return "-" if masked else f"{value:.2f}"


def _attention_summary(words, d_k, heads, head, shown, causal, additive, left, right, scaled, unscaled, averaged,
                       raw_std) -> tuple[str, str]:
    """What the heat maps say: saturation without the scaling, the causal triangle, the heads."""
    n = len(words)
    note = note_zh = ""
    if head != shown:
        note = f" (head {head} does not exist with {heads} heads: showing the last, head {shown})"
        note_zh = f"(共 {heads} 个头,没有第 {head} 个头:显示最后一个,第 {shown} 个)"
    top_scaled, top_unscaled = float(scaled.max(axis=1).mean()), float(unscaled.max(axis=1).mean())
    if additive:
        first = (f"Additive attention scores each pair with a small network, w_v . tanh(W_q q + W_k k), {d_k} hidden "
                 f"units, then a softmax over the keys: its top weight averages {left.max(axis=1).mean():.2f}; head "
                 f"{shown}'s scaled dot product{note} averages {top_scaled:.2f}.")
        first_zh = (f"加性注意力用一个小网络给每对打分:w_v . tanh(W_q q + W_k k),{d_k} 个隐藏单元,再对键做 softmax:"
                    f"每行最大权重平均为 {left.max(axis=1).mean():.2f};第 {shown} 个头的缩放点积{note_zh}平均为 "
                    f"{top_scaled:.2f}。")
    else:
        first = (f"Head {shown} of {heads}{note}, d_k = {d_k} (d_model = {heads * d_k}): the raw scores q.k have std "
                 f"{raw_std:.2f} (about sqrt(d_k) = {math.sqrt(d_k):.2f}). Scaled by 1/sqrt({d_k}) the softmax puts on "
                 f"average {top_scaled:.2f} on each query's top key; unscaled {top_unscaled:.2f}: "
                 + ("the bigger d_k, the closer to one-hot (saturated, tiny gradients)."
                    if top_unscaled > top_scaled + 0.1
                    else "at this small d_k the scaling changes little; raise d_k to see the unscaled softmax "
                         "saturate."))
        first_zh = (f"第 {shown} 个头(共 {heads} 个){note_zh},d_k = {d_k}(d_model = {heads * d_k}):原始分数 q.k 的标准差为 "
                    f"{raw_std:.2f}(约为 sqrt(d_k) = {math.sqrt(d_k):.2f})。除以 sqrt({d_k}) 后,softmax 平均把 "
                    f"{top_scaled:.2f} 的权重放在每个查询的最大键上;不缩放时为 {top_unscaled:.2f}:"
                    + ("d_k 越大越接近 one-hot(饱和,梯度很小)。" if top_unscaled > top_scaled + 0.1
                       else "d_k 这么小时缩放影响不大;调大 d_k 可看到不缩放的 softmax 饱和。"))
    if causal:
        second = (f"Causal mask: each query i sees only keys j <= i, so the upper triangle is 0 and '{words[0]}' "
                  f"attends only to itself (weight {scaled[0, 0]:.2f})"
                  + (" in the dot-product map; additive_attention takes no mask." if additive else "."))
        second_zh = (f"因果掩码:查询 i 只看 j <= i 的键,上三角全为 0,'{words[0]}' 只关注自己(权重 "
                     f"{scaled[0, 0]:.2f})" + (",见点积一侧;additive_attention 不接受掩码。" if additive else "。"))
    elif heads == 1:
        second = f"Every word attends to all {n} words in one step (rows sum to 1): {n} x {n} scores."
        second_zh = f"每个词一步就关注全部 {n} 个词(每行和为 1):共 {n} × {n} 个分数。"
    else:
        second = (f"Every word attends to all {n} words in one step (rows sum to 1). Each of the {heads} heads "
                  f"projects to its own d_k = d_model / {heads} = {d_k} and follows its own pattern (step through `head`); "
                  f"averaged over the heads (what nn.MultiheadAttention returns) the top weight is "
                  f"{averaged.max(axis=1).mean():.2f}.")
        second_zh = (f"每个词一步就关注全部 {n} 个词(每行和为 1)。{heads} 个头各自投影到 d_k = d_model / {heads} = {d_k},"
                     f"各有各的关注模式(切换 head 查看);对各头取平均(nn.MultiheadAttention 的返回值)时,最大权重平均为 "
                     f"{averaged.max(axis=1).mean():.2f}。")
    return f"{first}\n{second}", f"{first_zh}\n{second_zh}"


def _draw_grid(ax, values: np.ndarray, x0: float, row_labels, column_labels, title: str, blocked=None,
               vmin: float = 0.0, vmax: float = 1.25, cmap: str = HEAT, digits: int = 2) -> None:
    """A heat map of `values` with its left column centred on x0 and row i on y = i: each value written ('-' where
    `blocked`), a frame, column labels above and a title; row labels at the left of the first grid only when given."""
    from matplotlib.patches import Rectangle

    rows, columns = values.shape
    masked = np.zeros(values.shape, bool) if blocked is None else blocked
    labels = [["-" if masked[i, j] else f"{values[i, j]:.{digits}f}" for j in range(columns)] for i in range(rows)]
    colours = None if blocked is None else [[MUTED if cell else None for cell in row] for row in masked]
    heat_map(ax, values, x0 - 0.5, -0.5, labels=labels, cmap=cmap, vmin=vmin, vmax=vmax, text_colours=colours)
    ax.add_patch(Rectangle((x0 - 0.5, -0.5), columns, rows, fill=False, edgecolor=GRID_COLOUR, linewidth=1,
                           label="_frame"))
    clip = shared_clip(ax)
    for j, label in enumerate(column_labels):
        ax.text(x0 + j - 0.4, -0.75, label[:6], ha="left", va="bottom", fontsize=8, color=COLOURS[3], clip_path=clip)
    ax.text(x0 - 0.5, -1.45, title, ha="left", va="bottom", fontsize=9, color=COLOURS[2], clip_path=clip)
    for i, label in enumerate(row_labels):
        ax.text(x0 - 1.9, i, label[:7], ha="left", va="center", fontsize=8, color=COLOURS[3], clip_path=clip)


def _frame(ax, width: float, rows: int) -> None:
    """Limits for grids drawn from x = 0 to `width` with row labels on the left, row 0 at the top; no ticks."""
    ax.set_xlim(-2.0, width - 0.4)
    ax.set_ylim(rows - 0.45, -1.9)
    ax.set_xticks([])
    ax.set_yticks([])


def _pair_figure(words, left, right, titles, block_left, block_right, title):
    """Two weight maps side by side in one axes (queries down, keys across)."""
    n = len(words)
    fig, ax = new_axes(title, "key j (two maps side by side)", "query i")
    lower = np.triu(np.ones((n, n), dtype=bool), 1)
    _draw_grid(ax, left, 0.0, words, words, titles[0], lower if block_left else None)
    _draw_grid(ax, right, n + 1.0, (), words, titles[1], lower if block_right else None)
    _frame(ax, 2 * n + 1.0, n)
    return fig


def _worked_example() -> DemoResult:
    """The notes' example: q = (1, 1, 0, 0), k1 = (2, 0, 0, 0), k2 = (0, 0, 1, 1), v1 = (1, 0), v2 = (0, 1)."""
    q, k, v = np.array(EXAMPLE_Q), np.array(EXAMPLE_K), np.array(EXAMPLE_V)
    output, weights = scaled_dot_product_attention(q, k, v)
    plain_output, plain = scaled_dot_product_attention(q, k, v, scale=1.0)
    scores = (q @ k.T)[0]
    d_k = q.shape[1]
    w, u, o = weights[0], plain[0], output[0]
    summary = (f"Scores q.k = ({scores[0]:g}, {scores[1]:g}), divided by sqrt({d_k}) = {math.sqrt(d_k):g}: "
               f"({scores[0] / math.sqrt(d_k):g}, {scores[1] / math.sqrt(d_k):g}); weights softmax = ({w[0]:.3f}, {w[1]:.3f}); output "
               f"{w[0]:.3f} v1 + {w[1]:.3f} v2 = ({o[0]:.3f}, {o[1]:.3f}).\n"
               f"Without the scaling: softmax({scores[0]:g}, {scores[1]:g}) = ({u[0]:.3f}, {u[1]:.3f}), sharper, and "
               "the gap grows with d_k. (The sentence, d_k, heads, head and causal do not apply here.)")
    summary_zh = (f"分数 q.k = ({scores[0]:g}, {scores[1]:g}),除以 sqrt({d_k}) = {math.sqrt(d_k):g} 得 "
                  f"({scores[0] / math.sqrt(d_k):g}, {scores[1] / math.sqrt(d_k):g});softmax 权重 = ({w[0]:.3f}, {w[1]:.3f});输出 "
                  f"{w[0]:.3f} v1 + {w[1]:.3f} v2 = ({o[0]:.3f}, {o[1]:.3f})。\n"
                  f"不缩放时:softmax({scores[0]:g}, {scores[1]:g}) = ({u[0]:.3f}, {u[1]:.3f}),更尖锐,且 d_k 越大差距越大。"
                  "(句子、d_k、头数、头和因果掩码在此不起作用。)")
    names = ("k1 = (2, 0, 0, 0)", "k2 = (0, 0, 1, 1)")
    rows = tuple((names[j], f"{scores[j]:g}", f"{scores[j] / math.sqrt(d_k):g}", f"{w[j]:.3f}", f"{u[j]:.3f}",
                  f"v{j + 1} = ({v[j, 0]:g}, {v[j, 1]:g})") for j in range(2))
    table = Table(columns=("key", "q.k", "q.k / sqrt(d_k)", "weight (scaled)", "weight (unscaled)", "value"),
                  rows=rows, columns_zh=("键", "q.k", "q.k / sqrt(d_k)", "权重(缩放)", "权重(不缩放)", "值"))
    fig, ax = new_axes("Worked example: q = (1, 1, 0, 0), d_k = 4", "key (two maps side by side)", "query")
    _draw_grid(ax, weights, 0.0, ("q",), ("k1", "k2"), "scaled: / sqrt(4)", digits=3)
    _draw_grid(ax, plain, 3.0, (), ("k1", "k2"), "unscaled", digits=3)
    ax.text(0.0, 0.9, f"output = ({o[0]:.3f}, {o[1]:.3f})", fontsize=9, color=COLOURS[0], va="center")
    ax.text(3.0, 0.9, f"output = ({plain_output[0, 0]:.3f}, {plain_output[0, 1]:.3f})", fontsize=9,
            color=COLOURS[0], va="center")
    _frame(ax, 5.6, 1)
    ax.set_ylim(1.25, -1.9)
    data = {"mode": "worked_example", "q": q.tolist(), "k": k.tolist(), "v": v.tolist(), "scores": scores.tolist(),
            "weights": w.tolist(), "output": o.tolist(), "weights_unscaled": u.tolist(),
            "output_unscaled": plain_output[0].tolist()}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=fig, data=data)


def _positional(words: list[str], d_model: int) -> DemoResult:
    """The sinusoidal encoding of the sentence's positions: a heat map of the first (up to) 8 dimensions."""
    if d_model % 2:
        raise ValueError(f"d_model = heads x d_k = {d_model}: the sinusoidal encoding needs an even d_model")
    n = len(words)
    table_values = sinusoidal_encoding(n, d_model)
    shown = min(d_model, 8)
    first = table_values[min(1, n - 1), :shown]
    slowest = 2 * math.pi * 10000.0 ** ((d_model - 2) / d_model)
    listed = ", ".join(f"{value:.4f}" for value in first)
    more = ", ..." if d_model > shown else ""
    summary = (f"PE_1 = ({listed}{more}) for d_model = {d_model}: the pairs (sin, cos) turn ever more slowly, from "
               f"a wavelength of 2 pi = 6.28 positions (dims 0, 1) to {slowest:.4g} (the last pair); PE_0 = "
               "(0, 1, 0, 1, ...).\n"
               "No parameters, values in [-1, 1], any length; it is added to each word's embedding (the other modes "
               "do so), which is how self-attention, blind to order, tells the two positions of a repeated word apart.")
    summary_zh = (f"d_model = {d_model} 时 PE_1 = ({listed}{more}):各对 (sin, cos) 转得越来越慢,波长从 2 pi = 6.28 个位置"
                  f"(第 0、1 维)到 {slowest:.4g}(最后一对);PE_0 = (0, 1, 0, 1, ...)。\n"
                  "没有参数,取值在 [-1, 1],任意长度都可用;它加到每个词的嵌入上(其他模式就是这样做的),"
                  "对词序不敏感的自注意力由此区分重复词的不同位置。")
    dims = [f"dim {c}" for c in range(shown)]
    rows = tuple((str(pos), word, *(f"{table_values[pos, c]:.4f}" for c in range(shown)))
                 for pos, word in enumerate(words))
    table = Table(columns=("pos", "word", *dims), rows=rows,
                  columns_zh=("位置", "词", *[f"第 {c} 维" for c in range(shown)]))
    fig, ax = new_axes(f"Sinusoidal positional encoding, d_model = {d_model}"
                       + (" (first 8 dims)" if d_model > shown else ""), "dimension", "position")
    _draw_grid(ax, table_values[:, :shown], 0.0, [f"{pos} {word}" for pos, word in enumerate(words)],
               [str(c) for c in range(shown)], "sin (even dims), cos (odd dims)", vmin=-1.6, vmax=1.6, cmap="RdBu")
    _frame(ax, shown, n)
    data = {"mode": "positional_encoding", "tokens": words, "d_model": d_model, "encoding": table_values.tolist()}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=fig, data=data)


def _masked_lm(words: list[str]) -> DemoResult:
    """Eight seeded draws of BERT's masking of the sentence, and the shares over 10,000 tokens."""
    vocab = list(dict.fromkeys(words + list(FILLER_WORDS)))
    mask_id = len(vocab)  # [MASK] comes after the ordinary words
    names = vocab + ["[MASK]"]
    ids = np.array([vocab.index(word) for word in words], dtype=np.int64)
    n = len(words)
    count = max(1, round(0.15 * n))
    outcome = np.zeros((MLM_DRAWS, n))  # 0 not chosen, 1 masked, 2 random token, 3 kept
    grid_text, rows = [], []
    for draw in range(MLM_DRAWS):
        inputs, labels = mlm_mask(ids, len(vocab), mask_id, 0.15, draw)
        grid_text.append([names[t] for t in inputs])
        for position in np.flatnonzero(labels != IGNORE_INDEX):
            became = int(inputs[position])
            kind = 1 if became == mask_id else 3 if became == ids[position] else 2
            outcome[draw, position] = kind
            label = ("[MASK]", "random token", "kept")[kind - 1]
            rows.append((str(draw), f"{position} {words[position]}", names[became], label))
    long = np.resize(ids, MLM_TOKENS)
    inputs, labels = mlm_mask(long, len(vocab), mask_id, 0.15, 0)
    chosen = labels != IGNORE_INDEX
    masked = float(np.mean(inputs[chosen] == mask_id))
    kept = float(np.mean(inputs[chosen] == long[chosen]))
    replaced = 1.0 - masked - kept
    summary = (f"BERT chooses max(1, round(0.15 x {n})) = {count} of the {n} tokens per draw (the boxes) and predicts "
               f"only those; each becomes [MASK] (80%), a random token (10%) or stays (10%).\n"
               f"Over {MLM_TOKENS:,} tokens: {int(chosen.sum()):,} chosen ({chosen.mean():.0%}): {masked:.1%} [MASK], "
               f"{replaced:.1%} another token, {kept:.1%} unchanged (a random draw can hit the same word). Since "
               "[MASK] never appears when fine-tuning, the kept and random ones make the model represent every token.")
    summary_zh = (f"BERT 每次从 {n} 个词元中选 max(1, round(0.15 × {n})) = {count} 个(方框),只预测它们;每个选中的词元"
                  f"变成 [MASK](80%)、随机词元(10%)或保持不变(10%)。\n"
                  f"在 {MLM_TOKENS:,} 个词元上:选中 {int(chosen.sum()):,} 个({chosen.mean():.0%}):{masked:.1%} 为 [MASK],"
                  f"{replaced:.1%} 换成别的词元,{kept:.1%} 不变(随机抽到的可能正是原词)。微调时不会出现 [MASK],"
                  "被保留和被随机替换的词元迫使模型为每个词元学好表示。")
    table = Table(columns=("draw (seed)", "position", "input becomes", "outcome"), rows=tuple(rows),
                  columns_zh=("抽样(种子)", "位置", "输入变为", "结果"))
    fig, ax = new_axes(f"BERT masking of '{' '.join(words)}', {MLM_DRAWS} draws", "position", "draw (seed)")
    from matplotlib.patches import Rectangle

    colours = (GRID_COLOUR, COLOURS[3], COLOURS[1], COLOURS[2])
    kinds = outcome.astype(int)
    heat_map(ax, outcome, -0.5, -0.5, labels=[[word[:7] for word in row] for row in grid_text], cmap="Pastel1_r",
             vmin=0, vmax=8, text_colours=[[colours[kind] for kind in row] for row in kinds])
    for draw, position in zip(*np.nonzero(kinds)):
        ax.add_patch(Rectangle((position - 0.48, draw - 0.45), 0.96, 0.9, fill=False,
                               edgecolor=colours[kinds[draw, position]], linewidth=1.2, label="_chosen"))
    clip = shared_clip(ax)
    for position, word in enumerate(words):
        ax.text(position, -0.75, word[:7], ha="center", va="bottom", fontsize=8, color=COLOURS[0], clip_path=clip)
    for kind, label in ((1, "[MASK] 80%"), (2, "random 10%"), (3, "kept 10%")):
        ax.add_patch(Rectangle((0, 0), 0, 0, fill=False, edgecolor=colours[kind], label=label))
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(MLM_DRAWS - 0.45, -2.2)
    ax.set_xticks([])
    ax.set_yticks(range(MLM_DRAWS))
    ax.legend(loc="upper center", fontsize=8, ncols=3)
    data = {"mode": "masked_lm", "tokens": words, "chosen_per_draw": count,
            "draws": [[str(cell) for cell in row] for row in grid_text], "outcomes": outcome.astype(int).tolist(),
            "share_chosen": float(chosen.mean()), "share_mask": masked, "share_random": replaced, "share_kept": kept}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=fig, data=data)


def warm() -> None:
    """Compile every kernel on tiny inputs."""
    x = np.arange(8.0).reshape(1, 2, 4) / 8
    scaled_dot_product_attention(x, x, x, causal=True)
    additive_attention(x[0], x[0], x[0], np.ones((2, 4)), np.ones((2, 4)), np.ones(2))
    multi_head_attention(x, x, x, np.ones((12, 4)), np.zeros(12), np.ones((4, 4)), np.zeros(4), 2, True)
    sinusoidal_encoding(2, 4)
    mlm_mask([0, 1, 2], 3, 3)


DEMO = declare_demo(
    run, warm,
    title_en="Attention: scaled dot product, heads, masks, positions",
    title_zh="注意力:缩放点积、多头、掩码与位置编码",
    description_en="Attention weights of a short sentence as heat maps: scaled beside unscaled (the softmax saturates "
                   "as d_k grows), the causal mask, each head of a multi-head run, additive attention, the notes' "
                   "worked example, sinusoidal positional encoding and BERT's 80/10/10 masking.",
    description_zh="以热力图显示短句的注意力权重:缩放与不缩放并排(d_k 越大 softmax 越饱和)、因果掩码、多头注意力的"
                   "每个头、加性注意力、笔记中的手算例子、正弦位置编码以及 BERT 的 80/10/10 掩码。",
)


# ---- drills: attention weights and positional-encoding entries by hand ----

def _vector(values) -> str:
    """(1, 0, -2): a small integer vector as the questions write it."""
    return "(" + ", ".join(str(value) for value in values) + ")"


def _draw_attention_weights(rng) -> dict:
    """One query and 2 or 3 keys of small integers (-1 to 2), d_k 2 to 4: distinct scores (no key ties with
    another) and a weight on the named key that is neither near 0 nor near 1."""
    while True:
        d_k, count = int(rng.choice((2, 3, 4))), int(rng.integers(2, 4))
        q = [int(x) for x in rng.integers(-1, 3, d_k)]
        keys = [[int(x) for x in rng.integers(-1, 3, d_k)] for _ in range(count)]
        key = int(rng.integers(1, count + 1))
        scores = [sum(a * b for a, b in zip(q, k)) / math.sqrt(d_k) for k in keys]
        if len({sum(a * b for a, b in zip(q, k)) for k in keys}) < count:
            continue
        weight = math.exp(scores[key - 1]) / sum(math.exp(s) for s in scores)
        if 0.03 <= weight <= 0.97:
            return {"d_k": d_k, "q": q, "keys": keys, "key": key, "q_text": _vector(q),
                    "keys_text": ", ".join(f"k{j} = {_vector(k)}" for j, k in enumerate(keys, 1))}


def _product(q: list, k: list) -> str:
    """1·2 + 0·(-1) + ...: the terms of a dot product, negative factors in brackets."""
    return " + ".join(f"{a if a >= 0 else f'({a})'}·{b if b >= 0 else f'({b})'}" for a, b in zip(q, k))


def _solve_attention_weights(d_k: int, q: list, keys: list, key: int, **_texts) -> Worked:
    """The weights from scaled_dot_product_attention (one query, the keys, any values), worked through the scores."""
    _, weights = scaled_dot_product_attention(np.array([q], dtype=np.float64), np.array(keys, dtype=np.float64),
                                              np.eye(len(keys)))
    weight = float(weights[0, key - 1])
    root = math.sqrt(d_k)
    dots = [sum(a * b for a, b in zip(q, k)) for k in keys]
    scaled = [dot / root for dot in dots]
    exps = [math.exp(s) for s in scaled]
    lines = [f"q·k{j} = {_product(q, k)} = {dot}" for j, (k, dot) in enumerate(zip(keys, dots), 1)]
    divided = f"√{d_k} = {root:.4g}: s = ({', '.join(f'{s:.4g}' for s in scaled)})"
    exponentials = f"exp(s) = ({', '.join(f'{e:.4g}' for e in exps)}), sum = {sum(exps):.4g}"
    result = f"α_{key} = {exps[key - 1]:.4g} / {sum(exps):.4g} = {significant(weight)}"
    formula = "α_j = exp(s_j) / Σ_m exp(s_m),  s_j = q·k_j / √d_k"
    return Worked({"weight": weight},
                  (formula, *lines, f"divide by {divided}", exponentials, result),
                  (formula, *lines, f"除以 {divided}", exponentials.replace("sum", "总和"), result))


def _draw_positional(rng) -> dict:
    """A position 1 to 50, a d_model from 4 to 512 and one of the first (up to) 4 pairs of dimensions, sine or
    cosine, whose value is not near 0 or ±1 (so 3 significant figures mean something)."""
    while True:
        d_model = int(rng.choice((4, 6, 8, 16, 32, 64, 128, 512)))
        pos = int(rng.integers(1, 51))
        i = int(rng.integers(0, min(d_model // 2, 4)))
        odd = int(rng.integers(0, 2))
        angle = pos / 10000.0 ** (2 * i / d_model)
        value = math.cos(angle) if odd else math.sin(angle)
        if 0.05 <= abs(value) <= 0.99:
            return {"d_model": d_model, "pos": pos, "i": i, "j": 2 * i + odd, "form": "2i + 1" if odd else "2i"}


def _solve_positional(d_model: int, pos: int, i: int, j: int, form: str) -> Worked:
    """The entry P[pos, j] of sinusoidal_encoding, worked through its divisor and angle."""
    value = float(sinusoidal_encoding(pos + 1, d_model)[pos, j])
    odd = j % 2 == 1
    function = "cos" if odd else "sin"
    divisor = 10000.0 ** (2 * i / d_model)
    angle = pos / divisor
    formula = "PE(pos, 2i) = sin(pos / 10000^(2i/d_model)),  PE(pos, 2i + 1) = cos(pos / 10000^(2i/d_model))"
    power = f"10000^(2·{i}/{d_model}) = 10000^{2 * i / d_model:.4g} = {divisor:.6g}"
    angle_text = f"angle = {pos} / {divisor:.6g} = {angle:.6g} rad"
    result = f"PE({pos}, {j}) = {function}({angle:.6g}) = {significant(value)}"
    return Worked({"value": value},
                  (formula, f"j = {j} = {form} with i = {i}: {'odd' if odd else 'even'}, so {function}", power,
                   angle_text, result),
                  (formula, f"j = {j} = {form},i = {i}:{'奇数' if odd else '偶数'}维,所以用 {function}", power,
                   angle_text.replace("angle", "角度"), result))


DRILLS = declare_drills(
    __name__,
    Drill("attention_weights", "Scaled dot-product attention weight", "缩放点积注意力权重",
          "Scaled dot-product attention with d_k = {d_k}: one query q = {q_text} and the keys {keys_text}. What "
          "attention weight does q give to k{key}, i.e. the softmax over the keys of q·k_j / √d_k taken at k{key}? "
          "Give 3 significant figures.",
          "缩放点积注意力,d_k = {d_k}:一个查询 q = {q_text},键为 {keys_text}。q 分给 k{key} 的注意力权重是多少"
          "(即对各键的 q·k_j / √d_k 做 softmax 后 k{key} 的那一项)?保留 3 位有效数字。",
          (Field("weight", "weight on the key", "该键的权重", kind="number"),), _draw_attention_weights,
          _solve_attention_weights),
    Drill("positional_value", "Sinusoidal positional encoding entry", "正弦位置编码的一个分量",
          "The Transformer's sinusoidal positional encoding with d_model = {d_model}: what is PE(pos, j) at position "
          "pos = {pos}, dimension j = {j} (that is {form} with i = {i}; positions and dimensions count from 0, "
          "angles are in radians)? Give 3 significant figures.",
          "Transformer 的正弦位置编码,d_model = {d_model}:位置 pos = {pos}、维度 j = {j}(即 {form},i = {i};"
          "位置和维度都从 0 开始计数,角度用弧度)处的 PE(pos, j) 是多少?保留 3 位有效数字。",
          (Field("value", "PE(pos, j)", "PE(pos, j)", kind="number"),), _draw_positional, _solve_positional),
)
