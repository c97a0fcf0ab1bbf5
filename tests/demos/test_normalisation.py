"""Batch norm and layer norm against slow NumPy references written as torch defines them, and the demo."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.normalisation import CHANNEL_STDS, DEMO, batch_norm, layer_norm


def reference_batch_norm(x, gamma, beta, running_mean, running_var, training, momentum, eps):
    """torch F.batch_norm written out: per-channel statistics over every axis but 1."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * x.var(axis=axes, ddof=1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean, running_var
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(shape) + beta.reshape(shape)
    return y, new_mean, new_var


def reference_layer_norm(x, gamma, beta, eps):
    """torch F.layer_norm over the last axis, written out."""
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


@st.composite
def batches(draw):
    """A random (N, C) or (N, C, H, W) batch with its per-channel parameters and running statistics."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    conv = draw(st.booleans())
    n, c = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    shape = (n, c, draw(st.integers(1, 4)), draw(st.integers(1, 4))) if conv else (n, c)
    if np.prod(shape) // c < 2:
        shape = (2,) + shape[1:]
    x = rng.normal(rng.uniform(-5, 5), rng.uniform(0.1, 10), shape)
    return (x, rng.normal(1, 0.5, c), rng.normal(0, 1, c), rng.normal(0, 2, c), rng.uniform(0.1, 3, c))


@settings(max_examples=100, deadline=None)
@given(batch=batches(), training=st.booleans(), momentum=st.floats(0, 1), eps=st.sampled_from([1e-5, 1e-3, 0.5]))
def test_batch_norm_equals_the_torch_definition(batch, training, momentum, eps):
    x, gamma, beta, running_mean, running_var = batch
    before = [a.copy() for a in batch]
    got = batch_norm(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    want = reference_batch_norm(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-10)
    assert got[0].shape == x.shape and got[0].dtype == np.float64
    for a, b in zip(batch, before):
        np.testing.assert_array_equal(a, b)  # the arguments are not modified


@settings(max_examples=100, deadline=None)
@given(batch=batches())
def test_training_output_has_mean_zero_and_std_below_one_per_channel(batch):
    x = batch[0]
    c = x.shape[1]
    y, _, _ = batch_norm(x, np.ones(c), np.zeros(c), np.zeros(c), np.ones(c), True, 0.1, 1e-5)
    axes = (0,) + tuple(range(2, x.ndim))
    var = x.var(axis=axes)
    np.testing.assert_allclose(y.mean(axis=axes), 0.0, atol=1e-9)
    np.testing.assert_allclose(y.std(axis=axes), np.sqrt(var / (var + 1e-5)), rtol=1e-9)


@settings(max_examples=50, deadline=None)
@given(batch=batches())
def test_gamma_and_beta_set_each_channels_std_and_mean(batch):
    x, gamma, beta, _, _ = batch
    axes = (0,) + tuple(range(2, x.ndim))
    y, _, _ = batch_norm(x, gamma, beta, np.zeros_like(gamma), np.ones_like(gamma), True, 0.1, 1e-12)
    np.testing.assert_allclose(y.mean(axis=axes), beta, atol=1e-8)
    spread = x.std(axis=axes) > 1e-3
    np.testing.assert_allclose(y.std(axis=axes)[spread], np.abs(gamma)[spread], rtol=1e-6)


def test_a_hand_worked_example():
    # channel 0: 1, 3 (mean 2, biased var 1, unbiased 2); channel 1: 2, 6 (mean 4, var 4, unbiased 8)
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    y, mean, var = batch_norm(x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), True, 0.1, 0.0 + 1e-5)
    np.testing.assert_allclose(y, [[-1 / np.sqrt(1 + 1e-5), -2 / np.sqrt(4 + 1e-5)],
                                   [1 / np.sqrt(1 + 1e-5), 2 / np.sqrt(4 + 1e-5)]])
    np.testing.assert_allclose(mean, [0.2, 0.4])
    np.testing.assert_allclose(var, [0.9 + 0.2, 0.9 + 0.8])


def test_evaluation_uses_the_running_statistics_and_leaves_them_unchanged():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    running_mean, running_var = np.array([1.0, -1.0]), np.array([4.0, 0.25])
    y, mean, var = batch_norm(x, np.ones(2), np.zeros(2), running_mean, running_var, False, 0.1, 1e-5)
    np.testing.assert_allclose(y, (x - running_mean) / np.sqrt(running_var + 1e-5))
    np.testing.assert_array_equal(mean, running_mean)
    np.testing.assert_array_equal(var, running_var)
    assert mean is not running_mean


def test_evaluation_with_the_batch_statistics_equals_training():
    rng = np.random.default_rng(1)
    x = rng.normal(3, 2, (8, 3, 2, 2))
    ones, zeros = np.ones(3), np.zeros(3)
    train, _, _ = batch_norm(x, ones, zeros, zeros, ones, True)
    evaluation, _, _ = batch_norm(x, ones, zeros, x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3)), False)
    np.testing.assert_allclose(evaluation, train, atol=1e-12)


def test_momentum_zero_keeps_and_one_replaces_the_running_statistics():
    x = np.random.default_rng(2).normal(0, 3, (5, 2))
    ones, zeros = np.ones(2), np.zeros(2)
    _, mean, var = batch_norm(x, ones, zeros, zeros, ones, True, momentum=0.0)
    np.testing.assert_array_equal(mean, zeros)
    np.testing.assert_array_equal(var, ones)
    _, mean, var = batch_norm(x, ones, zeros, zeros, ones, True, momentum=1.0)
    np.testing.assert_allclose(mean, x.mean(axis=0))
    np.testing.assert_allclose(var, x.var(axis=0, ddof=1))


def test_running_mean_covers_one_minus_beta_to_the_t_of_the_way():
    # a constant batch mean mu: after t updates from 0 the running mean is (1 - 0.9^t) mu, the EWMA without bias
    # correction (the batch-norm-test-time card's 0.9/0.1)
    x = np.array([[4.0], [6.0]])
    mean, var = np.zeros(1), np.ones(1)
    for _ in range(20):
        _, mean, var = batch_norm(x, None, None, mean, var, True, 0.1)
    assert mean[0] == pytest.approx((1 - 0.9 ** 20) * 5.0, rel=1e-12)
    assert var[0] == pytest.approx(0.9 ** 20 * 1.0 + (1 - 0.9 ** 20) * 2.0, rel=1e-12)


def test_a_bias_added_before_batch_norm_changes_nothing_in_training():
    x = np.random.default_rng(3).normal(0, 1, (6, 3))
    ones, zeros = np.ones(3), np.zeros(3)
    plain, _, _ = batch_norm(x, ones, zeros, zeros, ones, True)
    shifted, _, _ = batch_norm(x + np.array([5.0, -2.0, 100.0]), ones, zeros, zeros, ones, True)
    np.testing.assert_allclose(shifted, plain, atol=1e-10)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       eps=st.sampled_from([1e-5, 1e-2]))
def test_layer_norm_equals_the_torch_definition(seed, shape, eps):
    rng = np.random.default_rng(seed)
    x = rng.normal(rng.uniform(-5, 5), rng.uniform(0.1, 10), shape)
    gamma, beta = rng.normal(1, 0.5, shape[-1]), rng.normal(0, 1, shape[-1])
    np.testing.assert_allclose(layer_norm(x, gamma, beta, eps), reference_layer_norm(x, gamma, beta, eps),
                               rtol=1e-10, atol=1e-10)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 6), d=st.integers(2, 6))
def test_layer_norm_is_batch_norm_of_the_transpose(seed, n, d):
    x = np.random.default_rng(seed).normal(2, 3, (n, d))
    y = layer_norm(x, None, None)
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-9)
    transposed, _, _ = batch_norm(x.T, None, None, np.zeros(n), np.ones(n), True)
    np.testing.assert_allclose(y, transposed.T, atol=1e-10)


def test_layer_norm_of_one_example_does_not_depend_on_the_batch():
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, (5, 4))
    alone = layer_norm(x[:1], None, None)
    np.testing.assert_allclose(layer_norm(x, None, None)[:1], alone)
    np.testing.assert_allclose(layer_norm(np.vstack([x[:1], 100 * x[1:]]), None, None)[:1], alone)


ONES, ZEROS = np.ones(2), np.zeros(2)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: batch_norm(np.ones(3), None, None, ZEROS, ONES), r"x has shape \(3,\): must be 2-D or 4-D"),
    (lambda: batch_norm(np.ones((3, 2)), np.ones(3), None, ZEROS, ONES),
     r"gamma has shape \(3,\): must be \(2,\), one value per channel"),
    (lambda: batch_norm(np.ones((3, 2)), None, None, None, ONES),
     r"running_mean=None: must be 2 numbers, one per channel"),
    (lambda: batch_norm(np.ones((3, 2)), None, None, ZEROS, np.array([1.0, -1.0])),
     r"running_var\[1\]=-1.0: must be >= 0"),
    (lambda: batch_norm(np.ones((1, 2)), None, None, ZEROS, ONES, True),
     r"x has shape \(1, 2\): training needs more than one value per channel"),
    (lambda: batch_norm(np.ones((3, 2)), None, None, ZEROS, ONES, momentum=1.5),
     r"momentum=1.5: must be a number from 0 to 1"),
    (lambda: batch_norm(np.ones((3, 2)), None, None, ZEROS, ONES, eps=0.0), r"eps=0.0: must be a finite number > 0"),
    (lambda: batch_norm(np.ones((3, 2)), None, None, ZEROS, ONES, training="yes"),
     r"training='yes': must be True or False"),
    (lambda: batch_norm([[1.0, np.nan], [2.0, 3.0]], None, None, ZEROS, ONES), r"x\[0, 1\]=.*nan.*: must be finite"),
    (lambda: layer_norm(np.ones((2, 3)), np.ones(2), None), r"gamma has shape \(2,\): must be \(3,\)"),
    (lambda: layer_norm(np.ones((2, 0)), None, None), r"x has shape \(2, 0\): must hold at least 1 value"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_evaluation_of_a_single_example_is_allowed():
    y, _, _ = batch_norm(np.array([[3.0, 4.0]]), None, None, np.array([1.0, 2.0]), np.array([4.0, 1.0]), False,
                         eps=1e-12)
    np.testing.assert_allclose(y, [[1.0, 2.0]])


def test_the_demo_in_training_mode_normalises_every_channel():
    result = DEMO.run(**DEMO.defaults())
    assert result.summary.startswith("Batch norm (training) subtracts this batch's own mean, so the channel offsets "
                                     "(5, -3, 0.5, 10, what a bias b would add) vanish: every channel comes out with "
                                     "mean 0 and std 1.000, except channel 4 at 0.96")
    np.testing.assert_allclose(result.data["batch_norm_mean"], 0.0, atol=1e-9)
    std = result.data["batch_norm_std"]
    np.testing.assert_allclose(std[:3], 1.0, atol=1e-3)
    assert std[3] < 0.97  # variance ~1e-4 against eps 1e-5
    assert len(result.data["running_mean_history"]) == 21
    assert [row[4] for row in result.table.rows][:3] == ["0 / 1", "0 / 1", "0 / 1"]
    assert len(result.figure.axes) == 1


def test_the_demo_in_evaluation_mode_shows_the_running_mean_lagging():
    result = DEMO.run(**DEMO.validate({"training": "false", "steps": "20", "momentum": "0.1"}))
    assert "1 - 0.9^20 = 88% of the way" in result.summary
    assert result.data["fraction_of_the_way"] == pytest.approx(1 - 0.9 ** 20)
    assert abs(result.data["batch_norm_mean"][3]) > 1  # channel 4's mean 10 is still far from the running mean
    assert "运行统计量" in result.summary_zh


def test_the_demo_in_evaluation_before_any_step_leaves_the_input_as_is():
    result = DEMO.run(**DEMO.validate({"training": "false", "steps": "0", "layout": "conv"}))
    np.testing.assert_allclose(result.data["batch_norm_mean"], result.data["input_mean"], rtol=1e-4)
    assert result.data["shape"] == [32, 4, 3, 3]
    assert result.data["running_mean"] == [0.0] * 4


def test_the_demo_with_a_large_eps_shrinks_the_quiet_channel_most():
    result = DEMO.run(**DEMO.validate({"eps": "0.01"}))
    std = result.data["batch_norm_std"]
    assert std[3] < 0.2 and min(std[:3]) > 0.9
    assert CHANNEL_STDS[3] ** 2 < 0.01
