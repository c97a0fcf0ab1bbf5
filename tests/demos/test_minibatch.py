"""Mini-batch gradient descent against a slow NumPy loop, its batch and SGD limits, and the demo's result."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.minibatch import DEMO, _batch_costs, _orders, linear_regression_gd, regression_data, regression_step


def reference_gd(X, y, batch_size, lr, epochs, seed=0):
    """Textbook mini-batch gradient descent on (1/2m)||X_b w - y_b||^2, one NumPy batch at a time."""
    n, d = X.shape
    rng = np.random.default_rng(seed)
    w = np.zeros(d)
    weights, losses, batch_costs = [w.copy()], [0.5 * np.mean((X @ w - y) ** 2)], []
    for _ in range(epochs):
        order = np.arange(n) if batch_size == n else rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            residual = X[rows] @ w - y[rows]
            batch_costs.append(0.5 * np.mean(residual ** 2))
            w = w - lr * X[rows].T @ residual / len(rows)
            weights.append(w.copy())
            losses.append(0.5 * np.mean((X @ w - y) ** 2))
    return np.array(weights), np.array(losses), np.array(batch_costs)


@st.composite
def problems(draw):
    """A small random regression problem and a mini-batch setting that stays stable."""
    n, d = draw(st.integers(1, 25)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    X, y = rng.standard_normal((n, d)), rng.standard_normal(n)
    return X, y, draw(st.integers(1, n)), draw(st.floats(0.001, 0.3)), draw(st.integers(1, 4)), draw(st.integers(0, 99))


@settings(max_examples=100, deadline=None)
@given(problem=problems())
def test_weights_and_losses_equal_a_numpy_loop(problem):
    X, y, batch_size, lr, epochs, seed = problem
    weights, losses = linear_regression_gd(X, y, batch_size, lr, epochs, seed)
    expected_weights, expected_losses, _ = reference_gd(X, y, batch_size, lr, epochs, seed)
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-9, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(problem=problems())
def test_batch_costs_equal_the_cost_of_each_updates_batch(problem):
    X, y, batch_size, lr, epochs, seed = problem
    weights, _ = linear_regression_gd(X, y, batch_size, lr, epochs, seed)
    costs = _batch_costs(X, y, _orders(X.shape[0], batch_size, epochs, seed), batch_size, weights)
    np.testing.assert_allclose(costs, reference_gd(X, y, batch_size, lr, epochs, seed)[2], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(("n", "batch_size", "per_epoch"), [(200, 32, 7), (200, 200, 1), (200, 1, 200),
                                                            (10, 3, 4), (64, 64, 1), (64, 16, 4)])
def test_an_epoch_is_ceil_n_over_batch_size_updates(n, batch_size, per_epoch):
    X, y = np.ones((n, 2)), np.ones(n)
    weights, losses = linear_regression_gd(X, y, batch_size, 0.01, 3)
    assert weights.shape == (3 * per_epoch + 1, 2) and losses.shape == (3 * per_epoch + 1,)
    assert np.all(weights[0] == 0.0) and losses[0] == pytest.approx(0.5)


def test_the_last_batch_is_smaller_when_the_size_does_not_divide_n():
    # One feature equal to 1, target 1, lr 1: each update moves w by (1 - w), whatever the batch's size.
    X, y = np.ones((10, 1)), np.ones(10)
    weights, _ = linear_regression_gd(X, y, 4, 1.0, 1)
    np.testing.assert_allclose(weights[:, 0], [0.0, 1.0, 1.0, 1.0])
    # Rows of different targets: the last batch averages its own 2 rows only.
    X, y = np.ones((5, 1)), np.array([1.0, 1.0, 1.0, 4.0, 6.0])
    weights, _ = linear_regression_gd(X, y, 3, 1.0, 1, seed=3)
    last_rows = np.random.default_rng(3).permutation(5)[3:]
    assert weights[-1, 0] == pytest.approx(np.mean(y[last_rows]))


@settings(max_examples=30, deadline=None)
@given(problem=problems(), other_seed=st.integers(0, 99))
def test_batch_gradient_descent_does_not_depend_on_the_seed(problem, other_seed):
    X, y, _, lr, epochs, seed = problem
    first = linear_regression_gd(X, y, X.shape[0], lr, epochs, seed)
    second = linear_regression_gd(X, y, X.shape[0], lr, epochs, other_seed)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 1000), n=st.integers(5, 60))
def test_batch_gradient_descent_never_raises_the_cost_below_the_stable_rate(seed, n):
    X, y = regression_data(n, True, seed)
    limit = 2 / np.linalg.eigvalsh(X.T @ X / n)[-1]
    _, losses = linear_regression_gd(X, y, n, 0.9 * limit, 30)
    assert np.all(np.diff(losses) <= 1e-12)


def test_many_epochs_reach_the_least_squares_fit():
    X, y = regression_data(100, True, 1)
    weights, losses = linear_regression_gd(X, y, 100, 0.5, 200)
    optimum = np.linalg.lstsq(X, y)[0]
    np.testing.assert_allclose(weights[-1], optimum, atol=1e-10)
    assert losses[-1] == pytest.approx(0.5 * np.mean((X @ optimum - y) ** 2), rel=1e-12)


def test_sgd_keeps_wandering_around_the_optimum():
    X, y = regression_data(200, True, 0)
    optimum = np.linalg.lstsq(X, y)[0]
    floor = 0.5 * np.mean((X @ optimum - y) ** 2)
    _, sgd = linear_regression_gd(X, y, 1, 0.1, 10)
    _, batch = linear_regression_gd(X, y, 200, 0.5, 100)
    assert batch[-1] - floor < 1e-12
    assert np.all(sgd[-200:] - floor > 1e-6)  # never settles exactly


@settings(max_examples=30, deadline=None)
@given(n=st.integers(3, 300), seed=st.integers(0, 1000))  # two centred points are collinear: no unique fit to compare
def test_standardising_rescales_without_changing_the_fit(n, seed):
    raw, y = regression_data(n, False, seed)
    standard, same_y = regression_data(n, True, seed)
    assert np.array_equal(y, same_y)
    np.testing.assert_allclose(standard.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(standard.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(raw.mean(axis=0), 0.0, atol=1e-11)
    cost = [0.5 * np.mean((X @ np.linalg.lstsq(X, y)[0] - y) ** 2) for X in (raw, standard)]
    assert cost[0] == pytest.approx(cost[1], rel=1e-9, abs=1e-15)


X4, Y4 = np.ones((4, 2)), np.ones(4)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: linear_regression_gd(X4, Y4, 5, 0.1, 1), r"batch_size=5: must be an integer from 1 to 4"),
    (lambda: linear_regression_gd(X4, Y4, 0, 0.1, 1), r"batch_size=0: must be an integer from 1 to 4"),
    (lambda: linear_regression_gd(X4, Y4, 2, 0.0, 1), r"lr=0.0: must be a finite number > 0"),
    (lambda: linear_regression_gd(X4, Y4, 2, 0.1, 0), r"epochs=0: must be an integer >= 1"),
    (lambda: linear_regression_gd(X4, Y4[:3], 2, 0.1, 1), r"y has shape \(3,\): must be \(4,\), one target per row"),
    (lambda: linear_regression_gd(np.ones(4), Y4, 2, 0.1, 1), r"X has shape \(4,\): must be 2-D"),
    (lambda: linear_regression_gd(X4[:2], [1.0, math.inf], 1, 0.1, 1), r"y\[1\]=.*inf.*: must be finite"),
    (lambda: linear_regression_gd(X4, Y4, 1, 0.1, 1, seed=-1), r"seed=-1: must be an integer >= 0"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_counts_updates_per_epoch():
    result = DEMO.run(**DEMO.defaults())
    assert result.summary.startswith("In 5 epochs, batch GD makes 5 smooth updates")
    assert "mini-batches of 32 make 35" in result.summary and "SGD 1000" in result.summary
    assert [row[:4] for row in result.table.rows] == [("batch", "200", "1", "5"), ("mini-batch", "32", "7", "35"),
                                                      ("SGD", "1", "200", "1000")]
    methods = result.data["methods"]
    assert [len(methods[m]["full_cost"]) for m in ("batch", "mini-batch", "SGD")] == [6, 36, 1001]
    # Mini-batches get close to the least-squares cost in 5 epochs; batch gradient descent is still far off.
    floor = result.data["least_squares_cost"]
    assert methods["mini-batch"]["full_cost"][-1] < 1.05 * floor < methods["batch"]["full_cost"][-1]
    assert len(result.figure.axes) == 1


def test_the_demo_explains_divergence_without_normalisation():
    result = DEMO.run(**DEMO.validate({"normalise": "false"}))
    assert result.summary.startswith("lr 0.1 is above 2/λmax = 0.0209")
    assert "even batch gradient descent diverges" in result.summary
    zigzag = DEMO.run(**DEMO.validate({"view": "paths", "normalise": "false", "lr": "0.02", "epochs": "20"}))
    assert "SGD diverged" in zigzag.summary and "narrow bowl (curvatures 95.9 and 1.01)" in zigzag.summary
    assert zigzag.data["methods"]["mini-batch"]["full_cost"][-1] < 1.5 * zigzag.data["least_squares_cost"]


def test_a_batch_size_above_n_falls_back_to_batch_gradient_descent():
    result = DEMO.run(**DEMO.validate({"n": "20", "batch_size": "32"}))
    assert "batch_size 32 > n: using 20" in result.summary
    assert result.table.rows[1][:3] == ("mini-batch", "20", "1")


# The step view: one update of a one-feature linear or logistic regression.

def reference_cost(model, x, y, w, b):
    """The mean loss written plainly: (1/m) sum (w x + b - y)^2 / 2, or the mean binary cross-entropy."""
    total = 0.0
    for x_i, y_i in zip(x, y):
        z = w * x_i + b
        if model == "linear":
            total += 0.5 * (z - y_i) ** 2
        else:
            p = 1 / (1 + math.exp(-z))
            total += -(y_i * math.log(p) + (1 - y_i) * math.log(1 - p))
    return total / len(x)


@settings(max_examples=80, deadline=None)
@given(model=st.sampled_from(["linear", "logistic"]), data=st.data(), w=st.floats(-3, 3), b=st.floats(-3, 3),
       lr=st.floats(0.001, 1.0))
def test_regression_step_is_gradient_descent_on_the_mean_loss(model, data, w, b, lr):
    m = data.draw(st.integers(1, 6))
    x = data.draw(st.lists(st.floats(-3, 3), min_size=m, max_size=m))
    y = data.draw(st.lists(st.sampled_from([0.0, 1.0]) if model == "logistic" else st.floats(-5, 5),
                           min_size=m, max_size=m))
    step = regression_step(x, y, w, b, lr, model)
    h = 1e-6  # centred differences of the plain cost
    grad_w = (reference_cost(model, x, y, w + h, b) - reference_cost(model, x, y, w - h, b)) / (2 * h)
    grad_b = (reference_cost(model, x, y, w, b + h) - reference_cost(model, x, y, w, b - h)) / (2 * h)
    assert step["grad_w"] == pytest.approx(grad_w, rel=1e-5, abs=1e-6)
    assert step["grad_b"] == pytest.approx(grad_b, rel=1e-5, abs=1e-6)
    assert step["w"] == pytest.approx(w - lr * step["grad_w"], rel=1e-12, abs=1e-12)
    assert step["b"] == pytest.approx(b - lr * step["grad_b"], rel=1e-12, abs=1e-12)
    assert step["cost"] == pytest.approx(reference_cost(model, x, y, w, b), rel=1e-9, abs=1e-12)
    assert step["cost_after"] == pytest.approx(reference_cost(model, x, y, step["w"], step["b"]), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(step["dw"].mean(), step["grad_w"], rtol=1e-12, atol=1e-15)


def test_logistic_loss_is_sklearns_log_loss():
    from sklearn.metrics import log_loss
    x, y = [0.0, 1.0, 3.0, 4.0], [0.0, 0.0, 1.0, 1.0]
    step = regression_step(x, y, 1.0, -2.0, 0.5, "logistic")
    assert step["cost"] == pytest.approx(log_loss(y, step["prediction"]), rel=1e-12)
    np.testing.assert_allclose(step["prediction"], 1 / (1 + np.exp(-(np.array(x) - 2.0))), rtol=1e-14)


def test_step_view_is_the_cards_worked_example():
    result = DEMO.run(**{**DEMO.defaults(), "view": "step", "w": 1.0, "b": 0.0, "lr": 0.1, "x": "2", "y": "5"})
    data = result.data
    assert (data["prediction"], data["loss"], data["grad_w"], data["grad_b"]) == ([2.0], [4.5], -6.0, -3.0)
    assert data["new_w"] == pytest.approx(1.6) and data["new_b"] == pytest.approx(0.3)
    assert data["prediction_after"] == pytest.approx([3.5]) and data["cost_after"] == pytest.approx(1.125)
    assert "ŷ = w·x + b = 1·2 + 0 = 2, error ŷ - y = -3, loss ½(ŷ - y)² = 4.5" in result.summary
    assert "w = 1 - 0.1·(-6) = 1.6, b = 0 - 0.1·(-3) = 0.3" in result.summary
    assert "ŷ = 3.5, loss 1.125" in result.summary
    assert result.table.rows == (("2", "5", "2", "-3", "4.5", "-6", "-3", "3.5"),)


def test_step_view_with_several_examples_gives_the_mse():
    result = DEMO.run(**{**DEMO.defaults(), "view": "step", "x": "1,2,3,4", "y": "2,5,4,9"})
    errors = np.array([1, 2, 3, 4]) - np.array([2, 5, 4, 9])
    assert result.data["cost"] == pytest.approx(np.mean(errors ** 2) / 2)
    assert f"without the ½: {np.mean(errors ** 2):.4g}" in result.summary
    assert result.table.rows[-1][0] == "mean"


def test_logistic_step_view_names_the_boundary():
    result = DEMO.run(**{**DEMO.defaults(), "view": "step", "model": "logistic", "w": 1.0, "b": -2.5,
                         "x": "1,2,3,4", "y": "0,0,1,1"})
    assert result.data["boundary"] == 2.5
    assert "x = -b/w = 2.5" in result.summary and "P(y = 1 | x)" in result.summary


@pytest.mark.parametrize("values, message", [
    ({"x": "1,2", "y": "3"}, "one target per x"),
    ({"x": "a", "y": "3"}, "x='a'"),
    ({"x": ",".join(["1"] * 11), "y": "3"}, "1 to 10 numbers"),
    ({"model": "logistic", "x": "2", "y": "5"}, "must be 0 or 1"),
])
def test_step_view_refuses_bad_examples(values, message):
    with pytest.raises(ValueError, match=message):
        DEMO.run(**{**DEMO.defaults(), "view": "step", **values})


def test_linear_step_names_the_model():
    result = DEMO.run(**{**DEMO.defaults(), "view": "step"})
    assert "nn.Linear(1, 1)" in result.summary and "ŷ = Xw + b" in result.summary
