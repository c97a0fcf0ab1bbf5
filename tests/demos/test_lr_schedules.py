"""Learning-rate schedules against torch's schedulers stepped one step at a time (their chainable get_lr, written
out here in plain Python), the notes' worked numbers, and the demo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.lr_schedules import DEMO, SCHEDULES, _parse_steps, learning_rates
from revise.demo_engine.spec import DemoResult


def torch_stepped(schedule, lr, steps, **hyper):
    """The lr of each step as torch.optim.lr_scheduler computes it recursively from the previous step's lr
    (StepLR, ExponentialLR, CosineAnnealingLR.get_lr), or LambdaLR's base_lr * lambda(epoch)."""
    out, current = [], lr
    for t in range(steps):
        if t == 0:
            current = lr
        elif schedule == "step":
            if t % hyper["step_size"] == 0:
                current *= hyper.get("gamma", 0.1)
        elif schedule == "exponential":
            current *= hyper["gamma"]
        elif schedule == "cosine":
            t_max, eta_min = hyper["t_max"], hyper.get("eta_min", 0.0)
            if (t - 1 - t_max) % (2 * t_max) == 0:
                current += (lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
            else:
                current = ((1 + math.cos(math.pi * t / t_max)) / (1 + math.cos(math.pi * (t - 1) / t_max))
                           * (current - eta_min) + eta_min)
        if schedule in ("constant", "step", "exponential", "cosine"):
            out.append(current)
        elif schedule == "inverse_time":
            out.append(lr / (1 + hyper["decay_rate"] * t))
        elif schedule == "warmup":
            out.append(lr * min(1.0, (t + 1) / hyper["warmup_steps"]))
        elif schedule == "noam":
            s = t + 1
            out.append(lr * hyper["d_model"] ** -0.5 * min(s ** -0.5, s * hyper["warmup_steps"] ** -1.5))
    return out


lrs = st.floats(1e-4, 2.0)
hypers = {
    "constant": st.just({}),
    "step": st.fixed_dictionaries({"step_size": st.integers(1, 40)}, optional={"gamma": st.floats(0.05, 1.0)}),
    "exponential": st.fixed_dictionaries({"gamma": st.floats(0.5, 1.0)}),
    "inverse_time": st.fixed_dictionaries({"decay_rate": st.floats(0.0, 5.0)}),
    "cosine": st.fixed_dictionaries({"t_max": st.integers(1, 50)}, optional={"eta_min": st.floats(0.0, 1e-4)}),
    "warmup": st.fixed_dictionaries({"warmup_steps": st.integers(1, 50)}),
    "noam": st.fixed_dictionaries({"d_model": st.integers(1, 1024), "warmup_steps": st.integers(1, 50)}),
}


@st.composite
def schedules(draw):
    name = draw(st.sampled_from(SCHEDULES))
    return name, draw(hypers[name])


@settings(max_examples=150, deadline=None)
@given(schedule=schedules(), lr=lrs, steps=st.integers(0, 200))
def test_learning_rates_equal_torch_stepped_one_step_at_a_time(schedule, lr, steps):
    name, hyper = schedule
    ours = learning_rates(name, lr, steps, **hyper)
    assert ours.shape == (steps,) and ours.dtype == np.float64
    np.testing.assert_allclose(ours, torch_stepped(name, lr, steps, **hyper), rtol=1e-9, atol=1e-12 * lr)


def test_cosine_climbs_back_past_t_max_with_period_two_t_max():
    rates = learning_rates("cosine", 0.1, 41, t_max=10)
    assert rates[10] == pytest.approx(0.0, abs=1e-15)
    assert rates[20] == pytest.approx(0.1)
    np.testing.assert_allclose(rates[11:20], rates[9:0:-1], rtol=1e-12)
    np.testing.assert_allclose(rates[20:41], rates[0:21], rtol=1e-12, atol=1e-16)


def test_cosine_with_eta_min_ends_at_eta_min():
    assert learning_rates("cosine", 0.1, 11, t_max=10, eta_min=0.001)[10] == pytest.approx(0.001)


def test_the_notes_decay_by_epoch():
    np.testing.assert_allclose(learning_rates("inverse_time", 0.2, 5, decay_rate=1.0),
                               [0.2, 0.1, 0.2 / 3, 0.05, 0.04])


def test_the_notes_exponential_decay_after_ten_epochs():
    assert learning_rates("exponential", 0.1, 11, gamma=0.95)[10] == pytest.approx(0.0598737, abs=1e-7)


def test_step_decay_every_thirty_epochs_with_torchs_default_gamma():
    rates = learning_rates("step", 0.1, 96, step_size=30)
    assert rates[29] == pytest.approx(0.1) and rates[30] == pytest.approx(0.01)
    assert rates[45] == pytest.approx(0.01)
    assert rates[95] == pytest.approx(1e-4)


def test_the_transformer_schedule_peaks_at_the_end_of_warmup():
    rates = learning_rates("noam", 1.0, 20000, d_model=512, warmup_steps=4000)
    assert int(np.argmax(rates)) == 3999
    assert rates[3999] == pytest.approx(512 ** -0.5 * 4000 ** -0.5)
    np.testing.assert_allclose(rates[:4000], np.arange(1, 4001) * 512 ** -0.5 * 4000 ** -1.5, rtol=1e-12)
    np.testing.assert_allclose(rates[4000:], np.arange(4001, 20001) ** -0.5 * 512 ** -0.5, rtol=1e-12)


@settings(max_examples=50, deadline=None)
@given(lr=lrs, warmup_steps=st.integers(1, 60), steps=st.integers(1, 120))
def test_linear_warmup_rises_to_lr_then_stays(lr, warmup_steps, steps):
    rates = learning_rates("warmup", lr, steps, warmup_steps=warmup_steps)
    assert np.all(np.diff(rates) >= 0)
    assert rates[0] == pytest.approx(lr / warmup_steps)
    assert np.all(rates[warmup_steps - 1:] == lr)


@settings(max_examples=50, deadline=None)
@given(schedule=st.sampled_from(["step", "exponential", "inverse_time", "cosine"]), lr=lrs)
def test_decays_never_increase_before_t_max(schedule, lr):
    hyper = {"step": {"step_size": 7, "gamma": 0.5}, "exponential": {"gamma": 0.9},
             "inverse_time": {"decay_rate": 0.3}, "cosine": {"t_max": 60}}[schedule]
    rates = learning_rates(schedule, lr, 61, **hyper)
    assert rates[0] == lr and np.all(np.diff(rates) <= 1e-15)


def test_parse_steps():
    assert _parse_steps("10, 1,2  2") == [1, 2, 10]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: learning_rates("linear", 0.1, 5), r"schedule='linear': must be one of constant, step"),
    (lambda: learning_rates("step", 0.1, 5), r"step needs step_size"),
    (lambda: learning_rates("noam", 0.1, 5, d_model=512), r"noam needs warmup_steps"),
    (lambda: learning_rates("exponential", 0.1, 5, gamma=0.9, step_size=3),
     r"step_size=3: not a hyperparameter of exponential \(it takes gamma\)"),
    (lambda: learning_rates("constant", 0.1, 5, gamma=0.9), r"gamma=0.9: not a hyperparameter of constant"),
    (lambda: learning_rates("step", 0.1, 5, step_size=0), r"step_size=0: must be an integer >= 1"),
    (lambda: learning_rates("step", 0.1, 5, step_size=2.5), r"step_size=2.5: must be an integer >= 1"),
    (lambda: learning_rates("exponential", 0.1, 5, gamma=-0.5), r"gamma=-0.5: must be a finite number >= 0"),
    (lambda: learning_rates("constant", -0.1, 5), r"lr=-0.1: must be a finite number >= 0"),
    (lambda: learning_rates("constant", 0.1, -1), r"steps=-1: must be an integer >= 0"),
    (lambda: _parse_steps("1,x"), r"at='1,x': must be whole steps separated by commas"),
    (lambda: _parse_steps("-3"), r"at='-3': must be whole steps"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_demo_lists_the_steps_asked_for():
    result = DEMO.run(**DEMO.defaults())
    assert isinstance(result, DemoResult)
    assert result.table.columns == ("step t", "step", "exponential", "cosine", "warmup")
    assert [row[0] for row in result.table.rows] == ["0", "1", "2", "3", "4", "10", "45", "95", "99"]
    assert result.table.rows[6][1] == "0.01" and result.table.rows[7][1] == "0.0001"
    assert result.table.rows[5][2] == "0.05987"
    assert "step drops x0.1 every 30 steps" in result.summary
    assert "Learning rate at the last step (99): step 0.0001" in result.summary
    assert len(result.figure.axes) == 1


def test_the_demo_on_the_notes_decay_by_epoch():
    result = DEMO.run(**DEMO.validate({"schedules": "inverse_time", "lr": "0.2", "decay_rate": "1", "steps": "5",
                                       "at": "1,2,3,4,60"}))
    assert result.table.rows == (("0", "0.2"), ("1", "0.1"), ("2", "0.06667"), ("3", "0.05"), ("4", "0.04"))


def test_the_demo_on_the_transformer_schedule_uses_a_log_axis_beside_linear_warmup():
    result = DEMO.run(**DEMO.validate({"schedules": "warmup,noam", "lr": "1", "steps": "20000",
                                       "warmup_steps": "4000"}))
    assert "noam (d_model 512) rises to 0.000699 at step 3999" in result.summary
    assert result.figure.axes[0].get_yscale() == "log"
    assert len(result.data["learning_rates"]["noam"]) == 20000
