"""The style demo: Gram matrix, content, style and TV losses against slow loops, their gradients against centred
differences, the cards' worked numbers, validation and the demo's optimisation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.style import (DEMO, FILTERS, _content_grad, _edges, _objective, _pool, _style_grad, _tv_grad,
                         content_loss, gram_matrix, run, style_loss, total_variation, warm)


def gram_reference(x):
    """sum over positions of a_k a_k', divided by C H W: loops over a nested list."""
    channels, height, width = x.shape
    return np.array([[sum(x[k, i, j] * x[q, i, j] for i in range(height) for j in range(width))
                      / (channels * height * width) for q in range(channels)] for k in range(channels)])


def tv_reference(x):
    """d2l's tv_loss with explicit loops: half the sum of the two mean absolute neighbour differences."""
    channels, height, width = x.shape
    down = [abs(x[c, i + 1, j] - x[c, i, j]) for c in range(channels) for i in range(height - 1) for j in range(width)]
    across = [abs(x[c, i, j + 1] - x[c, i, j])
              for c in range(channels) for i in range(height) for j in range(width - 1)]
    return 0.5 * (sum(down) / len(down) + sum(across) / len(across))


def numeric_gradient(f, x, eps=1e-6):
    """Centred differences of a scalar function of an array, one entry at a time."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def random_volume(rng):
    return rng.normal(size=(int(rng.integers(1, 4)), int(rng.integers(2, 6)), int(rng.integers(2, 6))))


# ---- the losses ----

def test_losses_match_the_references():
    rng = np.random.default_rng(0)
    for _ in range(100):
        x, y = random_volume(rng), None
        y = rng.normal(size=x.shape)
        target = rng.normal(size=(x.shape[0], x.shape[0]))
        np.testing.assert_allclose(gram_matrix(x), gram_reference(x), rtol=1e-12, atol=1e-15)
        assert content_loss(x, y) == pytest.approx(float(np.mean([(a - b) ** 2 for a, b in zip(x.ravel(), y.ravel())])),
                                                   rel=1e-13)
        assert style_loss(x, target) == pytest.approx(float(np.mean((gram_reference(x) - target) ** 2)), rel=1e-12)
        assert total_variation(x) == pytest.approx(tv_reference(x), rel=1e-13)


def test_the_cards_worked_numbers():
    features = np.array([[[1, 0], [2, 1]], [[0, 1], [1, 2]]], dtype=float)
    np.testing.assert_allclose(gram_matrix(features) * 8, [[6, 4], [4, 6]])  # the card's sum, / (C H W) = 8
    assert total_variation([[[1, 3], [2, 2]]]) == 1.0  # the card's sum is 4; d2l averages: 0.5 (1 + 1)


@settings(deadline=None, max_examples=50)
@given(st.integers(0, 2**32 - 1))
def test_loss_properties(seed):
    rng = np.random.default_rng(seed)
    x = random_volume(rng)
    gram = gram_matrix(x)
    np.testing.assert_allclose(gram, gram.T, rtol=0, atol=0)
    assert np.linalg.eigvalsh(gram).min() > -1e-12  # positive semi-definite
    assert style_loss(x, gram) == 0.0 and content_loss(x, x) == 0.0
    # the Gram matrix forgets where things are: shuffling positions (the same way in every channel) keeps it
    order = rng.permutation(x.shape[1] * x.shape[2])
    shuffled = x.reshape(x.shape[0], -1)[:, order].reshape(x.shape)
    np.testing.assert_allclose(gram_matrix(shuffled), gram, rtol=1e-12, atol=1e-15)
    assert total_variation(np.full(x.shape, 3.5)) == 0.0
    assert total_variation(x + 2.0) == pytest.approx(total_variation(x), rel=1e-12)


def test_gradients_match_centred_differences():
    rng = np.random.default_rng(1)
    for _ in range(20):
        x = random_volume(rng)
        y = rng.normal(size=x.shape)
        target = gram_matrix(rng.normal(size=x.shape))
        np.testing.assert_allclose(_content_grad(x.ravel(), y.ravel()).reshape(x.shape),
                                   numeric_gradient(lambda v: content_loss(v, y), x), atol=1e-8)
        np.testing.assert_allclose(_style_grad(x.reshape(x.shape[0], -1), target).reshape(x.shape),
                                   numeric_gradient(lambda v: style_loss(v, target), x), atol=1e-8)
        np.testing.assert_allclose(_tv_grad(x), numeric_gradient(total_variation, x), atol=1e-8)


def test_tv_gradient_is_zero_across_equal_neighbours_as_torch_abs():
    assert not _tv_grad(np.ones((1, 3, 3))).any()


def test_the_demo_objective_and_its_gradient():
    rng = np.random.default_rng(2)
    for _ in range(10):
        image, pooled = rng.normal(size=(8, 8)), rng.normal(size=(4, 4))
        target = gram_matrix(np.maximum(_edges(rng.normal(size=(8, 8)), FILTERS), 0))
        weights = rng.uniform(0, 5, 3)

        def total(v):
            features = np.maximum(_edges(v, FILTERS), 0)
            return (weights[0] * content_loss(_pool(v), pooled) + weights[1] * style_loss(features, target)
                    + weights[2] * total_variation(v[None]))

        content, style, tv, grad = _objective(image, FILTERS, pooled, target, weights)
        features = np.maximum(_edges(image, FILTERS), 0)
        assert content == pytest.approx(content_loss(_pool(image), pooled), rel=1e-13)
        assert style == pytest.approx(style_loss(features, target), rel=1e-13)
        assert tv == pytest.approx(total_variation(image[None]), rel=1e-13)
        np.testing.assert_allclose(grad, numeric_gradient(total, image), atol=1e-7)


def test_edges_and_pooling_against_loops():
    rng = np.random.default_rng(3)
    image = rng.normal(size=(6, 6))
    padded = np.pad(image, 1)
    expected = np.array([[[np.sum(padded[i:i + 3, j:j + 3] * f) for j in range(6)] for i in range(6)] for f in FILTERS])
    np.testing.assert_allclose(_edges(image, FILTERS), expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(_pool(image), image.reshape(3, 2, 3, 2).mean(axis=(1, 3)), rtol=1e-13)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: gram_matrix(np.ones((2, 2))), r"features has shape \(2, 2\): must be 3-D"),
    (lambda: content_loss(np.ones((2, 2)), np.ones((2, 3))), r"content has shape \(2, 3\): must be \(2, 2\)"),
    (lambda: style_loss(np.ones((2, 2, 2)), np.ones((3, 3))), r"style_gram has shape \(3, 3\): must be \(2, 2\)"),
    (lambda: total_variation(np.ones((1, 1, 4))), r"image has shape \(1, 1, 4\): must be \(C, H, W\) with"),
    (lambda: content_loss([np.inf], [0.0]), r"generated\[0\]=inf: must be finite"),
])
def test_bad_input_gives_a_one_line_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- the demo ----

def test_the_default_run_transfers_the_style_and_says_so():
    warm()
    result = DEMO.run(**DEMO.defaults())
    data = result.data
    assert data["style"][-1] < data["style"][0] / 10  # the style loss falls by over 10x
    assert data["total"][-1] < data["total"][0]
    assert f"style {data['style'][-1]:.4g} (from {data['style'][0]:.4g})" in result.summary
    assert "With the TV term off, TV would end at" in result.summary
    assert data["other_tv"][-1] > data["tv"][-1]  # without the TV term the image is rougher
    result_image = np.array(data["result"])
    square = result_image[2:6, 2:6]
    checks = (-1.0) ** np.add.outer(np.arange(4), np.arange(4))
    assert abs(np.mean(square * checks)) > 0.5  # the square now alternates like a checkerboard
    assert np.mean(square) == pytest.approx(1.0, abs=0.25)  # while its mean brightness, the content, stays
    assert [row[0] for row in result.table.rows] == ["0", "1", "3", "10", "30", "100", "300"]


def test_zero_steps_leaves_the_content_image():
    data = run(steps=0).data
    assert data["content"] == [0.0] and np.array_equal(np.array(data["result"])[2:6, 2:6], np.ones((4, 4)))


def test_the_switch_and_the_weights():
    off = run(tv=False)
    assert off.data["weights"][2] == 0.0 and "With the TV term on (weight 0.1)" in off.summary
    assert "changes nothing" in run(tv_weight=0.0).summary
    styled = run(style_weight=1000.0).data
    assert styled["style"][-1] < run().data["style"][-1]


@pytest.mark.parametrize("view", ["losses", "images", "gram", "features"])
def test_each_view_draws(view):
    figure = run(view=view, steps=20).figure
    assert figure.axes[0].get_title()


# ---- the features view: the Gram matrix of a typed feature map ----

def test_the_features_view_works_the_cards_example():
    result = run(view="features", features="1,0/2,1;0,1/1,2")
    assert result.data["gram_raw"] == [[6.0, 4.0], [4.0, 6.0]] and result.data["divisor"] == 8
    assert result.data["gram"] == [[0.75, 0.5], [0.5, 0.75]]
    assert "a_1 = (1, 0, 2, 1); a_2 = (0, 1, 1, 2)" in result.summary
    assert "G_11 = 1 + 0 + 4 + 1 = 6, G_12 = 0 + 0 + 2 + 2 = 4, so G = F F^T = [[6, 4], [4, 6]]" in result.summary
    assert "C·H·W = 2·2·2 = 8: [[0.75, 0.5], [0.5, 0.75]]" in result.summary
    assert "[[6, 4], [4, 6]]" in result.summary_zh
    assert result.table.rows == (("G_11", "1 · 1", "6", "6 / 8 = 0.75"), ("G_12", "1 · 2", "4", "4 / 8 = 0.5"),
                                 ("G_22", "2 · 2", "6", "6 / 8 = 0.75"))
    ax = result.figure.axes[0]
    assert len(ax.images) == 4 and sorted(t.get_text() for t in ax.texts).count("6") == 2


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_the_features_view_sums_products_then_divides_by_chw(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, size=(int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 5))))
    text = ";".join("/".join(" ".join(str(v) for v in row) for row in channel) for channel in x)
    data = run(view="features", features=text).data
    channels, height, width = x.shape
    raw = [[sum(int(x[k, i, j]) * int(x[q, i, j]) for i in range(height) for j in range(width))
            for q in range(channels)] for k in range(channels)]
    assert data["gram_raw"] == raw
    np.testing.assert_allclose(data["gram"], gram_reference(x.astype(float)), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.array(data["gram"]) * channels * height * width, raw, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("features", "message"), [
    ("1,0/2;0,1/1,2", r"every channel must have the same rows and every row the same count"),
    ("1,0/2,1;0,1", r"every channel must have the same rows"),
    ("1,0/2,a", r"features='1,0/2,a': row 2, '2,a', must be 1 to 8 numbers separated by commas, e.g. 1,0/2,1;0"),
    (";".join(["1"] * 9), r"must have at most 8 channels"),
])
def test_the_features_view_refuses_bad_feature_maps(features, message):
    with pytest.raises(ValueError, match=message):
        run(view="features", features=features)
