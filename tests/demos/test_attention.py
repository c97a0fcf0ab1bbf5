"""Attention, multi-head attention, positional encoding and BERT masking against plain-Python references,
their invariants (weights are distributions, the causal mask hides the future), and the demo's result."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.attention import (DEMO, additive_attention, mlm_mask, multi_head_attention, scaled_dot_product_attention,
                             sinusoidal_encoding)


def naive_attention(q, k, v, keep, scale):
    """One query at a time: scores over the kept keys, exp-normalise, weighted sum of values; zeros if none kept."""
    lq, lk = q.shape[0], k.shape[0]
    weights = np.zeros((lq, lk))
    for i in range(lq):
        kept = [j for j in range(lk) if keep[i][j]]
        if not kept:
            continue
        scores = {j: sum(q[i, c] * k[j, c] for c in range(q.shape[1])) * scale for j in kept}
        top = max(scores.values())
        total = sum(math.exp(s - top) for s in scores.values())
        for j in kept:
            weights[i, j] = math.exp(scores[j] - top) / total
    output = np.array([[sum(weights[i, j] * v[j, c] for j in range(lk)) for c in range(v.shape[1])]
                       for i in range(lq)])
    return output, weights


@st.composite
def attention_cases(draw):
    """Random q, k, v (optionally with a batch axis), a mask (or None), causal, scale."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    batch = draw(st.sampled_from([(), (2,), (2, 3)]))
    lq, lk, d, dv = (draw(st.integers(1, 5)) for _ in range(4))
    q = rng.normal(0, draw(st.floats(0.1, 4)), batch + (lq, d))
    k = rng.normal(0, 1, batch + (lk, d))
    v = rng.normal(0, 1, batch + (lk, dv))
    mask = rng.random(batch + (lq, lk)) < draw(st.floats(0.2, 1.0)) if draw(st.booleans()) else None
    causal = draw(st.booleans())
    scale = draw(st.one_of(st.none(), st.floats(0.05, 3)))
    return q, k, v, mask, causal, scale


@settings(max_examples=60, deadline=None)
@given(case=attention_cases())
def test_scaled_dot_product_attention_equals_the_plain_reference(case):
    q, k, v, mask, causal, scale = case
    output, weights = scaled_dot_product_attention(q, k, v, mask=mask, causal=causal, scale=scale)
    lq, lk = q.shape[-2], k.shape[-2]
    assert output.shape == q.shape[:-1] + (v.shape[-1],) and weights.shape == q.shape[:-1] + (lk,)
    used = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    for index in np.ndindex(q.shape[:-2]):
        keep = [[(mask is None or mask[index][i, j]) and (not causal or j <= i) for j in range(lk)] for i in range(lq)]
        expected_out, expected_w = naive_attention(q[index], k[index], v[index], keep, used)
        np.testing.assert_allclose(weights[index], expected_w, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(output[index], expected_out, rtol=1e-12, atol=1e-13)


@settings(max_examples=60, deadline=None)
@given(case=attention_cases())
def test_weights_are_distributions_and_the_causal_mask_hides_the_future(case):
    q, k, v, mask, causal, scale = case
    output, weights = scaled_dot_product_attention(q, k, v, mask=mask, causal=causal, scale=scale)
    assert (weights >= 0).all()
    sums = weights.sum(axis=-1)
    kept_any = np.ones(sums.shape, dtype=bool)
    if mask is not None:
        kept_any = (mask & np.tri(q.shape[-2], k.shape[-2], dtype=bool)).any(-1) if causal else mask.any(-1)
    np.testing.assert_allclose(sums[kept_any], 1.0, rtol=1e-12)
    assert (weights[~kept_any] == 0).all() and (output[~kept_any] == 0).all()
    if causal:
        assert (weights[..., np.triu(np.ones((q.shape[-2], k.shape[-2]), dtype=bool), 1)] == 0).all()
    if mask is not None:
        assert (weights[~mask] == 0).all()
    np.testing.assert_allclose(output, weights @ v, rtol=1e-12, atol=1e-13)


def test_scaling_masks_and_broadcasting():
    rng = np.random.default_rng(3)
    q, k, v = rng.normal(size=(4, 16)), rng.normal(size=(5, 16)), rng.normal(size=(5, 3))
    default = scaled_dot_product_attention(q, k, v)[1]
    np.testing.assert_array_equal(default, scaled_dot_product_attention(q, k, v, scale=0.25)[1])
    unscaled = scaled_dot_product_attention(q, k, v, scale=1.0)[1]
    assert unscaled.max(axis=1).mean() > default.max(axis=1).mean()  # sharper without 1/sqrt(d_k)
    # a causal mask and a boolean mask combine by AND; a mask broadcasts over a batch
    mask = rng.random((4, 5)) < 0.7
    both = scaled_dot_product_attention(q, k, v, mask=mask, causal=True)[1]
    np.testing.assert_array_equal(both, scaled_dot_product_attention(q, k, v, mask=mask & np.tri(4, 5, dtype=bool))[1])
    batched = scaled_dot_product_attention(np.stack([q, q]), np.stack([k, k]), v, mask=mask)[1]
    np.testing.assert_array_equal(batched[1], scaled_dot_product_attention(q, k, v, mask=mask)[1])
    # a row with no key left: zero weights and output, the other rows untouched
    mask[2] = False
    output, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    assert (weights[2] == 0).all() and (output[2] == 0).all() and weights[0].sum() == pytest.approx(1.0)


def test_the_notes_worked_example():
    q, k, v = [[1.0, 1.0, 0.0, 0.0]], [[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]
    output, weights = scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(weights[0], [math.e / (math.e + 1), 1 / (math.e + 1)], rtol=1e-14)
    np.testing.assert_allclose(output[0], weights[0], rtol=1e-14)
    assert scaled_dot_product_attention(q, k, v, scale=1.0)[1][0, 0] == pytest.approx(0.881, abs=5e-4)


def naive_additive(q, k, v, W_q, W_k, w_v):
    """Bahdanau scores pair by pair with math.tanh, then exp-normalise each row and weight the values."""
    lq, lk = len(q), len(k)
    scores = [[sum(w_v[m] * math.tanh(sum(W_q[m, c] * q[i, c] for c in range(q.shape[1]))
                                      + sum(W_k[m, c] * k[j, c] for c in range(k.shape[1]))) for m in range(len(w_v)))
               for j in range(lk)] for i in range(lq)]
    weights = np.zeros((lq, lk))
    for i in range(lq):
        top = max(scores[i])
        total = sum(math.exp(s - top) for s in scores[i])
        weights[i] = [math.exp(s - top) / total for s in scores[i]]
    output = np.array([[sum(weights[i, j] * v[j, c] for j in range(lk)) for c in range(v.shape[1])] for i in range(lq)])
    return output, weights


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sizes=st.tuples(*(st.integers(1, 5) for _ in range(6))))
def test_additive_attention_equals_the_plain_reference(seed, sizes):
    lq, lk, dq, dk, dv, hidden = sizes
    rng = np.random.default_rng(seed)
    args = (rng.normal(size=(lq, dq)), rng.normal(size=(lk, dk)), rng.normal(size=(lk, dv)),
            rng.normal(size=(hidden, dq)), rng.normal(size=(hidden, dk)), rng.normal(size=hidden))
    output, weights = additive_attention(*args)
    expected_out, expected_w = naive_additive(*args)
    np.testing.assert_allclose(weights, expected_w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(output, expected_out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-12)
    batched = additive_attention(*(a[None] for a in args[:3]), *args[3:])
    np.testing.assert_allclose(batched[1][0], weights, rtol=1e-14)


def naive_multi_head(x_q, x_k, x_v, in_w, in_b, out_w, out_b, heads, causal):
    """nn.MultiheadAttention written out: project, split, attend per head, concatenate, project, average weights."""
    embed = x_q.shape[-1]
    d = embed // heads
    q, k, v = x_q @ in_w[:embed].T + in_b[:embed], x_k @ in_w[embed:2 * embed].T + in_b[embed:2 * embed], \
        x_v @ in_w[2 * embed:].T + in_b[2 * embed:]
    outputs, weights = [], []
    for b in range(x_q.shape[0]):
        lq, lk = q.shape[1], k.shape[1]
        keep = [[not causal or j <= i for j in range(lk)] for i in range(lq)]
        parts = [naive_attention(q[b, :, h * d:(h + 1) * d], k[b, :, h * d:(h + 1) * d], v[b, :, h * d:(h + 1) * d],
                                 keep, 1 / math.sqrt(d)) for h in range(heads)]
        outputs.append(np.concatenate([p[0] for p in parts], axis=1) @ out_w.T + out_b)
        weights.append(sum(p[1] for p in parts) / heads)
    return np.array(outputs), np.array(weights)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), heads=st.integers(1, 4), d=st.integers(1, 4), batch=st.integers(1, 3),
       lengths=st.tuples(st.integers(1, 5), st.integers(1, 5)), causal=st.booleans(), biased=st.booleans())
def test_multi_head_attention_equals_the_plain_reference(seed, heads, d, batch, lengths, causal, biased):
    rng = np.random.default_rng(seed)
    embed = heads * d
    lq, lk = lengths[0], lengths[0] if causal else lengths[1]
    x_q, x_k, x_v = rng.normal(size=(batch, lq, embed)), rng.normal(size=(batch, lk, embed)), \
        rng.normal(size=(batch, lk, embed))
    in_w, out_w = rng.normal(size=(3 * embed, embed)), rng.normal(size=(embed, embed))
    in_b, out_b = (rng.normal(size=3 * embed), rng.normal(size=embed)) if biased else (None, None)
    output, weights = multi_head_attention(x_q, x_k, x_v, in_w, in_b, out_w, out_b, heads, causal)
    expected_out, expected_w = naive_multi_head(x_q, x_k, x_v, in_w, np.zeros(3 * embed) if in_b is None else in_b,
                                                out_w, np.zeros(embed) if out_b is None else out_b, heads, causal)
    np.testing.assert_allclose(weights, expected_w, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(output, expected_out, rtol=1e-10, atol=1e-11)
    unbatched = multi_head_attention(x_q[0], x_k[0], x_v[0], in_w, in_b, out_w, out_b, heads, causal)
    np.testing.assert_allclose(unbatched[0], output[0], rtol=1e-14)
    if causal:
        assert (weights[:, np.triu(np.ones((lq, lk), dtype=bool), 1)] == 0).all()


def test_sinusoidal_encoding_the_notes_example_and_the_formula():
    table = sinusoidal_encoding(2, 8)
    np.testing.assert_allclose(table[1], [math.sin(1), math.cos(1), math.sin(0.1), math.cos(0.1), math.sin(0.01),
                                          math.cos(0.01), math.sin(0.001), math.cos(0.001)], rtol=1e-15)
    np.testing.assert_allclose(table[1, :4], [0.841471, 0.540302, 0.099833, 0.995004], atol=5e-7)
    np.testing.assert_array_equal(table[0], [0, 1, 0, 1, 0, 1, 0, 1])
    big = sinusoidal_encoding(50, 16)
    for pos in range(50):
        for i in range(8):
            angle = pos / 10000 ** (2 * i / 16)
            assert big[pos, 2 * i] == pytest.approx(math.sin(angle), abs=1e-15)
            assert big[pos, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-15)
    assert np.abs(big).max() <= 1.0


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), p=st.floats(0, 1), vocab=st.integers(1, 30), seed=st.integers(0, 10**6))
def test_mlm_mask_chooses_exactly_max_1_round_pn_positions(n, p, vocab, seed):
    tokens = np.random.default_rng(seed).integers(0, vocab, n)
    inputs, labels = mlm_mask(tokens, vocab, vocab, p, seed)
    chosen = labels != -100
    assert chosen.sum() == max(1, round(p * n))
    assert (labels[chosen] == tokens[chosen]).all() and (inputs[~chosen] == tokens[~chosen]).all()
    assert ((inputs[chosen] == vocab) | ((inputs[chosen] >= 0) & (inputs[chosen] < vocab))).all()
    again = mlm_mask(tokens, vocab, vocab, p, seed)
    np.testing.assert_array_equal(again[0], inputs)
    np.testing.assert_array_equal(again[1], labels)


def test_mlm_mask_shares_and_rounding():
    tokens = np.arange(20_000) % 1000
    inputs, labels = mlm_mask(tokens, 1000, 1000, 0.15, 4)
    chosen = labels != -100
    assert chosen.sum() == 3000
    masked = np.mean(inputs[chosen] == 1000)
    kept = np.mean(inputs[chosen] == tokens[chosen])
    assert masked == pytest.approx(0.8, abs=0.025) and kept == pytest.approx(0.1 + 0.1 / 1000, abs=0.02)
    assert 1 - masked - kept == pytest.approx(0.1 - 0.1 / 1000, abs=0.02)
    assert (mlm_mask(np.zeros(10, dtype=int), 5, 5, 0.25)[1] != -100).sum() == 2  # round(2.5) = 2, as Python's
    assert (mlm_mask(np.zeros(10, dtype=int), 5, 5, 0.35)[1] != -100).sum() == 4  # round(3.5) = 4
    assert (mlm_mask([3], 5, 5, 0.0)[1] != -100).sum() == 1  # always at least one


@pytest.mark.parametrize(("call", "message"), [
    (lambda: scaled_dot_product_attention([1.0, 2.0], [[1.0, 2.0]], [[1.0]]),
     r"q has shape \(2,\): must be \(\.\.\., L, d\)"),
    (lambda: scaled_dot_product_attention([[1.0, 2.0]], [[1.0]], [[1.0]]),
     r"k has shape \(1, 1\): its last axis must be d_k = 2"),
    (lambda: scaled_dot_product_attention([[1.0]], [[1.0], [2.0]], [[1.0]]),
     r"v has shape \(1, 1\): must have one row per key \(2"),
    (lambda: scaled_dot_product_attention([[1.0]], [[1.0]], [[1.0]], mask=[[1]]),
     r"mask has dtype int64: must be booleans"),
    (lambda: scaled_dot_product_attention([[1.0]], [[1.0]], [[1.0]], mask=np.ones((2, 3), bool)),
     r"mask has shape \(2, 3\): must broadcast to \(\.\.\., 1, 1\)"),
    (lambda: scaled_dot_product_attention(np.ones((2, 1, 1)), np.ones((3, 1, 1)), np.ones((3, 1, 1))),
     r"leading \(batch\) axes must broadcast"),
    (lambda: scaled_dot_product_attention([[1.0]], [[1.0]], [[1.0]], causal=1), r"causal=1: must be True or False"),
    (lambda: scaled_dot_product_attention([[1.0]], [[1.0]], [[np.nan]]), r"v\[0, 0\]=nan: must be finite"),
    (lambda: additive_attention([[1.0]], [[1.0]], [[1.0]], np.ones((2, 2)), np.ones((2, 1)), np.ones(2)),
     r"W_q has shape \(2, 2\): must be \(2, 1\)"),
    (lambda: multi_head_attention(np.ones((1, 2, 4)), np.ones((1, 2, 4)), np.ones((1, 2, 4)), np.ones((12, 4)), None,
                                  np.ones((4, 4)), None, 3), r"num_heads=3: must divide the embedding size E = 4"),
    (lambda: multi_head_attention(np.ones((1, 2, 4)), np.ones((1, 3, 4)), np.ones((1, 3, 4)), np.ones((12, 4)), None,
                                  np.ones((4, 4)), None, 2, True), r"causal=True: needs as many queries as keys"),
    (lambda: multi_head_attention(np.ones((1, 2, 4)), np.ones((1, 2, 4)), np.ones((1, 2, 4)), np.ones((8, 4)), None,
                                  np.ones((4, 4)), None, 2), r"in_proj_weight has shape \(8, 4\): must be \(12, 4\)"),
    (lambda: sinusoidal_encoding(4, 7), r"d_model=7: must be even"),
    (lambda: sinusoidal_encoding(0, 8), r"max_len=0: must be an integer >= 1"),
    (lambda: mlm_mask([0, 5], 5, 5), r"tokens\[1\]=5: must be a token id from 0 to 4"),
    (lambda: mlm_mask([0.5], 5, 5), r"tokens=\[0.5\]: must be whole token ids"),
    (lambda: mlm_mask([0], 5, 5, p=1.5), r"p=1.5: must be a number from 0 to 1"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_shows_scaled_beside_unscaled():
    result = DEMO.run(**DEMO.defaults())
    assert result.summary.startswith("Head 0 of 2, d_k = 16 (d_model = 32): the raw scores q.k have std")
    data = result.data
    scaled, unscaled = np.array(data["weights"]), np.array(data["weights_unscaled"])
    assert unscaled.max(axis=1).mean() > scaled.max(axis=1).mean()
    assert f"on average {scaled.max(axis=1).mean():.2f} on each query's top key" in result.summary
    np.testing.assert_allclose(scaled.sum(axis=1), 1.0)
    assert [row[0] for row in result.table.rows] == ["0 the", "1 cat", "2 sat", "3 on", "4 the", "5 mat"]
    assert result.table.rows[0][1:7] == tuple(f"{w:.2f}" for w in scaled[0])
    json.dumps(data)
    assert len(result.figure.axes) == 1 and len(result.figure.axes[0].texts) >= 72  # every cell's value written


def test_the_demo_saturates_with_d_k_and_masks_the_future():
    narrow, wide = (DEMO.run(**DEMO.validate({"d_k": d_k, "heads": "1"})) for d_k in ("2", "64"))
    gaps = [np.array(r.data["weights_unscaled"]).max(axis=1).mean() - np.array(r.data["weights"]).max(axis=1).mean()
            for r in (narrow, wide)]
    assert gaps[1] > 0.25 and gaps[1] > gaps[0]
    assert "the bigger d_k, the closer to one-hot" in wide.summary
    assert wide.data["score_std"] == pytest.approx(8.0, rel=0.4) and narrow.data["score_std"] < 3
    result = DEMO.run(**DEMO.validate({"causal": "true", "head": "1"}))
    weights = np.array(result.data["weights"])
    assert (weights[np.triu_indices(6, 1)] == 0).all() and weights[0, 0] == 1.0
    assert all(row[1 + j] == "-" for i, row in enumerate(result.table.rows) for j in range(i + 1, 6))
    assert "'the' attends only to itself (weight 1.00)" in result.summary


def test_the_demo_steps_past_the_last_head_and_averages_heads():
    result = DEMO.run(**DEMO.validate({"heads": "2", "head": "5"}))
    assert "head 5 does not exist with 2 heads: showing the last, head 1" in result.summary
    assert result.data["head"] == 1
    first = DEMO.run(**DEMO.validate({"heads": "2", "head": "0"})).data["weights"]
    np.testing.assert_allclose(result.data["weights_averaged_over_heads"],
                               (np.array(first) + np.array(result.data["weights"])) / 2, rtol=1e-12)


def test_the_demo_modes_give_the_cards_numbers():
    worked = DEMO.run(**DEMO.validate({"mode": "worked_example"}))
    assert "weights softmax = (0.731, 0.269)" in worked.summary and "(0.881, 0.119)" in worked.summary
    assert "output 0.731 v1 + 0.269 v2 = (0.731, 0.269)" in worked.summary
    positions = DEMO.run(**DEMO.validate({"mode": "positional_encoding", "d_k": "8", "heads": "1"}))
    assert "PE_1 = (0.8415, 0.5403, 0.0998, 0.9950, 0.0100, 1.0000, 0.0010, 1.0000)" in positions.summary
    assert positions.table.rows[0][2:] == ("0.0000", "1.0000") * 4
    with pytest.raises(ValueError, match=r"needs an even d_model"):
        DEMO.run(**DEMO.validate({"mode": "positional_encoding", "d_k": "3", "heads": "1"}))
    masked = DEMO.run(**DEMO.validate({"mode": "masked_lm"}))
    assert "max(1, round(0.15 x 6)) = 1 of the 6 tokens" in masked.summary
    assert masked.data["share_mask"] == pytest.approx(0.8, abs=0.04)
    assert len(masked.table.rows) == 8
    additive = DEMO.run(**DEMO.validate({"mode": "additive"}))
    np.testing.assert_allclose(np.array(additive.data["weights_additive"]).sum(axis=1), 1.0)
    assert additive.summary.startswith("Additive attention scores each pair with a small network")


def test_the_demo_explains_a_bad_sentence():
    with pytest.raises(ValueError, match=r"sentence='one': must have 2 to 8 words \(it has 1\)"):
        DEMO.run(**DEMO.validate({"sentence": "one"}))
