"""Perplexity and the add-k character bigram model against plain-Python references written here, and the demo."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.language_model import (DEMO, HELD_OUT, TRAINING_TEXT, VOCABULARY, bigram_probabilities, normalise,
                                  perplexity)

V = len(VOCABULARY)


def perplexity_reference(p):
    return math.exp(-sum(math.log(v) for v in p) / len(p))


def cross_entropy_reference(logits, targets):
    """torch's F.cross_entropy (mean over rows), by hand: logsumexp(row) - row[target]."""
    total = 0.0
    for row, target in zip(logits, targets):
        top = max(row)
        total += top + math.log(sum(math.exp(v - top) for v in row)) - row[target]
    return total / len(targets)


@settings(max_examples=80, deadline=None)
@given(p=st.lists(st.floats(1e-12, 1.0), min_size=1, max_size=40))
def test_perplexity_is_the_exponential_of_the_mean_negative_log(p):
    got = perplexity(p)
    assert got == pytest.approx(perplexity_reference(p), rel=1e-12)
    assert 1.0 <= got <= 1.0 / min(p) * (1 + 1e-12)  # a geometric mean of the 1 / p


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 10), classes=st.integers(2, 12), scale=st.floats(0.1, 8.0))
def test_perplexity_of_softmax_probabilities_is_exp_cross_entropy(seed, n, classes, scale):
    rng = np.random.default_rng(seed)
    logits, targets = rng.standard_normal((n, classes)) * scale, rng.integers(0, classes, n)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = (shifted / shifted.sum(axis=1, keepdims=True))[np.arange(n), targets]
    assert perplexity(p) == pytest.approx(math.exp(cross_entropy_reference(logits.tolist(), targets.tolist())),
                                          rel=1e-11)


def test_the_cards_numbers_uniform_and_certain_models():
    assert perplexity([1 / 2, 1 / 4, 1 / 4, 1 / 8]) == pytest.approx(4.0, rel=1e-15)
    assert perplexity(np.full(7, 1 / 28)) == pytest.approx(28.0, rel=1e-13)
    assert perplexity([[1.0, 1.0], [1.0, 1.0]]) == 1.0
    assert perplexity([0.5, 0.0]) == math.inf


def bigram_reference(text, sentence, k):
    """The add-k bigram model with Counters: P(x_1) from the character counts, then P(b | a) pair by pair."""
    text, sentence = normalise(text), normalise(sentence)
    chars, pairs = Counter(text), Counter(zip(text, text[1:]))
    starts = Counter(a for a, _ in zip(text, text[1:]))
    out = [(chars[sentence[0]] + k) / (len(text) + k * V)]
    for a, b in zip(sentence, sentence[1:]):
        denominator = starts[a] + k * V
        out.append((pairs[a, b] + k) / denominator if denominator else 0.0)
    return out


letters = st.text(alphabet=VOCABULARY, min_size=1, max_size=60).filter(lambda s: normalise(s))


@settings(max_examples=80, deadline=None)
@given(text=letters.filter(lambda s: len(normalise(s)) >= 2), sentence=letters,
       k=st.sampled_from([0.0, 0.01, 0.5, 1.0, 3.0]))
def test_bigram_probabilities_equal_counting_by_hand(text, sentence, k):
    np.testing.assert_allclose(bigram_probabilities(text, sentence, k), bigram_reference(text, sentence, k),
                               rtol=1e-13, atol=0)


@settings(max_examples=30, deadline=None)
@given(k=st.floats(0.001, 10.0), context=st.sampled_from(VOCABULARY.strip()))
def test_each_context_gives_a_distribution_over_the_vocabulary(k, context):
    total = sum(bigram_probabilities(TRAINING_TEXT, context + b if b != " " else context + " x", k)[1]
                for b in VOCABULARY)
    assert total == pytest.approx(1.0, rel=1e-12)


def test_smoothing_moves_the_model_towards_uniform():
    pp = [perplexity(bigram_probabilities(TRAINING_TEXT, HELD_OUT, k)) for k in (0.1, 1.0, 10.0, 1e6)]
    assert pp[0] < pp[1] < pp[2] < pp[3] == pytest.approx(V, rel=1e-4)
    assert perplexity(bigram_probabilities(TRAINING_TEXT, HELD_OUT, 0.0)) == math.inf  # "to" is never seen


def test_normalise_keeps_the_vocabulary_only():
    assert normalise("Hello,  World! 42.") == "hello world ."
    assert set(normalise(TRAINING_TEXT)) <= set(VOCABULARY)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: perplexity([]), r"probabilities has shape \(0,\): must hold at least 1 value"),
    (lambda: perplexity([0.5, 1.5]), r"probabilities\[1\]=1.5: must be a probability from 0 to 1"),
    (lambda: perplexity([0.5, math.nan]), r"probabilities\[1\]=nan: must be finite"),
    (lambda: bigram_probabilities("ab", "!!", 1.0), r"sentence='!!': must hold at least 1 character"),
    (lambda: bigram_probabilities("a", "ab", 1.0), r"text='a': must hold at least 2 characters"),
    (lambda: bigram_probabilities("ab", "ab", -1.0), r"k=-1.0: must be a finite number >= 0"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_scores_the_held_out_sentence_against_uniform():
    result = DEMO.run(**DEMO.defaults())
    p = bigram_reference(TRAINING_TEXT, HELD_OUT, 0.1)
    pp = perplexity_reference(p)
    assert f"perplexity exp({-sum(map(math.log, p)):.3f} / {len(HELD_OUT)}) = {pp:.2f}" in result.summary
    assert f"below the uniform model's {V}" in result.summary
    assert len(result.table.rows) == len(HELD_OUT) and result.table.rows[0][0] == "▶ 1"
    assert result.table.rows[1][1] == "t → h" and result.table.rows[3][1] == "e → ␣"
    running = np.cumsum(np.log(p))
    assert [float(row[5]) for row in result.table.rows] == pytest.approx(running, abs=5e-4)
    assert result.data["perplexity"] == pytest.approx(pp) and result.data["uniform_perplexity"] == V
    json.dumps(result.data, allow_nan=False)


def test_the_demo_steps_and_shows_the_cards_probabilities():
    result = DEMO.run(**DEMO.validate({"model": "given"}))
    assert "perplexity exp(1.3863) = 4: as unsure as a uniform choice among 4 tokens" in result.summary
    assert [row[4] for row in result.table.rows] == ["-0.693", "-2.079", "-3.466", "-5.545"]
    result = DEMO.run(**DEMO.validate({"model": "given", "probabilities": "0.1, 0.2", "step": "7"}))
    assert "step 7 is past the last token, 2: showing t = 2" in result.summary
    result = DEMO.run(**DEMO.validate({"step": "3"}))
    assert "t = 3: P(e | h) = (14 + 0.1) / (22 + 0.1·28)" in result.summary
    assert result.table.rows[2][0] == "▶ 3"


def test_the_demo_without_smoothing_is_infinitely_perplexed():
    result = DEMO.run(**DEMO.validate({"k": "0"}))
    assert "its probability is 0, log P = -inf and the perplexity is infinite" in result.summary
    assert result.data["perplexity"] is None and result.data["log_probability"] is None
    json.dumps(result.data, allow_nan=False)


@pytest.mark.parametrize(("values", "message"), [
    ({"sentence": "!!!"}, r"sentence='!!!': must hold at least one character"),
    ({"model": "given", "probabilities": "0.5,2"}, r"'2' must be a probability from 0 to 1"),
    ({"model": "given", "probabilities": "1/0"}, r"'1/0' must be a probability"),
    ({"model": "given", "probabilities": ",,"}, r"must be 1 to 100 probabilities"),
])
def test_the_demo_explains_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        DEMO.run(**DEMO.validate(values))
