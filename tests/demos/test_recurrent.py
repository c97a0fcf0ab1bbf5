"""The recurrent cells, clipping and gradient norms against plain NumPy references written here, and the demo."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.recurrent import (CELLS, DEMO, GATES, HIDDEN, clip_grad_norm, gradient_norms, gru_cell, lstm_cell,
                             network, parameter_count, rnn_cell)


def sigmoid(a):
    """1 / (1 + e^-a), written so that it also takes complex numbers (for complex-step derivatives)."""
    return 1.0 / (1.0 + np.exp(-a))


def blocks(W, b, n):
    """The n row blocks of a stacked weight matrix and bias, in torch's order."""
    return np.split(W, n, axis=0), np.split(b, n)


def rnn_reference(x, h, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)


def gru_reference(x, h, W_ih, W_hh, b_ih, b_hh):
    """torch's GRUCell documentation, term by term."""
    (W_ir, W_iz, W_in), (b_ir, b_iz, b_in) = blocks(W_ih, b_ih, 3)
    (W_hr, W_hz, W_hn), (b_hr, b_hz, b_hn) = blocks(W_hh, b_hh, 3)
    r = sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = np.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    return (1 - z) * n + z * h


def lstm_reference(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """torch's LSTMCell documentation, term by term."""
    (W_ii, W_if, W_ig, W_io), (b_ii, b_if, b_ig, b_io) = blocks(W_ih, b_ih, 4)
    (W_hi, W_hf, W_hg, W_ho), (b_hi, b_hf, b_hg, b_ho) = blocks(W_hh, b_hh, 4)
    i = sigmoid(x @ W_ii.T + b_ii + h @ W_hi.T + b_hi)
    f = sigmoid(x @ W_if.T + b_if + h @ W_hf.T + b_hf)
    g = np.tanh(x @ W_ig.T + b_ig + h @ W_hg.T + b_hg)
    o = sigmoid(x @ W_io.T + b_io + h @ W_ho.T + b_ho)
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


@st.composite
def cell_cases(draw):
    """A random cell, its sizes, inputs, states and weights (biases sometimes None)."""
    cell = draw(st.sampled_from(CELLS))
    batch, inputs, hidden = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.floats(0.1, 3.0))
    gates = GATES[cell]
    bias = draw(st.booleans())
    return (cell, rng.standard_normal((batch, inputs)) * scale, rng.standard_normal((batch, hidden)) * scale,
            rng.standard_normal((batch, hidden)) * scale, rng.standard_normal((gates * hidden, inputs)) * scale,
            rng.standard_normal((gates * hidden, hidden)) * scale,
            rng.standard_normal(gates * hidden) * scale if bias else None,
            rng.standard_normal(gates * hidden) * scale if bias else None)


@settings(max_examples=80, deadline=None)
@given(case=cell_cases(), single=st.booleans())
def test_cells_equal_the_written_out_equations(case, single):
    cell, x, h, c, W_ih, W_hh, b_ih, b_hh = case
    zeros = np.zeros(W_hh.shape[0])
    ref_b_ih, ref_b_hh = (zeros if b_ih is None else b_ih), (zeros if b_hh is None else b_hh)
    if single:
        x, h, c = x[0], h[0], c[0]
    if cell == "lstm":
        got_h, got_c = lstm_cell(x, (h, c), W_ih, W_hh, b_ih, b_hh)
        want_h, want_c = lstm_reference(x, h, c, W_ih, W_hh, ref_b_ih, ref_b_hh)
        np.testing.assert_allclose(got_c, want_c, rtol=1e-12, atol=1e-13)
    else:
        got_h = (rnn_cell if cell == "rnn" else gru_cell)(x, h, W_ih, W_hh, b_ih, b_hh)
        want_h = (rnn_reference if cell == "rnn" else gru_reference)(x, h, W_ih, W_hh, ref_b_ih, ref_b_hh)
    assert got_h.shape == h.shape
    np.testing.assert_allclose(got_h, want_h, rtol=1e-12, atol=1e-13)


def test_missing_states_are_zeros_and_inputs_are_not_changed():
    rng = np.random.default_rng(0)
    x, W_ih, W_hh, b = rng.standard_normal((2, 3)), rng.standard_normal((8, 3)), rng.standard_normal((8, 2)), np.ones(8)
    before = x.copy()
    h, c = lstm_cell(x, None, W_ih, W_hh, b, b)
    np.testing.assert_array_equal(h, lstm_cell(x, (np.zeros((2, 2)), np.zeros((2, 2))), W_ih, W_hh, b, b)[0])
    np.testing.assert_allclose(rnn_cell(x, None, W_ih[:2], W_hh[:2], None, None), np.tanh(x @ W_ih[:2].T),
                               rtol=1e-14)
    np.testing.assert_array_equal(x, before)


def test_gates_that_keep_copy_the_state_and_gates_that_shut_block_it():
    rng = np.random.default_rng(1)
    x, h, c = rng.standard_normal((3, 2)), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    W3, U3 = rng.standard_normal((12, 2)), rng.standard_normal((12, 4))
    z_open = np.zeros(12)
    z_open[4:8] = 800.0  # z = 1: GRU keeps h
    np.testing.assert_allclose(gru_cell(x, h, W3, U3, z_open, None), h, atol=1e-12)
    W4, U4 = rng.standard_normal((16, 2)), rng.standard_normal((16, 4))
    keep = np.zeros(16)
    keep[:4], keep[4:8], keep[12:] = -800.0, 800.0, -800.0  # i = 0, f = 1, o = 0
    h_new, c_new = lstm_cell(x, (h, c), W4, U4, keep, None)
    np.testing.assert_allclose(c_new, c, atol=1e-12)
    np.testing.assert_allclose(h_new, 0.0, atol=1e-12)


def clip_reference(grads, max_norm):
    """torch's clip_grad_norm_ in words: total 2-norm of everything, one common scale."""
    total = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))
    scale = min(1.0, max_norm / (total + 1e-6))
    return total, [np.asarray(g, dtype=float) * scale for g in grads]


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 4), max_norm=st.just(0.0) | st.floats(1e-6, 50.0),
       size=st.floats(1e-3, 100.0))
def test_clip_grad_norm_equals_torchs_rule_and_never_lengthens(seed, count, max_norm, size):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(tuple(rng.integers(1, 4, size=rng.integers(1, 3)))) * size for _ in range(count)]
    copies = [g.copy() for g in grads]
    total, clipped = clip_grad_norm(grads, max_norm)
    want_total, want = clip_reference(grads, max_norm)
    assert total == pytest.approx(want_total, rel=1e-12)
    for got, ref, original, copy in zip(clipped, want, grads, copies):
        assert got.shape == original.shape
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-300)
        np.testing.assert_array_equal(original, copy)
    after = np.sqrt(sum(np.sum(g ** 2) for g in clipped))
    assert after <= total * (1 + 1e-12)
    assert after <= max_norm * (1 + 1e-12) or after == pytest.approx(total)
    if total > 0:  # the direction is kept: every array is scaled by the same positive factor
        factor = after / total
        for got, original in zip(clipped, grads):
            np.testing.assert_allclose(got, factor * original, rtol=1e-9, atol=1e-300)


def test_clipping_the_cards_example_and_the_edge_cases():
    total, (g,) = clip_grad_norm([np.array([3.0, 4.0])], 1.0)
    assert total == 5.0
    np.testing.assert_allclose(g, [0.6, 0.8], rtol=1e-6)
    total, (g,) = clip_grad_norm(np.array([0.3, 0.4]), 1.0)  # shorter than max_norm: unchanged
    np.testing.assert_array_equal(g, [0.3, 0.4])
    assert clip_grad_norm([], 1.0) == (0.0, [])
    assert clip_grad_norm([np.zeros(3)], 1.0)[1][0].tolist() == [0.0, 0.0, 0.0]
    total, (g,) = clip_grad_norm([np.array([1e200, 1e200])], 1.0)  # no overflow in the sum of squares
    assert total == pytest.approx(np.sqrt(2) * 1e200)
    np.testing.assert_allclose(g, [np.sqrt(0.5)] * 2)


def unroll_reference(cell, xs, W_ih, W_hh, b_ih, b_hh, h, c, start):
    """h_T from h_start (and c_start) by the written-out equations."""
    for x in xs[start:]:
        if cell == "rnn":
            h = rnn_reference(x, h, W_ih, W_hh, b_ih, b_hh)
        elif cell == "gru":
            h = gru_reference(x, h, W_ih, W_hh, b_ih, b_hh)
        else:
            h, c = lstm_reference(x, h, c, W_ih, W_hh, b_ih, b_hh)
    return h


def norms_reference(cell, steps, rho, seed):
    """||dh_T/dh_t||_2 for t = T..0 with the Jacobian taken column by column by complex-step differentiation
    (exact to rounding: f'(x) = Im f(x + i eps) / eps for analytic f), c_t held fixed."""
    xs, W_ih, W_hh, b_ih, b_hh = network(cell, steps, rho, seed)
    hs, cs = [np.zeros(HIDDEN)], [np.zeros(HIDDEN)]
    for x in xs:
        if cell == "lstm":
            h, c = lstm_reference(x, hs[-1], cs[-1], W_ih, W_hh, b_ih, b_hh)
        else:
            h, c = unroll_reference(cell, [x], W_ih, W_hh, b_ih, b_hh, hs[-1], None, 0), np.zeros(HIDDEN)
        hs.append(h)
        cs.append(c)
    out = []
    eps = 1e-30
    for t in range(steps, -1, -1):
        jac = np.empty((HIDDEN, HIDDEN))
        for k in range(HIDDEN):
            h0 = hs[t].astype(complex)
            h0[k] += 1j * eps
            jac[:, k] = unroll_reference(cell, xs, W_ih, W_hh, b_ih, b_hh, h0, cs[t].astype(complex), t).imag / eps
        out.append(np.linalg.norm(jac, 2))
    return np.array(out)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize(("rho", "seed"), [(0.5, 0), (1.0, 1), (2.0, 2), (3.0, 3)])
def test_gradient_norms_equal_the_chain_differentiated_directly(cell, rho, seed):
    got = gradient_norms(cell, 12, rho, seed)
    np.testing.assert_allclose(got, norms_reference(cell, 12, rho, seed), rtol=1e-10, atol=1e-300)


@settings(max_examples=30, deadline=None)
@given(rho=st.floats(0.1, 3.0), steps=st.integers(1, 60), seed=st.integers(0, 1000))
def test_a_tanh_rnn_never_beats_the_spectral_radius(rho, steps, seed):
    norms = gradient_norms("rnn", steps, rho, seed)
    assert norms.shape == (steps + 1,) and norms[0] == 1.0
    # each step multiplies by diag(tanh') W_hh with tanh' <= 1 and ||W_hh|| = rho (rho times an orthogonal matrix)
    assert (norms <= rho ** np.arange(steps + 1) * (1 + 1e-9)).all()


@pytest.mark.parametrize("cell", CELLS)
def test_the_random_network_has_the_asked_spectral_radius(cell):
    xs, W_ih, W_hh, b_ih, b_hh = network(cell, 7, 1.7, seed=5)
    assert xs.shape == (7, W_ih.shape[1]) and W_ih.shape[0] == W_hh.shape[0] == b_ih.size == GATES[cell] * HIDDEN
    for block in np.split(W_hh, GATES[cell]):
        np.testing.assert_allclose(np.abs(np.linalg.eigvals(block)), 1.7, rtol=1e-10)
        np.testing.assert_allclose(np.linalg.svd(block, compute_uv=False), 1.7, rtol=1e-10)


def test_vanishing_below_one_exploding_above_and_gates_in_between():
    assert gradient_norms("rnn", 50, 0.9)[-1] < 0.01 < gradient_norms("gru", 50, 0.9)[-1]
    assert gradient_norms("rnn", 50, 2.0)[-1] > 100 > gradient_norms("gru", 50, 2.0)[-1]
    assert gradient_norms("lstm", 50, 2.0)[-1] < 100
    # the GRU's keep gate z = sigmoid(3) copies the state, so the gradient decays about 0.95 per step at most
    assert gradient_norms("gru", 50, 0.5)[-1] > 0.9526 ** 50 / 2


def test_a_gradient_that_overflows_is_inf_from_there_back():
    norms = gradient_norms("rnn", 7000, 3.0)
    assert np.isinf(norms[-1]) and np.isfinite(norms[:1000]).all()
    first = int(np.argmax(np.isinf(norms)))
    assert np.isinf(norms[first:]).all() and norms[first - 1] > 1e250


@pytest.mark.parametrize(("call", "message"), [
    (lambda: rnn_cell(np.ones((2, 3)), np.ones((2, 4)), np.ones((4, 2)), np.ones((4, 4)), None, None),
     r"W_ih has shape \(4, 2\): must be \(4, 3\), \(hidden, input size 3\)"),
    (lambda: gru_cell(np.ones(3), np.ones(4), np.ones((12, 3)), np.ones((4, 4)), None, None),
     r"W_hh has shape \(4, 4\): must be \(12, 4\), \(3 \* hidden, hidden\) \(r, z, n\)"),
    (lambda: lstm_cell(np.ones((2, 3)), (np.ones((3, 4)), np.ones((2, 4))), np.ones((16, 3)), np.ones((16, 4)),
                       None, None), r"h has shape \(3, 4\): must be \(2, 4\), \(batch, hidden\)"),
    (lambda: lstm_cell(np.ones(3), np.ones(4), np.ones((16, 3)), np.ones((16, 4)), None, None),
     r"hx: must be a pair \(h, c\)"),
    (lambda: rnn_cell(np.ones(3), np.ones(2), np.ones((2, 3)), np.ones((2, 2)), np.ones(3), None),
     r"b_ih has shape \(3,\): must be \(2,\)"),
    (lambda: rnn_cell([1.0, np.nan], np.ones(2), np.ones((2, 2)), np.ones((2, 2)), None, None),
     r"x\[1\]=nan: must be finite"),
    (lambda: clip_grad_norm([np.ones(2)], -1.0), r"max_norm=-1.0: must be a finite number >= 0"),
    (lambda: clip_grad_norm([np.ones(2), [np.inf]], 1.0), r"grads\[1\]\[0\]=inf: must be finite"),
    (lambda: gradient_norms("lstmx", 5, 1.0), r"cell='lstmx': must be one of rnn, gru, lstm"),
    (lambda: gradient_norms("rnn", 0, 1.0), r"steps=0: must be an integer from 1 to 100000"),
    (lambda: gradient_norms("rnn", 5, -0.5), r"spectral_radius=-0.5: must be a finite number >= 0"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_shows_an_exploding_rnn_and_what_clipping_does():
    result = DEMO.run(**DEMO.defaults())
    norms = gradient_norms("rnn", 50, 2.0)
    assert f"||dh_T/dh_0|| = {norms[-1]:.3g} after 50 steps, so the gradient explodes" in result.summary
    assert "2^50 = 1.13e+15" in result.summary
    above = int(np.sum(norms > 1.0))
    assert f"Clipping at 1 scales the {above} longer gradients down to 1" in result.summary
    assert max(result.data["clipped_norms"]) <= 1.0
    assert result.data["gradient_norms"] == pytest.approx(norms.tolist())
    assert len(result.table.rows) == HIDDEN and result.table.columns[-1] == "h[t] = tanh(a)"
    json.dumps(result.data)
    assert len(result.figure.axes) == 1 and result.figure.axes[0].get_yscale() == "log"


def test_the_demo_steps_through_the_gates():
    result = DEMO.run(**DEMO.validate({"cell": "lstm", "step": "3", "steps": "10"}))
    assert result.table.columns[3:7] == ("i (input)", "f (forget)", "g (candidate)", "o (output)")
    row = [float(cell) for cell in result.table.rows[0][1:]]
    h_prev, c_prev, i, f, g, o, c, h = row
    assert c == pytest.approx(f * c_prev + i * g, abs=2e-4)
    assert h == pytest.approx(o * np.tanh(c), abs=2e-4)
    assert result.data["step"] == 3 and "Step t = 3" in result.summary
    result = DEMO.run(**DEMO.validate({"cell": "gru", "step": "99", "steps": "10"}))
    assert "step 99 is past the last step, 10: showing t = 10" in result.summary
    assert result.data["step"] == 10 and "keep gate z averages 0.95" in result.summary
    result = DEMO.run(**DEMO.validate({"spectral_radius": "0.9", "max_norm": "5"}))
    assert "so the gradient vanishes (a linear RNN: 0.9^50 = 0.00515)" in result.summary
    assert "Clipping at 5 changes nothing" in result.summary
    assert result.data["clipped_norms"] == result.data["gradient_norms"]


# ---- parameter counts ----

BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}


def torch_layout_sizes(cell, inputs, hidden, outputs):
    """The entries of torch's arrays, summed: nn.RNN/GRU/LSTM's weight_ih_l0, weight_hh_l0, bias_ih_l0,
    bias_hh_l0, then nn.Linear(hidden, outputs)'s weight and bias."""
    g = BLOCKS[cell]
    arrays = [np.zeros((g * hidden, inputs)), np.zeros((g * hidden, hidden)), np.zeros(g * hidden),
              np.zeros(g * hidden)]
    if outputs:
        arrays += [np.zeros((outputs, hidden)), np.zeros(outputs)]
    return sum(array.size for array in arrays)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CELLS), st.integers(1, 300), st.integers(1, 300), st.integers(0, 50))
def test_parameter_count_is_the_notes_formula_and_torchs_arrays(cell, inputs, hidden, outputs):
    count = parameter_count(cell, inputs, hidden, outputs)
    g = BLOCKS[cell]
    assert count.notes == g * (hidden * (hidden + inputs) + hidden) + outputs * hidden + outputs
    assert count.torch == torch_layout_sizes(cell, inputs, hidden, outputs)
    assert count.torch - count.notes == g * hidden  # the second bias vector of each block
    assert count.output == outputs * (hidden + 1)


def test_parameter_count_of_the_cards_examples():
    rnn = parameter_count("rnn", 50, 64, 10)
    assert (rnn.notes, rnn.torch, rnn.output) == (4096 + 3200 + 64 + 640 + 10, 7424 + 650, 650) == (8010, 8074, 650)
    assert parameter_count("lstm", 100, 128) == (117248, 117760, 0)
    assert parameter_count("gru", 100, 128) == (87936, 88320, 0)
    assert parameter_count("lstm", 100, 128).notes == 4 * (128 * (128 + 100) + 128)
    assert parameter_count("gru", 100, 128).notes == 3 * (128 * (128 + 100) + 128)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: parameter_count("lstmx", 1, 1), r"cell='lstmx': must be one of rnn, gru, lstm"),
    (lambda: parameter_count("rnn", 0, 1), r"input_size=0: must be an integer >= 1"),
    (lambda: parameter_count("rnn", 1, 2.5), r"hidden_size=2.5: must be"),
    (lambda: parameter_count("rnn", 1, 1, -1), r"output_size=-1: must be an integer >= 0"),
])
def test_parameter_count_rejects_bad_sizes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_count_view_says_both_counts_and_runs_torchs_arrays():
    result = DEMO.run(**DEMO.validate({"view": "count", "steps": "20"}))
    assert "= 4,096 + 3,200 + 64 = 7,360" in result.summary
    assert "8,010 by the notes' count, 8,074 by torch's" in result.summary
    assert "Unrolled over T = 20 steps it still has 8,010" in result.summary
    assert "20 × 8,010 = 160,200" in result.summary
    assert "hold 7,424 numbers" in result.summary and "8,010" in result.summary_zh
    assert result.data["confirmed"]["size"] == 7424 and result.data["confirmed"]["h"] == [1, 64]
    assert result.table.rows[-1] == ("RNN + output", "–", "8,010", "8,074", "")
    json.dumps(result.data)
    result = DEMO.run(**DEMO.validate({"view": "count", "cell": "lstm", "input_size": "100", "hidden_size": "128",
                                       "output_size": "0"}))
    assert "4 × 29,312 = 117,248" in result.summary and "nn.LSTM(100, 128)" in result.summary
    assert "117,760 (+4 × 128)" in result.summary and "a GRU 87,936 (torch 88,320)" in result.summary
    assert [row[0] for row in result.table.rows] == ["RNN", "GRU", "LSTM"]
    assert result.data["confirmed"]["size"] == 117760 and result.data["confirmed"]["h"] == [1, 128]
    big = DEMO.run(**DEMO.validate({"view": "count", "cell": "gru", "input_size": "4096", "hidden_size": "4096"}))
    assert big.data["confirmed"] is None and "too large to build" in big.summary
