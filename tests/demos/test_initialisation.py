"""Initialisation: torch's init formulas written out, the depth kernel against a NumPy forward/backward pass (and
finite differences), the vanishing/exploding facts of the notes, and the demo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.initialisation import (ACTIVATIONS, DEMO, INIT_SCHEMES, LEAKY_SLOPE, SCHEMES, _depth_stats, _network,
                                  _weight_std, calculate_gain, depth_stats, init_std)
from revise.demo_engine.spec import DemoResult


def torch_gain(nonlinearity, a):
    """torch.nn.init.calculate_gain for the nonlinearities the demo knows."""
    return {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0),
            "leaky_relu": math.sqrt(2.0 / (1 + a ** 2))}[nonlinearity]


def torch_std(scheme, fan_in, fan_out, nonlinearity, a):
    """The std of the weights torch.nn.init draws: normal ones directly, uniform ones as bound / sqrt(3)."""
    gain = torch_gain(nonlinearity, a)
    if scheme == "xavier_normal":
        return gain * math.sqrt(2.0 / float(fan_in + fan_out))
    if scheme == "xavier_uniform":
        return gain * math.sqrt(6.0 / float(fan_in + fan_out)) / math.sqrt(3.0)
    if scheme == "kaiming_normal":
        return gain / math.sqrt(fan_in)
    return gain * math.sqrt(3.0 / fan_in) / math.sqrt(3.0)


def g(z, activation):
    return {"relu": lambda: np.maximum(z, 0), "tanh": lambda: np.tanh(z), "sigmoid": lambda: 1 / (1 + np.exp(-z)),
            "leaky_relu": lambda: np.where(z > 0, z, LEAKY_SLOPE * z), "linear": lambda: z}[activation]()


def g_prime(z, activation):
    return {"relu": lambda: (z > 0).astype(float), "tanh": lambda: 1 - np.tanh(z) ** 2,
            "sigmoid": lambda: g(z, "sigmoid") * (1 - g(z, "sigmoid")),
            "leaky_relu": lambda: np.where(z > 0, 1.0, LEAKY_SLOPE), "linear": lambda: np.ones_like(z)}[activation]()


def numpy_pass(inputs, weights, output_grad, activation):
    """Layer outputs a_l and gradients dL/da_l for L = sum(output_grad * a_L), layer by layer."""
    outputs, pre, a = [], [], inputs
    for w in weights:
        pre.append(a @ w)
        a = g(pre[-1], activation)
        outputs.append(a)
    grads, grad = [None] * len(weights), output_grad
    for layer in reversed(range(len(weights))):
        grads[layer] = grad
        grad = (grad * g_prime(pre[layer], activation)) @ weights[layer].T
    return outputs, grads


@settings(max_examples=100, deadline=None)
@given(scheme=st.sampled_from(INIT_SCHEMES), fan_in=st.integers(1, 4096), fan_out=st.integers(1, 4096),
       nonlinearity=st.sampled_from(["linear", "sigmoid", "tanh", "relu", "leaky_relu"]), a=st.floats(0.0, 1.0))
def test_init_std_equals_torchs_formulas(scheme, fan_in, fan_out, nonlinearity, a):
    assert init_std(scheme, fan_in, fan_out, nonlinearity, a) == pytest.approx(
        torch_std(scheme, fan_in, fan_out, nonlinearity, a), rel=1e-12)


def test_he_and_glorot_worked_numbers():
    assert init_std("kaiming_normal", 512, 512, "relu") == pytest.approx(0.0625)
    assert init_std("kaiming_normal", 100, 7, "relu") == pytest.approx(math.sqrt(2 / 100))
    assert init_std("xavier_normal", 300, 100) == pytest.approx(math.sqrt(2 / 400))
    assert init_std("xavier_uniform", 300, 100) == pytest.approx(math.sqrt(6 / 400) / math.sqrt(3))
    assert calculate_gain("tanh") == pytest.approx(5 / 3)
    assert calculate_gain("leaky_relu", 0.01) == pytest.approx(math.sqrt(2 / 1.0001))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_drawn_weights_have_the_schemes_std(scheme):
    _, weights, _ = _network(20, 64, scheme, "relu", 0.05, 8, 3)
    expected = _weight_std(scheme, 64, "relu", 0.05)
    assert weights.std() == pytest.approx(expected, rel=0.02)
    assert abs(weights.mean()) <= 0.01 * max(expected, 1e-12)
    if scheme.endswith("uniform"):
        assert np.abs(weights).max() <= expected * math.sqrt(3)


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(1, 6), width=st.integers(1, 12), batch=st.integers(1, 9),
       scheme=st.sampled_from(SCHEMES), activation=st.sampled_from(ACTIVATIONS), std=st.floats(0.0, 2.0),
       seed=st.integers(0, 1000))
def test_depth_stats_equal_a_numpy_forward_and_backward_pass(depth, width, batch, scheme, activation, std, seed):
    inputs, weights, output_grad = _network(depth, width, scheme, activation, std, batch, seed)
    outputs, grads = numpy_pass(inputs, weights, output_grad, activation)
    forward, backward = depth_stats(depth, width, scheme, activation, std, batch, seed)
    np.testing.assert_allclose(forward, [a.std() for a in outputs], rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(backward, [d.std() for d in grads], rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear", "leaky_relu", "relu"])
def test_the_backward_pass_is_the_gradient_of_sum_g_times_output(activation):
    inputs, weights, output_grad = _network(3, 4, "xavier_normal", activation, 0.0, 2, 7)
    _, grads = numpy_pass(inputs, weights, output_grad, activation)
    a1 = g(inputs @ weights[0], activation)

    def loss(first_output):
        a = first_output
        for w in weights[1:]:
            a = g(a @ w, activation)
        return float(np.sum(output_grad * a))

    numeric = np.zeros_like(a1)
    for index in np.ndindex(a1.shape):
        step = np.zeros_like(a1)
        step[index] = 1e-6
        numeric[index] = (loss(a1 + step) - loss(a1 - step)) / 2e-6
    np.testing.assert_allclose(grads[0], numeric, rtol=1e-5, atol=1e-8)
    forward, backward = _depth_stats(inputs, weights, output_grad, ACTIVATIONS.index(activation), LEAKY_SLOPE)
    assert backward[0] == pytest.approx(numeric.std(), rel=1e-5)


def test_kaiming_with_relu_keeps_both_of_order_one():
    forward, backward = depth_stats(50, 256, "kaiming_normal", "relu")
    assert forward.max() / forward.min() < 5
    assert backward.max() / backward.min() < 2
    assert 0.2 < forward.min() and forward.max() < 5 and 0.3 < backward.min() and backward.max() < 3


def test_small_fixed_weights_make_everything_vanish():
    forward, backward = depth_stats(50, 256, "normal", "relu", std=0.01)
    assert forward[-1] / forward[0] < 1e-40
    assert backward[0] / backward[-1] < 1e-40


def test_xavier_with_relu_halves_the_variance_at_every_layer():
    forward, _ = depth_stats(30, 256, "xavier_normal", "relu")
    assert (forward[-1] / forward[0]) ** (1 / 29) == pytest.approx(math.sqrt(0.5), rel=0.03)


@pytest.mark.parametrize(("std", "factor"), [(0.15, 1.5), (0.05, 0.5)])
def test_the_notes_linear_network_grows_or_shrinks_by_the_weight_scale_per_layer(std, factor):
    forward, backward = depth_stats(50, 100, "normal", "linear", std=std)
    assert (forward[-1] / forward[0]) ** (1 / 49) == pytest.approx(factor, rel=0.03)
    assert (backward[0] / backward[-1]) ** (1 / 49) == pytest.approx(factor, rel=0.03)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_zero_weights_make_every_unit_identical(activation):
    forward, backward = depth_stats(5, 16, "zeros", activation, batch=8)
    assert np.all(forward == 0.0)
    assert np.all(backward[:-1] == 0.0) and backward[-1] > 0.5


@pytest.mark.parametrize(("call", "message"), [
    (lambda: init_std("he_normal", 4, 4), r"scheme='he_normal': must be one of xavier_normal, xavier_uniform"),
    (lambda: init_std("kaiming_normal", 0, 4), r"fan_in=0: must be an integer >= 1"),
    (lambda: init_std("kaiming_normal", 4, 4, "gelu"), r"nonlinearity='gelu': must be one of linear, sigmoid"),
    (lambda: init_std("kaiming_normal", 4, 4, "leaky_relu", float("inf")), r"a=inf: must be a finite number"),
    (lambda: depth_stats(0, 4, "zeros", "relu"), r"depth=0: must be an integer >= 1"),
    (lambda: depth_stats(3, 4, "orthogonal", "relu"), r"scheme='orthogonal': must be one of"),
    (lambda: depth_stats(3, 4, "normal", "softmax"), r"activation='softmax': must be one of relu, tanh"),
    (lambda: depth_stats(3, 4, "normal", "relu", std=-1.0), r"std=-1.0: must be a finite number >= 0"),
    (lambda: depth_stats(3, 4, "normal", "relu", batch=0), r"batch=0: must be an integer >= 1"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_keeps_kaiming_relu_of_order_one():
    result = DEMO.run(**DEMO.defaults())
    assert isinstance(result, DemoResult)
    assert result.summary.startswith("kaiming_normal with relu, 100 units: "
                                     "weights drawn with std sqrt(2/100) = 0.1414.")
    assert "the activations keep their scale" in result.summary and "the gradients keep their scale" in result.summary
    assert [row[0] for row in result.table.rows] == ["1", "2", "3", "5", "10", "20", "30", "50"]
    assert result.figure.axes[0].get_yscale() == "log"
    assert len(result.data["forward_std"]) == 50


def test_the_demo_on_the_notes_exploding_linear_network():
    result = DEMO.run(**DEMO.validate({"scheme": "normal", "activation": "linear", "std": "0.15"}))
    assert "the activations explode" in result.summary and "about x1.5" in result.summary


def test_the_demo_on_he_initialisation_of_512_inputs():
    result = DEMO.run(**DEMO.validate({"scheme": "kaiming_normal", "activation": "relu", "width": "512",
                                       "depth": "20"}))
    assert "sqrt(2/512) = 0.0625" in result.summary


def test_the_demo_with_zero_weights_names_the_symmetry_problem():
    result = DEMO.run(**DEMO.validate({"scheme": "zeros", "activation": "sigmoid"}))
    assert "every weight is 0" in result.summary and "symmetry" in result.summary
    assert result.data["forward_std"] == [0.0] * 50


def test_the_demo_reports_overflow_as_none_in_its_data():
    result = DEMO.run(**DEMO.validate({"scheme": "normal", "activation": "linear", "std": "2", "width": "350",
                                       "depth": "100"}))
    assert "past the float64 range" in result.summary
    assert result.data["forward_std"][-1] is None
