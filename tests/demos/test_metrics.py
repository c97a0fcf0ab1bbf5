"""Precision, recall and F1 against scikit-learn and a counting loop, the error gaps, and the demo's result."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import precision_recall_fscore_support

from demos.metrics import DEMO, GAPS, _counts, classifier_scores, error_gaps, precision_recall_f1


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
