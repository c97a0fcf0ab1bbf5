"""BLEU against sacrebleu and slow Counter-based references, the D2L variant, and the demo's result."""

from __future__ import annotations

import collections
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sacrebleu.metrics import BLEU

from demos.bleu import (DEMO, BleuResult, _sentence_stats, clipped_ngrams, corpus_bleu, d2l_bleu, sentence_bleu,
                        tokenize)
from revise.demo_engine.spec import DemoResult

NOTES_HYPOTHESIS = "The cat the cat on the mat.".split()
NOTES_REFERENCES = ["The cat is on the mat.".split(), "There is a cat on the mat.".split()]
SACRE_SMOOTH = {None: "none", "exp": "exp", "floor": "floor"}

sentences = st.lists(st.sampled_from("abcde"), max_size=12)


@st.composite
def corpora(draw, min_refs=1):
    """Aligned hypotheses and references over a five-word vocabulary, the same number of references per pair."""
    pairs, refs = draw(st.integers(1, 6)), draw(st.integers(min_refs, 3))
    hypotheses = draw(st.lists(sentences, min_size=pairs, max_size=pairs))
    references = draw(st.lists(st.lists(sentences, min_size=refs, max_size=refs), min_size=pairs, max_size=pairs))
    return hypotheses, references


def sacrebleu_score(hypotheses, references, max_n=4, smooth=None):
    """sacrebleu's corpus BLEU on the space-joined tokens, as reference."""
    metric = BLEU(tokenize="none", smooth_method=SACRE_SMOOTH[smooth], effective_order=False,
                  max_ngram_order=max_n)
    streams = [[" ".join(refs[k]) for refs in references] for k in range(len(references[0]))]
    return metric.corpus_score([" ".join(h) for h in hypotheses], streams)


def naive_stats(hypothesis, references, max_n):
    """[hyp_len, closest ref_len, clipped matches per order, totals per order] with Counters."""
    ref_len = min((len(r) for r in references), key=lambda length: (abs(length - len(hypothesis)), length))
    matches, totals = [], []
    for n in range(1, max_n + 1):
        counts = collections.Counter(tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1))
        ceiling = {}
        for reference in references:
            for gram, count in collections.Counter(tuple(reference[i:i + n])
                                                   for i in range(len(reference) - n + 1)).items():
                ceiling[gram] = max(ceiling.get(gram, 0), count)
        matches.append(sum(min(count, ceiling.get(gram, 0)) for gram, count in counts.items()))
        totals.append(sum(counts.values()))
    return [len(hypothesis), ref_len, *matches, *totals]


def naive_d2l_bleu(pred_tokens, label_tokens, k):
    """The Dive into Deep Learning implementation (d2l.bleu), on token lists."""
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    score = math.exp(min(0, 1 - len_label / len_pred))
    for n in range(1, k + 1):
        num_matches, label_subs = 0, collections.defaultdict(int)
        for i in range(len_label - n + 1):
            label_subs[" ".join(label_tokens[i: i + n])] += 1
        for i in range(len_pred - n + 1):
            if label_subs[" ".join(pred_tokens[i: i + n])] > 0:
                num_matches += 1
                label_subs[" ".join(pred_tokens[i: i + n])] -= 1
        score *= math.pow(num_matches / (len_pred - n + 1), math.pow(0.5, n))
    return score


def assert_agrees_with_sacrebleu(ours: BleuResult, theirs):
    """Same score, precisions, counts, brevity penalty and lengths as sacrebleu's BLEUScore."""
    assert ours.score == pytest.approx(theirs.score / 100, abs=1e-9)
    np.testing.assert_allclose(ours.precisions, np.array(theirs.precisions) / 100, atol=1e-12)
    assert ours.matches == list(theirs.counts)
    assert ours.totals == list(theirs.totals)
    assert ours.brevity_penalty == pytest.approx(theirs.bp, abs=1e-12)
    assert (ours.hyp_len, ours.ref_len) == (theirs.sys_len, theirs.ref_len)


def test_the_notes_example_matches_sacrebleu():
    ours = sentence_bleu(NOTES_HYPOTHESIS, NOTES_REFERENCES)
    assert ours.precisions[:2] == [pytest.approx(5 / 7), pytest.approx(4 / 6)]
    assert ours.score == pytest.approx(0.467138, abs=1e-6)
    assert_agrees_with_sacrebleu(ours, sacrebleu_score([NOTES_HYPOTHESIS], [NOTES_REFERENCES]))


@settings(max_examples=200, deadline=None)
@given(corpus=corpora(), max_n=st.integers(1, 4), smooth=st.sampled_from([None, "exp", "floor"]))
def test_corpus_bleu_equals_sacrebleu(corpus, max_n, smooth):
    hypotheses, references = corpus
    assert_agrees_with_sacrebleu(corpus_bleu(hypotheses, references, max_n, smooth),
                                 sacrebleu_score(hypotheses, references, max_n, smooth))


@settings(max_examples=100, deadline=None)
@given(corpus=corpora(), max_n=st.integers(1, 5))
def test_sentence_statistics_equal_counter_clipping(corpus, max_n):
    hypotheses, references = corpus
    expected = [naive_stats(h, refs, max_n) for h, refs in zip(hypotheses, references)]
    np.testing.assert_array_equal(_sentence_stats(hypotheses, references, max_n), expected)


def test_long_sentences_over_a_large_vocabulary_equal_counter_clipping():
    rng = np.random.default_rng(3)
    hypotheses = [[f"w{i}" for i in rng.integers(0, 50_000, size)] for size in rng.integers(0, 400, 20)]
    references = [[[f"w{i}" for i in rng.integers(0, 50_000, size)] + h[: size // 2] for size in (30, 300)]
                  for h in hypotheses]
    expected = [naive_stats(h, refs, 4) for h, refs in zip(hypotheses, references)]
    np.testing.assert_array_equal(_sentence_stats(hypotheses, references, 4), expected)


@settings(max_examples=100, deadline=None)
@given(corpus=corpora(), max_n=st.integers(1, 4), smooth=st.sampled_from([None, "exp", "floor"]))
def test_score_is_between_zero_and_one(corpus, max_n, smooth):
    assert 0.0 <= corpus_bleu(*corpus, max_n, smooth).score <= 1.0


@settings(max_examples=50, deadline=None)
@given(sentence=st.lists(st.sampled_from("abcde"), max_size=12), max_n=st.integers(1, 4))
def test_a_perfect_translation_scores_one_when_it_has_max_n_tokens(sentence, max_n):
    score = sentence_bleu(sentence, [sentence], max_n).score
    assert score == (pytest.approx(1.0) if len(sentence) >= max_n else 0.0)


def test_corpus_bleu_is_not_the_mean_of_sentence_bleus():
    hypotheses = ["the cat sat on the mat".split(), "a cat ran".split()]
    references = [["the cat sat on the mat".split()], ["a dog ran off".split()]]
    sentence_scores = [sentence_bleu(h, refs).score for h, refs in zip(hypotheses, references)]
    corpus = corpus_bleu(hypotheses, references)
    assert sentence_scores == [pytest.approx(1.0), 0.0]
    assert corpus.matches == [8, 5, 4, 3] and corpus.totals == [9, 7, 5, 3]
    assert corpus.score == pytest.approx(math.exp(1 - 10 / 9) * (8 / 9 * 5 / 7 * 4 / 5) ** 0.25)
    assert corpus.score != pytest.approx(np.mean(sentence_scores), abs=0.05)


def test_exp_smoothing_credits_orders_without_a_match():
    hypothesis, references = "the the the the the the the".split(), ["the cat is on the mat".split()]
    smoothed = sentence_bleu(hypothesis, references, smooth="exp")
    assert sentence_bleu(hypothesis, references).score == 0.0
    assert smoothed.precisions == [pytest.approx(2 / 7), 1 / (2 * 6), 1 / (4 * 5), 1 / (8 * 4)]
    assert_agrees_with_sacrebleu(smoothed, sacrebleu_score([hypothesis], [references], smooth="exp"))


def test_d2l_bleu_on_the_books_example():
    assert d2l_bleu("A B B C D".split(), "A B C D E F".split(), 3) == pytest.approx(0.594034, abs=1e-6)
    assert d2l_bleu("A B B C D".split(), "A B C D E F".split(), 4) == 0.0


@settings(max_examples=100, deadline=None)
@given(pred=st.lists(st.sampled_from("abcd"), min_size=1, max_size=10), label=sentences, k=st.integers(1, 4))
def test_d2l_bleu_equals_the_books_code(pred, label, k):
    if k <= len(pred):
        assert d2l_bleu(pred, label, k) == pytest.approx(naive_d2l_bleu(pred, label, k), rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(corpus=corpora(), n=st.integers(1, 4))
def test_clipped_ngrams_add_up_to_the_kernels_matches(corpus, n):
    hypothesis, references = corpus[0][0], corpus[1][0]
    clipped = clipped_ngrams(hypothesis, references, n)
    stats = naive_stats(hypothesis, references, n)
    assert sum(clip for _, _, clip in clipped) == stats[1 + n]
    assert sentence_bleu(hypothesis, references, n).matches[-1] == stats[1 + n]
    assert sum(count for _, count, _ in clipped) == stats[1 + 2 * n]


def test_clipped_ngrams_of_the_notes_example():
    assert clipped_ngrams(NOTES_HYPOTHESIS, NOTES_REFERENCES, 2) == [
        (("The", "cat"), 1, 1), (("cat", "the"), 1, 0), (("the", "cat"), 1, 0), (("cat", "on"), 1, 1),
        (("on", "the"), 1, 1), (("the", "mat."), 1, 1)]


def test_tokenize_lowercases_and_splits_off_punctuation():
    assert tokenize("The cat,  the MAT.") == ["The", "cat,", "the", "MAT."]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: corpus_bleu("the cat", [["the cat".split()]]), r"hypotheses of type str: must be a non-empty list"),
    (lambda: corpus_bleu([], []), r"hypotheses of type list: must be a non-empty list"),
    (lambda: corpus_bleu([["a"], ["b"]], [[["a"]]]), r"references of length 1: must be a list with one list of "
                                                     r"references per hypothesis \(2\)"),
    (lambda: corpus_bleu([["a"]], [[]]), r"references\[0\] of type list: must be a non-empty list"),
    (lambda: corpus_bleu([["a"]], [["a b"]]), r"references\[0\]\[0\] of type str: must be a list of tokens"),
    (lambda: corpus_bleu(["a b"], [[["a"]]]), r"hypotheses\[0\] of type str: must be a list of tokens"),
    (lambda: corpus_bleu([["a"]], [[["a"]]], max_n=0), r"max_n=0: must be an integer >= 1"),
    (lambda: corpus_bleu([["a"]], [[["a"]]], smooth="add-k"), r"smooth='add-k': must be None or one of exp, floor"),
    (lambda: d2l_bleu(["a", "b"], ["a"], 3), r"k=3: must be an integer from 1 to 2"),
    (lambda: d2l_bleu([], ["a"], 1), r"pred_tokens is empty"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_shows_the_notes_example_clipped():
    result = DEMO.run(**DEMO.defaults())
    assert isinstance(result, DemoResult)
    assert result.table.rows == (
        ("1", "5/7", "0.714", "The, cat 1/2, the 1/2, on, mat."),
        ("2", "4/6", "0.667", "The cat, cat on, on the, the mat., +2 unmatched"),
        ("3", "2/5", "0.400", "cat on the, on the mat., +3 unmatched"),
        ("4", "1/4", "0.250", "cat on the mat., +3 unmatched"),
    )
    assert result.summary.startswith("BLEU-4 = 0.4671: brevity penalty 1.000 (hypothesis 7 tokens, closest "
                                     "reference 7)")
    assert result.data["score"] == pytest.approx(0.467138, abs=1e-6)
    assert result.data["hypothesis_tokens"] == ["The", "cat", "the", "cat", "on", "the", "mat."]
    json.dumps(result.data)
    assert len(result.figure.axes) == 1


def test_the_demo_with_exp_smoothing_and_a_short_hypothesis():
    short = {"hypothesis": "the the the the the the the", "max_n": "2", "smooth": "exp"}
    result = DEMO.run(**DEMO.validate(short))
    assert [row[:3] for row in result.table.rows] == [("1", "1/7", "0.143"), ("2", "0/6", "0.083")]
    assert result.data["score"] == pytest.approx((1 / 7 * 1 / 12) ** 0.5)


def test_warm_compiles_every_kernel():
    DEMO.warm()


def test_the_d2l_variant_shows_the_books_example():
    result = DEMO.run(**DEMO.validate({"variant": "d2l", "hypothesis": "A B B C D", "reference1": "A B C D E F",
                                       "max_n": "3"}))
    assert "= 0.594" in result.summary and "0.8^(1/2) · 0.75^(1/4) · 0.333^(1/8)" in result.summary
    assert "exp(min(0, 1 - 6/5))" in result.summary and "0.594" in result.summary_zh
    assert result.data["score"] == pytest.approx(naive_d2l_bleu("A B B C D".split(), "A B C D E F".split(), 3))
    assert result.data["brevity_penalty"] == pytest.approx(math.exp(-0.2))
    assert [row[1:5] for row in result.table.rows] == [("4/5", "0.800", "1/2", f"{0.8 ** 0.5:.3f}"),
                                                       ("3/4", "0.750", "1/4", f"{0.75 ** 0.25:.3f}"),
                                                       ("1/3", "0.333", "1/8", f"{(1 / 3) ** 0.125:.3f}")]
    assert result.data["sacrebleu_score"] == pytest.approx(
        sacrebleu_score([["A", "B", "B", "C", "D"]], [[["A", "B", "C", "D", "E", "F"]]], 3).score / 100)
    json.dumps(result.data)
    four = DEMO.run(**DEMO.validate({"variant": "d2l", "hypothesis": "A B B C D", "reference1": "A B C D E F"}))
    assert four.data["score"] == 0.0 and "no 4-gram matches" in four.summary


@settings(max_examples=60, deadline=None)
@given(pred=st.lists(st.sampled_from("abcd"), min_size=4, max_size=10),
       label=st.lists(st.sampled_from("abcd"), min_size=1, max_size=10), k=st.integers(1, 4))
def test_the_d2l_variant_equals_the_books_code(pred, label, k):
    result = DEMO.run(**DEMO.validate({"variant": "d2l", "hypothesis": " ".join(pred),
                                       "reference1": " ".join(label), "max_n": str(k)}))
    assert result.data["score"] == pytest.approx(naive_d2l_bleu(pred, label, k), rel=1e-12, abs=1e-15)


def test_the_d2l_variant_needs_k_tokens_and_leaves_the_default_alone():
    with pytest.raises(ValueError, match=r"max_n=4: d2l's BLEU needs k <= the hypothesis's 2 tokens"):
        DEMO.run(**DEMO.validate({"variant": "d2l", "hypothesis": "a b"}))
    assert DEMO.defaults()["variant"] == "sacrebleu"
    assert DEMO.run(**DEMO.defaults()).data["score"] == pytest.approx(0.467138, abs=1e-6)
