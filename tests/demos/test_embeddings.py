"""Cosine similarity, analogies, the noise distribution, the SGNS loss, GloVe's weight and skip-gram training against
plain-Python references, and the demo's result."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from demos.embeddings import (CORPUS, DEMO, analogy, cosine_similarity, glove_weight, noise_distribution, sgns_loss,
                              train_skipgram)

vector = st.integers(1, 6).flatmap(lambda d: arrays(np.float64, (d,), elements=st.floats(-100, 100)))


def naive_cosine(a, b):
    """torch's definition: each vector divided by its norm clamped at 1e-8, then the dot product."""
    norm_a = max(math.sqrt(sum(x * x for x in a)), 1e-8)
    norm_b = max(math.sqrt(sum(x * x for x in b)), 1e-8)
    return sum((x / norm_a) * (y / norm_b) for x, y in zip(a, b))


@settings(max_examples=80, deadline=None)
@given(pair=st.integers(1, 6).flatmap(lambda d: st.tuples(*(arrays(np.float64, (d,), elements=st.floats(-100, 100))
                                                             for _ in range(2)))), factor=st.floats(0.01, 100))
def test_cosine_similarity_equals_torchs_definition(pair, factor):
    a, b = pair
    assert cosine_similarity(a, b) == pytest.approx(naive_cosine(a, b), rel=1e-12, abs=1e-12)
    assert -1 - 1e-12 <= cosine_similarity(a, b) <= 1 + 1e-12
    if np.linalg.norm(a) > 1e-6:
        assert cosine_similarity(a, factor * a) == pytest.approx(1.0, rel=1e-12)  # directions only


def test_cosine_similarity_card_example_broadcasting_and_zero_vectors():
    assert cosine_similarity([1.0, 2.0, 2.0], [2.0, 1.0, 2.0]) == pytest.approx(8 / 9)
    assert cosine_similarity([1.0, 2.0, 2.0], [3.0, 6.0, 6.0]) == pytest.approx(1.0)
    assert cosine_similarity([0.0, 0.0], [1.0, 1.0]) == 0.0
    rows = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]])
    np.testing.assert_allclose(cosine_similarity(rows, [1.0, 0.0]), [1.0, 0.0, -1.0])
    assert cosine_similarity(rows[None], rows[:, None]).shape == (3, 3)


def naive_analogy(vectors, words, a, b, c, k):
    """Every other word scored by the cosine with b - a + c; best first, ties to the earlier word."""
    target = [vb - va + vc for va, vb, vc in zip(vectors[words.index(a)], vectors[words.index(b)],
                                                 vectors[words.index(c)])]
    scored = [(-naive_cosine(vectors[i], target), i) for i, w in enumerate(words) if w not in (a, b, c)]
    return [words[i] for _, i in sorted(scored)[:k]]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), size=st.integers(4, 12), dim=st.integers(1, 5), k=st.integers(1, 3))
def test_analogy_equals_the_brute_force_search(seed, size, dim, k):
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(size, dim))
    words = [f"w{i}" for i in range(size)]
    a, b, c = (words[i] for i in rng.choice(size, 3, replace=False))
    k = min(k, size - 3)
    assert analogy(vectors, words, a, b, c, k) == naive_analogy(vectors, words, a, b, c, k)


def test_analogy_on_a_built_parallelogram():
    words = ["man", "woman", "king", "queen", "apple"]
    vectors = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 3.0], [1.0, 1.0, 3.0], [0.0, -1.0, 0.0]])
    assert analogy(vectors, words, "man", "woman", "king") == ["queen"]
    assert analogy(vectors, words, "man", "woman", "king", k=2) == ["queen", "apple"]


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 10_000), min_size=1, max_size=30).filter(any), power=st.floats(0, 2))
def test_noise_distribution_is_counts_to_the_power_normalised(counts, power):
    p = noise_distribution(counts, power)
    weights = [float(c) ** power for c in counts]
    np.testing.assert_allclose(p, [w / sum(weights) for w in weights], rtol=1e-12)
    assert p.sum() == pytest.approx(1.0)


def test_noise_distribution_flattens_the_unigram_distribution():
    p = noise_distribution([81.0, 1.0])
    assert p[0] / p[1] == pytest.approx(27.0)  # the card: 81 times as frequent, drawn 27 times as often
    np.testing.assert_allclose(noise_distribution([3.0, 1.0], 1.0), [0.75, 0.25])
    np.testing.assert_allclose(noise_distribution([3.0, 1.0], 0.0), [0.5, 0.5])


def naive_sgns(center, context, negatives):
    """The loss with math.log of sigmoids, and the textbook gradients."""
    def sigmoid(x):
        return 1 / (1 + math.exp(-x))
    s_o = float(np.dot(context, center))
    s_k = [float(np.dot(u, center)) for u in negatives]
    loss = -math.log(sigmoid(s_o)) - sum(math.log(sigmoid(-s)) for s in s_k)
    d_center = (sigmoid(s_o) - 1) * context + sum(sigmoid(s) * u for s, u in zip(s_k, negatives))
    d_context = (sigmoid(s_o) - 1) * center
    d_negatives = np.array([sigmoid(s) * center for s in s_k]).reshape(len(negatives), len(center))
    return loss, d_center, d_context, d_negatives


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10**6), dim=st.integers(1, 8), k=st.integers(0, 6), scale=st.floats(0.01, 3))
def test_sgns_loss_and_gradients_equal_the_formulas_and_finite_differences(seed, dim, k, scale):
    rng = np.random.default_rng(seed)
    center, context, negatives = (rng.normal(0, scale, shape) for shape in ((dim,), (dim,), (k, dim)))
    loss, d_center, d_context, d_negatives = sgns_loss(center, context, negatives)
    expected = naive_sgns(center, context, negatives)
    assert loss == pytest.approx(expected[0], rel=1e-12)
    for got, want in zip((d_center, d_context, d_negatives), expected[1:]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    h = 1e-6
    for index in range(dim):
        step = np.eye(dim)[index] * h
        numeric = (sgns_loss(center + step, context, negatives)[0] - sgns_loss(center - step, context, negatives)[0])
        assert d_center[index] == pytest.approx(numeric / (2 * h), abs=1e-7)


def test_sgns_loss_stays_finite_for_huge_scores():
    loss, d_center, _, _ = sgns_loss([100.0], [-100.0], [[100.0]])
    assert loss == pytest.approx(20_000.0) and np.isfinite(d_center).all()


@settings(max_examples=60, deadline=None)
@given(x=st.floats(0, 1000), x_max=st.floats(1, 500), alpha=st.floats(0.1, 2))
def test_glove_weight_equals_the_formula(x, x_max, alpha):
    expected = (x / x_max) ** alpha if x < x_max else 1.0
    assert glove_weight(x, x_max, alpha) == pytest.approx(expected, rel=1e-14, abs=1e-300)


def test_glove_weight_the_notes_shape():
    assert glove_weight(0.0) == 0.0 and glove_weight(100.0) == 1.0 and glove_weight(1e6) == 1.0
    assert glove_weight(50.0) == pytest.approx(0.5 ** 0.75)
    curve = glove_weight(np.linspace(0, 200, 101))
    assert curve.shape == (101,) and (np.diff(curve) >= 0).all()


def naive_skipgram(corpus, dim, window, negatives, epochs, lr, seed):
    """word2vec's loop in plain Python, drawing from np.random.RandomState(seed): Numba's np.random is the same
    Mersenne Twister, so the kernel must give the same vectors."""
    counts = {}
    for sentence in corpus:
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda w: -counts[w])
    index = {w: i for i, w in enumerate(words)}
    noise = np.array([counts[w] ** 0.75 for w in words])
    cdf = np.cumsum(noise / noise.sum())
    rs = np.random.RandomState(seed)
    center = (rs.random_sample((len(words), dim)) - 0.5) / dim
    context = np.zeros((len(words), dim))
    pairs = [(index[s[i]], index[s[j]]) for s in corpus for i in range(len(s))
             for j in range(max(0, i - window), min(len(s), i + window + 1)) if j != i]
    total, step = len(pairs) * epochs, 0
    for _ in range(epochs):
        for c, o in pairs:
            rate = lr * max(1 - step / total, 1e-4)
            step += 1
            targets = [o] + [min(int(np.searchsorted(cdf, rs.random_sample(), side="right")), len(words) - 1)
                             for _ in range(negatives)]
            rows = context[targets].copy()
            _, d_center, d_context, d_negatives = naive_sgns(center[c], rows[0], rows[1:])
            for n, grad in zip(targets, [d_context, *d_negatives]):
                context[n] -= rate * grad
            center[c] -= rate * d_center
    return words, center


def test_train_skipgram_equals_the_plain_loop():
    corpus = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "sat", "on", "a", "log"], ["the", "dog"]]
    for dim, window, negatives, epochs in ((3, 1, 2, 2), (5, 2, 4, 3), (2, 3, 0, 1)):
        words, vectors = train_skipgram(corpus, dim, window, negatives, epochs, 0.05, seed=7)
        expected_words, expected = naive_skipgram(corpus, dim, window, negatives, epochs, 0.05, 7)
        assert words == expected_words
        np.testing.assert_allclose(vectors, expected, rtol=1e-10, atol=1e-13)
    assert words[:4] == ["the", "sat", "on", "a"]  # by count, ties in order of first appearance
    again = train_skipgram(corpus, 2, 3, 0, 1, 0.05, seed=7)[1]
    np.testing.assert_array_equal(again, vectors)


def test_the_toy_corpus_learns_its_analogies():
    words, vectors = train_skipgram(CORPUS, 16, 2, 5, 100, 0.1, seed=3)
    assert analogy(vectors, words, "man", "woman", "king") == ["queen"]
    assert analogy(vectors, words, "france", "paris", "italy") == ["rome"]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: cosine_similarity(1.0, [1.0]), r"a has shape \(\) and b has shape \(1,\): must be vectors"),
    (lambda: cosine_similarity([1.0, 2.0], [1.0, 2.0, 3.0]), r"must broadcast to one shape"),
    (lambda: analogy(np.eye(3), ["a", "b"], "a", "b", "a"), r"words has 2 entries: must be 3"),
    (lambda: analogy(np.eye(4), list("abcd"), "a", "b", "z"), r"c='z': must be one of the 4 words"),
    (lambda: analogy(np.eye(4), list("abcd"), "a", "b", "c", k=2), r"k=2: must be an integer from 1 to 1"),
    (lambda: noise_distribution([1.0, -2.0]), r"counts\[1\]=-2.0: must be >= 0"),
    (lambda: noise_distribution([0.0, 0.0]), r"counts: must hold at least one count > 0"),
    (lambda: sgns_loss([1.0, 2.0], [1.0], [[1.0, 2.0]]), r"context has shape \(1,\): must be \(2,\)"),
    (lambda: sgns_loss([1.0, 2.0], [1.0, 2.0], [1.0, 2.0]), r"negatives has shape \(2,\): must be 2-D"),
    (lambda: glove_weight(-1.0), r"x=-1.0: co-occurrence counts must be >= 0"),
    (lambda: glove_weight(1.0, x_max=0), r"x_max=0: must be a finite number > 0"),
    (lambda: train_skipgram("the cat", 2, 1, 1, 1, 0.1), r"must be a list of sentences"),
    (lambda: train_skipgram([["a", "a"]], 2, 1, 1, 1, 0.1), r"at least 2 different words \(it has 1\)"),
    (lambda: train_skipgram([["a", 3]], 2, 1, 1, 1, 0.1), r"every word must be a non-empty string"),
    (lambda: train_skipgram([["a", "b"]], 0, 1, 1, 1, 0.1), r"dim=0: must be an integer >= 1"),
    (lambda: train_skipgram([["a", "b"]], 2, 1, 1, 1, 0.0), r"lr=0.0: must be a finite number > 0"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_solves_king_minus_man_plus_woman():
    result = DEMO.run(**DEMO.defaults())
    assert "woman - man + king is closest to 'queen'" in result.summary
    assert "7 of 7 built-in analogies come out right" in result.summary
    assert "V x dim = 43 x 16 (688 numbers)" in result.summary
    assert result.table.rows[0][:3] == ("man : woman :: king : ?", "queen", f"queen ({result.data['cosines'][0]:.2f})")
    assert all(row[4] == "yes" for row in result.table.rows)
    assert result.data["losses"][-1] < result.data["losses"][0]
    json.dumps(result.data)
    assert len(result.figure.axes) == 1


def test_the_demo_capitals_small_windows_and_no_negatives():
    capitals = DEMO.run(**DEMO.validate({"a": "france", "b": "paris", "c": "italy"}))
    assert "paris - france + italy is closest to 'rome'" in capitals.summary
    narrow = DEMO.run(**DEMO.validate({"window": "1"}))
    assert narrow.data["right"] < 7  # 'he', 'she', 'they speak ...' sit two words away
    flat = DEMO.run(**DEMO.validate({"negatives": "0"}))
    assert "Without negatives" in flat.summary and flat.data["losses"][-1] < 0.05


def test_the_demo_noise_and_glove_views():
    noise = DEMO.run(**DEMO.validate({"mode": "noise"}))
    assert "'the' is 7 times as frequent as 'german'" in noise.summary and "7^0.75 = 4.30" in noise.summary
    assert noise.table.rows[0][:2] == ("the", "14")
    glove = DEMO.run(**DEMO.validate({"mode": "glove"}))
    assert "(X = 10), weighs (10/100)^0.75 = 0.178" in glove.summary
    assert ("x = 100", "100", "4.605", "1.000") in glove.table.rows
    counts = np.array(glove.data["counts"])
    np.testing.assert_array_equal(counts, counts.T)


def test_the_cosine_view_works_the_cards_example():
    result = DEMO.run(**DEMO.validate({"mode": "cosine", "u": "1,2,2", "v": "2,1,2"}))
    assert result.data["cosine"] == pytest.approx(8 / 9) and result.data["dot"] == 8.0
    assert result.data["norm_u"] == result.data["norm_v"] == 3.0
    assert "u . v = 1×2 + 2×1 + 2×2 = 8, |u| = sqrt(9) = 3, |v| = sqrt(9) = 3" in result.summary
    assert "cos(u, v) = 8 / (3 × 3) = 8/9 = 0.8889" in result.summary
    assert "u and 3u point the same way: cosine 1.0000" in result.summary
    assert "8/9 = 0.8889" in result.summary_zh
    pairs = {pair["pair"]: pair["cosine"] for pair in result.data["pairs"]}
    assert pairs["u, 3u"] == pytest.approx(1.0) and pairs["3u, v"] == pytest.approx(8 / 9)
    assert pairs["u, -u"] == pytest.approx(-1.0)
    assert result.table.rows[0] == ("u, v", "8", "3", "3", "0.8889", "27.3°", "1.414")
    json.dumps(result.data)
    assert len(result.figure.axes) == 1


@settings(max_examples=40, deadline=None)
@given(pair=st.integers(1, 8).flatmap(lambda d: st.tuples(*(st.lists(st.integers(-9, 9), min_size=d, max_size=d)
                                                             for _ in range(2)))))
def test_the_cosine_view_equals_the_formula_for_typed_vectors(pair):
    u, v = pair
    result = DEMO.run(**DEMO.validate({"mode": "cosine", "u": ",".join(map(str, u)), "v": " ".join(map(str, v))}))
    assert result.data["cosine"] == pytest.approx(naive_cosine(u, v), abs=1e-12)
    assert result.data["dot"] == sum(x * y for x, y in zip(u, v))
    if any(u):
        assert {p["pair"]: p["cosine"] for p in result.data["pairs"]}["u, 3u"] == pytest.approx(1.0)
    else:
        assert "u = 0 has no direction" in result.summary


@pytest.mark.parametrize(("values", "message"), [
    ({"u": "1,2", "v": "1,2,3"}, r"v='1,2,3': must have as many numbers as u \(2\)"),
    ({"u": "1,x"}, r"u='1,x': must be 1 to 8 numbers separated by commas, e.g. 1,2,2"),
    ({"v": "1,2,3,4,5,6,7,8,9"}, r"v='1,2,3,4,5,6,7,8,9': must be 1 to 8 numbers"),
])
def test_the_cosine_view_refuses_bad_vectors(values, message):
    with pytest.raises(ValueError, match=message):
        DEMO.run(**DEMO.validate({"mode": "cosine", **values}))
