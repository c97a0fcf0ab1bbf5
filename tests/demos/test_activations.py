"""Activations and derivatives against plain-math references and finite differences, and the demo's result."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.activations import DEMO, NAMES, activation, depth_factor, derivative, fit_hidden_layer, hidden_weights


def ref_sigmoid(z):
    """1 / (1 + e^-z), written the stable way for very negative z."""
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def ref_value(name, z, slope):
    """The textbook (and torch) definitions, one element at a time."""
    return {
        "sigmoid": lambda: ref_sigmoid(z),
        "tanh": lambda: math.tanh(z),
        "relu": lambda: max(0.0, z),
        "leaky_relu": lambda: z if z > 0 else slope * z,
        "gelu": lambda: z * 0.5 * (1 + math.erf(z / math.sqrt(2))),
        "silu": lambda: z * ref_sigmoid(z),
        "softplus": lambda: z if z > 20 else math.log1p(math.exp(z)),
    }[name]()


def ref_derivative(name, z, slope):
    """torch autograd's derivatives, one element at a time (its conventions at the kinks)."""
    s = ref_sigmoid(z)
    return {
        "sigmoid": lambda: s * (1 - s),
        "tanh": lambda: 1 - math.tanh(z) ** 2,
        "relu": lambda: 1.0 if z > 0 else 0.0,
        "leaky_relu": lambda: 1.0 if z > 0 else slope,
        "gelu": lambda: 0.5 * (1 + math.erf(z / math.sqrt(2))) + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi),
        "silu": lambda: s + z * s * (1 - s),
        "softplus": lambda: 1.0 if z > 20 else s,
    }[name]()


values = st.lists(st.floats(-60, 60, allow_nan=False), min_size=1, max_size=30)
slopes = st.floats(0, 0.5)


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(NAMES), z=values, slope=slopes)
def test_activation_and_derivative_equal_the_references(name, z, slope):
    np.testing.assert_allclose(activation(name, z, slope), [ref_value(name, v, slope) for v in z],
                               rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(derivative(name, z, slope), [ref_derivative(name, v, slope) for v in z],
                               rtol=1e-12, atol=1e-300)


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(NAMES), z=st.floats(-8, 8).filter(lambda v: abs(v) > 1e-3 and abs(v - 20) > 1e-3),
       slope=slopes)
def test_derivative_matches_a_centred_difference_of_the_activation(name, z, slope):
    h = 1e-6
    numeric = (activation(name, [z + h], slope)[0] - activation(name, [z - h], slope)[0]) / (2 * h)
    assert derivative(name, [z], slope)[0] == pytest.approx(numeric, abs=1e-7)


def test_derivatives_at_the_kinks_follow_torch():
    assert derivative("relu", 0.0) == 0.0
    assert derivative("leaky_relu", 0.0, slope=0.2) == 0.2
    assert derivative("leaky_relu", [-3.0, 3.0], slope=0.2).tolist() == [0.2, 1.0]
    assert activation("leaky_relu", -3.0, slope=0.2) == pytest.approx(-0.6)


def test_softplus_switches_to_the_identity_above_20_without_overflow():
    z = np.array([-800.0, 0.0, 19.5, 20.0, 20.5, 800.0])
    out = activation("softplus", z)
    assert np.isfinite(out).all()
    assert out[0] == 0.0 and out[1] == pytest.approx(math.log(2))
    assert out[3] == pytest.approx(math.log1p(math.exp(20.0))) and out[4] == 20.5 and out[5] == 800.0
    np.testing.assert_allclose(derivative("softplus", z)[[3, 4, 5]], [ref_sigmoid(20.0), 1.0, 1.0])


def test_sigmoid_is_stable_for_huge_inputs():
    out = activation("sigmoid", [-1000.0, 1000.0])
    assert out.tolist() == [0.0, 1.0]
    assert derivative("sigmoid", [-1000.0, 1000.0]).tolist() == [0.0, 0.0]


@settings(max_examples=50, deadline=None)
@given(z=values)
def test_tanh_is_a_rescaled_sigmoid(z):
    z = np.array(z)
    np.testing.assert_allclose(activation("tanh", z), 2 * activation("sigmoid", 2 * z) - 1, atol=1e-14)


def test_the_notes_sigmoid_and_tanh_values():
    assert derivative("sigmoid", 0.0) == 0.25
    assert derivative("sigmoid", [2.0, 5.0]) == pytest.approx([0.105, 0.0066], abs=5e-4)
    assert derivative("tanh", 0.0) == 1.0
    assert derivative("tanh", 2.0) == pytest.approx(0.07, abs=5e-3)
    grid = np.linspace(-10, 10, 2001)
    assert derivative("sigmoid", grid).max() == 0.25


def test_depth_factor_of_sigmoid_at_zero_is_a_quarter_to_the_depth():
    assert depth_factor("sigmoid", 0.0, 10) == 0.25 ** 10
    assert depth_factor("tanh", 0.0, 50) == 1.0
    assert depth_factor("relu", [-1.0, 0.0, 1.0], 3).tolist() == [0.0, 0.0, 1.0]


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(NAMES), z=values, depth=st.integers(1, 40), slope=slopes)
def test_depth_factor_is_the_product_of_the_derivatives(name, z, depth, slope):
    expected = [math.prod([ref_derivative(name, v, slope)] * depth) for v in z]
    np.testing.assert_allclose(depth_factor(name, z, depth, slope), expected, rtol=1e-11, atol=1e-300)


def test_shapes_are_kept():
    z = np.arange(-3.0, 3.0).reshape(2, 3)
    assert activation("gelu", z).shape == (2, 3)
    assert derivative("silu", z).shape == (2, 3)
    assert depth_factor("tanh", z, 2).shape == (2, 3)
    assert activation("relu", 2).shape == ()
    assert activation("relu", np.int64(2)).dtype == np.float64


@pytest.mark.parametrize(("call", "message"), [
    (lambda: activation("swish", [1.0]), r"name='swish': must be one of sigmoid, tanh, relu"),
    (lambda: derivative("relu", [1.0, float("nan")]), r"z\[1\]=.*nan.*: must be finite"),
    (lambda: activation("relu", ["a"]), r"z=\['a'\]: must be numbers"),
    (lambda: derivative("leaky_relu", [1.0], slope=float("inf")), r"slope=inf: must be a finite number"),
    (lambda: depth_factor("sigmoid", [0.0], 0), r"depth=0: must be an integer >= 1"),
    (lambda: depth_factor("sigmoid", [0.0], 2.5), r"depth=2.5: must be an integer >= 1"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_shows_sigmoid_vanishing_over_ten_layers():
    result = DEMO.run(**DEMO.defaults())
    assert result.table.rows == (("sigmoid", "0.5", "0.25", "9.54e-07"), ("tanh", "0", "1", "1"),
                                 ("relu", "0", "0", "0"))
    assert "sigmoid'(0) = 0.25 < 1 multiplied 10 times gives 9.54e-07" in result.summary
    assert "vanishes" in result.summary and "relu' = 0 blocks it" in result.summary
    assert result.data["activations"]["sigmoid"]["depth_factor"] == 0.25 ** 10
    assert len(result.figure.axes) == 1


def test_the_demo_with_leaky_relu_and_gelu_off_centre():
    result = DEMO.run(**DEMO.validate({"names": "leaky_relu,gelu", "z": "1.5", "depth": "50", "slope": "0.1"}))
    assert result.table.rows[0] == ("leaky_relu", "1.5", "1", "1")
    assert "gelu'(1.5) = 1.127 > 1 makes it grow" in result.summary
    result = DEMO.run(**DEMO.validate({"names": "leaky_relu", "z": "-2", "depth": "3", "slope": "0.1"}))
    assert result.table.rows[0] == ("leaky_relu", "-0.2", "0.1", "0.001")


# The network view: one hidden layer building a curve, and the collapse without an activation.

X_GRID = np.linspace(-3.0, 3.0, 121)


def least_squares_fit(features, target):
    """Fitted values of target on [1, features] by least squares (NumPy's lstsq)."""
    design = np.column_stack([np.ones(len(target)), features])
    return design @ np.linalg.lstsq(design, target, rcond=None)[0]


def test_hidden_weights_follow_lees_construction():
    w, b = hidden_weights("sigmoid", -3.0, 3.0, 3)  # segments of width 2 centred on -2, 0, 2
    np.testing.assert_allclose(w, [2.0, 2.0, 2.0])
    np.testing.assert_allclose(-b / w, [-2.0, 0.0, 2.0])
    w, b = hidden_weights("tanh", -3.0, 3.0, 3)
    np.testing.assert_allclose(w, [1.0, 1.0, 1.0])
    w, b = hidden_weights("relu", -3.0, 3.0, 3)  # hinges at the left end of each segment
    np.testing.assert_allclose(-b / w, [-3.0, -1.0, 1.0])
    # sigmoid's slope at its centre, w/4, is the hard sigmoid's 1/width
    assert hidden_weights("sigmoid", 0.0, 8.0, 4)[0][0] / 4 == pytest.approx(1 / 2.0)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "softplus"]), units=st.integers(1, 12),
       seed=st.integers(0, 1000))
def test_fit_is_least_squares_on_the_hidden_units(name, units, seed):
    target = np.random.default_rng(seed).standard_normal(X_GRID.size).cumsum() / 5
    fit = fit_hidden_layer(name, X_GRID, target, units)
    w, b = hidden_weights(name, -3.0, 3.0, units)
    z = X_GRID[:, None] * w + b
    features = np.vectorize(lambda v: ref_value(name, v, 0.01))(z)
    np.testing.assert_allclose(fit["fitted"], least_squares_fit(features, target), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(fit["c0"] + fit["hidden"] @ fit["c"], fit["fitted"], rtol=1e-9, atol=1e-9)


def test_relu_units_rebuild_a_piecewise_linear_curve_exactly():
    # Knots at -3, -1, 1: any continuous curve linear between them is c0 + sum c_i relu(x - k_i).
    target = np.interp(X_GRID, [-3, -1, 1, 3], [0.5, -1.0, 2.0, 1.5])
    fit = fit_hidden_layer("relu", X_GRID, target, 3)
    np.testing.assert_allclose(fit["fitted"], target, atol=1e-10)


def test_more_relu_units_never_fit_worse():
    target = np.sin(2 * X_GRID)
    errors = [np.sqrt(np.mean((fit_hidden_layer("relu", X_GRID, target, k)["fitted"] - target) ** 2))
              for k in (2, 4, 8, 16)]  # the hinges of k units are among those of 2k: nested least squares
    assert all(later <= earlier + 1e-12 for earlier, later in zip(errors, errors[1:]))


def test_without_activation_the_layer_is_one_line():
    target = np.sin(X_GRID)
    fit = fit_hidden_layer("linear", X_GRID, target, 7)
    slope, intercept = np.polyfit(X_GRID, target, 1)
    assert fit["line"] == pytest.approx((slope, intercept), abs=1e-10)
    np.testing.assert_allclose(fit["fitted"], slope * X_GRID + intercept, atol=1e-10)


def test_network_view_says_what_the_card_says():
    result = DEMO.run(**{**DEMO.defaults(), "view": "network", "names": ("sigmoid", "relu"), "units": 6})
    data = result.data
    assert data["rms_error"]["relu"] < 0.2 and data["rms_error"]["linear"] > 0.6
    assert data["rms_error_doubled"]["relu"] < data["rms_error"]["relu"]
    assert data["linear_collapse"]["max_difference"] < 1e-12
    x = np.linspace(-6, 6, 401)
    assert data["linear_collapse"]["slope"] == pytest.approx(np.polyfit(x, np.sin(x), 1)[0], abs=1e-10)
    assert "collapse to one line" in result.summary and "more units, closer fit" in result.summary
    assert [row[0] for row in result.table.rows] == ["sigmoid", "relu", "none (linear)"]
    assert "塌缩" in result.summary_zh


@pytest.mark.parametrize("call, message", [
    (lambda: hidden_weights("step", 0.0, 1.0, 2), "name='step'"),
    (lambda: hidden_weights("relu", 1.0, 1.0, 2), "high=1.0"),
    (lambda: hidden_weights("relu", 0.0, 1.0, 0), "units=0"),
    (lambda: fit_hidden_layer("relu", [0.0, 1.0], [1.0], 2), "target has shape"),
])
def test_network_helpers_refuse_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
