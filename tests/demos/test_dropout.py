"""Inverted dropout against the notes' NumPy recipe, its statistical properties, and the demo."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from demos.dropout import DEMO, _activations, _inverted_dropout, inverted_dropout
from revise.demo_engine.spec import DemoResult

keep_probs = st.floats(0.01, 1.0)


def notes_recipe(a, keep_prob, seed):
    """d = rand(shape) < keep_prob; a = a * d; a = a / keep_prob (deeplearning.ai), with the same random numbers."""
    d = np.random.default_rng(seed).random(np.shape(a)) < keep_prob
    return a * d / keep_prob, d


@settings(max_examples=100, deadline=None)
@given(x=arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=7), elements=st.floats(-1e6, 1e6)),
       keep_prob=keep_probs, seed=st.integers(0, 2 ** 32))
def test_inverted_dropout_equals_the_notes_recipe(x, keep_prob, seed):
    y, mask = inverted_dropout(x, keep_prob, seed)
    expected_y, expected_mask = notes_recipe(x, keep_prob, seed)
    assert y.shape == x.shape and mask.shape == x.shape and mask.dtype == np.bool_
    np.testing.assert_array_equal(mask, expected_mask)
    np.testing.assert_array_equal(y, expected_y)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 40), keep_prob=keep_probs)
def test_kernel_keeps_exactly_where_the_uniform_draw_is_below_keep_prob(n, keep_prob):
    rng = np.random.default_rng(n)
    x, uniform = rng.standard_normal(n), rng.random(n)
    y, mask = _inverted_dropout(x, uniform, keep_prob)
    assert list(mask) == [u < keep_prob for u in uniform]
    assert list(y) == [v / keep_prob if u < keep_prob else 0.0 for v, u in zip(x, uniform)]


def test_keep_prob_one_returns_x_unchanged():
    x = np.arange(12.0).reshape(3, 4)
    y, mask = inverted_dropout(x, 1.0, seed=5)
    np.testing.assert_array_equal(y, x)
    assert mask.all()


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.8, 0.95])
def test_the_mean_is_kept_in_expectation_and_the_keep_rate_is_keep_prob(keep_prob):
    x = np.full(200_000, 3.0)
    y, mask = inverted_dropout(x, keep_prob, seed=1)
    assert mask.mean() == pytest.approx(keep_prob, abs=4 * np.sqrt(keep_prob * (1 - keep_prob) / x.size))
    assert y.mean() == pytest.approx(3.0, rel=0.02)
    assert set(np.unique(y)) <= {0.0, 3.0 / keep_prob}


@settings(max_examples=30, deadline=None)
@given(keep_prob=st.floats(0.3, 1.0), seed=st.integers(0, 1000))
def test_averaged_over_many_masks_inverted_dropout_is_the_identity(keep_prob, seed):
    x = np.random.default_rng(seed).standard_normal(5)
    average = np.mean([inverted_dropout(x, keep_prob, s)[0] for s in range(4000)], axis=0)
    np.testing.assert_allclose(average, x, atol=6 * np.sqrt((1 - keep_prob) / keep_prob / 4000) * np.abs(x).max())


def test_same_seed_same_mask():
    x = np.ones((4, 5))
    assert np.array_equal(inverted_dropout(x, 0.5, 9)[1], inverted_dropout(x, 0.5, 9)[1])
    assert not np.array_equal(inverted_dropout(x, 0.5, 9)[1], inverted_dropout(x, 0.5, 10)[1])


@pytest.mark.parametrize(("call", "message"), [
    (lambda: inverted_dropout([1.0], 0.0), r"keep_prob=0.0: must be a number > 0 and <= 1"),
    (lambda: inverted_dropout([1.0], 1.5), r"keep_prob=1.5: must be a number > 0 and <= 1"),
    (lambda: inverted_dropout([1.0, float("inf")], 0.5), r"x\[1\]=.*inf.*: must be finite"),
    (lambda: inverted_dropout([1.0], 0.5, seed=-1), r"seed=-1: must be an integer >= 0"),
    (lambda: inverted_dropout("abc", 0.5), r"x='abc': must be numbers"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_on_the_notes_fifty_units():
    result = DEMO.run(**DEMO.defaults())
    assert isinstance(result, DemoResult)
    a = _activations(1000, 50, 0)
    y, mask = inverted_dropout(a, 0.8, 1)
    assert result.summary.startswith(f"keep_prob 0.8: about {50 - mask.sum(axis=1).mean():.1f} of 50 units "
                                     "dropped per example, the rest scaled by 1/0.8 = 1.25.")
    assert "about 10.0 of 50" in result.summary or "about 9.9 of 50" in result.summary
    assert f"stays {y.mean():.3f} (test time {a.mean():.3f})" in result.summary
    assert f"falls to {0.8 * y.mean():.3f} (x0.8)" in result.summary and "1.25x larger" in result.summary
    assert [row[0] for row in result.table.rows] == ["test time (no dropout)", "inverted dropout (training)",
                                                      "dropout, no rescaling (training)"]
    assert result.data["mean_inverted"] == pytest.approx(result.data["mean_test"], rel=0.01)
    assert result.data["mean_unscaled"] == pytest.approx(0.8 * result.data["mean_test"], rel=0.01)
    assert len(result.figure.axes) == 1


def test_the_demo_without_dropout_changes_nothing():
    result = DEMO.run(**DEMO.validate({"keep_prob": "1"}))
    assert result.data["mean_inverted"] == result.data["mean_test"] == result.data["mean_unscaled"]
