"""The optimizer race: every update against a slow textbook loop, torch's published numbers, and the demo's output."""

from __future__ import annotations

import json

import numpy as np
import pytest

from demos.optimizers import (DEMO, HYPER_DEFAULTS, METHODS, SURFACE_NAMES, SURFACES, diverged_at, first_step, gradient,
                              hessian, loss, trajectory)
from revise.demo_engine.spec import DemoResult


def reference_loss(surface, x, y):
    """The surfaces as their textbook formulas."""
    return {
        "rosenbrock": (1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
        "beale": (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2,
        "saddle": x ** 2 - y ** 2,
        "bowl": 0.5 * (x ** 2 + 10 * y ** 2),
        "himmelblau": (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2,
        "quadratic": x ** 2 + y ** 2,
        "lee": (1 - x * y * 1) ** 2,  # Lee: L = (y - w1 w2 x)^2 at x = 1, y = 1
    }[surface]


def reference_gradient(surface, p):
    """The surfaces' gradients by central differences (h = 1e-6): slow, obvious, accurate to about 1e-8."""
    h = 1e-6
    x, y = p
    return np.array([(reference_loss(surface, x + h, y) - reference_loss(surface, x - h, y)) / (2 * h),
                     (reference_loss(surface, x, y + h) - reference_loss(surface, x, y - h)) / (2 * h)])


def exact_gradient(surface, p):
    """The surfaces' gradients worked out by hand (checked against reference_gradient below)."""
    x, y = p
    if surface == "rosenbrock":
        return np.array([-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)])
    if surface == "beale":
        terms = np.array([1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3])
        d_dx = np.array([y - 1, y ** 2 - 1, y ** 3 - 1])
        d_dy = np.array([x, 2 * x * y, 3 * x * y ** 2])
        return np.array([2 * terms @ d_dx, 2 * terms @ d_dy])
    if surface == "saddle":
        return np.array([2 * x, -2 * y])
    if surface == "bowl":
        return np.array([x, 10 * y])
    if surface == "quadratic":
        return np.array([2 * x, 2 * y])
    if surface == "lee":  # the card's dL/dw1 = -2 w2 (1 - w1 w2), dL/dw2 = -2 w1 (1 - w1 w2)
        return np.array([-2 * y * (1 - x * y), -2 * x * (1 - x * y)])
    return np.array([2 * (x ** 2 + y - 11) * 2 * x + 2 * (x + y ** 2 - 7),
                     2 * (x ** 2 + y - 11) + 2 * (x + y ** 2 - 7) * 2 * y])


def reference_path(method, surface, start, lr, steps, momentum=0.0, alpha=0.0, eps=0.0, betas=(0.0, 0.0),
                   lr_decay=0.0, weight_decay=0.0, beta=0.0, rho=0.0):
    """The torch.optim update rules written the way the papers state them, one vector step at a time."""
    p = np.array(start, dtype=float)
    path = [p.copy()]
    buf, m, v = None, np.zeros(2), np.zeros(2)
    for t in range(1, steps + 1):
        g = exact_gradient(surface, p) + (0.0 if method == "adamw" else weight_decay) * p
        if method == "adamw":  # Loshchilov & Hutter: decay the weights, then an Adam step on the plain gradient
            p = p * (1 - lr * weight_decay)
        if method == "sgd":
            p = p - lr * g
        elif method in ("momentum", "nesterov"):
            buf = g.copy() if buf is None else momentum * buf + g
            p = p - lr * (g + momentum * buf if method == "nesterov" else buf)
        elif method == "rmsprop":
            v = alpha * v + (1 - alpha) * g ** 2
            p = p - lr * g / (np.sqrt(v) + eps)
        elif method == "adagrad":
            v = v + g ** 2
            p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(v) + eps)
        elif method == "adadelta":  # Zeiler 2012: v is E[g^2], m is E[dx^2]
            v = rho * v + (1 - rho) * g ** 2
            dx = np.sqrt(m + eps) / np.sqrt(v + eps) * g
            m = rho * m + (1 - rho) * dx ** 2
            p = p - lr * dx
        elif method in ("adam", "adamw"):
            m = betas[0] * m + (1 - betas[0]) * g
            v = betas[1] * v + (1 - betas[1]) * g ** 2
            m_hat, v_hat = m / (1 - betas[0] ** t), v / (1 - betas[1] ** t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        else:
            m = beta * m + (1 - beta) * g
            p = p - lr * m
        path.append(p.copy())
    return np.array(path)


# Non-default hyperparameters (weight decay included) for each method, so a misplaced one shows.
HYPER = {
    "sgd": {"weight_decay": 0.05},
    "momentum": {"momentum": 0.8, "weight_decay": 0.05},
    "nesterov": {"momentum": 0.7, "weight_decay": 0.05},
    "rmsprop": {"alpha": 0.9, "eps": 1e-3, "weight_decay": 0.05},
    "adagrad": {"lr_decay": 0.05, "eps": 1e-3, "weight_decay": 0.05},
    "adam": {"betas": (0.8, 0.99), "eps": 1e-3, "weight_decay": 0.05},
    "momentum_ewma": {"beta": 0.7, "weight_decay": 0.05},
    "adadelta": {"rho": 0.8, "eps": 1e-3, "weight_decay": 0.05},
    "adamw": {"betas": (0.8, 0.99), "eps": 1e-3, "weight_decay": 0.05},
}
TORCH_DEFAULTS = {
    "sgd": {"weight_decay": 0.0},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8},
    "adagrad": {"lr_decay": 0.0, "eps": 1e-10},
    "adam": {"betas": (0.9, 0.999), "eps": 1e-8},
    "momentum_ewma": {"beta": 0.9},
    "adadelta": {"rho": 0.9, "eps": 1e-6},
    "adamw": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01},
}


@pytest.mark.parametrize("surface", SURFACE_NAMES)
def test_hand_gradients_match_central_differences(surface):
    rng = np.random.default_rng(0)
    for p in rng.uniform(-2, 2, size=(20, 2)):
        np.testing.assert_allclose(exact_gradient(surface, p), reference_gradient(surface, p), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("surface", SURFACE_NAMES)
def test_one_sgd_step_with_lr_1_moves_by_minus_the_gradient(surface):
    rng = np.random.default_rng(1)
    for start in rng.uniform(-2, 2, size=(20, 2)):
        path = trajectory("sgd", surface, start, 1.0, 1)
        np.testing.assert_allclose(start - path[1], reference_gradient(surface, start), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("surface", SURFACE_NAMES)
@pytest.mark.parametrize("method", METHODS)
def test_trajectory_matches_reference_loop(method, surface):
    path = trajectory(method, surface, (-1.2, 1.0), 1e-3, 60, **HYPER[method])
    expected = reference_path(method, surface, (-1.2, 1.0), 1e-3, 60, **HYPER[method])
    assert path.shape == (61, 2) and path.dtype == np.float64
    np.testing.assert_allclose(path, expected, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("method", METHODS)
def test_defaults_are_torch_defaults(method):
    # Gradients near 1e-9 make eps matter, so a wrong eps default shows.
    for start in [(1e-9, 2e-9), (-1.2, 1.0)]:
        np.testing.assert_allclose(trajectory(method, "bowl", start, 0.01, 30),
                                   reference_path(method, "bowl", start, 0.01, 30, **TORCH_DEFAULTS[method]),
                                   rtol=1e-11, atol=1e-20)


def test_adam_on_rosenbrock_matches_torch():
    path = trajectory("adam", "rosenbrock", (-1.2, 1.0), 1e-2, 100)
    np.testing.assert_allclose(path[1], [-1.19, 1.01], atol=1e-11)  # eps shortens the first step by ~1e-12
    np.testing.assert_allclose(path[100], [-1.0435756, 1.09388266], rtol=1e-8)
    np.testing.assert_allclose(loss("rosenbrock", path[100:]), [4.17854], rtol=1e-6)


@pytest.mark.parametrize("surface", SURFACE_NAMES)
def test_notes_ewma_momentum_is_torch_momentum_with_scaled_lr(surface):
    a, b = 2e-3, 0.8
    ewma = trajectory("momentum_ewma", surface, (-1.2, 1.0), a, 300, beta=b)
    torch_style = trajectory("momentum", surface, (-1.2, 1.0), a * (1 - b), 300, momentum=b)
    np.testing.assert_allclose(ewma, torch_style, rtol=1e-12, atol=1e-12)


def test_zero_steps_is_just_the_start():
    np.testing.assert_array_equal(trajectory("adam", "beale", (0.5, -0.5), 0.1, 0), [[0.5, -0.5]])


def test_diverging_run_ends_in_nan_rows():
    path = trajectory("sgd", "rosenbrock", (-1.2, 1.0), 0.01, 50)
    step = diverged_at(path)
    assert step == 8
    assert np.isfinite(path[:step]).all()
    assert np.isnan(path[step:]).all()
    np.testing.assert_allclose(path[:step], reference_path("sgd", "rosenbrock", (-1.2, 1.0), 0.01, step - 1))


def test_stable_run_has_no_divergence_step():
    assert diverged_at(trajectory("adam", "rosenbrock", (-1.2, 1.0), 0.01, 50)) is None


@pytest.mark.parametrize("surface", SURFACE_NAMES)
def test_loss_matches_formula(surface):
    points = np.random.default_rng(2).uniform(-4, 4, size=(50, 2))
    np.testing.assert_allclose(loss(surface, points), reference_loss(surface, points[:, 0], points[:, 1]),
                               rtol=1e-14)


@pytest.mark.parametrize("surface", SURFACE_NAMES)
def test_marked_points_are_stationary_and_minima_are_zero(surface):
    marks = np.array(SURFACES[surface].marks)
    for mark in marks:
        np.testing.assert_allclose(exact_gradient(surface, mark), [0, 0], atol=1e-4)
    if surface != "saddle":
        np.testing.assert_allclose(loss(surface, marks), 0, atol=1e-10)


@pytest.mark.parametrize("call, message", [
    (lambda: trajectory("adamax", "rosenbrock", (0, 0), 0.1, 5), "method='adamax'"),
    (lambda: trajectory("adadelta", "bowl", (0, 0), 0.1, 5, rho=1.5), "rho=1.5"),
    (lambda: trajectory("adam", "ackley", (0, 0), 0.1, 5), "surface='ackley'"),
    (lambda: trajectory("adam", "bowl", (0, 0, 0), 0.1, 5), "start="),
    (lambda: trajectory("adam", "bowl", (np.nan, 0), 0.1, 5), "start="),
    (lambda: trajectory("adam", "bowl", (0, 0), -0.1, 5), "lr=-0.1"),
    (lambda: trajectory("adam", "bowl", (0, 0), 0.1, -1), "steps=-1"),
    (lambda: trajectory("adam", "bowl", (0, 0), 0.1, 2.5), "steps=2.5"),
    (lambda: trajectory("sgd", "bowl", (0, 0), 0.1, 5, momentum=0.9), "momentum=0.9: not a hyperparameter of sgd"),
    (lambda: trajectory("adam", "bowl", (0, 0), 0.1, 5, beta1=0.9), "beta1=0.9: not a hyperparameter of adam"),
    (lambda: trajectory("adam", "bowl", (0, 0), 0.1, 5, betas=(0.9, 1.0)), "betas="),
    (lambda: trajectory("adam", "bowl", (0, 0), 0.1, 5, betas=0.9), "betas="),
    (lambda: trajectory("momentum", "bowl", (0, 0), 0.1, 5, momentum=-0.1), "momentum=-0.1"),
    (lambda: trajectory("nesterov", "bowl", (0, 0), 0.1, 5, momentum=0.0), "nesterov needs a momentum"),
    (lambda: trajectory("rmsprop", "bowl", (0, 0), 0.1, 5, alpha=1.5), "alpha=1.5"),
    (lambda: trajectory("adagrad", "bowl", (0, 0), 0.1, 5, eps=-1e-3), "eps=-0.001"),
    (lambda: trajectory("momentum_ewma", "bowl", (0, 0), 0.1, 5, beta=1.0), "beta=1.0"),
    (lambda: trajectory("sgd", "bowl", (0, 0), 0.1, 5, weight_decay="0.1"), "weight_decay='0.1'"),
    (lambda: loss("bowl", np.zeros((3, 3))), "points has shape"),
])
def test_bad_input_raises_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call()


def test_every_method_lists_its_hyperparameters():
    assert set(HYPER_DEFAULTS) == set(METHODS)
    assert all("weight_decay" in names for names in HYPER_DEFAULTS.values())


def test_default_run_shows_momentum_winning_on_rosenbrock():
    result = DEMO.run(**DEMO.defaults())
    assert isinstance(result, DemoResult)
    assert result.table.columns == ("optimizer", "loss @10", "loss @50", "final loss (@200)", "final point")
    assert [row[0] for row in result.table.rows] == ["sgd", "momentum", "rmsprop", "adam"]
    momentum_path = trajectory("momentum", "rosenbrock", (-1.2, 1.0), 0.002, 200)
    final_loss = loss("rosenbrock", momentum_path[-1:])[0]
    assert result.table.rows[1][3] == f"{final_loss:.4g}" == "0.01291"
    assert result.table.rows[1][4] == f"({momentum_path[-1, 0]:.3f}, {momentum_path[-1, 1]:.3f})"
    assert result.summary.startswith("200 steps on rosenbrock at lr=0.002: momentum got lowest, loss 0.01291")
    assert "Minimum: (1, 1)" in result.summary
    run = json.loads(json.dumps(result.data, allow_nan=False))
    assert run["checkpoints"] == [10, 50, 200]
    assert run["runs"]["momentum"]["losses"][2] == pytest.approx(final_loss, rel=1e-12)
    assert run["runs"]["momentum"]["final_point"] == pytest.approx(momentum_path[-1].tolist(), rel=1e-12)
    assert run["runs"]["sgd"]["diverged_at"] is None


def test_default_figure_draws_each_path_start_and_minimum():
    figure = DEMO.run(**DEMO.defaults()).figure
    (ax,) = figure.axes
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["sgd", "momentum", "rmsprop", "adam"]
    assert all(line.get_linewidth() >= 2 for line in ax.get_lines())
    assert len({line.get_marker() for line in ax.get_lines()}) == 4
    assert [text.get_text() for text in ax.get_legend().get_texts()][-2:] == ["start", "minimum"]


def test_diverging_run_reports_the_step_and_stays_valid_json():
    params = {**DEMO.defaults(), "lr": 0.01, "methods": ("sgd", "adam"), "steps": 30}
    result = DEMO.run(**params)
    assert result.table.columns == ("optimizer", "loss @10", "final loss (@30)", "final point")
    assert result.table.rows[0] == ("sgd", "diverged", "diverged", "diverged at step 8")
    assert "adam got lowest" in result.summary and "diverged: sgd" in result.summary
    data = json.loads(json.dumps(result.data, allow_nan=False))
    assert data["runs"]["sgd"] == {"losses": [None, None], "final_point": [None, None], "diverged_at": 8}


def test_everything_diverging_is_said_plainly():
    params = {**DEMO.defaults(), "lr": 0.1, "methods": ("sgd", "momentum"), "steps": 30}
    assert "every optimizer diverged" in DEMO.run(**params).summary


def test_params_validate_and_warm_runs():
    assert DEMO.validate({"methods": "adam,nesterov", "surface": "himmelblau"})["methods"] == ("adam", "nesterov")
    DEMO.warm()


# The Hessian: analytic second derivatives, the hessian view and Lee's toy network.

@pytest.mark.parametrize("surface", SURFACE_NAMES)
def test_hessian_matches_differences_of_the_gradient(surface):
    h = 1e-6
    for p in np.random.default_rng(3).uniform(-2, 2, size=(20, 2)):
        columns = [(exact_gradient(surface, p + h * e) - exact_gradient(surface, p - h * e)) / (2 * h)
                   for e in np.eye(2)]
        expected = np.column_stack(columns)
        got = hessian(surface, p)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)
        assert got[0, 1] == got[1, 0]
        np.testing.assert_allclose(gradient(surface, p), exact_gradient(surface, p), rtol=1e-13, atol=1e-13)


def test_lee_toy_network_is_the_cards_saddle():
    np.testing.assert_array_equal(hessian("lee", (0, 0)), [[0, -2], [-2, 0]])
    np.testing.assert_array_equal(gradient("lee", (0, 0)), [0, 0])
    assert loss("lee", [[0, 0], [0.5, 0.5]]).tolist() == [1.0, 0.5625]
    # Lee's network y_hat = w1 w2 x on the example x = 1, y = 1, written out.
    w = np.random.default_rng(4).uniform(-2, 2, size=(10, 2))
    np.testing.assert_allclose(loss("lee", w), (1.0 - w[:, 0] * w[:, 1] * 1.0) ** 2, rtol=1e-14)


def test_hessian_view_at_the_saddle_finds_the_way_down():
    result = DEMO.run(**{**DEMO.defaults(), "view": "hessian", "surface": "lee", "start_x": 0.0, "start_y": 0.0,
                         "step": 0.5})
    data = result.data
    assert data["kind"] == "saddle" and data["eigenvalues"] == pytest.approx([-2, 2])
    down = data["directions"][0]
    assert down["u"] == pytest.approx([1, 1]) and down["point"] == pytest.approx([0.5, 0.5])
    assert down["exact"] == pytest.approx((1 - 0.25) ** 2) and down["taylor"] == pytest.approx(1 - 2 * 0.25)
    assert "saddle point, not a local minimum" in result.summary
    assert "L = 0.5625 (Taylor L + ½λ|tu|² = 0.5)" in result.summary
    assert "H = [[0, -2], [-2, 0]]" in result.summary and "鞍点" in result.summary_zh
    assert [row[0] for row in result.table.rows] == ["u1", "u2"]


@pytest.mark.parametrize("surface, point, kind", [
    ("bowl", (0.0, 0.0), "minimum"),
    ("rosenbrock", (1.0, 1.0), "minimum"),
    ("saddle", (0.0, 0.0), "saddle"),
    ("himmelblau", (-0.270845, -0.923039), "maximum"),  # Himmelblau's one local maximum
    ("lee", (1.0, 1.0), "inconclusive"),  # on the valley xy = 1: eigenvalues 0 and 4
    ("rosenbrock", (-1.2, 1.0), "not critical"),
])
def test_hessian_view_classifies_the_point_by_its_eigenvalues(surface, point, kind):
    data = DEMO.run(**{**DEMO.defaults(), "view": "hessian", "surface": surface, "start_x": point[0],
                       "start_y": point[1]}).data
    assert data["kind"] == kind
    eigenvalues = np.linalg.eigvalsh(np.array(data["hessian"]))
    np.testing.assert_allclose(data["eigenvalues"], eigenvalues, atol=1e-9)
    for direction in data["directions"]:  # the Taylor model written out: L + t g.u + t^2/2 u.H.u
        u, t = np.array(direction["u"]), data["step"]
        expected = data["loss"] + t * np.dot(data["gradient"], u) + 0.5 * t * t * u @ np.array(data["hessian"]) @ u
        assert direction["taylor"] == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert direction["exact"] == pytest.approx(reference_loss(surface, *(np.array(point) + t * u)), rel=1e-12)
        assert max(abs(c) for c in direction["u"]) == 1.0
    assert (len(data["directions"]) == 3) == (kind == "not critical")


def test_zero_eigenvalue_case_is_the_x4_case():
    # Along u = (1, -1) through (1, 1): (1 - (1 + t)(1 - t))^2 = t^4, while the second-order model stays at 0.
    result = DEMO.run(**{**DEMO.defaults(), "view": "hessian", "surface": "lee", "start_x": 1.0, "start_y": 1.0,
                         "step": 0.5})
    flat = result.data["directions"][0]
    assert flat["u"] == pytest.approx([1, -1]) and flat["exact"] == pytest.approx(0.5 ** 4)
    assert flat["taylor"] == pytest.approx(0.0, abs=1e-15)
    assert "the test says nothing" in result.summary


# The first-step view.

@pytest.mark.parametrize("method", METHODS)
def test_first_step_is_the_trajectorys_first_step(method):
    hyper = {**HYPER[method], "weight_decay": 0.0}
    for g in (-3.0, 1e-9, 0.02, 200.0):
        # On x² + y² the gradient at (g/2, g/2) is (g, g): the reference loop's first step with that gradient.
        start = (g / 2, g / 2)
        expected = reference_path(method, "quadratic", start, 0.01, 1, **hyper)[1, 0] - start[0]
        # (the reference subtracts start back out, so it is exact only to rounding of |start|)
        assert first_step(method, [g], 0.01, **hyper)[0] == pytest.approx(expected, rel=1e-12, abs=1e-15 * abs(g))


def test_first_step_closed_forms_of_the_cards():
    # Adam at t = 1: m_hat = g, v_hat = g^2, so the step is -lr g / (|g| + eps), about -lr for g = 0.02 and 200.
    np.testing.assert_allclose(first_step("adam", [0.02, 200.0], 0.001), [-0.001 * 0.02 / (0.02 + 1e-8),
                                                                         -0.001 * 200 / (200 + 1e-8)], rtol=1e-13)
    # Adadelta: sqrt(eps) g / sqrt((1 - rho) g^2 + eps), about sqrt(eps / (1 - rho)) = 0.00316 whatever g.
    np.testing.assert_allclose(first_step("adadelta", [200.0], 1.0), [-np.sqrt(1e-6 / 0.1)], rtol=1e-6)
    np.testing.assert_allclose(first_step("sgd", [0.02, 200.0], 0.001), [-2e-5, -0.2], rtol=1e-13)
    np.testing.assert_allclose(first_step("rmsprop", [200.0], 0.01), [-0.01 / np.sqrt(0.01)], rtol=1e-9)
    assert first_step("adam", np.zeros((2, 3)), 0.1).shape == (2, 3)


def test_first_step_view_says_adam_steps_about_lr_whatever_g():
    result = DEMO.run(**{**DEMO.defaults(), "view": "first_step", "methods": ("sgd", "adam"), "lr": 0.001,
                         "gradients": "0.02, 200"})
    assert "adam -0.001, -0.001" in result.summary and "sgd -2e-05, -0.2" in result.summary
    assert "lr is the hyperparameter to tune" in result.summary
    assert result.table.columns[-2:] == ("Δp for g=0.02", "Δp for g=200")
    assert result.table.rows[1][2] == "betas=(0.9, 0.999), eps=1e-08"
    assert result.data["steps"]["adam"] == pytest.approx([-0.001, -0.001], rel=1e-6)


@pytest.mark.parametrize("text", ["", "1,2,3,4,5,6,7", "a,1", "inf"])
def test_first_step_view_refuses_bad_gradients(text):
    with pytest.raises(ValueError, match="gradients="):
        DEMO.run(**{**DEMO.defaults(), "view": "first_step", "gradients": text})


# The quadratic x² + y²: the notes' one gradient-descent step by hand.

def test_one_step_on_the_quadratic_is_the_cards():
    path = trajectory("sgd", "quadratic", (3.0, 0.0), 0.1, 1)
    np.testing.assert_allclose(path[1], [2.4, 0.0], rtol=1e-15)
    summary = DEMO.run(**{**DEMO.defaults(), "surface": "quadratic", "methods": ("sgd",), "lr": 0.1, "steps": 1,
                          "start_x": 3.0, "start_y": 0.0}).summary
    assert summary.startswith("1 step on quadratic at lr=0.1: sgd got lowest, loss 5.76 at (2.400, 0.000)")
    assert "(1 - 2·lr)·p = 0.8·p" in summary and "shrinks towards the minimum" in summary
    summary = DEMO.run(**{**DEMO.defaults(), "surface": "quadratic", "methods": ("sgd",), "lr": 1.1, "steps": 1,
                          "start_x": 3.0, "start_y": 0.0}).summary
    assert "-1.2·p" in summary and "(-3.6, 0)" in summary and "diverges" in summary


def test_adadelta_note_gives_its_first_step():
    result = DEMO.run(**{**DEMO.defaults(), "surface": "bowl", "methods": ("adadelta",), "lr": 1.0, "steps": 100})
    path = trajectory("adadelta", "bowl", (-1.2, 1.0), 1.0, 100)
    assert f"first step is {np.linalg.norm(path[1] - path[0]):.2g} long" in result.summary
    assert "lr·√(ε/(1-ρ)) = 0.0032" in result.summary


def test_adagrad_note_compares_first_steps_per_coordinate():
    result = DEMO.run(**{**DEMO.defaults(), "surface": "bowl", "methods": ("sgd", "adagrad"), "lr": 0.21,
                         "steps": 40, "start_x": -1.8, "start_y": 1.0})
    # bowl gradient at (-1.8, 1) is (-1.8, 10): Adagrad moves lr in each coordinate, SGD lr times the gradient
    assert "-lr·g/|g| = (0.21, -0.21)" in result.summary and "-lr·g = (0.378, -2.1)" in result.summary
