"""The EWMA against its definition written as an explicit weighted sum, the bias-correction facts, and the demo."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.ewma import DEMO, _ewma, _settle_day, _temperatures, ewma
from revise.demo_engine.spec import DemoResult

series = st.lists(st.floats(-1e3, 1e3), min_size=0, max_size=60)
betas = st.floats(0.0, 0.999)


def weighted_sum(x, beta, corrected):
    """v_t = sum_{k=1..t} (1-beta) beta^(t-k) x_k, optionally over the weights' total 1 - beta^t."""
    out = []
    for t in range(1, len(x) + 1):
        v = sum((1 - beta) * beta ** (t - k) * x[k - 1] for k in range(1, t + 1))
        out.append(v / (1 - beta ** t) if corrected else v)
    return out


@settings(max_examples=100, deadline=None)
@given(x=series, beta=betas, corrected=st.booleans())
def test_ewma_equals_the_explicit_weighted_sum(x, beta, corrected):
    np.testing.assert_allclose(ewma(x, beta, bias_correction=corrected), weighted_sum(x, beta, corrected),
                               rtol=1e-9, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(x=series, beta=betas)
def test_kernel_is_the_recursion_from_zero(x, beta):
    v, expected = 0.0, []
    for value in x:
        v = beta * v + (1 - beta) * value
        expected.append(v)
    np.testing.assert_allclose(_ewma(np.array(x, dtype=np.float64), beta, False), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(value=st.floats(-100, 100), length=st.integers(1, 50), beta=betas)
def test_the_corrected_average_of_a_constant_is_that_constant(value, length, beta):
    x = [value] * length
    np.testing.assert_allclose(ewma(x, beta, bias_correction=True), x, rtol=1e-9, atol=1e-9)
    plain = ewma(x, beta)
    np.testing.assert_allclose(plain, [value * (1 - beta ** t) for t in range(1, length + 1)], rtol=1e-9, atol=1e-9)


def test_the_cards_first_step_with_beta_09():
    plain, corrected = ewma([7.0, 3.0], 0.9), ewma([7.0, 3.0], 0.9, bias_correction=True)
    assert plain[0] == pytest.approx(0.7)
    assert corrected[0] == pytest.approx(7.0)
    assert plain[1] == pytest.approx(0.9 * 0.7 + 0.1 * 3.0)
    assert corrected[1] == pytest.approx((0.9 * 0.7 + 0.1 * 3.0) / (1 - 0.81))


def test_beta_zero_is_the_series_itself():
    x = np.array([3.0, -1.0, 4.0])
    np.testing.assert_array_equal(ewma(x, 0.0), x)
    np.testing.assert_array_equal(ewma(x, 0.0, bias_correction=True), x)


@pytest.mark.parametrize(("beta", "day"), [(0.9, 44), (0.98, 229), (0.5, 7), (0.0, 1)])
def test_settle_day_is_where_the_correction_drops_under_one_percent(beta, day):
    assert _settle_day(beta) == day
    assert 1 / (1 - beta ** day) < 1.01
    if day > 1:
        assert 1 / (1 - beta ** (day - 1)) >= 1.01


@pytest.mark.parametrize(("call", "message"), [
    (lambda: ewma([1.0], 1.0), r"beta=1.0: must be a number >= 0 and < 1"),
    (lambda: ewma([1.0], -0.1), r"beta=-0.1: must be a number >= 0 and < 1"),
    (lambda: ewma([[1.0, 2.0]], 0.9), r"x has shape \(1, 2\): must be 1-D"),
    (lambda: ewma([1.0, float("nan")], 0.9), r"x\[1\]=.*nan.*: must be finite"),
    (lambda: ewma(["a"], 0.9), r"x=\['a'\]: must be numbers"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_shows_the_window_and_the_early_bias():
    result = DEMO.run(**DEMO.defaults())
    assert isinstance(result, DemoResult)
    x = _temperatures(100, 3.0, 0)
    assert "1/(1-beta) = 10 days" in result.summary
    assert f"day 1 reads {0.1 * x[0]:.2f} C" in result.summary
    assert f"gives {x[0]:.2f} C" in result.summary
    assert "from day 44 on" in result.summary
    assert result.table.rows[0] == ("1", f"{x[0]:.2f}", f"{0.1 * x[0]:.2f}", f"{x[0]:.2f}", "0.1000")
    assert [row[0] for row in result.table.rows] == ["1", "2", "3", "5", "10", "20", "50", "100"]
    assert result.data["window_days"] == pytest.approx(10.0)
    np.testing.assert_allclose(result.data["ewma"], weighted_sum(list(x), 0.9, False), rtol=1e-9)
    assert len(result.figure.axes) == 1


def test_the_demo_with_beta_098_has_a_window_of_fifty_days():
    result = DEMO.run(**DEMO.validate({"beta": "0.98", "days": "365"}))
    assert "1/(1-beta) = 50 days" in result.summary
    assert "weighs 0.36 of today" in result.summary
    assert "from day 229 on" in result.summary
    assert result.table.rows[-1][0] == "365"
