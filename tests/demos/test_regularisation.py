"""Ridge and lasso against scikit-learn, closed forms and the lasso's optimality conditions, and the demo."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Lasso, Ridge

from demos.regularisation import DEMO, lasso, path, ridge, weight_decay_path


def problem(seed, n=None, d=None):
    """A random regression problem: mildly correlated features, sparse true weights, noise."""
    rng = np.random.default_rng(seed)
    d = d or int(rng.integers(1, 8))
    n = n or int(rng.integers(d + 5, 40))
    X = rng.standard_normal((n, d)) @ (np.eye(d) + 0.3 / np.sqrt(d) * rng.standard_normal((d, d)))
    w = rng.standard_normal(d) * (rng.random(d) < 0.6)
    return X, X @ w + 0.5 * rng.standard_normal(n)


def lasso_objective(X, y, w, lam):
    """(1/2n) ||y - Xw||^2 + lam ||w||_1."""
    return np.sum((y - X @ w) ** 2) / (2 * len(y)) + lam * np.sum(np.abs(w))


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lam=st.floats(1e-3, 100.0))
def test_ridge_equals_sklearn_and_the_normal_equations(seed, lam):
    X, y = problem(seed)
    w = ridge(X, y, lam)
    expected = Ridge(alpha=lam, fit_intercept=False, solver="svd").fit(X, y).coef_
    np.testing.assert_allclose(w, expected, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(w, np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y), rtol=1e-8, atol=1e-10)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_ridge_at_zero_is_the_minimum_norm_least_squares_solution(seed):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(2, 10)), int(rng.integers(1, 12))
    X = rng.standard_normal((n, d))
    if d > 1 and rng.random() < 0.5:
        X[:, -1] = X[:, 0]  # a repeated column: rank deficient
    y = rng.standard_normal(n)
    np.testing.assert_allclose(ridge(X, y, 0.0), np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-7, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.0, 1.2))
def test_lasso_reaches_sklearns_tight_optimum(seed, fraction):
    X, y = problem(seed)
    lam = fraction * np.max(np.abs(X.T @ y)) / len(y) + 1e-6
    w = lasso(X, y, lam)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = Lasso(alpha=lam, fit_intercept=False, tol=1e-14, max_iter=200_000).fit(X, y).coef_
    ours_objective, their_objective = lasso_objective(X, y, w, lam), lasso_objective(X, y, theirs, lam)
    assert ours_objective <= their_objective + 1e-9
    assert ours_objective == pytest.approx(their_objective, abs=1e-6)
    np.testing.assert_allclose(w, theirs, atol=1e-5)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.0, 1.5))
def test_lasso_meets_the_optimality_conditions(seed, fraction):
    # KKT: x_j . r / n = lam sign(w_j) where w_j != 0, |x_j . r / n| <= lam where w_j == 0 (exactly 0.0)
    X, y = problem(seed)
    lam = fraction * np.max(np.abs(X.T @ y)) / len(y)
    w = lasso(X, y, lam)
    correlation = X.T @ (y - X @ w) / len(y)
    active = w != 0.0
    np.testing.assert_allclose(correlation[active], lam * np.sign(w[active]), atol=1e-7)
    assert np.all(np.abs(correlation[~active]) <= lam + 1e-7)


def test_the_default_sklearn_tol_stops_short_of_the_optimum():
    X, y = problem(7, n=30, d=6)
    lam = 0.05
    ours = lasso_objective(X, y, lasso(X, y, lam), lam)
    default = lasso_objective(X, y, Lasso(alpha=lam, fit_intercept=False).fit(X, y).coef_, lam)
    assert ours <= default


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), factor=st.floats(1.000001, 10.0))
def test_every_lasso_weight_is_exactly_zero_from_lam_max_on(seed, factor):
    X, y = problem(seed)
    lam_max = np.max(np.abs(X.T @ y)) / len(y)
    w = lasso(X, y, lam_max * factor)
    assert np.all(w == 0.0)
    assert np.any(lasso(X, y, lam_max * 0.9) != 0.0)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lam=st.floats(0.0, 3.0))
def test_on_an_orthogonal_design_lasso_soft_thresholds_and_ridge_divides(seed, lam):
    rng = np.random.default_rng(seed)
    n, d = 12, 4
    q, _ = np.linalg.qr(rng.standard_normal((n, d)))
    X = q * np.sqrt(n)  # X^T X = n I
    y = rng.standard_normal(n) * 2
    z = X.T @ y / n  # the least-squares weights
    expected = np.sign(z) * np.maximum(np.abs(z) - lam, 0.0)
    np.testing.assert_allclose(lasso(X, y, lam), expected, atol=1e-9)
    assert np.array_equal(lasso(X, y, lam) == 0.0, expected == 0.0) or np.min(np.abs(np.abs(z) - lam)) < 1e-9
    np.testing.assert_allclose(ridge(X, y, n * lam), z / (1 + lam), rtol=1e-10, atol=1e-12)


def test_lasso_warns_when_max_iter_sweeps_are_not_enough():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((20, 3))
    X[:, 2] = X[:, 0] + 1e-3 * X[:, 1]  # nearly collinear: coordinate descent crawls
    y = X @ np.array([1.0, -1.0, 2.0])
    with pytest.warns(RuntimeWarning, match=r"lasso at lam=1e-06 did not converge in max_iter=5 sweeps"):
        lasso(X, y, 1e-6, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lasso(X, y, 0.1)


def test_lasso_at_lam_zero_is_least_squares():
    X, y = problem(3, n=40, d=5)
    np.testing.assert_allclose(lasso(X, y, 0.0), np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-8)


def test_a_zero_column_gets_weight_zero():
    X, y = problem(4, n=20, d=3)
    X[:, 1] = 0.0
    w = lasso(X, y, 0.01)
    assert w[1] == 0.0
    np.testing.assert_allclose(w[[0, 2]], lasso(X[:, [0, 2]], y, 0.01), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["l1", "l2"]))
def test_path_stacks_the_single_fits(seed, kind):
    X, y = problem(seed)
    lams = np.array([0.0, 0.01, 0.3, 2.0, 50.0])
    single = lasso if kind == "l1" else ridge
    np.testing.assert_allclose(path(X, y, lams, kind), np.array([single(X, y, lam) for lam in lams]), atol=1e-12)


def test_the_l1_path_zeroes_weights_that_the_l2_path_only_shrinks():
    X, y = problem(5, n=60, d=6)
    lams = np.logspace(-3, 1, 30)
    l1, l2 = path(X, y, lams, "l1"), path(X, y, len(y) * lams, "l2")
    assert np.sum(l1 == 0.0) > 0 and np.all(l1[-1] == 0.0)
    assert not np.any(l2 == 0.0)
    assert np.all(np.diff(np.linalg.norm(l2, axis=1)) < 0)  # ridge's norm falls monotonically with lam


X2, Y2 = np.ones((3, 2)), np.ones(3)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: ridge(np.ones(3), Y2, 1.0), r"X has shape \(3,\): must be 2-D"),
    (lambda: ridge(X2, np.ones(4), 1.0), r"y has shape \(4,\): must be \(3,\), one target per row of X"),
    (lambda: ridge(X2, Y2, -1.0), r"lam=-1.0: must be a finite number >= 0"),
    (lambda: lasso(X2, Y2, float("nan")), r"lam=nan: must be a finite number >= 0"),
    (lambda: lasso(X2, Y2, 0.1, max_iter=0), r"max_iter=0: must be an integer >= 1"),
    (lambda: lasso(X2, Y2, 0.1, tol=0.0), r"tol=0.0: must be a finite number > 0"),
    (lambda: path(X2, Y2, [0.1, -2.0], "l1"), r"lams\[1\]=-2.0: must be >= 0"),
    (lambda: path(X2, Y2, [0.1], "l3"), r"kind='l3': must be one of l1, l2"),
    (lambda: path(X2, Y2, [], "l1"), r"lams has shape \(0,\): must hold at least 1 value"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_shows_l1_zeros_and_l2_shrinkage():
    result = DEMO.run(**DEMO.defaults())
    assert result.summary.startswith("At lam=0.2, L1 sets 2 of 8 weights to exactly 0 (w4, w6); L2 keeps all 8 "
                                     "non-zero")
    assert "drop to 0 one by one" in result.summary
    data = result.data
    assert data["l1_zeros"] == 2 and data["l2_zeros"] == 0
    assert [row[0] for row in result.table.rows if row[3] == "0"] == ["w4", "w6"]
    assert data["true_weights"][3] == 0.0 and data["true_weights"][5] == 0.0
    assert np.array(data["path"]).shape == (len(data["path_lams"]), 8)
    assert all(value == 0.0 for value in data["path"][-1])  # lam = 10 > lam_max
    assert 0.0 < data["lam_max"] < 10.0
    assert "L1" in result.summary_zh
    assert len(result.figure.axes) == 1


def test_the_demo_at_a_large_lam_keeps_only_the_strongest_weight():
    result = DEMO.run(**DEMO.validate({"lam": "1.5", "kind": "l2"}))
    assert result.data["l1_zeros"] == 5
    assert [w != 0.0 for w in result.data["l1"][:3]] == [True, True, True]  # the three largest true weights stay
    assert "none reaches it" in result.summary
    assert result.data["l2_zeros"] == 0


# Gradient descent with L2 weight decay.

def reference_decay(X, y, lam, lr, steps, w0):
    """The notes' update in NumPy: dW = X^T (Xw - y) / n + lam w, then w -= lr dW (torch SGD with weight_decay)."""
    w, out = np.array(w0, float), [np.array(w0, float)]
    for _ in range(steps):
        w = w - lr * (X.T @ (X @ w - y) / len(y) + lam * w)
        out.append(w.copy())
    return np.array(out)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000), lam=st.floats(0.0, 2.0), lr=st.floats(0.001, 0.3), steps=st.integers(0, 30))
def test_weight_decay_path_is_the_textbook_loop(seed, lam, lr, steps):
    X, y = problem(seed)
    w0 = np.random.default_rng(seed).standard_normal(X.shape[1])
    np.testing.assert_allclose(weight_decay_path(X, y, lam, lr, steps, w0), reference_decay(X, y, lam, lr, steps, w0),
                               rtol=1e-10, atol=1e-12)


def test_weight_decay_ends_at_ridge_and_starts_with_pure_decay():
    X, y = problem(7, n=60, d=5)
    n, lam, lr = len(y), 0.3, 0.1
    least_squares = np.linalg.lstsq(X, y, rcond=None)[0]
    weights = weight_decay_path(X, y, lam, lr, 3000, least_squares)
    # At the least-squares weights the data's gradient is 0: the first step only multiplies by 1 - lr lam.
    np.testing.assert_allclose(weights[1], (1 - lr * lam) * least_squares, rtol=1e-9, atol=1e-12)
    sklearn = Ridge(alpha=n * lam, fit_intercept=False).fit(X, y).coef_
    np.testing.assert_allclose(weights[-1], sklearn, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(weights[-1], ridge(X, y, n * lam), rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(weight_decay_path(X, y, lam, lr, 4)[0], np.zeros(5))


def test_decay_view_says_the_factor_and_reaches_ridge():
    result = DEMO.run(**{**DEMO.defaults(), "view": "decay", "lam": 0.2, "lr": 0.1, "steps": 200})
    data = result.data
    assert data["factor"] == pytest.approx(0.98)
    assert "0.98·W - 0.1·dW_data" in result.summary and "step 1 is pure decay" in result.summary
    start, first = np.array(data["least_squares"]), np.array(data["weights"][1])
    np.testing.assert_allclose(first, 0.98 * start, rtol=1e-9)
    assert data["distance_to_ridge"] < 1e-5
    assert result.table.columns == ("weight", "start: least squares", "step 1: x0.98", "after step 200",
                                    "ridge at lam 0.2")
    assert "衰减" in result.summary_zh


def test_decay_view_reports_divergence():
    result = DEMO.run(**{**DEMO.defaults(), "view": "decay", "lam": 10.0, "lr": 1.0, "steps": 50})
    assert "diverges" in result.summary


@pytest.mark.parametrize("call, message", [
    (lambda X, y: weight_decay_path(X, y, 0.1, 0.0, 5), "lr=0.0"),
    (lambda X, y: weight_decay_path(X, y, -0.1, 0.1, 5), "lam=-0.1"),
    (lambda X, y: weight_decay_path(X, y, 0.1, 0.1, 5, [1.0]), "w0 has shape"),
    (lambda X, y: weight_decay_path(X, y, 0.1, 0.1, -1), "steps=-1"),
])
def test_weight_decay_path_refuses_bad_input(call, message):
    X, y = problem(1, n=10, d=3)
    with pytest.raises(ValueError, match=message):
        call(X, y)
