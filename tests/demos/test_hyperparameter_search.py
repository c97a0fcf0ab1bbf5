"""Sampling scales against their NumPy formulas, decade histograms, grid against random search, and the demo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.hyperparameter_search import DEMO, _distinct, decade_counts, sample, search


def reference_sample(scale, low, high, n, seed=0):
    """The three scales written as their formulas on the same uniform draws."""
    u = np.random.default_rng(seed).random(n)
    if scale == "linear":
        return low + (high - low) * u
    if scale == "log":
        return 10.0 ** np.random.default_rng(seed).uniform(math.log10(low), math.log10(high), n)
    return 1.0 - 10.0 ** (math.log10(1 - high) + (math.log10(1 - low) - math.log10(1 - high)) * u)


def reference_decades(values, low, high):
    """Counts per decade from floor(log10 value), the first and last decade cut at low and high."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    counts = [0] * max(last - first, 1)
    for value in values:
        counts[min(max(math.floor(math.log10(value)) - first, 0), len(counts) - 1)] += 1
    return counts


positive = st.floats(1e-9, 1e6)


@settings(max_examples=100, deadline=None)
@given(low=st.floats(-1e6, 1e6), width=st.floats(1e-6, 1e6), n=st.integers(1, 200), seed=st.integers(0, 10 ** 6))
def test_linear_sampling_is_uniform_on_the_range(low, width, n, seed):
    high = low + width
    if high > low:
        values = sample("linear", low, high, n, seed)
        np.testing.assert_allclose(values, reference_sample("linear", low, high, n, seed), rtol=1e-12, atol=1e-9)
        assert np.all((values >= low) & (values <= high))


@settings(max_examples=100, deadline=None)
@given(low=positive, factor=st.floats(1.001, 1e8), n=st.integers(1, 200), seed=st.integers(0, 10 ** 6))
def test_log_sampling_is_ten_to_a_uniform_exponent(low, factor, n, seed):
    high = low * factor
    values = sample("log", low, high, n, seed)
    np.testing.assert_allclose(values, reference_sample("log", low, high, n, seed), rtol=1e-12)
    assert np.all((values >= low) & (values <= high))


@settings(max_examples=100, deadline=None)
@given(low=st.floats(-5, 0.99), gap=st.floats(1e-6, 1.0), n=st.integers(1, 200), seed=st.integers(0, 10 ** 6))
def test_one_minus_log_sampling_puts_one_minus_beta_on_a_log_scale(low, gap, n, seed):
    high = low + (1 - low) * gap * 0.999
    if low < high < 1:
        values = sample("one_minus_log", low, high, n, seed)
        np.testing.assert_allclose(values, reference_sample("one_minus_log", low, high, n, seed), rtol=1e-12,
                                   atol=1e-15)
        assert np.all((values >= low) & (values <= high))


def test_the_notes_recipes():
    # r = -4 * rand(), alpha = 10^r; r ~ U[-3, -1], beta = 1 - 10^r.
    u = np.random.default_rng(7).random(50)
    np.testing.assert_allclose(sample("log", 1e-4, 1.0, 50, 7), 10.0 ** (-4 + 4 * u), rtol=1e-12)
    np.testing.assert_allclose(sample("one_minus_log", 0.9, 0.999, 50, 7), 1 - 10.0 ** (-3 + 2 * u), rtol=1e-12)


@pytest.mark.parametrize(("scale", "low", "high", "bins", "shares"), [
    ("log", 1e-4, 1.0, (1e-4, 1.0), [0.25] * 4),
    ("linear", 1e-4, 1.0, (1e-4, 1.0), [0.0009, 0.009, 0.09, 0.9]),
])
def test_learning_rate_samples_per_decade(scale, low, high, bins, shares):
    values = sample(scale, low, high, 200_000, 3)
    _, counts = decade_counts(values, *bins)
    np.testing.assert_allclose(counts / values.size, shares, atol=0.005)


def test_beta_samples_per_decade_of_one_minus_beta():
    for scale, shares in (("one_minus_log", [0.5, 0.5]), ("linear", [0.09 / 0.099, 0.009 / 0.099])):
        values = sample(scale, 0.9, 0.999, 200_000, 5)
        _, counts = decade_counts(1 - values, 1e-3, 0.1)
        np.testing.assert_allclose(counts[::-1] / values.size, shares, atol=0.005)


@settings(max_examples=100, deadline=None)
@given(low=positive, factor=st.floats(1.001, 1e8), n=st.integers(1, 300), seed=st.integers(0, 10 ** 6))
def test_decade_counts_equal_a_floor_log10_loop(low, factor, n, seed):
    high = low * factor
    values = sample("log", low, high, n, seed)
    edges, counts = decade_counts(values, low, high)
    assert counts.tolist() == reference_decades(values, low, high)
    assert counts.sum() == n and edges[0] == low and edges[-1] == high and len(edges) == len(counts) + 1


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.sampled_from([0.0, 1.0, 2.5, -3.0, 1e-9]), max_size=30))
def test_distinct_counts_set_size(values):
    assert _distinct(np.array(values, float)) == len(set(values))


@settings(max_examples=30, deadline=None)
@given(decades=st.integers(1, 8), k=st.integers(2, 10), seed=st.integers(0, 10 ** 6))
def test_grid_tries_k_learning_rates_and_random_k_squared(decades, k, seed):
    result = search(decades, k, seed)
    assert result["grid"]["distinct_lr"] == k and result["grid"]["distinct_eps"] == k
    assert result["random"]["distinct_lr"] == k * k and result["random"]["distinct_eps"] == k * k
    for name in ("grid", "random"):
        trial = result[name]
        assert trial["lr"].size == trial["eps"].size == k * k
        assert np.all((trial["lr"] >= 10.0 ** -decades) & (trial["lr"] <= 1.0))
        assert np.all((trial["eps"] >= 1e-8) & (trial["eps"] <= 1e-6))
        assert trial["errors"][trial["best"]] == trial["errors"].min() >= result["best_error"]
    np.testing.assert_allclose(np.unique(result["grid"]["lr"]), np.logspace(-decades, 0, k), rtol=1e-12)


def test_epsilon_hardly_matters_and_the_optimum_is_between_grid_points():
    result = search(4, 5, 0)
    grid = result["grid"]
    errors = grid["errors"].reshape(5, 5)  # rows: learning rates; columns: epsilons
    assert np.ptp(errors, axis=1).max() <= 0.2 + 1e-12
    assert result["best_lr"] == pytest.approx(10 ** (-4 * 0.38))
    assert grid["errors"].min() > 20.0 and result["random"]["errors"].min() < 6.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: sample("uniform", 0, 1, 3), r"scale='uniform': must be one of linear, log, one_minus_log"),
    (lambda: sample("log", 0.0, 1.0, 3), r"low=0.0: must be a finite number > 0"),
    (lambda: sample("one_minus_log", 0.9, 1.0, 3), r"high=1.0: must be a finite number < 1"),
    (lambda: sample("linear", 2.0, 1.0, 3), r"high=1.0: must be > low=2.0"),
    (lambda: sample("linear", 0.0, 1.0, 0), r"n=0: must be an integer >= 1"),
    (lambda: sample("linear", 0.0, math.inf, 3), r"high=inf: must be a finite number"),
    (lambda: search(4, 1), r"k=1: must be an integer >= 2"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_shows_uniform_sampling_crowding_the_top_decade():
    result = DEMO.run(**DEMO.defaults())
    assert result.summary.startswith("Uniform on [1e-4, 1]: 91.1% of 1000 samples land in [0.1, 1]")
    assert "each decade gets about 25%" in result.summary
    assert [row[0] for row in result.table.rows] == ["1e-4-1e-3", "1e-3-1e-2", "1e-2-1e-1", "1e-1-1"]
    assert sum(result.data["log_percent"]) == pytest.approx(100.0)
    assert len(result.figure.axes) == 1


def test_the_demo_samples_beta_as_the_notes_do():
    result = DEMO.run(**DEMO.validate({"view": "one_minus_log", "decades": "2"}))
    assert result.summary.startswith("Uniform on [0.9, 0.999]: 90.8% of 1000 samples land in [0.9, 0.99] and only "
                                     "9.2% in [0.99, 0.999]")
    assert [row[0] for row in result.table.rows] == ["0.9-0.99", "0.99-0.999"]
    assert [row[3] for row in result.table.rows] == ["10-100", "100-1000"]


def test_the_demo_counts_the_learning_rates_each_search_tries():
    result = DEMO.run(**DEMO.validate({"view": "search"}))
    assert result.summary.startswith("Same budget of 25 trials: the 5x5 grid tries only 5 learning rates")
    assert "random search tries 25" in result.summary
    assert [row[:4] for row in result.table.rows] == [("grid", "25", "5", "5"), ("random", "25", "25", "25")]
