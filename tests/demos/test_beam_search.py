"""Beam search against slow, obvious Python searches on tiny random table models, and the demo's result."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.beam_search import (DEMO, VOCABULARY, beam_candidates, beam_search, beam_tree, exhaustive, greedy,
                                toy_translation_model)
from revise.demo_engine.spec import DemoResult

VOCAB, STEPS, EOS = 4, 5, 0
seeds = st.integers(0, 2**32 - 1)
alphas = st.sampled_from([0.0, 0.5, 0.7, 1.0, 1.5])


def random_model(seed: int, vocab: int = VOCAB, steps: int = STEPS, zero_probability: float = 0.0) -> np.ndarray:
    """Random next-token log-probabilities (steps, vocab, vocab), some pairs impossible if zero_probability > 0."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(steps, vocab, vocab)) * 2
    impossible = rng.random(logits.shape) < zero_probability
    impossible[..., 1] = False  # every row keeps a possible next token
    logits[impossible] = -np.inf
    shifted = logits - logits.max(axis=2, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))


def naive_sequences(logp, max_len, eos):
    """Every sequence the model can produce, with its summed log-probability: ends at EOS or at max_len."""
    vocab = logp.shape[1]
    for length in range(1, max_len + 1):
        for seq in itertools.product(range(vocab), repeat=length):
            if eos in seq[:-1] or (seq[-1] != eos and length < max_len):
                continue
            total, prev = 0.0, eos
            for step, token in enumerate(seq):
                total += logp[step, prev, token]
                prev = token
            if total > -math.inf:
                yield list(seq), total


def naive_best(logp, max_len, eos, alpha):
    """The best normalised score over all sequences, found by listing them all."""
    return max(((seq, total / len(seq) ** alpha) for seq, total in naive_sequences(logp, max_len, eos)),
               key=lambda item: item[1])


def naive_greedy(logp, max_len, eos):
    """The most likely token at each step, by a Python loop."""
    seq, total, prev = [], 0.0, eos
    for step in range(max_len):
        token = int(np.argmax(logp[step, prev]))
        seq.append(token)
        total += logp[step, prev, token]
        if token == eos:
            break
        prev = token
    return seq, total


def naive_steps(logp, width, max_len, eos):
    """The textbook beam search in plain Python, step by step: finished hypotheses leave the beam and shrink it.
    Yields, at each step, its candidates (best first), the kept ones, and the finished and live hypotheses after it."""
    live, finished = [([], 0.0)], []
    for step in range(max_len):
        candidates = [(seq + [token], total + logp[step, seq[-1] if seq else eos, token])
                      for seq, total in live for token in range(logp.shape[1])]
        candidates = sorted((c for c in candidates if c[1] > -math.inf), key=lambda c: -c[1])
        kept = candidates[:width - len(finished)]
        finished = finished + [c for c in kept if c[0][-1] == eos]
        live = [c for c in kept if c[0][-1] != eos]
        yield candidates, kept, finished, live
        if not live:
            break


def naive_beam(logp, width, max_len, eos, alpha):
    """The plain Python beam's hypotheses, best first by their length-normalised score."""
    finished, live = [], [([], 0.0)]
    for _, _, finished, live in naive_steps(logp, width, max_len, eos):
        pass
    return sorted(((seq, total / len(seq) ** alpha) for seq, total in finished + live), key=lambda c: -c[1])


def assert_same_hypotheses(ours, reference):
    """Same token lists in the same order, scores equal to rounding."""
    assert [tokens for tokens, _ in ours] == [tokens for tokens, _ in reference]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in reference], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(seed=seeds, width=st.integers(1, 8), max_len=st.integers(1, STEPS), alpha=alphas,
       zero_probability=st.sampled_from([0.0, 0.4]))
def test_beam_search_equals_the_python_beam(seed, width, max_len, alpha, zero_probability):
    logp = random_model(seed, zero_probability=zero_probability)
    assert_same_hypotheses(beam_search(logp, width, max_len, EOS, alpha),
                           naive_beam(logp, width, max_len, EOS, alpha))


@settings(max_examples=25, deadline=None)
@given(seed=seeds, alpha=alphas, zero_probability=st.sampled_from([0.0, 0.4]))
def test_a_beam_as_wide_as_all_sequences_finds_the_exhaustive_best(seed, alpha, zero_probability):
    logp = random_model(seed, zero_probability=zero_probability)
    best_tokens, best_score = naive_best(logp, STEPS, EOS, alpha)
    beam_tokens, beam_score = beam_search(logp, VOCAB ** STEPS, STEPS, EOS, alpha)[0]
    assert beam_tokens == best_tokens
    assert beam_score == pytest.approx(best_score, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, max_len=st.integers(1, STEPS), alpha=alphas, zero_probability=st.sampled_from([0.0, 0.4]))
def test_exhaustive_equals_listing_every_sequence(seed, max_len, alpha, zero_probability):
    logp = random_model(seed, zero_probability=zero_probability)
    tokens, score = exhaustive(logp, max_len, EOS, alpha)
    best_tokens, best_score = naive_best(logp, max_len, EOS, alpha)
    assert tokens == best_tokens
    assert score == pytest.approx(best_score, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, max_len=st.integers(1, STEPS), alpha=alphas)
def test_width_one_is_greedy(seed, max_len, alpha):
    logp = random_model(seed)
    seq, total = naive_greedy(logp, max_len, EOS)
    expected = (seq, pytest.approx(total / len(seq) ** alpha, rel=1e-12))
    assert greedy(logp, max_len, EOS, alpha) == expected
    assert beam_search(logp, 1, max_len, EOS, alpha) == [expected]


@settings(max_examples=60, deadline=None)
@given(seed=seeds, width=st.integers(1, 6), alpha=alphas)
def test_the_beam_never_beats_the_exhaustive_best(seed, width, alpha):
    logp = random_model(seed)
    assert beam_search(logp, width, STEPS, EOS, alpha)[0][1] <= exhaustive(logp, STEPS, EOS, alpha)[1] + 1e-12


@settings(max_examples=30, deadline=None)
@given(seed=seeds, width=st.integers(1, 8), max_len=st.integers(1, STEPS))
def test_results_are_ranked_and_at_most_beam_width(seed, width, max_len):
    results = beam_search(random_model(seed), width, max_len, EOS, 0.7)
    scores = [score for _, score in results]
    assert 1 <= len(results) <= width
    assert scores == sorted(scores, reverse=True)
    for tokens, _ in results:
        assert tokens[-1] == EOS or len(tokens) == max_len
        assert EOS not in tokens[:-1]


def test_length_normalisation_changes_the_winner():
    # "<eos>" alone: P = 0.5 (log -0.693, L = 1); "a b <eos>": 0.5 * 0.8 * 0.8 = 0.32 (log -1.139, L = 3).
    logp = np.full((3, 3, 3), np.log(1 / 3))
    logp[0, 0] = [np.log(0.5), np.log(0.5), -np.inf]
    logp[1:, 1] = [np.log(0.2), -np.inf, np.log(0.8)]
    logp[1:, 2] = [np.log(0.8), np.log(0.2), -np.inf]
    assert beam_search(logp, 2, 3, 0, alpha=0.0)[0] == ([0], pytest.approx(np.log(0.5)))
    assert beam_search(logp, 2, 3, 0, alpha=1.0)[0] == ([1, 2, 0], pytest.approx(np.log(0.32) / 3))


def test_ties_go_to_the_first_sequence_in_token_order():
    uniform = np.full((2, VOCAB, VOCAB), np.log(1 / VOCAB))
    assert exhaustive(uniform, 1, 3) == ([0], pytest.approx(np.log(1 / VOCAB)))
    assert greedy(uniform, 2, 3) == ([0, 0], pytest.approx(2 * np.log(1 / VOCAB)))
    assert [tokens for tokens, _ in beam_search(uniform, VOCAB, 1, 3)] == [[0], [1], [2], [3]]


def test_beam_tree_rows_are_ranked_children_of_live_parents():
    logp = random_model(7)
    tree = beam_tree(logp, 3, STEPS, EOS)
    for step in range(tree.tokens.shape[0]):
        kept = tree.tokens[step] >= 0
        assert np.all(np.diff(tree.totals[step, kept]) <= 0)
        if step > 0:
            parents = tree.parents[step, kept]
            assert np.all(tree.tokens[step - 1, parents] != EOS)
            np.testing.assert_allclose(tree.totals[step, kept], tree.totals[step - 1, parents]
                                       + logp[step, tree.tokens[step - 1, parents], tree.tokens[step, kept]])


@pytest.mark.parametrize(("call", "message"), [
    (lambda m: beam_search(m[0], 3, 5, 0), r"logp shape \(4, 4\)"),
    (lambda m: beam_search(-m, 3, 5, 0), r"logp: must hold log-probabilities"),
    (lambda m: beam_search(np.where(m < -1, np.nan, m), 3, 5, 0), r"no nan"),
    (lambda m: beam_search(np.where(np.arange(4)[:, None] == 1, -np.inf, m), 3, 5, 0), r"every row"),
    (lambda m: beam_search(m, 0, 5, 0), r"beam_width=0: must be an integer >= 1"),
    (lambda m: beam_search(m, 3, 6, 0), r"max_len=6: must be an integer from 1 to 5"),
    (lambda m: greedy(m, 3, 4), r"eos=4: must be an integer from 0 to 3"),
    (lambda m: exhaustive(m, 3, 0, alpha=-0.5), r"alpha=-0.5: must be a finite number >= 0"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call(random_model(1))


def test_the_demo_finds_the_human_translation_that_greedy_misses():
    result = DEMO.run(**DEMO.defaults())
    assert isinstance(result, DemoResult)
    rows = {row[0]: row for row in result.table.rows}
    assert result.table.columns == ("search", "output", "log P", "L", "score a=0.7")
    assert rows["greedy"][1:] == ("Jane is going to be visiting Africa in September.", "-3.285", "10", "-0.656")
    assert rows["beam #1"][1:] == ("Jane visits Africa in September.", "-2.145", "6", "-0.612")
    assert rows["exhaustive"][1:] == rows["beam #1"][1:]
    assert len(result.table.rows) == 5
    assert 'Beam width 3, alpha 0.7: "Jane visits Africa in September." (-0.612)' in result.summary
    assert 'Without length normalisation the beam picks "In September."' in result.summary
    assert result.data["beam"][0]["tokens"] == ["Jane", "visits", "Africa", "in", "September", "<eos>"]
    assert result.data["beam_without_normalisation"] == ["In", "September", "<eos>"]
    assert result.data["greedy"]["score"] == pytest.approx(-0.6555427376774499)
    json.dumps(result.data)
    assert len(result.figure.axes) == 1


def test_the_demo_with_width_one_is_greedy():
    result = DEMO.run(**DEMO.validate({"beam_width": "1"}))
    assert result.data["beam"][0]["tokens"] == result.data["greedy"]["tokens"]
    assert len(result.table.rows) == 3


def test_warm_compiles_every_kernel():
    DEMO.warm()


def naive_candidates(logp, width, max_len, eos, wanted):
    """The candidates of step `wanted` in the plain Python beam: (tokens, total, kept), best first."""
    for step, (candidates, kept, _, _) in enumerate(naive_steps(logp, width, max_len, eos), 1):
        if step == wanted:
            return [(seq, total, (seq, total) in kept) for seq, total in candidates]
    return []


@settings(max_examples=60, deadline=None)
@given(seed=seeds, width=st.integers(1, 5), max_len=st.integers(1, STEPS), data=st.data(),
       zero_probability=st.sampled_from([0.0, 0.4]))
def test_beam_candidates_equal_the_python_beams_step(seed, width, max_len, data, zero_probability):
    logp = random_model(seed, zero_probability=zero_probability)
    step = data.draw(st.integers(1, max_len))
    ours = beam_candidates(logp, width, max_len, EOS, step)
    reference = naive_candidates(logp, width, max_len, EOS, step)
    assert [(tokens, kept) for tokens, _, kept in ours] == [(tokens, kept) for tokens, _, kept in reference]
    np.testing.assert_allclose([t for _, t, _ in ours], [t for _, t, _ in reference], rtol=1e-12)


def test_the_notes_worked_step_keeps_in_september_and_jane_is():
    logp = toy_translation_model(model="worked")
    eos = VOCABULARY.index("<eos>")
    first = beam_candidates(logp, 2, 10, eos, 1)
    assert [(VOCABULARY[t[0]], kept) for t, _, kept in first[:3]] == [("Jane", True), ("In", True),
                                                                      ("September", False)]
    np.testing.assert_allclose([math.exp(total) for _, total, _ in first[:3]], [0.5, 0.3, 0.1])
    second = {" ".join(VOCABULARY[t] for t in tokens): (math.exp(total), kept)
              for tokens, total, kept in beam_candidates(logp, 2, 10, eos, 2)}
    assert second["In September"] == (pytest.approx(0.3 * 0.9), True)
    assert second["Jane is"] == (pytest.approx(0.5 * 0.4), True)
    assert second["Jane visits"] == (pytest.approx(0.5 * 0.35), False)
    assert sum(kept for _, kept in second.values()) == 2
    assert max(p for p, kept in second.values() if not kept) == pytest.approx(0.175)
    result = DEMO.run(**DEMO.validate({"model": "worked", "beam_width": "2", "step": "2"}))
    assert ('keeps "In September" (0.3 · 0.9 = 0.27), "Jane is" (0.5 · 0.4 = 0.2); '
            'the best dropped is "Jane visits" (0.5 · 0.35 = 0.175)') in result.summary
    assert 'the beam holds "Jane" (0.5), "In" (0.3)' in result.summary
    assert result.table.rows[0] == ("In September", "0.3 · 0.9 = 0.27", "-1.309", "kept")
    assert [c["kept"] for c in result.data["candidates"]][:3] == [True, True, False]
    assert "0.27" in result.summary_zh
    json.dumps(result.data)


def test_the_step_view_after_the_search_ended_and_the_default_is_unchanged():
    ended = DEMO.run(**DEMO.validate({"beam_width": "1", "step": "12", "max_len": "3"}))
    assert "step 12 is past max_len: showing step 3" in ended.summary
    ended = DEMO.run(**DEMO.validate({"beam_width": "1", "step": "11", "max_len": "12"}))
    assert "Step 11: the search had already ended" in ended.summary and ended.data["candidates"] == []
    assert DEMO.defaults()["model"] == "toy" and DEMO.defaults()["step"] == 0
    assert DEMO.run(**DEMO.defaults()).table.columns[0] == "search"


def test_every_row_of_the_worked_model_is_a_distribution():
    probabilities = np.exp(toy_translation_model(model="worked")[0])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
