"""Precision, recall and F1 against scikit-learn and a counting loop, the error gaps, and the demo's result."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import precision_recall_fscore_support

from demos.metrics import (DEMO, GAPS, _counts, classifier_scores, error_ceilings, error_gaps,
                          precision_recall_f1, satisficing_choice, split_sizes, standard_error)


def counted(y_true, scores, threshold):
    """TP, FP, FN by a plain loop over the examples."""
    tp = fp = fn = 0
    for label, score in zip(y_true, scores):
        tp += label == 1 and score >= threshold
        fp += label == 0 and score >= threshold
        fn += label == 1 and score < threshold
    return tp, fp, fn


def sklearn_prf(y_true, scores, threshold):
    """scikit-learn's binary precision, recall and F1 of the thresholded scores, 0 on 0/0."""
    predicted = (np.asarray(scores) >= threshold).astype(int)
    p, r, f, _ = precision_recall_fscore_support(np.asarray(y_true), predicted, average="binary", labels=[0, 1],
                                                 zero_division=0)
    return p, r, f


labelled = st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 1), min_size=n, max_size=n),
    st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]) | st.floats(-2, 2), min_size=n, max_size=n)))


@settings(max_examples=100, deadline=None)
@given(data=labelled, threshold=st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0]) | st.floats(-3, 3))
def test_precision_recall_f1_equals_sklearn_with_zero_division_0(data, threshold):
    y_true, scores = data
    ours = precision_recall_f1(y_true, scores, threshold)
    assert ours == pytest.approx(sklearn_prf(y_true, scores, threshold), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(data=labelled, thresholds=st.lists(st.floats(-3, 3), min_size=1, max_size=8))
def test_counting_kernel_equals_a_loop(data, thresholds):
    y_true, scores = data
    counts = _counts(np.array(y_true, np.int64), np.array(scores, float), np.array(thresholds))
    assert counts.tolist() == [list(counted(y_true, scores, t)) for t in thresholds]


@settings(max_examples=60, deadline=None)
@given(data=labelled, threshold=st.floats(-3, 3))
def test_f1_is_the_harmonic_mean_and_lies_between_precision_and_recall(data, threshold):
    precision, recall, f1 = precision_recall_f1(*data, threshold)
    if precision + recall > 0:
        assert f1 == pytest.approx(2 * precision * recall / (precision + recall), abs=1e-12)
        assert min(precision, recall) - 1e-12 <= f1 <= (precision + recall) / 2 + 1e-12
    else:
        assert f1 == 0.0


def test_the_notes_cat_example():
    # 80 cats; 50 flagged, 40 of them cats: P = 0.8, R = 0.5, F1 = 0.615.
    y_true = [1] * 80 + [0] * 120
    scores = [0.9] * 40 + [0.1] * 40 + [0.9] * 10 + [0.1] * 110
    precision, recall, f1 = precision_recall_f1(y_true, scores, 0.5)
    assert (precision, recall) == (0.8, 0.5)
    assert f1 == pytest.approx(0.8 / 1.3) and round(f1, 3) == 0.615


def test_flagging_everything_gives_recall_1_and_a_low_f1():
    y_true = [1] * 80 + [0] * 720
    precision, recall, f1 = precision_recall_f1(y_true, np.linspace(0, 1, 800), 0.0)
    assert (precision, recall) == (0.1, 1.0)
    assert f1 == pytest.approx(2 * 0.1 / 1.1) and round(f1, 2) == 0.18


def test_precision_and_recall_are_0_when_nothing_is_flagged_or_nothing_is_positive():
    assert precision_recall_f1([1, 1, 0], [0.1, 0.2, 0.3], 0.5) == (0.0, 0.0, 0.0)
    assert precision_recall_f1([0, 0], [0.9, 0.1], 0.5) == (0.0, 0.0, 0.0)
    assert precision_recall_f1([0, 0], [0.1, 0.1], 0.5) == (0.0, 0.0, 0.0)


def test_a_score_equal_to_the_threshold_is_positive():
    assert precision_recall_f1([1], [0.5], 0.5) == (1.0, 1.0, 1.0)
    assert precision_recall_f1([True, False], np.array([0.5, 0.4]), 0.5) == (1.0, 1.0, 1.0)


@settings(max_examples=50, deadline=None)
@given(data=labelled)
def test_recall_never_rises_with_the_threshold(data):
    y_true, scores = data
    recalls = [precision_recall_f1(y_true, scores, t)[1] for t in np.linspace(-3, 3, 25)]
    assert all(a >= b for a, b in zip(recalls, recalls[1:]))


@pytest.mark.parametrize(("errors", "expected"), [
    # The notes' train-dev example, and its variance variant.
    ((0, 1, 1.5, 10, 10.5), {"avoidable_bias": 1, "variance": 0.5, "data_mismatch": 8.5, "overfitting_to_dev": 0.5,
                             "first": "data_mismatch"}),
    ((0, 1, 9, 10, 10.5), {"avoidable_bias": 1, "variance": 8, "data_mismatch": 1, "overfitting_to_dev": 0.5,
                           "first": "variance"}),
    # Avoidable bias: 8% train, 10% dev; human 1% -> bias first, human 7.5% -> variance first.
    ((1, 8, 10, 10, 10), {"avoidable_bias": 7, "variance": 2, "data_mismatch": 0, "overfitting_to_dev": 0,
                          "first": "avoidable_bias"}),
    ((7.5, 8, 10, 10, 10), {"avoidable_bias": 0.5, "variance": 2, "data_mismatch": 0, "overfitting_to_dev": 0,
                            "first": "variance"}),
    ((1, 2, 3, 4, 9), {"avoidable_bias": 1, "variance": 1, "data_mismatch": 1, "overfitting_to_dev": 5,
                       "first": "overfitting_to_dev"}),
])
def test_error_gaps_of_the_notes_examples(errors, expected):
    gaps = error_gaps(*errors)
    assert gaps["first"] == expected["first"]
    for name in GAPS:
        assert gaps[name] == pytest.approx(expected[name])


@settings(max_examples=100, deadline=None)
@given(errors=st.lists(st.floats(0, 100), min_size=5, max_size=5))
def test_gaps_add_up_to_test_minus_human_and_first_is_the_largest(errors):
    gaps = error_gaps(*errors)
    assert sum(gaps[name] for name in GAPS) == pytest.approx(errors[4] - errors[0], abs=1e-9)
    assert gaps[gaps["first"]] == max(gaps[name] for name in GAPS)
    assert gaps["first"] == next(name for name in GAPS if gaps[name] == gaps[gaps["first"]])


def test_ties_go_to_the_earlier_gap():
    assert error_gaps(0, 2, 4, 6, 8)["first"] == "avoidable_bias"


@settings(max_examples=30, deadline=None)
@given(positives=st.integers(1, 300), negatives=st.integers(1, 300), separation=st.floats(0, 8),
       seed=st.integers(0, 1000))
def test_the_classifier_puts_one_sample_in_each_slice(positives, negatives, separation, seed):
    labels, scores = classifier_scores(positives, negatives, separation, seed)
    assert labels.tolist() == [1] * positives + [0] * negatives
    # A positive's logit lies in its 1/n slice of the logistic distribution, so exactly half are >= 0.5 when n is even.
    logits = np.log(scores[:positives] / (1 - scores[:positives]))
    slices = np.arange(positives)
    assert np.all(1 / (1 + np.exp(-logits)) >= slices / positives - 1e-9)
    assert np.all(1 / (1 + np.exp(-logits)) <= (slices + 1) / positives + 1e-9)
    if positives % 2 == 0:
        assert np.sum(scores[:positives] >= 0.5) == positives // 2
    assert np.all(np.diff(scores[positives:]) >= 0)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: precision_recall_f1([1, 2], [0.1, 0.2], 0.5), r"y_true\[1\]=2: must be 0 or 1"),
    (lambda: precision_recall_f1([1, 0], [0.1], 0.5), r"scores has shape \(1,\): must be \(2,\), one score per label"),
    (lambda: precision_recall_f1([], [], 0.5), r"y_true has shape \(0,\): must hold at least 1 value"),
    (lambda: precision_recall_f1([1, 0], [0.1, float("nan")], 0.5), r"scores\[1\]=.*nan.*: must be finite"),
    (lambda: precision_recall_f1([1], [0.1], float("inf")), r"threshold=inf: must be a finite number"),
    (lambda: precision_recall_f1([[1]], [[0.1]], 0.5), r"y_true has shape \(1, 1\): must be 1-D"),
    (lambda: error_gaps(0, 1, -1, 2, 3), r"train_dev=-1: must be a finite number >= 0"),
    (lambda: classifier_scores(0, 5, 1.0), r"positives=0: must be an integer >= 1"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_defaults_reproduce_the_notes_example():
    result = DEMO.run(**DEMO.defaults())
    assert result.summary.startswith("At threshold 0.50 the classifier flags 50 of 200, 40 of them really positive: "
                                     "precision 40/50 = 0.800, recall 40/80 = 0.500, F1 0.615")
    assert (result.data["tp"], result.data["fp"], result.data["fn"]) == (40, 10, 40)
    assert result.data["f1"] == pytest.approx(0.8 / 1.3)
    assert result.data["best_f1"] >= result.data["f1"]
    assert ("F1 = 2PR/(P+R)", "0.615") in result.table.rows
    assert len(result.figure.axes) == 1


def test_the_demo_names_what_to_work_on_first():
    result = DEMO.run(**DEMO.validate({"view": "error_gaps"}))
    assert result.summary.startswith("Work on data mismatch first: train-dev 1.5% -> dev 10% is 8.5 points")
    assert result.data["first"] == "data_mismatch"
    bias = DEMO.run(**DEMO.validate({"view": "error_gaps", "human": "1", "train": "8", "train_dev": "10",
                                     "dev": "10", "test": "10"}))
    assert bias.summary.startswith("Work on avoidable bias first: human 1% -> train 8% is 7 points")
    variance = DEMO.run(**DEMO.validate({"view": "error_gaps", "human": "7.5", "train": "8", "train_dev": "10",
                                         "dev": "10", "test": "10"}))
    assert variance.summary.startswith("Work on variance first: train 8% -> train-dev 10% is 2 points")


# Error analysis ceilings, and an optimising metric under a satisficing one.

@settings(max_examples=60, deadline=None)
@given(dev=st.floats(0, 100), inspected=st.integers(1, 500), data=st.data())
def test_error_ceilings_are_share_times_dev_error(dev, inspected, data):
    counts = data.draw(st.lists(st.integers(0, inspected), min_size=1, max_size=6))
    gains = error_ceilings(dev, inspected, counts)
    for count, gain in zip(counts, gains):
        assert gain == pytest.approx(count / inspected * dev, rel=1e-12, abs=1e-15)
        assert 0 <= gain <= dev + 1e-12


def test_ceiling_view_of_the_cards():
    result = DEMO.run(**{**DEMO.defaults(), "view": "ceiling", "dev": 10.0, "inspected": 100,
                         "categories": "dogs=5, blurry=50, great cats=20"})
    cats = result.data["categories"]
    assert {name: cats[name]["ceiling"] for name in cats} == pytest.approx({"dogs": 0.5, "blurry": 5, "great cats": 2})
    assert cats["great cats"]["best_dev_error"] == pytest.approx(8.0)
    assert result.data["first"] == "blurry" and "Start with blurry: at best 10% -> 5%" in result.summary
    labels = DEMO.run(**{**DEMO.defaults(), "view": "ceiling", "categories": "incorrect labels=6"})
    assert "at most 0.6 of the 10 points" in labels.summary and "account for 9.4" in labels.summary
    # The card's 2% case: the same 0.6 points are 30 of every 100 errors.
    low = DEMO.run(**{**DEMO.defaults(), "view": "ceiling", "dev": 2.0, "categories": "incorrect labels=30"})
    assert "at most 0.6 of the 2 points (30% of the errors)" in low.summary


def test_satisficing_choice_is_the_most_accurate_fast_enough():
    assert satisficing_choice([90, 92, 95], [80, 95, 1500], 100) == 1
    assert satisficing_choice([90, 92, 95], [80, 95, 1500], 2000) == 2
    assert satisficing_choice([90, 92, 95], [80, 95, 1500], 50) is None
    assert satisficing_choice([92, 92], [10, 20], 100) == 0
    rng = np.random.default_rng(0)
    for _ in range(50):  # against a plain loop
        accuracy, time, limit = rng.integers(50, 100, 6), rng.integers(1, 200, 6), float(rng.integers(1, 200))
        best = None
        for i in range(6):
            if time[i] <= limit and (best is None or accuracy[i] > accuracy[best]):
                best = i
        assert satisficing_choice(accuracy, time, limit) == best


def test_satisficing_view_chooses_b():
    result = DEMO.run(**{**DEMO.defaults(), "view": "satisficing"})
    assert result.data["chosen"] == "B" and result.data["combined_best"] == "A"
    assert result.data["combined"] == pytest.approx([90 - 40, 92 - 47.5, 95 - 750])
    assert "A, B meet the limit, C does not" in result.summary and "choose B" in result.summary
    assert [row[-1] for row in result.table.rows] == ["", "<- chosen", ""]


@pytest.mark.parametrize("values, message", [
    ({"view": "ceiling", "categories": "blurry"}, "name=value"),
    ({"view": "ceiling", "categories": "blurry=half"}, "whole number"),
    ({"view": "ceiling", "categories": "blurry=101"}, "counts\\[0\\]=101"),
    ({"view": "ceiling", "categories": "a=1, a=2"}, "once"),
    ({"view": "satisficing", "classifiers": "A=90"}, "accuracy/milliseconds"),
    ({"view": "satisficing", "classifiers": "A=90/-5"}, "at least 0"),
])
def test_bad_lists_are_refused(values, message):
    with pytest.raises(ValueError, match=message):
        DEMO.run(**{**DEMO.defaults(), **values})


# The split view: what train, dev and test hold, and how precisely dev measures an error.

@settings(max_examples=60, deadline=None)
@given(examples=st.integers(10, 10**6), other=st.integers(0, 10**6), shuffle=st.booleans(), data=st.data())
def test_split_sizes_account_for_every_example(examples, other, shuffle, data):
    pool = examples + other if shuffle else examples
    dev = data.draw(st.integers(1, max(1, (pool - 1) // 2 - 1)))
    test = data.draw(st.integers(1, max(1, pool - dev - 1)))
    if dev + test >= pool:
        return
    sets = split_sizes(examples, other, dev, test, shuffle)
    assert sum(sets[name][0] for name in sets) == pytest.approx(examples)
    assert sum(sets[name][1] for name in sets) == pytest.approx(other)
    assert sum(sets["dev"]) == pytest.approx(dev) and sum(sets["test"]) == pytest.approx(test)
    if shuffle:  # a random split keeps each set's mix the same as the whole's
        assert sets["dev"][0] / dev == pytest.approx(examples / (examples + other))
    else:
        assert sets["dev"][1] == 0 and sets["test"][1] == 0


def test_standard_error_is_the_binomial_one():
    assert standard_error(0.1, [10_000])[0] == pytest.approx(0.003)
    assert standard_error(0.1, [200])[0] == pytest.approx(np.sqrt(0.09 / 200))
    rng = np.random.default_rng(0)  # and it is what repeated dev sets of 400 actually show
    measured = rng.binomial(400, 0.1, size=20_000) / 400
    assert measured.std() == pytest.approx(standard_error(0.1, [400])[0], rel=0.03)


def test_split_view_of_the_cards():
    small = DEMO.run(**{**DEMO.defaults(), "view": "split", "examples": 1000, "dev_size": 200, "test_size": 200})
    assert "600/200/200 = 60/20/20%" in small.summary and "±2.1 points" in small.summary
    large = DEMO.run(**{**DEMO.defaults(), "view": "split", "examples": 1_000_000, "dev_size": 10_000,
                        "test_size": 10_000})
    assert "98/1/1%" in large.summary and "±0.3 points" in large.summary
    assert "enough to tell models 1 point apart" in large.summary
    mixed = DEMO.run(**{**DEMO.defaults(), "view": "split", "examples": 10_000, "other_examples": 200_000,
                        "dev_size": 2500, "test_size": 2500, "shuffle": True})
    assert "dev and test are 95% other-source examples (200,000/210,000)" in mixed.summary
    apart = DEMO.run(**{**DEMO.defaults(), "view": "split", "examples": 10_000, "other_examples": 200_000,
                        "dev_size": 2500, "test_size": 2500, "shuffle": False})
    assert apart.data["sets"]["train"] == {"target": 5000, "other": 200_000}
    assert apart.data["sets"]["dev"] == {"target": 2500, "other": 0}
    assert "train-dev set" in apart.summary


@pytest.mark.parametrize("call, message", [
    (lambda: split_sizes(100, 0, 60, 40, False), "must leave training examples"),
    (lambda: split_sizes(100, 1000, 60, 40, False), "among the target examples"),
    (lambda: split_sizes(100, 0, 0, 10, False), "dev_size=0"),
    (lambda: standard_error(1.5, [10]), "error=1.5"),
    (lambda: standard_error(0.1, [0]), "must be positive"),
])
def test_split_helpers_refuse_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
