"""Finite differences, relative difference and the MLP's backprop against NumPy references, and the demo's result."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.gradients import (DEMO, FUNCS, PARAMETERS, _check, _demo_network, _error_curves, _exact, _network,
                             computation_graph, gradient_check, mlp_gradients, numerical_derivative,
                             relative_difference)

PLAIN = {"square": lambda x: x * x, "cube": lambda x: x * x * x, "exp": math.exp, "sin": math.sin,
         "sigmoid": lambda x: 1 / (1 + math.exp(-x)), "tanh": math.tanh}
ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
SLOPES = {"tanh": lambda z: 1 - np.tanh(z) ** 2, "relu": lambda z: (z > 0) * 1.0,
          "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2}


@settings(max_examples=100, deadline=None)
@given(func=st.sampled_from(FUNCS), x=st.lists(st.floats(-3, 3), min_size=1, max_size=10),
       eps=st.floats(1e-10, 0.1), method=st.sampled_from(["centred", "forward"]))
def test_numerical_derivative_is_the_textbook_difference(func, x, eps, method):
    f = PLAIN[func]
    expected = [(f(v + eps) - f(v - eps)) / (2 * eps) if method == "centred" else (f(v + eps) - f(v)) / eps
                for v in x]
    round_off = 1e-15 * max(1.0, *(abs(f(v)) for v in x)) / eps  # one ulp of f apart, divided by eps
    np.testing.assert_allclose(numerical_derivative(func, x, eps, method), expected, rtol=1e-12, atol=round_off)


@pytest.mark.parametrize("func", FUNCS)
def test_exact_derivatives_equal_sympys(func):
    s = sympy.Symbol("s")
    expr = {"square": s ** 2, "cube": s ** 3, "exp": sympy.exp(s), "sin": sympy.sin(s),
            "sigmoid": 1 / (1 + sympy.exp(-s)), "tanh": sympy.tanh(s)}[func]
    derivatives = [sympy.lambdify(s, sympy.diff(expr, s, k)) for k in (1, 2, 3)]
    for x in np.linspace(-3, 3, 13):
        assert _exact(FUNCS.index(func), x) == pytest.approx([float(d(x)) for d in derivatives], rel=1e-12, abs=1e-14)


def test_the_notes_cube_example():
    assert numerical_derivative("cube", 1.0, 0.01, "forward") == pytest.approx(3.0301, abs=1e-12)
    assert numerical_derivative("cube", 1.0, 0.01) == pytest.approx(3.0001, abs=1e-12)
    assert numerical_derivative("cube", [[1.0, 2.0]], 0.01).shape == (1, 2)


@pytest.mark.parametrize("func", FUNCS)
def test_error_falls_like_eps_and_eps_squared_before_round_off(func):
    x = 0.7
    _, second, third = _exact(FUNCS.index(func), x)
    forward, centred = _error_curves(FUNCS.index(func), x, np.array([1e-3, 1e-4]))
    np.testing.assert_allclose(forward, np.array([1e-3, 1e-4]) / 2 * abs(second), rtol=0.02)
    if third != 0:
        np.testing.assert_allclose(centred, np.array([1e-3, 1e-4]) ** 2 / 6 * abs(third), rtol=0.02)
    tiny = _error_curves(FUNCS.index(func), x, np.array([1e-12]))
    assert tiny.min() > 1e-7  # round-off: about 1e-16 / 1e-12


def test_the_best_step_of_each_method_is_where_the_notes_put_it():
    grid = np.logspace(-12, -1, 45)
    forward, centred = _error_curves(FUNCS.index("cube"), 1.0, grid)
    assert 1e-9 <= grid[np.argmin(forward)] <= 1e-7 and forward.min() < 1e-7
    assert 1e-6 <= grid[np.argmin(centred)] <= 1e-4 and centred.min() < 1e-10


@settings(max_examples=100, deadline=None)
@given(pair=st.integers(1, 12).flatmap(lambda n: st.tuples(*[st.lists(st.floats(-1e3, 1e3), min_size=n,
                                                                             max_size=n)] * 2)))
def test_relative_difference_is_the_normalised_distance(pair):
    a, b = map(np.array, pair)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    expected = 0.0 if denominator == 0 else np.linalg.norm(a - b) / denominator
    assert relative_difference(a, b) == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert relative_difference(a, b) == pytest.approx(relative_difference(b, a), rel=1e-12, abs=1e-300)
    assert 0.0 <= relative_difference(a, b) <= 1.0 + 1e-15  # triangle inequality, up to rounding


def test_relative_difference_special_values():
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_difference([1.0, 2.0], [-1.0, -2.0]) == 1.0
    assert relative_difference([[1e-9]], [[2e-9]]) == pytest.approx(1 / 3)


def reference_loss(X, Y, W1, b1, W2, b2, activation):
    """Mean BCE of sigmoid(g(X W1 + b1) W2 + b2) against Y, with NumPy, from the probabilities."""
    p = 1 / (1 + np.exp(-(ACTIVATIONS[activation](X @ W1 + b1) @ W2 + b2)))
    return float(-np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p)))


def reference_backprop(X, Y, W1, b1, W2, b2, activation):
    """deeplearning.ai's vectorised backprop formulas, with NumPy."""
    Z1 = X @ W1 + b1
    A1 = ACTIVATIONS[activation](Z1)
    p = 1 / (1 + np.exp(-(A1 @ W2 + b2)))
    dO = (p - Y) / len(X)
    dZ1 = dO @ W2.T * SLOPES[activation](Z1)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": A1.T @ dO, "b2": dO.sum(axis=0)}


def reference_numerical(X, Y, params, activation, eps):
    """Centred differences of reference_loss, one parameter entry at a time."""
    grads = []
    for index, param in enumerate(params):
        grad = np.zeros_like(param)
        for entry in np.ndindex(param.shape):
            shifted = []
            for sign in (1, -1):
                copy = [p.copy() for p in params]
                copy[index][entry] += sign * eps
                shifted.append(reference_loss(X, Y, *copy, activation))
            grad[entry] = (shifted[0] - shifted[1]) / (2 * eps)
        grads.append(grad)
    return grads


def random_network(seed, n=None, d=None, h=None):
    """A random network and data set of random sizes."""
    rng = np.random.default_rng(seed)
    n, d, h = n or rng.integers(1, 9), d or rng.integers(1, 5), h or rng.integers(1, 6)
    return (rng.standard_normal((n, d)), rng.integers(0, 2, (n, 1)).astype(float), rng.standard_normal((d, h)),
            rng.standard_normal(h), rng.standard_normal((h, 1)), rng.standard_normal(1))


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_mlp_gradients_equal_the_vectorised_formulas(activation):
    for seed in range(30):
        network = random_network(seed)
        ours = mlp_gradients(*network, activation=activation)
        assert ours["loss"] == pytest.approx(reference_loss(*network, activation), rel=1e-12)
        expected = reference_backprop(*network, activation)
        for name in PARAMETERS:
            assert ours[name].shape == expected[name].shape
            np.testing.assert_allclose(ours[name], expected[name], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_gradient_check_equals_the_reference_check_and_is_tiny(activation):
    for seed in range(10):
        X, Y, *params = random_network(seed)
        approx = np.concatenate([g.ravel() for g in reference_numerical(X, Y, params, activation, 1e-5)])
        exact = np.concatenate([g.ravel() for g in mlp_gradients(X, Y, *params, activation=activation).values()
                                if isinstance(g, np.ndarray)])
        ours = gradient_check(X, Y, *params, activation=activation)
        assert ours == pytest.approx(relative_difference(approx, exact), rel=1e-3, abs=1e-9)
        assert ours < 1e-8


def test_a_planted_bug_makes_the_check_jump_from_1e_10_to_1e_1():
    for activation in ("tanh", "relu", "sigmoid"):
        network, act = _network(*_demo_network(), activation)
        clean, buggy = _check(*network, act, 1e-5, False), _check(*network, act, 1e-5, True)
        assert clean < 1e-9
        assert 5e-2 < buggy < 1.0


def test_the_loss_from_logits_stays_exact_when_the_sigmoid_saturates():
    X, Y = np.array([[1.0]]), np.array([[0.0]])
    W1, b1, W2, b2 = np.array([[1.0]]), np.zeros(1), np.array([[1.0]]), np.array([50.0])
    result = mlp_gradients(X, Y, W1, b1, W2, b2, "relu")
    assert result["loss"] == pytest.approx(51.0)
    assert result["b2"] == pytest.approx([1.0])


@pytest.mark.parametrize(("call", "message"), [
    (lambda: numerical_derivative("log", 1.0), r"func='log': must be one of square, cube, exp, sin, sigmoid, tanh"),
    (lambda: numerical_derivative("exp", 1.0, eps=0.0), r"eps=0.0: must be a finite number > 0"),
    (lambda: numerical_derivative("exp", 1.0, method="backward"),
     r"method='backward': must be one of centred, forward"),
    (lambda: relative_difference([1.0, 2.0], [1.0]), r"exact has shape \(1,\): must be \(2,\), the shape of approx"),
    (lambda: mlp_gradients(np.ones(3), np.ones((3, 1)), np.ones((1, 2)), np.ones(2), np.ones((2, 1)), np.ones(1)),
     r"X has shape \(3,\): must be 2-D"),
    (lambda: mlp_gradients(np.ones((3, 1)), np.full((3, 1), 0.5), np.ones((1, 2)), np.ones(2), np.ones((2, 1)),
                           np.ones(1)), r"Y\[0, 0\]=.*0.5.*: must be 0 or 1"),
    (lambda: mlp_gradients(np.ones((3, 2)), np.ones((3, 1)), np.ones((1, 2)), np.ones(2), np.ones((2, 1)), np.ones(1)),
     r"W1 has shape \(1, 2\): must be \(2, n\), \(d, h\) with d the columns of X"),
    (lambda: mlp_gradients(np.ones((3, 1)), np.ones((3, 1)), np.ones((1, 2)), np.ones(3), np.ones((2, 1)), np.ones(1)),
     r"b1 has shape \(3,\): must be \(2,\), one bias per hidden unit"),
    (lambda: gradient_check(np.ones((3, 1)), np.ones((3, 1)), np.ones((1, 2)), np.ones(2), np.ones((2, 1)),
                            np.ones(1), activation="gelu"), r"activation='gelu': must be one of tanh, relu, sigmoid"),
    (lambda: gradient_check(np.ones((3, 1)), np.ones((3, 1)), np.ones((1, 2)), np.ones(2), np.ones((2, 1)),
                            np.ones(1), eps=-1e-5), r"eps=-1e-05: must be a finite number > 0"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_compares_the_differences_and_passes_the_check():
    result = DEMO.run(**DEMO.defaults())
    assert result.summary.startswith("cube'(1) = 3; at eps = 0.0001 forward gives 3.00030001 (error 3.0e-04), "
                                     "centred 3.00000001 (error 1.0e-08, 30000 times closer).")
    assert "great (<= 1e-7)" in result.summary
    assert result.table.rows[-1][0] == "gradient check, all" and float(result.table.rows[-1][2]) < 1e-7
    json.dumps(result.data)
    assert len(result.figure.axes) == 1


def test_the_demo_at_the_notes_step_and_with_the_bug():
    result = DEMO.run(**DEMO.validate({"eps": "0.01"}))
    assert "forward gives 3.0301 (error 3.0e-02), centred 3.0001 (error 1.0e-04, 300 times closer)" in result.summary
    result = DEMO.run(**DEMO.validate({"eps": "1e-7", "bug": "true"}))
    assert "almost surely a bug (>= 1e-3)" in result.summary
    per_parameter = result.data["relative_difference_per_parameter"]
    assert per_parameter["W1"] > 1e-2 and per_parameter["b1"] > 1e-2
    assert per_parameter["W2"] < 1e-7 and per_parameter["b2"] < 1e-7
    assert min(v for v in result.data["check_curve"] if v is not None) > 5e-2


# The computation graph J = 3(a + bc).

A, B, C = sympy.symbols("a b c")
J_EXPR = 3 * (A + B * C)


@settings(max_examples=60, deadline=None)
@given(a=st.floats(-10, 10), b=st.floats(-10, 10), c=st.floats(-10, 10))
def test_computation_graph_is_sympys_derivative(a, b, c):
    graph = computation_graph(a, b, c)
    at = {A: a, B: b, C: c}
    assert graph["value"]["u"] == b * c and graph["value"]["v"] == a + b * c
    assert graph["value"]["J"] == pytest.approx(float(J_EXPR.subs(at)), rel=1e-12, abs=1e-12)
    for name, symbol in (("a", A), ("b", B), ("c", C)):
        assert graph["grad"][name] == pytest.approx(float(sympy.diff(J_EXPR, symbol).subs(at)), rel=1e-12, abs=1e-12)
    assert graph["grad"]["v"] == 3 and graph["grad"]["u"] == 3 and graph["grad"]["J"] == 1


def test_graph_view_gives_the_notes_numbers():
    result = DEMO.run(**{**DEMO.defaults(), "view": "graph"})
    assert (result.data["a"], result.data["b"], result.data["c"]) == (5.0, 3.0, 2.0)
    assert result.data["value"] == {"a": 5, "b": 3, "c": 2, "u": 6, "v": 11, "J": 33}
    assert result.data["grad"] == {"a": 3, "b": 6, "c": 9, "u": 3, "v": 3, "J": 1}
    assert "u = bc = 6, v = a + u = 11, J = 3v = 33" in result.summary
    assert "dJ/da = 3, dJ/db = dJ/du·c = 6, dJ/dc = dJ/du·b = 9" in result.summary
    assert result.data["max_difference"] < 1e-8
    assert [row[0] for row in result.table.rows] == ["a", "b", "c", "u", "v", "J"]
    assert result.table.rows[1][4] == "dJ/du·c = 6"
    json.loads(json.dumps(result.data, allow_nan=False))


def test_computation_graph_refuses_a_non_number():
    with pytest.raises(ValueError, match="b=nan"):
        computation_graph(1.0, float("nan"), 2.0)
