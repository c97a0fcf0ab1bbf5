"""Word embeddings: cosine similarity, analogies, word2vec's skip-gram with negative sampling, and GloVe's weighting.

cosine_similarity is torch 2.13's `F.cosine_similarity` (over the last axis, each norm clamped at 1e-8:
a / max(|a|, eps) . b / max(|b|, eps)); analogy answers "a is to b as c is to ?" with the words closest by
cosine to b - a + c, leaving out a, b and c (ties: the earlier word). noise_distribution is word2vec's
negative-sampling distribution, counts^0.75 normalised. sgns_loss is the skip-gram negative-sampling loss
-log sigmoid(u_o . v_c) - sum_k log sigmoid(-u_k . v_c) with the gradients torch autograd gives.
glove_weight is GloVe's f(x) = (x / x_max)^alpha below x_max, else 1. train_skipgram trains skip-gram with
negative sampling in a Numba kernel, word2vec's recipe: every (centre, context) pair within `window` words
of the same sentence, negatives drawn from counts^0.75, plain SGD with the learning rate falling linearly
from lr to lr * 1e-4, centre vectors started uniform in +-0.5/dim and context vectors at 0; the vocabulary is
every word, sorted by descending count (ties: first seen first, as d2l's Vocab). The random numbers are Numba's
Mersenne Twister seeded with `seed`, the same stream as NumPy's `np.random.RandomState(seed)` (the test
replays the training in plain Python with it); the window is fixed (word2vec shrinks it at random) and there
is no subsampling of frequent words, so that a small corpus trains the same way every time.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.checks import (check_array, check_choice, check_int, check_number, check_shape,
                                       parse_numbers)
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, GRID_COLOUR, MARKERS, new_axes

NORM_EPS = 1e-8  # torch's cosine_similarity clamps each norm at this
LR_FLOOR = 1e-4  # word2vec never lets the learning rate fall below lr * 1e-4


def cosine_similarity(a, b):
    """Cosine of the angle between a and b over their last axis (shapes broadcast); a float for two vectors."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError(f"a has shape {np.shape(a)} and b has shape {np.shape(b)}: must be vectors (the last axis is "
                         "compared)")
    a = check_array("a", a, min_size=1)
    b = check_array("b", b, min_size=1)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"a has shape {a.shape} and b has shape {b.shape}: must broadcast to one shape") from None
    width = shape[-1]
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    first = np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(rows, width)
    second = np.ascontiguousarray(np.broadcast_to(b, shape)).reshape(rows, width)
    result = _cosine_rows(first, second).reshape(shape[:-1])
    return float(result[()]) if result.ndim == 0 else result


def analogy(vectors, words, a: str, b: str, c: str, k: int = 1) -> list[str]:
    """The k words whose vectors are closest by cosine to v_b - v_a + v_c, best first, leaving out a, b and c.

    vectors (V, D), one row per word of `words`: "a is to b as c is to ?" (man : woman :: king : queen).
    """
    vectors = check_array("vectors", vectors, ndim=2, min_size=1)
    words = _word_list(words, vectors.shape[0])
    index = {word: i for i, word in enumerate(words)}
    for name, word in (("a", a), ("b", b), ("c", c)):
        if word not in index:
            raise ValueError(f"{name}={word!r}: must be one of the {len(words)} words")
    excluded = {index[a], index[b], index[c]}
    k = check_int("k", k, 1, len(words) - len(excluded))
    target = vectors[index[b]] - vectors[index[a]] + vectors[index[c]]
    scores = _cosine_rows(vectors, np.ascontiguousarray(np.broadcast_to(target, vectors.shape)))
    scores[list(excluded)] = -np.inf
    order = np.argsort(-scores, kind="stable")
    return [words[i] for i in order[:k]]


def noise_distribution(counts, power: float = 0.75) -> np.ndarray:
    """counts^power / sum(counts^power): word2vec's distribution of negative samples (power 0.75)."""
    counts = check_array("counts", counts, ndim=1, min_size=1)
    if (counts < 0).any():
        i = int(np.argmax(counts < 0))
        raise ValueError(f"counts[{i}]={float(counts[i])!r}: must be >= 0")
    if not (counts > 0).any():
        raise ValueError("counts: must hold at least one count > 0")
    power = check_number("power", power, 0.0)
    return _noise(counts, power)


def sgns_loss(center, context, negatives):
    """Skip-gram negative-sampling loss of one pair; returns (loss, d_center, d_context, d_negatives).

    center v_c (D,), context u_o (D,), negatives u_1..u_K (K, D):
    loss = -log sigmoid(u_o . v_c) - sum_k log sigmoid(-u_k . v_c), gradients as torch autograd gives them.
    """
    center = check_array("center", center, ndim=1, min_size=1)
    width = center.shape[0]
    context = check_shape("context", check_array("context", context, ndim=1), (width,), "the shape of center")
    negatives = check_shape("negatives", check_array("negatives", negatives, ndim=2), (None, width),
                            "(K, D): one row per negative sample")
    rows = np.ascontiguousarray(np.vstack([context[None], negatives]))
    d_center, d_rows = np.empty(width), np.empty_like(rows)
    loss = _sgns(center, rows, d_center, d_rows)
    return float(loss), d_center, d_rows[0].copy(), d_rows[1:].copy()


def glove_weight(x, x_max: float = 100.0, alpha: float = 0.75):
    """GloVe's weighting f(x) = (x / x_max)^alpha for x < x_max, else 1 (f(0) = 0); a float for a number."""
    scalar = np.ndim(x) == 0
    values = check_array("x", x)
    if (values < 0).any():
        raise ValueError(f"x={x!r}: co-occurrence counts must be >= 0")
    x_max = check_number("x_max", x_max, 0.0, low_open=True)
    alpha = check_number("alpha", alpha, 0.0, low_open=True)
    result = _glove(values.ravel(), x_max, alpha).reshape(values.shape)
    return float(result[0]) if scalar else result


def train_skipgram(corpus, dim: int, window: int, negatives: int, epochs: int, lr: float, seed: int = 0):
    """Skip-gram with negative sampling on a list of sentences (each a list of words).

    Returns (words sorted by descending count, ties first seen first; centre vectors (V, dim), row i for word i).
    """
    words, ids, starts, counts = _vocabulary(corpus)
    dim = check_int("dim", dim, 1)
    window = check_int("window", window, 1)
    negatives = check_int("negatives", negatives, 0)
    epochs = check_int("epochs", epochs, 1)
    lr = check_number("lr", lr, 0.0, low_open=True)
    seed = check_int("seed", seed, 0)
    cdf = np.cumsum(_noise(counts, 0.75))
    vectors, _ = _skipgram(ids, starts, cdf, dim, window, negatives, epochs, lr, seed)
    return words, vectors


def _word_list(words, count: int) -> list[str]:
    """The words as a list of str, one per vector."""
    if isinstance(words, str) or not all(isinstance(word, str) for word in words):
        raise ValueError(f"words={words!r}: must be a list of strings, one per row of vectors")
    words = list(words)
    if len(words) != count:
        raise ValueError(f"words has {len(words)} entries: must be {count}, one per row of vectors")
    return words


def _vocabulary(corpus) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Words by descending count (ties in order of first appearance), the corpus as ids, sentence starts
    (with the end as last entry) and the counts."""
    bad = isinstance(corpus, str) or not hasattr(corpus, "__iter__")
    sentences = [] if bad else list(corpus)
    if bad or any(isinstance(s, str) or not hasattr(s, "__iter__") for s in sentences):
        raise ValueError(f"corpus={str(corpus)[:60]!r}: must be a list of sentences, each a list of words")
    sentences = [list(s) for s in sentences]
    if not all(isinstance(word, str) and word for s in sentences for word in s):
        raise ValueError("corpus: every word must be a non-empty string")
    counts: dict[str, int] = {}
    for sentence in sentences:
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    if len(counts) < 2:
        raise ValueError(f"corpus: must hold at least 2 different words (it has {len(counts)})")
    words = sorted(counts, key=lambda word: -counts[word])  # stable: ties keep their first appearance
    index = {word: i for i, word in enumerate(words)}
    ids = np.array([index[word] for sentence in sentences for word in sentence], dtype=np.int64)
    starts = np.cumsum([0] + [len(s) for s in sentences]).astype(np.int64)
    return words, ids, starts, np.array([counts[word] for word in words], dtype=np.float64)


@njit(cache=True)
def _cosine_rows(a, b):
    """Row-wise a[i] / max(|a[i]|, eps) . b[i] / max(|b[i]|, eps) of two (N, D) arrays."""
    out = np.empty(a.shape[0])
    for i in range(a.shape[0]):
        norm_a = norm_b = 0.0
        for c in range(a.shape[1]):
            norm_a += a[i, c] * a[i, c]
            norm_b += b[i, c] * b[i, c]
        norm_a = max(math.sqrt(norm_a), NORM_EPS)
        norm_b = max(math.sqrt(norm_b), NORM_EPS)
        total = 0.0
        for c in range(a.shape[1]):
            total += (a[i, c] / norm_a) * (b[i, c] / norm_b)
        out[i] = total
    return out


@njit(cache=True)
def _noise(counts, power):
    """counts^power, normalised to sum 1."""
    weights = np.empty(counts.size)
    total = 0.0
    for i in range(counts.size):
        weights[i] = counts[i] ** power
        total += weights[i]
    return weights / total


@njit(cache=True)
def _sigmoid(x):
    """1 / (1 + e^-x) without overflow; each demo keeps its own (see demos/__init__.py)."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(cache=True)
def _log_sigmoid(x):
    """log sigmoid(x) = min(x, 0) - log1p(e^-|x|)."""
    return min(x, 0.0) - math.log1p(math.exp(-abs(x)))


@njit(cache=True)
def _sgns(center, rows, d_center, d_rows):
    """Loss of one skip-gram pair, its gradients written into d_center (D,) and d_rows (K + 1, D): rows[0] is the
    true context u_o, rows[1:] the negatives. d loss / d (u . v_c) is -sigmoid(-s_o) for the context and
    sigmoid(s_k) for each negative."""
    width = center.size
    loss = 0.0
    d_center[:] = 0.0
    for r in range(rows.shape[0]):
        score = 0.0
        for c in range(width):
            score += center[c] * rows[r, c]
        if r == 0:
            loss -= _log_sigmoid(score)
            slope = -_sigmoid(-score)
        else:
            loss -= _log_sigmoid(-score)
            slope = _sigmoid(score)
        for c in range(width):
            d_center[c] += slope * rows[r, c]
            d_rows[r, c] = slope * center[c]
    return loss


@njit(cache=True)
def _glove(x, x_max, alpha):
    """(x / x_max)^alpha below x_max, 1 at and above it."""
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = (x[i] / x_max) ** alpha if x[i] < x_max else 1.0
    return out


@njit(cache=True)
def _skipgram(ids, starts, cdf, dim, window, negatives, epochs, lr, seed):
    """SGD on the negative-sampling loss over every (centre, context) pair within `window` words in a sentence.

    Returns (centre vectors (V, dim), mean loss per pair in each epoch)."""
    np.random.seed(seed)
    vocab = cdf.size
    center = (np.random.random((vocab, dim)) - 0.5) / dim
    context = np.zeros((vocab, dim))
    pairs = 0
    for s in range(starts.size - 1):
        for i in range(starts[s], starts[s + 1]):
            pairs += min(starts[s + 1] - 1, i + window) - max(starts[s], i - window)
    total = max(pairs * epochs, 1)
    rows = np.empty((negatives + 1, dim))
    d_rows, d_center = np.empty((negatives + 1, dim)), np.empty(dim)
    targets = np.empty(negatives + 1, dtype=np.int64)
    losses = np.zeros(epochs)
    step = 0
    for epoch in range(epochs):
        for s in range(starts.size - 1):
            first, end = starts[s], starts[s + 1]
            for i in range(first, end):
                for j in range(max(first, i - window), min(end, i + window + 1)):
                    if j == i:
                        continue
                    rate = lr * max(1.0 - step / total, LR_FLOOR)
                    step += 1
                    targets[0] = ids[j]
                    for n in range(1, negatives + 1):
                        targets[n] = min(np.searchsorted(cdf, np.random.random(), side="right"), vocab - 1)
                    for n in range(negatives + 1):
                        rows[n] = context[targets[n]]
                    word = ids[i]
                    losses[epoch] += _sgns(center[word], rows, d_center, d_rows)
                    for n in range(negatives + 1):
                        for c in range(dim):
                            context[targets[n], c] -= rate * d_rows[n, c]
                    for c in range(dim):
                        center[word, c] -= rate * d_center[c]
        losses[epoch] /= max(pairs, 1)
    return center, losses


@njit(cache=True)
def _cooccurrence(ids, starts, vocab, window):
    """X[i, j]: how often word j appears within `window` words of word i in a sentence (symmetric)."""
    counts = np.zeros((vocab, vocab))
    for s in range(starts.size - 1):
        first, end = starts[s], starts[s + 1]
        for i in range(first, end):
            for j in range(max(first, i - window), min(end, i + window + 1)):
                if j != i:
                    counts[ids[i], ids[j]] += 1.0
    return counts


# The demo: a toy corpus built so that its analogies hold, trained in a few milliseconds.

# Each person is royal or common and male or female; each place a country or a city with its language. The
# templates put those attributes within two words of the entity, so its vector learns them.
PEOPLE = (("king", "royal", "male"), ("queen", "royal", "female"), ("man", "common", "male"),
          ("woman", "common", "female"))
PLACES = (("france", "paris", "french"), ("italy", "rome", "italian"), ("japan", "tokyo", "japanese"),
          ("spain", "madrid", "spanish"), ("germany", "berlin", "german"))
TEMPLATES = {"male": ("{w} said he slept", "{w} rode his horse"),
             "female": ("{w} said she slept", "{w} rode her horse"),
             "royal": ("the royal {w} ruled", "{w} wore a crown"),
             "common": ("the humble {w} worked", "{w} wore a hat"),
             "country": ("the country of {w}", "{w} is a country", "they speak {l} in {w}"),
             "city": ("the city of {w}", "{w} is a city", "they speak {l} in {w}")}


def _build_corpus() -> tuple[list[list[str]], dict[str, tuple[str, ...]]]:
    """The sentences, and each entity word's attributes (what its analogies should recover)."""
    sentences, attributes = [], {}
    for word, status, gender in PEOPLE:
        attributes[word] = (status, gender)
        for template in TEMPLATES[gender] + TEMPLATES[status]:
            sentences.append(template.format(w=word).split())
    for country, city, language in PLACES:
        for word, kind in ((country, "country"), (city, "city")):
            attributes[word] = (kind, language)
            for template in TEMPLATES[kind]:
                sentences.append(template.format(w=word, l=language).split())
    return sentences, attributes


CORPUS, ATTRIBUTES = _build_corpus()
VOCABULARY = tuple(sorted({word for sentence in CORPUS for word in sentence}))
ANALOGIES = (("man", "woman", "king"), ("woman", "man", "queen"), ("king", "queen", "man"),
             ("france", "paris", "italy"), ("italy", "rome", "japan"), ("paris", "france", "tokyo"),
             ("spain", "madrid", "germany"))
MODES = ("vectors", "noise", "glove", "cosine")
MAX_COMPONENTS = 8  # of the cosine view's vectors u and v
SEED, LEARNING_RATE = 0, 0.1
X_MAX, ALPHA = 100.0, 0.75  # GloVe's weighting (Pennington et al.)


def run(
    mode: Annotated[str, Arg("what to show: vectors (the trained vectors in 2-D and analogies), noise (the "
                             "negative-sampling distribution), glove (GloVe's weighting of co-occurrence counts) or "
                             "cosine (the cosine similarity of u and v, worked out)",
                             "显示内容:vectors(训练出的词向量的二维投影与类比)、noise(负采样分布)、glove"
                             "(GloVe 对共现次数的加权)或 cosine(逐步算出 u 与 v 的余弦相似度)", choices=MODES)] = "vectors",
    a: Annotated[str, Arg("analogy: a is to b ...", "类比:a 之于 b……", choices=VOCABULARY)] = "man",
    b: Annotated[str, Arg("... as c is to ? (the answer is the word closest to b - a + c)",
                          "……相当于 c 之于 ?(答案是与 b - a + c 最接近的词)", choices=VOCABULARY)] = "woman",
    c: Annotated[str, Arg("the third word of the analogy", "类比中的第三个词", choices=VOCABULARY)] = "king",
    dim: Annotated[int, Arg("embedding dimension", "词向量维度", low=2, high=64)] = 16,
    window: Annotated[int, Arg("context window: words on each side paired with the centre word",
                               "上下文窗口:中心词两侧各取几个词配对", low=1, high=5)] = 2,
    negatives: Annotated[int, Arg("negative samples per (centre, context) pair", "每个(中心词,上下文词)对的负样本数",
                                  low=0, high=20)] = 5,
    epochs: Annotated[int, Arg("passes over the corpus", "遍历语料的轮数", low=1, high=200)] = 100,
    u: Annotated[str, Arg(f"cosine mode: the vector u, 1 to {MAX_COMPONENTS} numbers separated by commas",
                          f"cosine 模式:向量 u,1 到 {MAX_COMPONENTS} 个以逗号分隔的数", high=80)] = "1,2,2",
    v: Annotated[str, Arg("cosine mode: the vector v, as many numbers as u", "cosine 模式:向量 v,与 u 的分量个数相同",
                          high=80)] = "2,1,2",
) -> DemoResult:
    """Skip-gram on a toy corpus: the vectors and analogies, the noise distribution, GloVe's weights, or the cosine
    similarity of two vectors given as text."""
    check_choice("mode", mode, MODES)
    if mode == "cosine":
        return _cosine_view(u, v)
    if mode == "noise":
        return _noise_view()
    if mode == "glove":
        return _glove_view(window)
    return _vectors_view(a, b, c, dim, window, negatives, epochs)


@functools.lru_cache(maxsize=32)
def _trained(dim: int, window: int, negatives: int, epochs: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Words, centre vectors and the mean loss per epoch, trained once per parameter set in this process."""
    words, ids, starts, counts = _vocabulary(CORPUS)
    cdf = np.cumsum(_noise(counts, 0.75))
    vectors, losses = _skipgram(ids, starts, cdf, dim, window, negatives, epochs, LEARNING_RATE, SEED)
    vectors.flags.writeable = losses.flags.writeable = False
    return words, vectors, losses


def _designed(a: str, b: str, c: str) -> str:
    """The word the corpus was built to give for b - a + c (attributes of c, minus a's, plus b's), or ''."""
    if not all(word in ATTRIBUTES for word in (a, b, c)):
        return ""
    wanted = sorted([*ATTRIBUTES[c], *ATTRIBUTES[b]])
    for attribute in ATTRIBUTES[a]:
        if attribute not in wanted:
            return ""
        wanted.remove(attribute)
    return next((word for word, has in ATTRIBUTES.items() if sorted(has) == wanted and word not in (a, b, c)), "")


def _vectors_view(a, b, c, dim, window, negatives, epochs) -> DemoResult:
    """PCA of the trained vectors with the analogy drawn as two arrows, and the analogies in the table."""
    words, vectors, losses = _trained(dim, window, negatives, epochs)
    index = {word: i for i, word in enumerate(words)}
    excluded = len({a, b, c})
    answers = analogy(vectors, words, a, b, c, k=min(3, len(words) - excluded))
    target = vectors[index[b]] - vectors[index[a]] + vectors[index[c]]
    cosines = cosine_similarity(vectors[[index[word] for word in answers]], target)
    rows, right = [], 0
    for query in ((a, b, c), *[q for q in ANALOGIES if q != (a, b, c)]):
        found = analogy(vectors, words, *query, k=2)
        scores = cosine_similarity(vectors[[index[word] for word in found]],
                                   vectors[index[query[1]]] - vectors[index[query[0]]] + vectors[index[query[2]]])
        expected = _designed(*query)
        ok = found[0] == expected
        right += ok and query in ANALOGIES
        rows.append((f"{query[0]} : {query[1]} :: {query[2]} : ?", expected or "-", f"{found[0]} ({scores[0]:.2f})",
                     f"{found[1]} ({scores[1]:.2f})", "yes" if ok else "no" if expected else "-"))
    expected = _designed(a, b, c)
    verdict = (", as the corpus was built to give" if answers[0] == expected
               else f", not {expected!r}, which the corpus was built to give" if expected else "")
    verdict_zh = (",正是语料设计的答案" if answers[0] == expected
                  else f",而不是语料设计的答案 {expected!r}" if expected else "")
    collapse = collapse_zh = ""
    if negatives == 0:
        collapse = (" Without negatives the loss is minimised by making every score large: all the vectors drift "
                    "towards one direction, so every cosine is near 1 and the vectors tell little apart.")
        collapse_zh = "没有负样本时,把所有分数都变大就能让损失变小:所有向量都朝同一方向漂移,余弦都接近 1,几乎区分不了词。"
    pairs = int(sum(min(len(s) - 1, i + window) - max(0, i - window) for s in CORPUS for i in range(len(s))))
    summary = (f"Skip-gram with {negatives} negatives, window {window}, dim {dim}, {epochs} epochs of {pairs} pairs: "
               f"mean loss per pair {losses[0]:.2f} -> {losses[-1]:.2f}. {b} - {a} + {c} is closest to "
               f"{answers[0]!r} (cosine {cosines[0]:.2f}){verdict}; {right} of {len(ANALOGIES)} built-in analogies "
               f"come out right.{collapse}\n"
               f"The embedding matrix is V x dim = {len(words)} x {dim} ({len(words) * dim} numbers); a word's "
               "embedding is its row (a lookup). Words sharing contexts end up pointing the same way, and cosine "
               "compares only directions.")
    summary_zh = (f"Skip-gram:{negatives} 个负样本,窗口 {window},维度 {dim},{epochs} 轮,每轮 {pairs} 个词对:"
                  f"每对平均损失 {losses[0]:.2f} -> {losses[-1]:.2f}。与 {b} - {a} + {c} 最接近的是 {answers[0]!r}"
                  f"(余弦 {cosines[0]:.2f}){verdict_zh};内置的 {len(ANALOGIES)} 个类比答对 {right} 个。{collapse_zh}\n"
                  f"嵌入矩阵为 V × dim = {len(words)} × {dim}({len(words) * dim} 个数);一个词的嵌入就是它那一行(查表)。"
                  "上下文相同的词,向量指向相近的方向;余弦相似度只比较方向。")
    table = Table(columns=("a : b :: c : ?", "built to give", "closest (cosine)", "runner-up (cosine)", "right?"),
                  rows=tuple(rows), columns_zh=("a : b :: c : ?", "设计的答案", "最接近(余弦)", "第二(余弦)", "正确?"))
    figure = _pca_figure(words, vectors, a, b, c, answers[0])
    data = {"mode": "vectors", "words": words, "vectors": vectors.tolist(), "losses": losses.tolist(),
            "analogy": [a, b, c], "answers": answers, "cosines": cosines.tolist(), "right": right,
            "analogies": len(ANALOGIES), "pairs_per_epoch": pairs}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=figure, data=data)


def _pca_figure(words, vectors, a, b, c, answer):
    """The analogy's words and their groups (people, places) projected on the first two principal components of
    their unit vectors, with the arrows a -> b and c -> answer (parallel when the analogy holds)."""
    index = {word: i for i, word in enumerate(words)}
    query = (a, b, c, answer)
    groups = [("people", [p[0] for p in PEOPLE]), ("countries", [p[0] for p in PLACES]),
              ("cities", [p[1] for p in PLACES])]
    if not any(word in members for word in query for _, members in groups):
        groups = [(label, members) for label, members in groups if label == "people"]
    elif not any(word in groups[0][1] for word in query):
        groups = groups[1:]
    elif not any(word in groups[1][1] + groups[2][1] for word in query):
        groups = groups[:1]
    listed = {word for _, members in groups for word in members}
    groups.append(("other words", [word for word in dict.fromkeys(query) if word not in listed]))
    shown = [word for _, members in groups for word in members]
    unit = vectors[[index[word] for word in shown]]
    unit = unit / np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), NORM_EPS)
    centred = unit - unit.mean(axis=0)
    basis = np.linalg.svd(centred, full_matrices=False)[2]
    points = np.zeros((len(shown), 2))
    points[:, :min(2, basis.shape[0])] = centred @ basis[:2].T
    at = dict(zip(shown, points))
    fig, ax = new_axes(f"Skip-gram vectors in 2-D (PCA): {a} -> {b} and {c} -> {answer}", "principal component 1",
                       "principal component 2")
    for number, (label, members) in enumerate(groups):
        if members:
            xy = np.array([at[word] for word in members])
            ax.scatter(xy[:, 0], xy[:, 1], color=COLOURS[number], marker=MARKERS[number], s=30, label=label)
            for word, (x, y) in zip(members, xy):
                ax.text(x, y, f" {word}", fontsize=8, color=COLOURS[number], va="center")
    for number, (start, end) in enumerate(((a, b), (c, answer))):
        (x0, y0), (x1, y1) = at[start], at[end]
        ax.plot([x0, x1], [y0, y1], color=COLOURS[5 + number], linewidth=1.5, label=f"{start} -> {end}",
                linestyle="-" if number == 0 else "--")
    ax.margins(0.15)
    ax.legend(loc="best", fontsize=8)
    return fig


def _noise_view() -> DemoResult:
    """The unigram distribution of the corpus against word2vec's counts^0.75 noise distribution."""
    words, _, _, counts = _vocabulary(CORPUS)
    raw = counts / counts.sum()
    noise = noise_distribution(counts, 0.75)
    top, rare = 0, len(words) - 1
    ratio = counts[top] / counts[rare]
    summary = (f"'{words[top]}' is {ratio:g} times as frequent as '{words[rare]}' (counts {counts[top]:g} and "
               f"{counts[rare]:g}) but drawn as a negative only {ratio:g}^0.75 = {ratio ** 0.75:.2f} times as often: "
               f"its share falls from {raw[top]:.1%} to {noise[top]:.1%} while the rarest words rise from "
               f"{raw[rare]:.1%} to {noise[rare]:.1%}.\n"
               "The power 3/4 sits between sampling by frequency (mostly 'the', 'a') and uniformly (unrepresentative "
               "rare words); 81 times as frequent becomes 81^0.75 = 27 times as often.")
    summary_zh = (f"'{words[top]}' 的词频是 '{words[rare]}' 的 {ratio:g} 倍(次数 {counts[top]:g} 与 {counts[rare]:g}),"
                  f"但被抽为负样本的次数只是后者的 {ratio:g}^0.75 = {ratio ** 0.75:.2f} 倍:它的份额从 {raw[top]:.1%} "
                  f"降到 {noise[top]:.1%},最罕见的词则从 {raw[rare]:.1%} 升到 {noise[rare]:.1%}。\n"
                  "3/4 次方介于按词频采样(大多是 'the'、'a')和均匀采样(不具代表性的罕见词)之间;"
                  "词频 81 倍变成被抽中 81^0.75 = 27 倍。")
    picked = list(range(6)) + list(range(len(words) - 4, len(words)))
    rows = tuple((words[i], f"{counts[i]:g}", f"{raw[i]:.4f}", f"{noise[i]:.4f}", f"{noise[i] / raw[i]:.2f}")
                 for i in picked)
    table = Table(columns=("word", "count", "P ∝ count", "P ∝ count^0.75", "ratio"), rows=rows,
                  columns_zh=("词", "次数", "P ∝ 次数", "P ∝ 次数^0.75", "比值"))
    fig, ax = new_axes("Negative-sampling distribution: counts^0.75 against counts", "word rank (by count)",
                       "probability of being drawn")
    rank = np.arange(len(words))
    ax.plot(rank, raw, color=COLOURS[0], marker=MARKERS[0], markersize=4, label="P ∝ count (unigram)")
    ax.plot(rank, noise, color=COLOURS[1], marker=MARKERS[1], markersize=4, label="P ∝ count^0.75 (word2vec)")
    ax.axhline(1 / len(words), color=GRID_COLOUR, linestyle="--", linewidth=1, label=f"uniform 1/{len(words)}")
    for i in (0, 2, 9, 18, rare):
        ax.text(rank[i], max(raw[i], noise[i]), f" {words[i]}", fontsize=8, color=COLOURS[2], va="bottom")
    ax.legend(loc="upper right", fontsize=8)
    data = {"mode": "noise", "words": words, "counts": counts.tolist(), "unigram": raw.tolist(),
            "noise": noise.tolist()}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=fig, data=data)


def _glove_view(window: int) -> DemoResult:
    """GloVe's f(x) over the corpus's co-occurrence counts within `window` words."""
    words, ids, starts, _ = _vocabulary(CORPUS)
    counts = _cooccurrence(ids, starts, len(words), window)
    vocab = len(words)
    nonzero = int((counts > 0).sum())
    order = np.argsort(-np.triu(counts), axis=None, kind="stable")  # each unordered pair once (X is symmetric)
    top = [divmod(int(k), vocab) for k in order[:6]]
    ones = [divmod(int(k), vocab) for k in np.flatnonzero(np.triu(counts).ravel() == 1)[:2]]
    points = (0.0, 1.0, 10.0, 50.0, X_MAX, 2 * X_MAX)
    rows = [(f"{words[i]} / {words[j]}", f"{counts[i, j]:g}", f"{math.log(counts[i, j]):.3f}",
             f"{glove_weight(counts[i, j], X_MAX, ALPHA):.3f}") for i, j in top + ones]
    rows += [(f"x = {x:g}", f"{x:g}", f"{math.log(x):.3f}" if x > 0 else "-inf (skipped)",
              f"{glove_weight(x, X_MAX, ALPHA):.3f}") for x in points]
    (i, j), largest = top[0], counts[top[0]]
    summary = (f"Of the V^2 = {vocab * vocab} word pairs, {nonzero} co-occur within {window} words; f(0) = 0 drops "
               f"the other {vocab * vocab - nonzero} (no log 0). The most frequent pair, '{words[i]} {words[j]}' "
               f"(X = {largest:g}), weighs ({largest:g}/100)^0.75 = {glove_weight(largest, X_MAX, ALPHA):.3f}; a "
               f"pair seen once {glove_weight(1.0, X_MAX, ALPHA):.3f}.\n"
               "From x_max = 100 on, f stays 1, so very frequent pairs ('of the') cannot dominate the loss "
               "sum f(X_ij) (theta_i . e_j + b_i + b'_j - log X_ij)^2, while rare pairs still count.")
    summary_zh = (f"V^2 = {vocab * vocab} 个词对中,有 {nonzero} 个在 {window} 个词的窗口内共现;f(0) = 0 去掉其余 "
                  f"{vocab * vocab - nonzero} 个(避免 log 0)。最常见的词对 '{words[i]} {words[j]}'(X = {largest:g})"
                  f"权重为 ({largest:g}/100)^0.75 = {glove_weight(largest, X_MAX, ALPHA):.3f};只出现一次的词对为 "
                  f"{glove_weight(1.0, X_MAX, ALPHA):.3f}。\n"
                  "x 达到 x_max = 100 后 f 恒为 1,所以 'of the' 这样极常见的词对不会主导损失 "
                  "sum f(X_ij) (theta_i . e_j + b_i + b'_j - log X_ij)^2,而罕见词对仍有权重。")
    table = Table(columns=("pair or x", "X_ij", "log X_ij", "f(X_ij)"), rows=tuple(rows),
                  columns_zh=("词对或 x", "X_ij", "log X_ij", "f(X_ij)"))
    fig, ax = new_axes("GloVe's weighting f(x) = min(1, (x / 100)^0.75)", "co-occurrence count x", "weight f(x)")
    x = np.linspace(0.0, 2 * X_MAX, 201)
    ax.plot(x, glove_weight(x, X_MAX, ALPHA), color=COLOURS[0], label="f(x), alpha = 0.75")
    ax.plot(x, glove_weight(x, X_MAX, 1.0), color=GRID_COLOUR, linestyle="--", label="alpha = 1 (linear)")
    seen = np.unique(counts[counts > 0])
    ax.plot(seen, glove_weight(seen, X_MAX, ALPHA), linestyle="none", marker=MARKERS[1], color=COLOURS[1],
            label=f"counts in this corpus (window {window})")
    ax.axvline(X_MAX, color=GRID_COLOUR, linewidth=0.8)
    ax.text(X_MAX, 0.05, " x_max = 100", fontsize=8, color=COLOURS[2])
    ax.legend(loc="lower right", fontsize=8)
    data = {"mode": "glove", "words": words, "window": window, "nonzero_pairs": nonzero,
            "largest_count": float(largest), "counts": counts.tolist()}
    return DemoResult(summary=summary, summary_zh=summary_zh, table=table, figure=fig, data=data)


def _cosine_view(u_text: str, v_text: str) -> DemoResult:
    """u . v, the norms and cos(u, v) written out, beside u and 3u (same direction), 3u and v, and u and -u."""
    u = parse_numbers("u", u_text, count=(1, MAX_COMPONENTS), example="1,2,2")
    v = parse_numbers("v", v_text, count=(1, MAX_COMPONENTS), example="2,1,2")
    if v.size != u.size:
        raise ValueError(f"v={v_text!r}: must have as many numbers as u ({u.size}), e.g. "
                         + ",".join(["1"] * u.size))
    pairs = (("u", "v", u, v), ("u", "3u", u, 3 * u), ("3u", "v", 3 * u, v), ("u", "-u", u, -u))
    cosines = cosine_similarity(np.array([p[2] for p in pairs]), np.array([p[3] for p in pairs]))
    rows = []
    for (first, second, a, b), cosine in zip(pairs, cosines):
        rows.append((f"{first}, {second}", _num(float(a @ b)), _num(float(np.linalg.norm(a))),
                     _num(float(np.linalg.norm(b))), f"{cosine:.4f}", f"{_angle(cosine):.1f}°",
                     _num(float(np.linalg.norm(a - b)))))
    dot, norm_u, norm_v, cosine = float(u @ v), float(np.linalg.norm(u)), float(np.linalg.norm(v)), float(cosines[0])
    terms = " + ".join(f"{_num(x)}×{_num(y)}" for x, y in zip(u, v))
    norms = (f"|u| = sqrt({_num(float(u @ u))}) = {_num(norm_u)}, |v| = sqrt({_num(float(v @ v))}) = {_num(norm_v)}")
    ratio = _fraction(dot, float(u @ u), float(v @ v))
    if norm_u == 0.0 or norm_v == 0.0:
        first = (f"u . v = {terms} = {_num(dot)}, {norms}: a zero vector has no direction, so cos(u, v) = 0 "
                 "(torch clamps each norm at 1e-8 and divides).")
        first_zh = (f"u . v = {terms} = {_num(dot)},{norms}:零向量没有方向,所以 cos(u, v) = 0"
                    "(torch 把每个范数截断在 1e-8 再相除)。")
    else:
        first = (f"u . v = {terms} = {_num(dot)}, {norms}: cos(u, v) = {_num(dot)} / ({_num(norm_u)} × "
                 f"{_num(norm_v)}) = {ratio}{cosine:.4f}, an angle of {_angle(cosine):.1f}°.")
        first_zh = (f"u . v = {terms} = {_num(dot)},{norms}:cos(u, v) = {_num(dot)} / ({_num(norm_u)} × "
                    f"{_num(norm_v)}) = {ratio}{cosine:.4f},夹角 {_angle(cosine):.1f}°。")
    if norm_u == 0.0:
        second = "u = 0 has no direction: its cosine with any vector, itself and 3u included, is 0."
        second_zh = "u = 0 没有方向:它与任何向量(包括它自己和 3u)的余弦都是 0。"
    else:
        second, second_zh = _scaling_lines(u, v, norm_u, cosines)
    note = " (The analogy, dim, window, negatives and epochs do not apply here.)"
    note_zh = "(类比、维度、窗口、负样本数和轮数在此不起作用。)"
    table = Table(columns=("pair", "dot product", "|first|", "|second|", "cosine", "angle", "distance"),
                  rows=tuple(rows), columns_zh=("向量对", "点积", "|第一个|", "|第二个|", "余弦", "夹角", "距离"))
    data = {"mode": "cosine", "u": u.tolist(), "v": v.tolist(), "dot": dot, "norm_u": norm_u, "norm_v": norm_v,
            "cosine": cosine, "angle_degrees": _angle(cosine),
            "pairs": [{"pair": f"{p[0]}, {p[1]}", "cosine": float(c)} for p, c in zip(pairs, cosines)]}
    return DemoResult(summary=f"{first}\n{second}{note}", summary_zh=f"{first_zh}\n{second_zh}{note_zh}",
                      table=table, figure=_cosine_figure(u, v, cosine), data=data)


def _scaling_lines(u, v, norm_u, cosines) -> tuple[str, str]:
    """What stretching u does: nothing to its cosines, much to its distances (English, Chinese)."""
    second = (f"u and 3u point the same way: cosine {cosines[1]:.4f} (exactly 1 for any positive multiple), though "
              f"they are {_num(2 * norm_u)} apart; 3u and v keep cosine {cosines[2]:.4f} while their distance goes "
              f"from {_num(float(np.linalg.norm(u - v)))} to {_num(float(np.linalg.norm(3 * u - v)))}; u and -u: "
              f"{cosines[3]:.4f}. Cosine compares directions only, so an embedding's length (which grows with the "
              "word's frequency) does not count.")
    second_zh = (f"u 与 3u 方向相同:余弦为 {cosines[1]:.4f}(任何正数倍都恰为 1),尽管两者相距 {_num(2 * norm_u)};"
                 f"3u 与 v 的余弦仍为 {cosines[2]:.4f},距离却从 {_num(float(np.linalg.norm(u - v)))} 变为 "
                 f"{_num(float(np.linalg.norm(3 * u - v)))};u 与 -u:{cosines[3]:.4f}。余弦只比较方向,"
                 "所以嵌入向量的长度(随词频增长)不起作用。")
    return second, second_zh


def _num(value: float) -> str:
    """A number in a few characters: 8, 0.5, 2.449."""
    return f"{value:.4g}"


def _angle(cosine: float) -> float:
    """The angle in degrees whose cosine this is (clipped into [-1, 1] against rounding)."""
    return math.degrees(math.acos(min(1.0, max(-1.0, cosine))))


def _fraction(dot: float, squared_u: float, squared_v: float) -> str:
    """'8/9 = ' when the cosine is a fraction of small whole numbers (whole dot product, perfect-square norms)."""
    root = math.isqrt(int(squared_u * squared_v)) if squared_u * squared_v < 2**52 else 0
    whole = all(float(x).is_integer() for x in (dot, squared_u, squared_v))
    if not whole or root == 0 or root * root != squared_u * squared_v or abs(dot) in (0, root):
        return ""
    shared = math.gcd(int(dot), root)
    return f"{int(dot) // shared}/{root // shared} = "


def _cosine_figure(u: np.ndarray, v: np.ndarray, cosine: float):
    """u, 3u and v drawn in the plane they span (u along the x axis), the angle between u and v marked: stretching u
    to 3u changes its length, not the angle."""
    norm_u, norm_v = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    axis = u / norm_u if norm_u > 0 else v / norm_v if norm_v > 0 else np.zeros_like(u)
    across = v - (v @ axis) * axis
    size = float(np.linalg.norm(across))
    across = across / size if size > 1e-12 * max(norm_v, 1.0) else np.zeros_like(u)

    def plane(w: np.ndarray) -> tuple[float, float]:
        return float(w @ axis), float(w @ across)

    fig, ax = new_axes(f"cos(u, v) = {cosine:.4f}: u and v in the plane they span (u along the x axis)",
                       "along u", "across, in the plane of u and v")
    for name, w, colour, style, width in (("3u", 3 * u, COLOURS[0], ":", 1.5), ("u", u, COLOURS[0], "-", 2.5),
                                          ("v", v, COLOURS[1], "-", 2.0)):
        x, y = plane(w)
        ax.plot([0.0, x], [0.0, y], color=colour, linestyle=style, linewidth=width,
                label=f"{name} = ({', '.join(_num(c) for c in w)})")
        ax.text(x, y, f" {name}", fontsize=9, color=colour, va="bottom")
    if norm_u > 0 and norm_v > 0:
        angle = math.acos(min(1.0, max(-1.0, cosine)))
        radius = 0.4 * min(norm_u, norm_v)
        sweep = np.linspace(0.0, angle, 40)
        ax.plot(radius * np.cos(sweep), radius * np.sin(sweep), color=COLOURS[3], linewidth=1.5,
                label=f"angle {math.degrees(angle):.1f}°, cos = {cosine:.4f}")
        ax.text(1.15 * radius * math.cos(angle / 2), 1.15 * radius * math.sin(angle / 2),
                f"{math.degrees(angle):.1f}°", fontsize=9, color=COLOURS[3], va="center")
    ax.axhline(0.0, color=GRID_COLOUR, linewidth=0.8)
    ax.axvline(0.0, color=GRID_COLOUR, linewidth=0.8)
    ax.set_aspect("equal", adjustable="datalim")
    ax.margins(0.1)
    ax.legend(loc="best", fontsize=8)
    return fig


def warm() -> None:
    """Compile every kernel on tiny inputs, and train the default vectors (cached) so the first run is quick."""
    cosine_similarity([1.0, 0.0], [1.0, 1.0])
    analogy(np.eye(4), ["a", "b", "c", "d"], "a", "b", "c")
    noise_distribution([3.0, 1.0])
    sgns_loss(np.ones(2), np.ones(2), np.ones((1, 2)))
    glove_weight([1.0, 200.0])
    train_skipgram([["a", "b", "a"]], 2, 1, 1, 1, 0.1)
    _, ids, starts, _ = _vocabulary([["a", "b"]])
    _cooccurrence(ids, starts, 2, 1)
    defaults = {name: param.default for name, param in inspect.signature(run).parameters.items()}
    _trained(defaults["dim"], defaults["window"], defaults["negatives"], defaults["epochs"])  # the first view, ready


DEMO = declare_demo(
    run, warm,
    title_en="Word embeddings: skip-gram, analogies, negative sampling, GloVe",
    title_zh="词嵌入:skip-gram、类比、负采样与 GloVe",
    description_en="A toy skip-gram with negative sampling trained on a small corpus: its vectors in 2-D, analogies "
                   "such as king - man + woman = queen with their cosines, the counts^0.75 noise distribution and "
                   "GloVe's weighting of co-occurrence counts.",
    description_zh="在小语料上训练的带负采样的 skip-gram:词向量的二维投影、king - man + woman = queen 之类的类比及其余弦、"
                   "次数^0.75 的负采样分布,以及 GloVe 对共现次数的加权。",
)
