"""Polynomial fits against numpy.polyfit and sklearn Ridge, k-fold splits against sklearn KFold, gradient descent
against its closed-form limit, and the demo's bias-variance and early-stopping summaries."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from sklearn.preprocessing import PolynomialFeatures

from demos.model_selection import (DEMO, _early_stopping, _errors_by_degree, _fits_up_to, kfold_splits,
                                   polynomial_fit)


def points(seed, n=None, spread=1.0):
    """n points with x uniform on [-spread, spread] and noisy y."""
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(12, 60))
    x = rng.uniform(-spread, spread, n)
    return x, np.cos(2 * x) + x + 0.3 * rng.standard_normal(n)


def sklearn_polynomial_ridge(x, y, degree, lam):
    """sklearn Ridge(alpha=lam) with an intercept on PolynomialFeatures x..x^degree, highest power first."""
    features = PolynomialFeatures(degree, include_bias=False).fit_transform(x[:, None])
    model = Ridge(alpha=lam, solver="svd").fit(features, y)
    return np.concatenate([model.coef_[::-1], [model.intercept_]])


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), degree=st.integers(0, 7))
def test_unpenalised_fit_equals_numpy_polyfit(seed, degree):
    x, y = points(seed)
    ours = polynomial_fit(x, y, degree)
    np.testing.assert_allclose(ours, np.polyfit(x, y, degree), rtol=1e-6, atol=1e-8)
    assert ours.shape == (degree + 1,) and ours.dtype == np.float64


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), degree=st.integers(1, 6), lam=st.floats(1e-3, 10.0))
def test_penalised_fit_equals_sklearn_ridge_with_an_intercept(seed, degree, lam):
    x, y = points(seed)
    np.testing.assert_allclose(polynomial_fit(x, y, degree, lam), sklearn_polynomial_ridge(x, y, degree, lam),
                               rtol=1e-7, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), degree=st.integers(1, 12), lam=st.sampled_from([1e-6, 1e-3, 0.1, 5.0]))
def test_the_penalised_objectives_gradient_vanishes_at_the_fit(seed, degree, lam):
    # d/dc [ |y - V c|^2 + lam * |c without the constant|^2 ] = 0 at the minimum (V: powers, highest first)
    x, y = points(seed, n=40)
    c = polynomial_fit(x, y, degree, lam)
    V = np.vander(x, degree + 1)
    penalty = np.ones(degree + 1)
    penalty[-1] = 0.0
    gradient = 2 * V.T @ (V @ c - y) + 2 * lam * penalty * c
    assert np.max(np.abs(gradient)) < 1e-7 * max(1.0, np.max(np.abs(V.T @ y)))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), top=st.integers(0, 12), lam=st.sampled_from([0.0, 1e-4, 0.5]))
def test_one_qr_for_all_degrees_equals_separate_fits_and_errors(seed, top, lam):
    x, y = points(seed)
    x_val, y_val = points(seed + 1, n=30)
    fits = _fits_up_to(x, y, top, lam)
    errors = _errors_by_degree(x, y, x_val, y_val, top, lam)
    for degree in range(top + 1):
        single = polynomial_fit(x, y, degree, lam)
        np.testing.assert_allclose(fits[degree, top - degree:], single, rtol=1e-9, atol=1e-9)
        assert np.all(fits[degree, :top - degree] == 0.0)
        assert errors[degree, 0] == pytest.approx(np.mean((np.polyval(single, x) - y) ** 2), rel=1e-9, abs=1e-15)
        assert errors[degree, 1] == pytest.approx(np.mean((np.polyval(single, x_val) - y_val) ** 2), rel=1e-9)


def test_training_error_never_rises_with_the_degree_without_a_penalty():
    x, y = points(5, n=25)
    train = _errors_by_degree(x, y, x, y, 15, 0.0)[:, 0]
    assert np.all(np.diff(train) <= 1e-12)


def test_too_few_points_give_the_minimum_norm_interpolant():
    x, y = np.array([-0.5, 0.1, 0.7]), np.array([1.0, -2.0, 0.5])
    c = polynomial_fit(x, y, 5)
    np.testing.assert_allclose(np.polyval(c, x), y, atol=1e-10)
    powers = x[:, None] ** np.arange(1, 6)
    centred = powers - powers.mean(axis=0)
    weights = np.linalg.lstsq(centred, y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(c[:-1], weights[::-1], atol=1e-9)
    assert c[-1] == pytest.approx(y.mean() - powers.mean(axis=0) @ weights)


def test_repeated_x_and_degree_zero():
    x, y = np.array([0.5, 0.5, 0.5, 0.5]), np.array([1.0, 2.0, 3.0, 6.0])
    assert polynomial_fit(x, y, 0) == pytest.approx([3.0])
    np.testing.assert_allclose(np.polyval(polynomial_fit(x, y, 3), 0.5), 3.0)


def test_a_huge_penalty_leaves_only_the_mean():
    x, y = points(6)
    c = polynomial_fit(x, y, 4, 1e12)
    np.testing.assert_allclose(c[:-1], 0.0, atol=1e-9)
    assert c[-1] == pytest.approx(y.mean(), abs=1e-8)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(2, 60), data=st.data())
def test_kfold_splits_equal_sklearn_kfold(n, data):
    k = data.draw(st.integers(2, n))
    ours = kfold_splits(n, k)
    theirs = list(KFold(n_splits=k, shuffle=False).split(np.zeros(n)))
    assert len(ours) == k
    for (train, held), (their_train, their_held) in zip(ours, theirs):
        np.testing.assert_array_equal(train, their_train)
        np.testing.assert_array_equal(held, their_held)
        assert train.dtype == np.int64 and held.dtype == np.int64
    assert sorted(np.concatenate([held for _, held in ours]).tolist()) == list(range(n))


def test_kfold_the_first_n_mod_k_folds_are_one_larger():
    assert [len(held) for _, held in kfold_splits(1200, 3)] == [400, 400, 400]
    assert [len(held) for _, held in kfold_splits(11, 4)] == [3, 3, 3, 2]


def test_gradient_descent_converges_to_the_closed_form_fit():
    x, y = points(7, n=30)
    for lam in (0.0, 0.5):
        errors, final = _early_stopping(x, y, x, y, 2, lam, np.array([0, 30_000]))
        np.testing.assert_allclose(final, polynomial_fit(x, y, 2, lam), atol=1e-8)
        assert errors[0, 0] == pytest.approx(np.mean(y ** 2))  # step 0: the zero polynomial


def test_gradient_descent_never_raises_the_training_error_without_a_penalty():
    x, y = points(8, n=20)
    x_val, y_val = points(9, n=50)
    steps = np.unique(np.round(np.logspace(0, 4, 40))).astype(np.int64)
    errors, _ = _early_stopping(x, y, x_val, y_val, 9, 0.0, steps)
    assert np.all(np.diff(errors[:, 0]) <= 1e-12)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: polynomial_fit(np.ones((2, 2)), np.ones(2), 1), r"x has shape \(2, 2\): must be 1-D"),
    (lambda: polynomial_fit(np.ones(3), np.ones(2), 1), r"y has shape \(2,\): must be \(3,\), one value per x"),
    (lambda: polynomial_fit([], [], 1), r"x has shape \(0,\): must hold at least 1 value"),
    (lambda: polynomial_fit(np.ones(3), np.ones(3), -1), r"degree=-1: must be an integer >= 0"),
    (lambda: polynomial_fit(np.ones(3), np.ones(3), 2.0), r"degree=2.0: must be an integer >= 0"),
    (lambda: polynomial_fit(np.ones(3), np.ones(3), 1, lam=-0.1), r"lam=-0.1: must be a finite number >= 0"),
    (lambda: polynomial_fit([0.0, np.inf], [1.0, 2.0], 1), r"x\[1\]=.*inf.*: must be finite"),
    (lambda: kfold_splits(1, 2), r"n=1: must be an integer >= 2"),
    (lambda: kfold_splits(5, 1), r"k=1: must be an integer from 2 to 5"),
    (lambda: kfold_splits(5, 6), r"k=6: must be an integer from 2 to 5"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_shows_bias_on_the_left_and_variance_on_the_right():
    result = DEMO.run(**DEMO.defaults())
    data = result.data
    assert data["best_validation_degree"] == 3 and data["best_kfold_degree"] == 3
    assert "validation error is lowest at degree 3" in result.summary
    assert "lower degrees underfit (high bias), higher ones overfit (high variance" in result.summary
    assert "5-fold cross-validation (5 folds x 13 degrees = 65 fits) on the 20 training points" in result.summary
    train, validation = np.array(data["train_mse"]), np.array(data["validation_mse"])
    assert train[12] < train[3] < train[0] and validation[12] > 10 * validation[3]
    folds = np.array(data["kfold_folds"])
    np.testing.assert_allclose(data["kfold_mean"], folds.mean(axis=0))
    assert len(result.table.rows) == 13 and "best validation" in result.table.rows[3][4]
    assert "偏差" in result.summary_zh and len(result.figure.axes) == 1


def test_the_demo_reproduces_the_model_selection_cards_degrees_1_3_9():
    result = DEMO.run(**DEMO.validate({"max_degree": "9", "noise": "0.2", "n": "12", "seed": "239"}))
    train, validation = result.data["train_mse"], result.data["validation_mse"]
    assert result.data["best_validation_degree"] == 3
    assert train[1] == pytest.approx(0.30, abs=0.02) and train[3] == pytest.approx(0.05, abs=0.01)
    assert train[9] == pytest.approx(0.01, abs=0.005) and validation[9] == pytest.approx(0.40, abs=0.03)


def test_the_demo_with_plenty_of_data_keeps_the_variance_low():
    result = DEMO.run(**DEMO.validate({"n": "1200", "k": "3"}))
    assert "the 1200 points keep the variance low" in result.summary
    assert "3-fold cross-validation (3 folds x 13 degrees = 39 fits)" in result.summary


def test_the_demo_shows_early_stopping():
    result = DEMO.run(**DEMO.validate({"view": "early_stopping"}))
    data = result.data
    assert 1 <= data["best_step"] < 30_000
    assert data["validation_mse"][-1] > 2 * data["best_validation_mse"]
    assert data["train_mse"][-1] < data["train_mse"][1]
    assert f"at step {data['best_step']:,} and then rises" in result.summary
    assert any(row[3] == "← stop here" for row in result.table.rows)
    assert data["closed_form_validation_mse"] > data["validation_mse"][-1]


def test_the_early_stopping_view_with_plenty_of_data_has_nothing_to_stop():
    result = DEMO.run(**DEMO.validate({"view": "early_stopping", "n": "1200"}))
    assert "nothing to stop early for" in result.summary
