"""Softmax, log-softmax and the cross-entropies against SciPy and plain-Python references, and the demo's result."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import log_softmax as scipy_log_softmax
from scipy.special import softmax as scipy_softmax

from demos.softmax import (DEMO, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, multilabel_loss,
                           cross_entropy_grad, log_softmax, softmax)

logit = st.floats(-50, 50, allow_nan=False)
shapes = st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple)


@st.composite
def batches(draw, low=-30.0, high=30.0):
    """Logits (N, C) and targets (N,) in [0, C)."""
    n, classes = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    logits = draw(arrays(np.float64, (n, classes), elements=st.floats(low, high)))
    targets = draw(arrays(np.int64, (n,), elements=st.integers(0, classes - 1)))
    return logits, targets


def naive_cross_entropy(logits, targets, ls):
    """torch's definition, one row at a time with math.log and math.exp (log-sum-exp shifted by the max)."""
    total = 0.0
    for row, target in zip(logits.tolist(), targets.tolist()):
        top = max(row)
        lse = top + math.log(sum(math.exp(v - top) for v in row))
        neg_log_p = [lse - v for v in row]
        total += (1 - ls) * neg_log_p[target] + ls * sum(neg_log_p) / len(row)
    return total / len(logits)


@settings(max_examples=100, deadline=None)
@given(z=st.data(), temperature=st.floats(0.05, 20))
def test_softmax_and_log_softmax_equal_scipy(z, temperature):
    values = z.draw(arrays(np.float64, z.draw(shapes), elements=logit))
    np.testing.assert_allclose(softmax(values, temperature), scipy_softmax(values / temperature, axis=-1),
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(log_softmax(values), scipy_log_softmax(values, axis=-1), rtol=1e-12, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(z=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 8)), elements=logit),
       shift=st.floats(-1e4, 1e4), temperature=st.floats(0.1, 10))
def test_softmax_is_a_distribution_kept_in_order_and_blind_to_shifts(z, shift, temperature):
    p = softmax(z, temperature)
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(z + shift, temperature), p, rtol=1e-9, atol=1e-12)
    rows = np.arange(len(z))
    assert (p[rows, np.argmax(z, axis=-1)] == p.max(axis=-1)).all()


def test_the_notes_softmax_example_and_its_shifted_twin():
    expected = [0.665, 0.245, 0.090]
    np.testing.assert_allclose(softmax([2.0, 1.0, 0.0]), expected, atol=5e-4)
    np.testing.assert_allclose(softmax([1002.0, 1001.0, 1000.0]), softmax([2.0, 1.0, 0.0]), rtol=1e-15)
    assert np.isfinite(log_softmax([1000.0, 0.0])).all() and log_softmax([1000.0, 0.0])[1] == -1000.0


def test_temperature_sharpens_or_flattens():
    z = np.array([2.0, 1.0, 0.0])
    assert softmax(z, 0.05)[0] > 0.999999
    np.testing.assert_allclose(softmax(z, 1000.0), 1 / 3, atol=1e-3)
    assert softmax(z, 0.5)[0] > softmax(z)[0] > softmax(z, 2.0)[0]


@settings(max_examples=100, deadline=None)
@given(batch=batches(), ls=st.floats(0, 1))
def test_cross_entropy_equals_torchs_definition(batch, ls):
    logits, targets = batch
    assert cross_entropy(logits, targets, ls) == pytest.approx(naive_cross_entropy(logits, targets, ls), rel=1e-12,
                                                               abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(batch=batches())
def test_cross_entropy_without_smoothing_is_the_mean_negative_log_probability(batch):
    logits, targets = batch
    expected = -np.mean(scipy_log_softmax(logits, axis=1)[np.arange(len(targets)), targets])
    assert cross_entropy(logits, targets) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(batch=batches(low=-5.0, high=5.0))
def test_cross_entropy_grad_is_softmax_minus_one_hot_and_matches_finite_differences(batch):
    logits, targets = batch
    grad = cross_entropy_grad(logits, targets)
    one_hot = np.eye(logits.shape[1])[targets]
    np.testing.assert_allclose(grad, (scipy_softmax(logits, axis=1) - one_hot) / len(targets), atol=1e-14)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-14)
    h, numeric = 1e-6, np.empty_like(logits)
    for index in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (cross_entropy(up, targets) - cross_entropy(down, targets)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, atol=1e-8)


def test_the_notes_cross_entropy_and_gradient_examples():
    assert cross_entropy(np.log([[0.1, 0.8, 0.1]]), [1]) == pytest.approx(-math.log(0.8))
    assert round(cross_entropy(np.log([[0.1, 0.8, 0.1]]), [1]), 3) == 0.223
    np.testing.assert_allclose(cross_entropy_grad(np.log([[0.7, 0.2, 0.1]]), [1])[0], [0.7, -0.8, 0.1], atol=1e-12)
    assert cross_entropy([[0.0, 0.0, 0.0, 0.0]], [2], label_smoothing=0.5) == pytest.approx(math.log(4))


def naive_bce(p, y):
    """-(y log p + (1 - y) log(1 - p)) per element with each log clamped at -100, averaged."""
    def clamped_log(v):
        return max(math.log(v), -100.0) if v > 0 else -100.0
    return sum(-(b * clamped_log(a) + (1 - b) * clamped_log(1 - a)) for a, b in zip(p, y)) / len(p)


probability = st.floats(0, 1)


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(st.tuples(probability, probability), min_size=1, max_size=20))
def test_binary_cross_entropy_equals_the_clamped_formula(pairs):
    p, y = zip(*pairs)
    assert binary_cross_entropy(p, y) == pytest.approx(naive_bce(p, y), rel=1e-12, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(st.tuples(st.floats(-30, 30), probability), min_size=1, max_size=20))
def test_binary_cross_entropy_with_logits_equals_bce_of_the_sigmoid(pairs):
    z, y = map(np.array, zip(*pairs))
    expected = np.mean(np.logaddexp(0, z) - y * z)
    assert binary_cross_entropy_with_logits(z, y) == pytest.approx(expected, rel=1e-12, abs=1e-13)
    moderate = np.abs(z) < 10  # beyond, 1 - sigmoid(z) loses the digits the logits form keeps
    sigmoid = 1 / (1 + np.exp(-z[moderate]))
    if moderate.any():
        assert binary_cross_entropy_with_logits(z[moderate], y[moderate]) == pytest.approx(
            binary_cross_entropy(sigmoid, y[moderate]), rel=1e-9, abs=1e-12)


def test_binary_cross_entropy_clamps_and_stays_stable():
    assert binary_cross_entropy([0.0, 1.0], [1.0, 0.0]) == 100.0
    assert binary_cross_entropy([0.9], [1.0]) == pytest.approx(0.105, abs=5e-4)
    assert binary_cross_entropy([0.1], [1.0]) == pytest.approx(2.303, abs=5e-4)
    assert binary_cross_entropy_with_logits([1000.0, -1000.0], [0.0, 1.0]) == 1000.0
    assert binary_cross_entropy_with_logits([[0.0, 0.0]], [[1.0, 0.0]]) == pytest.approx(math.log(2))


@settings(max_examples=50, deadline=None)
@given(z=st.floats(-20, 20), positive=st.booleans())
def test_two_class_cross_entropy_is_binary_cross_entropy(z, positive):
    assert cross_entropy([[0.0, z]], [int(positive)]) == pytest.approx(
        binary_cross_entropy_with_logits([z], [float(positive)]), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: softmax(3.0), r"z=3.0: must be an array of logits"),
    (lambda: softmax([1.0, float("inf")]), r"z\[1\]=.*inf.*: must be finite"),
    (lambda: softmax([1.0, 2.0], temperature=0), r"temperature=0: must be a finite number > 0"),
    (lambda: log_softmax([]), r"z has shape \(0,\): must hold at least 1 value"),
    (lambda: cross_entropy([1.0, 2.0], [0]), r"logits has shape \(2,\): must be 2-D"),
    (lambda: cross_entropy([[1.0, 2.0]], [2]), r"targets\[0\]=2: must be a class index from 0 to 1"),
    (lambda: cross_entropy([[1.0, 2.0]], [0.5]), r"targets=\[0.5\]: must be whole class indices"),
    (lambda: cross_entropy([[1.0, 2.0]], [0, 1]), r"targets has shape \(2,\): must be \(1,\), one class index"),
    (lambda: cross_entropy([[1.0, 2.0]], [0], label_smoothing=1.5),
     r"label_smoothing=1.5: must be a number from 0 to 1"),
    (lambda: cross_entropy_grad([[1.0, 2.0]], [-1]), r"targets\[0\]=-1: must be a class index from 0 to 1"),
    (lambda: binary_cross_entropy([0.5, 1.2], [1.0, 0.0]), r"p\[1\]=.*1.2.*: must be a number from 0 to 1"),
    (lambda: binary_cross_entropy([0.5], [1.0, 0.0]), r"y has shape \(2,\): must be \(1,\), the shape of p"),
    (lambda: binary_cross_entropy_with_logits([0.5], [2.0]), r"y\[0\]=.*2.0.*: must be a number from 0 to 1"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_shows_the_notes_softmax_and_its_loss():
    result = DEMO.run(**DEMO.defaults())
    assert result.table.rows == (("0", "2", "0.665", "0.408", "1", "-0.335"),
                                 ("1", "1", "0.245", "1.408", "0", "+0.245"),
                                 ("2", "0", "0.090", "2.408", "0", "+0.090"))
    assert result.summary.startswith("p = softmax(z) = [0.665, 0.245, 0.090]: all positive, summing to 1.")
    assert "softmax(z - 2) is the same" in result.summary
    assert "-log p_0 = -log 0.665 = 0.408" in result.summary
    json.dumps(result.data)
    assert len(result.figure.axes) == 1


def test_the_demo_reads_probabilities_and_gives_the_cards_numbers():
    result = DEMO.run(**DEMO.validate({"values": "0.1,0.8,0.1", "given": "probabilities", "target": "1"}))
    assert "-log 0.800 = 0.223" in result.summary
    result = DEMO.run(**DEMO.validate({"values": "0.7,0.2,0.1", "given": "probabilities", "target": "1"}))
    assert "dL/dz = p - y = [0.700, -0.800, 0.100]" in result.summary
    result = DEMO.run(**DEMO.validate({"values": "0.1,0.9", "given": "probabilities", "target": "1"}))
    assert "BCE(p = 0.9, y = 1) = 0.105" in result.summary
    assert [row[3] for row in result.table.rows] == ["2.303", "0.105"]
    result = DEMO.run(**DEMO.validate({"values": "1,3", "given": "probabilities"}))
    assert "(normalised: they summed to 4)" in result.summary
    assert result.data["probabilities"] == pytest.approx([0.25, 0.75])


def test_the_demo_with_temperature_and_label_smoothing():
    result = DEMO.run(**DEMO.validate({"values": "1002,1001,1000", "temperature": "5", "label_smoothing": "0.1"}))
    assert "T > 1 flattens it towards uniform" in result.summary
    assert result.data["target_distribution"] == pytest.approx([0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3])
    expected = naive_cross_entropy(np.array([[2.0, 1.0, 0.0]]) / 5, np.array([0]), 0.1)
    assert result.data["loss"] == pytest.approx(expected)
    assert sum(result.data["gradient"]) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize(("values", "message"), [
    ({"values": "2,x,0"}, r"values='2,x,0': must be 2 to 10 finite numbers"),
    ({"values": "5"}, r"values='5': must be 2 to 10 finite numbers"),
    ({"values": "2,1", "target": "2"}, r"target=2: must be a class index from 0 to 1 \(2 values given\)"),
    ({"values": "0.5,0", "given": "probabilities"}, r"probabilities must each be > 0"),
])
def test_the_demo_explains_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        DEMO.run(**DEMO.validate(values))


# The multilabel view: one sigmoid per label, binary cross-entropies summed over the known labels.

def reference_multilabel(z, y, mask):
    """(1/m) sum over known entries of -(y log s + (1 - y) log(1 - s)), s = sigmoid(z), in plain Python."""
    total = 0.0
    for z_row, y_row, m_row in zip(z, y, mask):
        for z_j, y_j, known in zip(z_row, y_row, m_row):
            if known:
                s = 1 / (1 + math.exp(-z_j))
                total -= y_j * math.log(s) + (1 - y_j) * math.log(1 - s)
    return total / len(z)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), m=st.integers(1, 4), k=st.integers(1, 5))
def test_multilabel_loss_is_the_masked_sum_and_its_gradient(data, m, k):
    z = np.array(data.draw(st.lists(st.lists(st.floats(-8, 8), min_size=k, max_size=k), min_size=m, max_size=m)))
    y = np.array(data.draw(st.lists(st.lists(st.sampled_from([0.0, 1.0]), min_size=k, max_size=k), min_size=m,
                                    max_size=m)))
    mask = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=k, max_size=k), min_size=m, max_size=m)))
    loss, grad = multilabel_loss(z, y, mask)
    assert loss == pytest.approx(reference_multilabel(z, y, mask), rel=1e-9, abs=1e-12)
    h = 1e-6
    for i in range(m):
        for j in range(k):
            up, down = z.copy(), z.copy()
            up[i, j] += h
            down[i, j] -= h
            numeric = (reference_multilabel(up, y, mask) - reference_multilabel(down, y, mask)) / (2 * h)
            assert grad[i, j] == pytest.approx(numeric, rel=1e-5, abs=1e-7)
    # with every label known it is the mean BCE times the number of labels
    full = multilabel_loss(z, y, np.ones_like(mask))[0]
    assert full == pytest.approx(binary_cross_entropy_with_logits(z, y) * k, rel=1e-9)


def test_multilabel_view_leaves_unknown_labels_out():
    result = DEMO.run(**{**DEMO.defaults(), "view": "multilabel", "values": "2.5,1.2,-1.5,0.3", "labels": "1,1,?,0"})
    z, y = [2.5, 1.2, 0.3], [1.0, 1.0, 0.0]
    assert result.data["loss"] == pytest.approx(reference_multilabel([z], [y], [[True] * 3]), rel=1e-12)
    assert result.data["losses"][2] is None and result.data["gradient"][2] == 0.0
    assert "label 2 unknown (?), left out" in result.summary and "not a softmax" in result.summary
    assert result.table.rows[2][4] == "left out"
    json.loads(json.dumps(result.data, allow_nan=False))


@pytest.mark.parametrize("values, message", [
    ({"values": "1,2", "labels": "1"}, r"one of 1, 0 or \? per value"),
    ({"values": "1,2", "labels": "1,2"}, "labels="),
    ({"values": "0.5,1.0", "given": "probabilities", "labels": "1,0"}, "between 0 and 1"),
])
def test_multilabel_view_refuses_bad_labels(values, message):
    with pytest.raises(ValueError, match=message):
        DEMO.run(**{**DEMO.defaults(), "view": "multilabel", **values})
